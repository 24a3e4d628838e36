"""Depots and tools for generated scenarios (opt-in: ``n_depots``, ``tool_share``).

Applied to a finished problem document with a random stream of its own, so
that documents of parameters without depots or tools stay exactly as they
were. What it adds, on top of the van parts the generator already draws
(about 30% of orders need one):

- ``n_depots`` depots at the metro's first depot sites, open every working
  day 07:30-12:00 and 13:00-18:00, a 15-minute stop;
- depot-only parts: every trade's rare parts and its second common part
  leave the vans (no van carries them); the depots stock them in limited
  quantities (the day's demand split between the depots, rounded up), and
  the common parts without limit;
- tools: each order needs its trade's tool with probability ``tool_share``;
  a quarter of the technicians carry the tools of their trades, the depots
  have them all.

So an order needing a depot-only part, or a tool its technician lacks, is
served only after a visit to a depot.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time
from typing import Any

from scenarios.catalogue import TRADE_BY_SKILL, TRADES
from scenarios.geography import Metro
from scenarios.params import ScenarioParams

TOOLS: dict[str, str] = {
    "hvac": "refrigerant-gauge",
    "plumbing": "pipe-camera",
    "electrical": "insulation-tester",
    "appliance": "appliance-dolly",
    "gas": "gas-detector",
}
"""The tool each trade's jobs may need."""

OPENING = ((time(7, 30), time(12, 0)), (time(13, 0), time(18, 0)))
"""Depot opening hours, every working day (closed for lunch)."""

DEPOT_STOP_MIN = 15
"""Minutes a depot visit takes."""

TECH_TOOL_SHARE = 0.25
"""Share of technicians carrying the tools of their trades from the start."""


def depot_only_parts() -> frozenset[str]:
    """Parts only depots stock: each trade's rare parts and its second common part."""
    out = {p for t in TRADES for p in t.rare_parts}
    out |= {t.parts[1] for t in TRADES if len(t.parts) > 1}
    return frozenset(out)


def add_depots_and_tools(
    doc: dict[str, Any], params: ScenarioParams, metro: Metro, days: list[date], tz: Any
) -> None:
    """Add depots, depot-only parts and tools to the problem document ``doc`` (in place).

    Parameters
    ----------
    doc
        A document from :func:`scenarios.build.build_scenario`.
    params
        Its parameters (``n_depots``, ``tool_share``, ``seed``).
    metro
        Its metro area (depot sites).
    days
        Its working days.
    tz
        The local ``tzinfo`` of its datetimes.
    """
    rng = random.Random(f"depots-{params.seed}")
    techs, orders = doc["technicians"], doc["work_orders"]
    if params.tool_share > 0:
        for order in orders:
            if rng.random() < params.tool_share:
                skill = next(iter(order["required_skills"]))
                order["required_tools"] = [TOOLS[skill]]
        for tech in techs:
            if rng.random() < TECH_TOOL_SHARE:
                tech["tools"] = sorted(TOOLS[s] for s in tech["skills"])
    if params.n_depots == 0:
        return
    only = depot_only_parts()
    for tech in techs:
        tech["van_stock"] = {p: q for p, q in tech["van_stock"].items() if p not in only}
    demand: dict[str, int] = {}
    for order in orders:
        for part, qty in order.get("parts", {}).items():
            if part in only:
                demand[part] = demand.get(part, 0) + qty
    common = sorted({p for t in TRADES for p in t.parts} - only)
    doc["depots"] = [
        {
            "id": f"D-{k + 1}",
            "location": {"lat": site.lat, "lon": site.lon},
            "opening": [
                {
                    "start": _at(day, lo, tz),
                    "end": _at(day, hi, tz),
                }
                for day in days
                for lo, hi in OPENING
            ],
            "stop_min": DEPOT_STOP_MIN,
            "stock": {
                **{p: None for p in common},
                **{p: math.ceil(q / params.n_depots) for p, q in sorted(demand.items())},
            },
            "tools": sorted(TOOLS[t.skill] for t in TRADES if t.skill in TRADE_BY_SKILL),
        }
        for k, site in enumerate(metro.depots[: params.n_depots])
    ]


def _at(day: date, when: time, tz: Any) -> str:
    return datetime.combine(day, when, tz).isoformat()
