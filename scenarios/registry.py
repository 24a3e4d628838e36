"""Named scenarios: problems that tests, the README and the API use by name.

A :class:`Scenario` pairs a name and a one-line purpose with a ``load``
callable that returns a fresh problem document (a ``dict``, as
:func:`optimizer.document.load_problem` reads it). The registry holds the
documents bundled in ``scenarios/data/*.json`` (package data) and the seeded
generator sets of :mod:`scenarios.generators` (a set committed as a bundled
file is loaded from that file, with the set's purpose). Others join with
:func:`register`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from typing import Any

from scenarios.generators import SCENARIO_SETS, generate

DATA_PACKAGE = "scenarios"
DATA_FOLDER = "data"

PURPOSES = {
    "lyon-small": (
        "A Lyon morning: 3 technicians, 12 work orders, skills, breaks, a VIP, "
        "an order nobody can do."
    ),
}
"""One line per bundled document that is not a generator set, by file stem."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named problem.

    Parameters
    ----------
    name
        Unique, lower-case with hyphens (``lyon-small``).
    purpose
        One line saying what the scenario exercises.
    load
        Returns a new problem document on every call (callers may mutate it).
    """

    name: str
    purpose: str
    load: Callable[[], dict[str, Any]]

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip().lower() or " " in self.name:
            raise ValueError(
                f"Invalid scenario name: {self.name!r} must be non-empty, lower-case, no spaces."
            )
        if not self.purpose.strip():
            raise ValueError(f"Scenario {self.name} needs a purpose: one line, got nothing.")


_REGISTRY: dict[str, Scenario] = {}


def register(scenario: Scenario, *, replace: bool = False) -> Scenario:
    """Add ``scenario`` to the registry and return it.

    Parameters
    ----------
    scenario
        The scenario.
    replace
        Take the place of a scenario of the same name, e.g. a seeded
        generator replacing the bundled file it writes (default ``False``).

    Raises
    ------
    ValueError
        If another scenario already has its name and ``replace`` is false.
    """
    if scenario.name in _REGISTRY and not replace:
        raise ValueError(f"Duplicate scenario name: {scenario.name}.")
    _REGISTRY[scenario.name] = scenario
    return scenario


def all_scenarios() -> tuple[Scenario, ...]:
    """Every registered scenario, sorted by name."""
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``.

    Raises
    ------
    KeyError
        If there is none; the message lists the known names.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"Unknown scenario: {name}. Known scenarios: {known}.") from None


@cache
def scenario_size(scenario: Scenario) -> tuple[int, int]:
    """``(technicians, work_orders)`` of ``scenario`` (computed once per scenario)."""
    document = scenario.load()
    return len(document.get("technicians", [])), len(document.get("work_orders", []))


def scenario_summaries() -> list[dict[str, Any]]:
    """One row per registered scenario, sorted by name, without generating any.

    Each row has ``name``, ``purpose``, ``technicians``, ``work_orders``,
    ``days`` (the most shifts of a technician) and ``source``: ``bundled``
    for a document committed in ``scenarios/data``, ``generated`` for a
    seeded set made on demand. A generator set's sizes are its parameters'
    (its documents have exactly those), so listing stays fast however large
    the set (the nightly batches have 10,000 and 20,000 orders); a bundled
    document that is no generator set is read.
    """
    rows = []
    for scenario in all_scenarios():
        scenario_set = SCENARIO_SETS.get(scenario.name)
        if scenario_set is not None:
            p = scenario_set.params
            technicians, orders, days = p.n_technicians, p.n_orders, p.n_days
            is_bundled = scenario_set.is_committed
        else:
            document = scenario.load()
            technicians, orders = scenario_size(scenario)
            days = max((len(t.get("shifts", [])) for t in document["technicians"]), default=0)
            is_bundled = True
        rows.append(
            {
                "name": scenario.name,
                "purpose": scenario.purpose,
                "technicians": technicians,
                "work_orders": orders,
                "days": days,
                "source": "bundled" if is_bundled else "generated",
            }
        )
    return rows


@cache
def _bundled_text(filename: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(DATA_FOLDER, filename).read_text("utf-8")


def _bundled_loader(filename: str) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        document: dict[str, Any] = json.loads(_bundled_text(filename))
        return document

    return load


def _purpose_of_file(name: str) -> str:
    if name in PURPOSES:
        return PURPOSES[name]
    if name in SCENARIO_SETS:
        return SCENARIO_SETS[name].purpose
    return f"Bundled problem document {name}.json."


def _register_builtin() -> None:
    folder = resources.files(DATA_PACKAGE).joinpath(DATA_FOLDER)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json")
            register(Scenario(name, _purpose_of_file(name), _bundled_loader(entry.name)))
    for name, scenario_set in SCENARIO_SETS.items():
        if name not in _REGISTRY:  # not committed: generated at its default seed on demand
            register(Scenario(name, scenario_set.purpose, partial(generate, name)))


_register_builtin()
