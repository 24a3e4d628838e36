"""Named, seeded field-service scenario sets: one table, one ``generate`` function.

Every set is a :class:`ScenarioSet`: a one-line purpose, default
:class:`~scenarios.params.ScenarioParams` (seed included) and a builder
that turns parameters into a problem document. The small sets are also
committed as ``scenarios/data/<name>.json`` at their default seed, so users
can solve them at once; ``python -m scenarios.generators --write``
regenerates those files and ``--check`` fails when they are stale.

Example::

    from optimizer.document import load_problem
    from scenarios.generators import generate

    problem = load_problem(generate("metro-small"))            # the committed one
    other = load_problem(generate("metro-small", seed=7))      # another day
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scenarios.build import build_scenario
from scenarios.links import linked_builder
from scenarios.params import ScenarioParams

DATA_DIR = Path(__file__).parent / "data"
"""Folder of the committed problem documents."""

Builder = Callable[[ScenarioParams], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ScenarioSet:
    """A named scenario set.

    Parameters
    ----------
    purpose
        One line saying what the set exercises.
    params
        Default parameters; ``params.seed`` is the default seed.
    build
        Turns parameters into a problem document.
    is_committed
        Whether ``scenarios/data/<name>.json`` holds it at the default seed.
    """

    purpose: str
    params: ScenarioParams
    build: Builder = build_scenario
    is_committed: bool = False


SCENARIO_SETS: dict[str, ScenarioSet] = {
    "metro-small": ScenarioSet(
        "A Lyon weekday: 10 technicians from 4 depots or home, 50 work orders with skill "
        "levels, P1-P4 SLAs, AM/PM slots, lunch breaks and van parts.",
        ScenarioParams(n_technicians=10, n_orders=50),
        is_committed=True,
    ),
    "metro-medium": ScenarioSet(
        "A busy Lyon weekday: 50 technicians, 500 short jobs (about 10 per technician).",
        ScenarioParams(n_technicians=50, n_orders=500, service_scale=0.6),
    ),
    "metro-large": ScenarioSet(
        "A Greater Paris weekday: 200 technicians from 5 depots, 2,000 short jobs.",
        ScenarioParams(n_technicians=200, n_orders=2000, metro="paris", service_scale=0.6),
    ),
    "metro-busy": ScenarioSet(
        "A short-staffed Lyon weekday: 450 orders of about an hour for 40 technicians, about "
        "1.3x their shift hours; what is dropped must follow priority and tier.",
        ScenarioParams(n_technicians=40, n_orders=450),
    ),
    "nightly": ScenarioSet(
        "A regional night batch: 1,000 technicians in six metro areas of Auvergne-Rhône-Alpes, "
        "10,000 orders with skills, SLAs, windows, lunch breaks and parts, about 1.1x capacity.",
        ScenarioParams(n_technicians=1000, n_orders=10_000, metro="rhone-alpes", service_scale=0.9),
    ),
    "nightly-short": ScenarioSet(
        "The nightly region short-staffed: 1,000 technicians, 10,000 longer orders (on-site "
        "work about 0.95x the shift hours, about 1.3x with the driving), P1 about 5%.",
        ScenarioParams(
            n_technicians=1000, n_orders=10_000, metro="rhone-alpes", service_scale=1.05
        ),
    ),
    "nightly-20k": ScenarioSet(
        "The nightly region at twice the size, for the scaling curve: 2,000 technicians, "
        "20,000 orders.",
        ScenarioParams(n_technicians=2000, n_orders=20_000, metro="rhone-alpes", service_scale=0.9),
    ),
    "metro-rush": ScenarioSet(
        "A Lyon weekday in rush hours: 12 technicians (a third may work an hour of overtime), "
        "60 orders; driving is 40% longer 07:30-09:30 and 35% longer 16:30-19:00.",
        ScenarioParams(n_technicians=12, n_orders=60, overtime_share=0.35, rush_hours=True),
    ),
    "metro-rush-medium": ScenarioSet(
        "A busy Lyon weekday in rush hours: 50 technicians, 500 short jobs, morning and evening "
        "peaks, a third of the technicians allowed an hour of overtime.",
        ScenarioParams(
            n_technicians=50,
            n_orders=500,
            service_scale=0.6,
            overtime_share=0.35,
            rush_hours=True,
        ),
    ),
    "nightly-territories": ScenarioSet(
        "The nightly region with territories: each order and technician in the area of its "
        "nearest town (12 of them); a fifth of the technicians may not leave theirs.",
        ScenarioParams(
            n_technicians=1000,
            n_orders=10_000,
            metro="rhone-alpes",
            service_scale=0.9,
            territories=True,
            hard_territory_share=0.2,
        ),
    ),
    "week": ScenarioSet(
        "A Lyon working week: 20 technicians x 5 days, 600 orders, appointments across days "
        "and SLA deadlines spread over the week.",
        ScenarioParams(
            n_technicians=20,
            n_orders=600,
            n_days=5,
            priority_mix=(0.02, 0.08, 0.45, 0.45),
            appointment_share=0.6,
        ),
    ),
    "skills-scarce": ScenarioSet(
        "A rare skill is the bottleneck: 2 of 12 technicians are gas-certified and a quarter "
        "of the 60 orders need it.",
        ScenarioParams(
            n_technicians=12, n_orders=60, rare_skill_technicians=2, rare_skill_order_share=0.25
        ),
        is_committed=True,
    ),
    "p1-surge": ScenarioSet(
        "A storm morning: 30% of 90 orders are P1 emergencies in one district, reported "
        "09:00-11:00, each to be reached within 4 h (VIP 2 h).",
        ScenarioParams(n_technicians=15, n_orders=90, surge_share=0.3),
        is_committed=True,
    ),
    "vip-windows": ScenarioSet(
        "Tight VIP appointments: a third of 60 orders are VIP customers booked into "
        "1-hour windows, among AM/PM slots.",
        ScenarioParams(n_technicians=12, n_orders=60, vip_share=0.35, vip_window_min=60),
        is_committed=True,
    ),
    "overloaded": ScenarioSet(
        "Demand above capacity: 100 orders need 1.2x the 10 technicians' shift hours on site "
        "alone; P1/P2 must all be served and what is dropped should be standard P3/P4.",
        ScenarioParams(
            n_technicians=10,
            n_orders=100,
            priority_mix=(0.05, 0.15, 0.40, 0.40),
            appointment_share=0.2,
            service_scale=1.3,
        ),
        is_committed=True,
    ),
    "crews-links": ScenarioSet(
        "Crews and linked visits on a Lyon weekday: 20 technicians, 150 orders; 8% need a "
        "lead and a helper on site at once, 6% are inspection -> installation pairs (an hour "
        "apart, same day, a third by the same technician).",
        ScenarioParams(n_technicians=20, n_orders=150),
        build=linked_builder(crew_share=0.08, chain_share=0.06),
        is_committed=True,
    ),
    "metro-depots": ScenarioSet(
        "Parts and tools from depots: 60 Lyon orders for 12 technicians, 30% needing a part "
        "(half of them kept only at the 2 depots, in limited stock) and 15% a trade tool "
        "most vans lack; the right plan drives to a depot before those orders.",
        ScenarioParams(n_technicians=12, n_orders=60, n_depots=2, tool_share=0.15, seed=7),
        is_committed=True,
    ),
}
"""Every scenario set by name."""

COMMITTED_SETS: tuple[str, ...] = tuple(n for n, s in SCENARIO_SETS.items() if s.is_committed)
"""Names of the sets committed as JSON documents in :data:`DATA_DIR`."""


def scenario_params(name: str, seed: int | None = None) -> ScenarioParams:
    """The parameters of set ``name``, with ``seed`` instead of its default when given.

    Raises
    ------
    KeyError
        If no set is called ``name`` (the message lists the known names).
    ValueError
        If ``seed`` is negative.
    """
    try:
        params = SCENARIO_SETS[name].params
    except KeyError:
        known = ", ".join(SCENARIO_SETS)
        raise KeyError(f"Unknown scenario set: {name}. Known sets: {known}.") from None
    return params if seed is None else replace(params, seed=seed)


def generate(name: str, seed: int | None = None) -> dict[str, Any]:
    """Generate the problem document of set ``name``.

    Parameters
    ----------
    name
        A key of :data:`SCENARIO_SETS`.
    seed
        Seed of the random stream; ``None`` (default) uses the set's default
        seed, which gives the committed document for committed sets.

    Returns
    -------
    dict
        A new problem document on every call (callers may mutate it).

    Raises
    ------
    KeyError
        If no set is called ``name``.
    ValueError
        If ``seed`` is negative.
    """
    params = scenario_params(name, seed)
    return SCENARIO_SETS[name].build(params)


def document_text(document: dict[str, Any]) -> str:
    """The JSON text a problem document is committed or written as."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def committed_files() -> dict[Path, str]:
    """The committed document paths and the text each one should hold."""
    return {DATA_DIR / f"{name}.json": document_text(generate(name)) for name in COMMITTED_SETS}


def main(argv: Sequence[str] | None = None) -> int:
    """Write (``--write``) or check (``--check``) the committed scenario documents.

    Returns
    -------
    int
        0 on success; 1 when ``--check`` finds a stale or missing file.
    """
    parser = argparse.ArgumentParser(
        prog="python -m scenarios.generators",
        description="Write or check the committed scenario documents in scenarios/data.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write scenarios/data/<set>.json")
    mode.add_argument("--check", action="store_true", help="fail if they are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in committed_files().items():
        if args.write:
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path}\n")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            sys.stdout.write(f"stale {path}: run python -m scenarios.generators --write\n")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
