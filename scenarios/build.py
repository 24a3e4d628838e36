"""Build a field-service problem document from :class:`ScenarioParams`.

The output is a problem document (``dict``) that
:func:`optimizer.document.load_problem` reads. One ``random.Random(seed)``
stream drives everything, in a fixed order, so the same parameters always
give the same document (``random.Random`` with an integer seed is stable
across Python versions).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from optimizer.domain import Priority, Tier
from scenarios.catalogue import (
    AM_WINDOW,
    FIRST_NAMES,
    LAST_NAMES,
    LEVEL_SERVICE_FACTOR,
    LUNCH_MIN,
    LUNCH_WINDOW,
    ORDER_LEVEL_WEIGHTS,
    PLAN_TIME,
    PM_WINDOW,
    REPORT_CUTOFF,
    SHIFT_PATTERNS,
    SLA_POLICIES,
    TRADE_BY_SKILL,
    TRADES,
    Trade,
)
from scenarios.depots import add_depots_and_tools
from scenarios.geography import METROS, Metro, demand_point, point_near
from scenarios.params import ScenarioParams

HOME_SPREAD_KM = 5.0
"""Standard deviation of a home-based technician's home around the depot."""


def business_days(start: date, n: int) -> list[date]:
    """The ``n`` working days (Monday to Friday) from ``start`` on."""
    days: list[date] = []
    day = start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def add_business_days(day: date, k: int) -> date:
    """The working day ``k`` working days after (``k < 0``: before) ``day``, a weekday."""
    step = 1 if k >= 0 else -1
    for _ in range(abs(k)):
        day += timedelta(days=step)
        while day.weekday() >= 5:
            day += timedelta(days=step)
    return day


class _Clock:
    """Local datetimes of the scenario's metro, written as ISO-8601 with the offset."""

    def __init__(self, metro: Metro) -> None:
        self.tz = timezone(timedelta(hours=metro.utc_offset_h))

    def at(self, day: date, when: time) -> datetime:
        return datetime.combine(day, when, self.tz)

    @staticmethod
    def iso(when: datetime) -> str:
        return when.isoformat()


