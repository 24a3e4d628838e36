"""Crews and linked visits on top of a generated day (the ``crews-links`` set).

:func:`linked_builder` wraps :func:`scenarios.build.build_scenario`: the day
is generated as usual, then, from a random stream of its own (so the day
itself is the same as without links):

- a share of the orders need a crew: a qualified lead at the order's skill
  level plus one helper (one crew in ten: two) holding the trade at level 1,
  starting together (a third of them within 10 minutes), on site 30% longer
  and without van parts;
- a share of the orders form inspection → installation pairs: the
  installation is at the inspection's address, starts at least an hour after
  it ends on the same day (a third of them by the same technician), lasts
  half as long again and has no appointment window or SLA deadline of its own.

Only crews that distinct technicians of the day can fill are made.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from optimizer.link_rules import fillable
from scenarios.build import build_scenario
from scenarios.params import ScenarioParams

#: Offset of the links' random stream from the day's seed.
STREAM = 0x11_4E_C5


def _qualified(techs: list[dict[str, Any]], need: dict[str, int]) -> list[str]:
    return [t["id"] for t in techs if all(t["skills"].get(s, 0) >= lv for s, lv in need.items())]


def add_links(
    document: dict[str, Any], seed: int, crew_share: float, chain_share: float
) -> dict[str, Any]:
    """``document`` with crews on ``crew_share`` of its orders and chains on ``chain_share``."""
    rng = random.Random(seed + STREAM)
    orders: list[dict[str, Any]] = document["work_orders"]
    techs: list[dict[str, Any]] = document["technicians"]
    candidates = [o for o in orders if o.get("priority") != "P1" and len(o["required_skills"]) == 1]
    rng.shuffle(candidates)
    n_crews = round(crew_share * len(orders))
    n_pairs = round(chain_share * len(orders) / 2)
    used: set[str] = set()
    for order in candidates:
        if n_crews == 0:
            break
        ((skill, level),) = order["required_skills"].items()
        helpers = 2 if rng.random() < 0.1 else 1
        members = [{skill: level}] + [{skill: 1} for _ in range(helpers)]
        if not fillable([_qualified(techs, m) for m in members], None):
            continue
        order["required_skills"] = {}
        order["crew_size"] = len(members)
        order["crew_member_skills"] = members
        order["crew_sync_tolerance_min"] = 10 if rng.random() < 1 / 3 else 0
        order["service_min"] = round(order["service_min"] * 1.3)
        order.pop("parts", None)
        used.add(order["id"])
        n_crews -= 1
    rest = [o for o in candidates if o["id"] not in used]
    for first, then in zip(rest[0 : 2 * n_pairs : 2], rest[1 : 2 * n_pairs : 2], strict=True):
        then["location"] = dict(first["location"])
        then["required_skills"] = dict(first["required_skills"])
        then["service_min"] = round(then["service_min"] * 1.5)
        for key in ("windows", "respond_by", "resolve_by", "not_before"):
            then.pop(key, None)
        then["dependencies"] = [
            {
                "after": first["id"],
                "min_delay_min": 60,
                "same_day": True,
                "same_technician": rng.random() < 1 / 3,
            }
        ]
    return document


def linked_builder(
    crew_share: float, chain_share: float
) -> Callable[[ScenarioParams], dict[str, Any]]:
    """A set builder: the generated day of the parameters, with crews and chains added."""

    def build(params: ScenarioParams) -> dict[str, Any]:
        return add_links(build_scenario(params), params.seed, crew_share, chain_share)

    return build
