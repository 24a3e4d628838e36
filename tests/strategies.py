"""Hypothesis strategies: small valid problems (<= 8 orders, <= 3 technicians, integer seconds).

They include infeasible ones on purpose: missing skills, impossible
windows, hard deadlines, pins, exclusions, parts shortages, tight limits.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from optimizer import (
    Break,
    Priority,
    Problem,
    Shift,
    Technician,
    Tier,
    TimeWindow,
    Weights,
    WorkOrder,
)
from tests.factories import HOUR, at, problem

SKILLS = ("hvac", "electrical")


@st.composite
def technicians(draw: st.DrawFn, tech_id: str) -> Technician:
    """A technician with 1-2 shifts, maybe a break, skills and limits."""
    day_starts = draw(st.lists(st.sampled_from([0, 24]), min_size=1, max_size=2, unique=True))
    shifts = []
    for day in sorted(day_starts):
        start_h = day + draw(st.integers(6, 9))
        end_h = start_h + draw(st.integers(4, 10))
        breaks: tuple[Break, ...] = ()
        if draw(st.booleans()):
            b_start = start_h + 2
            breaks = (
                Break(
                    draw(st.sampled_from([900, 1800])),
                    TimeWindow(b_start * HOUR, (b_start + 2) * HOUR),
                ),
            )
        shifts.append(Shift(start_h * HOUR, end_h * HOUR, breaks))
    return Technician(
        id=tech_id,
        shifts=tuple(shifts),
        start=at(draw(st.integers(-10, 10)), draw(st.integers(-10, 10))),
        end=draw(st.none() | st.just(at(0, 0))),
        skills={s: draw(st.integers(1, 3)) for s in draw(st.sets(st.sampled_from(SKILLS)))},
        max_orders_per_shift=draw(st.none() | st.integers(0, 4)),
        max_work_s_per_shift=draw(st.none() | st.integers(1, 8).map(lambda h: h * HOUR)),
        max_travel_s_per_shift=draw(st.none() | st.integers(10, 120).map(lambda m: m * 60)),
        van_stock=draw(st.dictionaries(st.just("valve"), st.integers(0, 3))),
        speed_factor=draw(st.sampled_from([1.0, 1.0, 0.8, 1.25])),
    )


@st.composite
def work_orders(draw: st.DrawFn, order_id: str, tech_ids: list[str]) -> WorkOrder:
    """A work order with random skills, windows, SLA deadlines, parts and pins."""
    windows = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(5, 40)) * HOUR // 2
        windows.append(TimeWindow(start, start + draw(st.integers(0, 4)) * HOUR // 2))
    respond_by = draw(st.none() | st.integers(6, 36).map(lambda h: h * HOUR))
    pinned = (
        draw(st.none() | st.sampled_from(tech_ids)) if tech_ids and draw(st.booleans()) else None
    )
    excluded = tuple(t for t in tech_ids if t != pinned and draw(st.integers(0, 4)) == 0)
    return WorkOrder(
        id=order_id,
        location=at(draw(st.integers(-15, 15)), draw(st.integers(-15, 15))),
        service_s=draw(st.integers(0, 8)) * 900,
        required_skills={
            s: draw(st.integers(1, 3)) for s in draw(st.sets(st.sampled_from(SKILLS), max_size=1))
        },
        priority=draw(st.sampled_from(list(Priority))),
        tier=draw(st.sampled_from(list(Tier))),
        windows=tuple(windows),
        respond_by_s=respond_by,
        is_sla_hard=draw(st.booleans()) if respond_by is not None else False,
        parts=draw(st.dictionaries(st.just("valve"), st.integers(1, 2))),
        pinned_technician_id=pinned,
        preferred_technician_ids=tuple(draw(st.sets(st.sampled_from(tech_ids))))
        if tech_ids
        else (),
        excluded_technician_ids=excluded,
    )


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A small random problem: 0-3 technicians, 0-8 work orders."""
    tech_ids = [f"T{i}" for i in range(draw(st.integers(0, 3)))]
    techs = [draw(technicians(t)) for t in tech_ids]
    orders = [draw(work_orders(f"W{i}", tech_ids)) for i in range(draw(st.integers(0, 8)))]
    return problem(techs, orders)


@st.composite
def working_day_problems(draw: st.DrawFn) -> Problem:
    """A problem of :func:`problems` with the working day's features (issue 24) drawn in.

    Shifts may allow overtime (some with their own price per minute);
    technicians may have territories (hard or preferred) and orders one;
    working time may be priced (departures optimised), labour too.
    """
    base = draw(problems())
    names = ["north", "south"]
    orders = tuple(
        replace(o, territory=draw(st.none() | st.sampled_from(names))) for o in base.work_orders
    )
    techs = []
    for tech in base.technicians:
        territories = tuple(draw(st.sets(st.sampled_from(names), max_size=2)))
        tech = replace(
            tech,
            cost_per_hour=draw(st.sampled_from([0.0, 40.0])),
            territories=territories,
            is_territory_hard=bool(territories) and draw(st.booleans()),
        )
        shifts = []
        for shift in tech.shifts:
            if draw(st.booleans()):
                shift = replace(
                    shift,
                    max_overtime_s=draw(st.integers(1, 8)) * 900,
                    overtime_per_minute=draw(st.none() | st.sampled_from([0.0, 1.0, 5.0])),
                )
            shifts.append(shift)
        techs.append(replace(tech, shifts=tuple(shifts)))
    weights = Weights(
        working_time_per_hour=draw(st.sampled_from([0.0, 30.0, 600.0])),
        labor_cost=draw(st.sampled_from([0.0, 1.0])),
    )
    return replace(base, technicians=tuple(techs), work_orders=orders, weights=weights)