def _uniform_time(rng: random.Random, day: date, lo: time, hi: time, clock: _Clock) -> datetime:
    """A whole minute drawn uniformly between ``lo`` and ``hi`` on ``day``."""
    start = clock.at(day, lo)
    minutes = int((clock.at(day, hi) - start).total_seconds() // 60)
    return start + timedelta(minutes=rng.randrange(minutes + 1))


# --- technicians ---------------------------------------------------------------------


def _skills(rng: random.Random, params: ScenarioParams, has_rare: bool) -> dict[str, int]:
    scarce = params.rare_skill_technicians is not None
    pool = [t for t in TRADES if not (scarce and t.skill == params.rare_skill)]
    primary = rng.choices(pool, weights=[t.tech_share for t in pool])[0]
    skills = {primary.skill: 2 if rng.random() < 0.55 else 3}
    others = [t for t in pool if t.skill != primary.skill and t.skill != params.rare_skill]
    n_extra = (rng.random() < 0.6) + (rng.random() < 0.25)
    for trade in rng.sample(others, n_extra):
        skills[trade.skill] = 1 if rng.random() < 0.6 else 2
    if has_rare:
        skills[params.rare_skill] = 3
    return skills


def _van_stock(rng: random.Random, skills: dict[str, int]) -> dict[str, int]:
    stock: dict[str, int] = {}
    for skill in sorted(skills):
        trade = TRADE_BY_SKILL[skill]
        for part in trade.parts:
            stock[part] = rng.randint(1, 3)
        for part in trade.rare_parts:
            if rng.random() < 0.3:
                stock[part] = 1
    return stock


def _shifts(rng: random.Random, days: list[date], clock: _Clock) -> list[dict[str, Any]]:
    start, end, _ = rng.choices(SHIFT_PATTERNS, weights=[p[2] for p in SHIFT_PATTERNS])[0]
    lunch_lo, lunch_hi = LUNCH_WINDOW
    return [
        {
            "start": clock.iso(clock.at(day, start)),
            "end": clock.iso(clock.at(day, end)),
            "breaks": [
                {
                    "duration_min": LUNCH_MIN,
                    "window_start": clock.iso(clock.at(day, lunch_lo)),
                    "window_end": clock.iso(clock.at(day, lunch_hi)),
                }
            ],
        }
        for day in days
    ]


def _technicians(
    rng: random.Random, params: ScenarioParams, metro: Metro, days: list[date], clock: _Clock
) -> list[dict[str, Any]]:
    rare_idx: set[int] = set()
    if params.rare_skill_technicians is not None:
        rare_idx = set(rng.sample(range(params.n_technicians), params.rare_skill_technicians))
    techs = []
    for i in range(params.n_technicians):
        depot = metro.depots[i % len(metro.depots)]
        if rng.random() < params.depot_based_share:
            base = {"lat": depot.lat, "lon": depot.lon}
        else:
            lat, lon = point_near(rng, metro, depot.lat, depot.lon, HOME_SPREAD_KM)
            base = {"lat": lat, "lon": lon}
        skills = _skills(rng, params, i in rare_idx)
        techs.append(
            {
                "id": f"T-{i + 1:03d}",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "skills": skills,
                "shifts": _shifts(rng, days, clock),
                "start": base,
                "end": dict(base),
                "van_stock": _van_stock(rng, skills),
                "cost_per_hour": 35.0 + 5.0 * max(skills.values()),
            }
        )
    if params.rare_skill_technicians is None:
        _cover_every_trade(rng, techs)
    return techs


def _cover_every_trade(rng: random.Random, techs: list[dict[str, Any]]) -> None:
    """Give each trade nobody has to one technician at level 2 (every order stays doable)."""
    for trade in TRADES:
        if not any(trade.skill in t["skills"] for t in techs):
            tech = rng.choice(techs)
            tech["skills"][trade.skill] = 2
            for part in trade.parts:
                tech["van_stock"][part] = rng.randint(1, 3)


# --- work orders ---------------------------------------------------------------------


def _trade(rng: random.Random, params: ScenarioParams) -> Trade:
    share = params.rare_skill_order_share
    weights = [t.demand_share for t in TRADES]
    if share is not None:
        rest = sum(w for t, w in zip(TRADES, weights, strict=True) if t.skill != params.rare_skill)
        weights = [
            share if t.skill == params.rare_skill else w * (1.0 - share) / rest
            for t, w in zip(TRADES, weights, strict=True)
        ]
    return rng.choices(TRADES, weights=weights)[0]


def _required_skills(
    rng: random.Random, params: ScenarioParams, trade: Trade, techs: list[dict[str, Any]]
) -> dict[str, int]:
    level = rng.choices((1, 2, 3), weights=ORDER_LEVEL_WEIGHTS)[0]
    if trade.skill == params.rare_skill and params.rare_skill_order_share is not None:
        level = max(level, 2)
    best = max(t["skills"].get(trade.skill, 0) for t in techs)
    required = {trade.skill: min(level, best)}
    if rng.random() < 0.1:  # a second trade at basic level, if someone has both
        others = [t for t in TRADES if t.skill not in (trade.skill, params.rare_skill)]
        other = rng.choice(others)
        both = {**required, other.skill: 1}
        if any(_is_qualified(t, both) for t in techs):
            required = both
    return required


def _is_qualified(tech: dict[str, Any], required: dict[str, int]) -> bool:
    return all(tech["skills"].get(s, 0) >= lvl for s, lvl in required.items())


def _service_min(rng: random.Random, params: ScenarioParams, trade: Trade, level: int) -> int:
    raw = trade.service_min * LEVEL_SERVICE_FACTOR[level] * params.service_scale
    raw *= rng.lognormvariate(0.0, 0.25)
    return max(15, 5 * round(raw / 5))


def _sla(
    rng: random.Random, priority: Priority, tier: Tier, days: list[date], clock: _Clock
) -> tuple[datetime, dict[str, str]]:
    """Report time of an order open when the plan is made, and its SLA deadlines."""
    policy = SLA_POLICIES[(priority, tier)]
    day0, plan_lo = days[0], time(6, 0)
    if policy.resolve_business_days is None:
        reported = _uniform_time(rng, day0, plan_lo, PLAN_TIME, clock)
    else:
        ago = rng.randint(0, policy.resolve_business_days)
        if ago > 0:
            day = add_business_days(day0, -ago)
            reported = _uniform_time(rng, day, time(8, 0), time(18, 0), clock)
        elif rng.random() < 0.5:
            day = add_business_days(day0, -1)
            reported = _uniform_time(rng, day, REPORT_CUTOFF, time(18, 0), clock)
        else:
            reported = _uniform_time(rng, day0, plan_lo, PLAN_TIME, clock)
    return reported, _deadlines(priority, tier, reported, clock)


def _deadlines(priority: Priority, tier: Tier, reported: datetime, clock: _Clock) -> dict[str, str]:
    policy = SLA_POLICIES[(priority, tier)]
    out: dict[str, str] = {}
    if policy.respond_within_min is not None:
        out["respond_by"] = clock.iso(reported + timedelta(minutes=policy.respond_within_min))
    if policy.resolve_business_days is not None:
        counted = reported.date()
        if counted.weekday() >= 5 or reported.timetz().replace(tzinfo=None) >= REPORT_CUTOFF:
            counted = add_business_days(counted, 1)
        due = add_business_days(counted, policy.resolve_business_days)
        out["resolve_by"] = clock.iso(clock.at(due, time(policy.resolve_by_hour, 0)))
    return out


def _window(
    rng: random.Random,
    params: ScenarioParams,
    tier: Tier,
    service_min: int,
    deadline: datetime | None,
    days: list[date],
    clock: _Clock,
) -> list[dict[str, str]]:
    """An appointment window on a day no later than the deadline, or none."""
    narrow = params.vip_window_min is not None and tier is Tier.VIP
    if not narrow and rng.random() >= params.appointment_share:
        return []
    last = len(days) - 1
    if deadline is not None:
        last = min(last, max(0, sum(1 for d in days if d <= deadline.date()) - 1))
    day = days[rng.randint(0, last)]
    latest_start = None
    if deadline is not None and deadline.date() == day:
        latest_start = deadline - timedelta(minutes=service_min)
    if narrow:
        width = timedelta(minutes=params.vip_window_min or 0)
        first, last_start = clock.at(day, AM_WINDOW[0]), clock.at(day, PM_WINDOW[1]) - width
        starts = []
        slot = first
        while slot <= last_start:
            if latest_start is None or slot + width <= latest_start:
                starts.append(slot)
            slot += timedelta(minutes=30)
        if not starts:
            return []
        start = rng.choice(starts)
        return [{"start": clock.iso(start), "end": clock.iso(start + width)}]
    slots = [AM_WINDOW, PM_WINDOW]
    if latest_start is not None:
        slots = [s for s in slots if clock.at(day, s[1]) <= latest_start] or [AM_WINDOW]
    lo, hi = rng.choice(slots)
    return [{"start": clock.iso(clock.at(day, lo)), "end": clock.iso(clock.at(day, hi))}]


def _parts(rng: random.Random, params: ScenarioParams, trade: Trade) -> dict[str, int]:
    if rng.random() >= params.parts_share:
        return {}
    if trade.rare_parts and rng.random() < 0.15:
        return {rng.choice(trade.rare_parts): 1}
    return {rng.choice(trade.parts): 1}


def _order(
    rng: random.Random,
    params: ScenarioParams,
    techs: list[dict[str, Any]],
    days: list[date],
    clock: _Clock,
    location: tuple[float, float],
    surge_at: datetime | None,
) -> dict[str, Any]:
    trade = _trade(rng, params)
    required = _required_skills(rng, params, trade, techs)
    service = _service_min(rng, params, trade, required[trade.skill])
    tier = Tier.VIP if rng.random() < params.vip_share else Tier.STANDARD
    if surge_at is not None:
        priority, reported = Priority.P1, surge_at
        deadlines = _deadlines(priority, tier, reported, clock)
    else:
        priority = rng.choices(list(Priority), weights=params.priority_mix)[0]
        reported, deadlines = _sla(rng, priority, tier, days, clock)
    windows: list[dict[str, str]] = []
    if priority is not Priority.P1:
        due = deadlines.get("resolve_by")
        deadline = None if due is None else datetime.fromisoformat(due)
        windows = _window(rng, params, tier, service, deadline, days, clock)
    order: dict[str, Any] = {
        "location": {"lat": location[0], "lon": location[1]},
        "service_min": service,
        "required_skills": required,
        "priority": priority.name,
        "tier": tier.value,
    }
    if windows:
        order["windows"] = windows
    order.update(deadlines)
    if surge_at is not None:
        order["not_before"] = clock.iso(surge_at)
    parts = _parts(rng, params, trade)
    if parts:
        order["parts"] = parts
    return order


def _orders(
    rng: random.Random,
    params: ScenarioParams,
    metro: Metro,
    techs: list[dict[str, Any]],
    days: list[date],
    clock: _Clock,
) -> list[dict[str, Any]]:
    n_surge = round(params.surge_share * params.n_orders)
    district = rng.choice(metro.centres)
    orders = []
    for i in range(params.n_orders):
        surge_at = None
        if i >= params.n_orders - n_surge:
            location = point_near(rng, metro, district.lat, district.lon, 1.5 * metro.spread_km)
            surge_at = _uniform_time(rng, days[0], params.surge_start, params.surge_end, clock)
        else:
            location = demand_point(rng, metro)
        order = _order(rng, params, techs, days, clock, location, surge_at)
        orders.append({"id": f"WO-{i + 1:04d}", **order})
    return orders


def _stock_required_parts(
    rng: random.Random, techs: list[dict[str, Any]], orders: list[dict[str, Any]]
) -> None:
    """Make sure some qualified technician carries each order's parts (doable alone)."""
    for order in orders:
        if not order.get("parts"):
            continue
        qualified = [t for t in techs if _is_qualified(t, order["required_skills"])]
        carriers = [
            t
            for t in qualified
            if all(t["van_stock"].get(p, 0) >= q for p, q in order["parts"].items())
        ]
        if not carriers:
            tech = rng.choice(qualified)
            for part, qty in order["parts"].items():
                tech["van_stock"][part] = max(qty, tech["van_stock"].get(part, 0))


def build_scenario(params: ScenarioParams) -> dict[str, Any]:
    """Generate the problem document of ``params``.

    Parameters
    ----------
    params
        Fleet, demand, mix, horizon and seed.

    Returns
    -------
    dict
        A problem document (geodesic travel in the metro's box, technicians
        with skills, shifts, lunch breaks and van stock, work orders with
        priorities, tiers, SLA deadlines, windows and parts); every order
        has at least one technician with its skills and parts.
    """
    rng = random.Random(params.seed)
    metro = METROS[params.metro]
    clock = _Clock(metro)
    days = business_days(params.start_date, params.n_days)
    techs = _technicians(rng, params, metro, days, clock)
    orders = _orders(rng, params, metro, techs, days, clock)
    _stock_required_parts(rng, techs, orders)
    doc = {
        "travel": {"kind": "geodesic", "speed_kmh": metro.speed_kmh, "circuity": metro.circuity},
        "sla_yellow_threshold_min": 30,
        "technicians": techs,
        "work_orders": orders,
    }
    if params.n_depots or params.tool_share:  # opt-in: other documents stay as they were
        add_depots_and_tools(doc, params, metro, days, clock.tz)
    return doc
