"""Validator rules of crews and linked visits: one satisfied/violated pair per rule.

Technicians start at the origin without an end location; every order is
6 km east (600 s of driving), so a one-stop route leaving at ``dep`` arrives
at ``dep + 600``. Plans are written by hand.
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.check import ViolationCode, check_plan
from optimizer.domain import Crew, Dependency, Shift, WorkOrder
from optimizer.plan import Plan, Route, SolveStats, Stop, Unassigned, UnassignedReason
from optimizer.problem import Problem
from tests.factories import HOUR, at, order, problem, tech

C = ViolationCode
DAY = 24 * HOUR


def _stop(wid: str, start_s: int, service_s: int, crew: tuple[str, ...] = ()) -> Stop:
    return Stop(wid, start_s, start_s, start_s + service_s, 0, 600, 6000, crew=crew)


def _route(tid: str, stops: list[Stop], shift_index: int = 0) -> Route:
    """Stops at the same place: the first 600 s from the origin, the rest 0 s apart."""
    timed = [replace(stops[0], arrival_s=stops[0].start_s)]
    for stop in stops[1:]:
        prev = timed[-1]
        timed.append(
            replace(
                stop,
                arrival_s=prev.end_s,
                wait_s=stop.start_s - prev.end_s,
                travel_s=0,
                distance_m=0,
            )
        )
    return Route(tid, shift_index, timed[0].start_s - 600, timed[-1].end_s, tuple(timed))


def _plan(routes: list[Route], unassigned: list[str] = ()) -> Plan:  # type: ignore[assignment]
    left = tuple(Unassigned(w, UnassignedReason.CAPACITY_EXHAUSTED) for w in unassigned)
    return Plan(tuple(routes), left, SolveStats("feasible", 0.0, None, 0.0))


def _codes(prob: Problem, plan: Plan) -> list[str]:
    return [v.code.value for v in check_plan(prob, plan)]


def _crew_problem(**crew_kw: object) -> Problem:
    skills = {"elec": 3}
    techs = [tech("T1", skills=skills), tech("T2", skills={"elec": 1}), tech("T3", skills=skills)]
    crew = Crew(member_skills=({"elec": 3}, {}), **crew_kw)  # type: ignore[arg-type]
    return problem(techs, [order("A", crew=crew, required_skills={"elec": 1})])


NINE = 9 * HOUR


def test_crew_served_by_its_members_in_sync_is_valid() -> None:
    prob = _crew_problem()
    crew = ("T1", "T2")
    plan = _plan(
        [_route("T1", [_stop("A", NINE, HOUR, crew)]), _route("T2", [_stop("A", NINE, HOUR, crew)])]
    )
    assert _codes(prob, plan) == []


def test_crew_served_by_one_technician_is_short() -> None:
    prob = _crew_problem()
    plan = _plan([_route("T1", [_stop("A", NINE, HOUR, ("T1",))])])
    assert "crew_size_mismatch" in _codes(prob, plan)


def test_crew_member_twice_is_not_distinct() -> None:
    prob = replace(_crew_problem(), technicians=(tech("T1", skills={"elec": 3}),))
    crew = ("T1", "T1")
    route = _route("T1", [_stop("A", NINE, HOUR, crew), _stop("A", NINE + HOUR, HOUR, crew)])
    assert "crew_not_distinct" in _codes(prob, _plan([route]))


def test_crew_members_must_fill_each_requirement() -> None:
    prob = _crew_problem()
    crew = ("T2", "T3")
    ok = _plan(
        [_route("T2", [_stop("A", NINE, HOUR, crew)]), _route("T3", [_stop("A", NINE, HOUR, crew)])]
    )
    assert _codes(prob, ok) == []
    two_helpers = replace(
        prob,
        technicians=(
            tech("T1", skills={"elec": 3}),
            tech("T2", skills={"elec": 1}),
            tech("T3", skills={"elec": 1}),
        ),
    )
    assert _codes(two_helpers, ok) == ["crew_not_qualified"]


def test_crew_starts_within_the_tolerance() -> None:
    crew = ("T1", "T2")
    plan = _plan(
        [
            _route("T1", [_stop("A", NINE, HOUR, crew)]),
            _route("T2", [_stop("A", NINE + 300, HOUR, crew)]),
        ]
    )
    assert _codes(_crew_problem(), plan) == ["crew_not_synchronised"]
    assert _codes(_crew_problem(sync_tolerance_s=300), plan) == []


def test_crew_stop_names_every_member_sorted() -> None:
    prob = _crew_problem()
    plan = _plan(
        [
            _route("T1", [_stop("A", NINE, HOUR, ("T2", "T1"))]),
            _route("T2", [_stop("A", NINE, HOUR, ("T1", "T2"))]),
        ]
    )
    assert _codes(prob, plan) == ["crew_list_mismatch"]
    single = problem([tech("T1")], [order("B")])
    listed = _plan([_route("T1", [_stop("B", NINE, HOUR, ("T1",))])])
    assert _codes(single, listed) == ["crew_list_mismatch"]
    assert _codes(single, _plan([_route("T1", [_stop("B", NINE, HOUR)])])) == []


def test_crew_pin_is_a_member() -> None:
    prob = _crew_problem()
    pinned = replace(prob, work_orders=(replace(prob.work_orders[0], pinned_technician_id="T3"),))
    crew = ("T1", "T2")
    plan = _plan(
        [_route("T1", [_stop("A", NINE, HOUR, crew)]), _route("T2", [_stop("A", NINE, HOUR, crew)])]
    )
    assert _codes(prob, plan) == []
    assert _codes(pinned, plan) == ["pin_violated"]


def _linked(**dep_kw: object) -> Problem:
    techs = [
        tech("T1", shifts=(Shift(8 * HOUR, 17 * HOUR), Shift(DAY + 8 * HOUR, DAY + 17 * HOUR))),
        tech("T2"),
    ]
    first = order("P", location=at(6))
    then: WorkOrder = order("S", location=at(6), dependencies=(Dependency("P", **dep_kw),))  # type: ignore[arg-type]
    return problem(techs, [first, then])


def test_successor_starts_after_the_predecessor_ends_plus_the_delay() -> None:
    prob = _linked(min_delay_s=1800)
    ok = _plan([_route("T1", [_stop("P", NINE, HOUR), _stop("S", NINE + HOUR + 1800, HOUR)])])
    assert _codes(prob, ok) == []
    early = _plan([_route("T1", [_stop("P", NINE, HOUR), _stop("S", NINE + HOUR + 1799, HOUR)])])
    assert _codes(prob, early) == ["dependency_too_early"]


def test_successor_starts_within_the_maximum_delay() -> None:
    prob = _linked(max_delay_s=HOUR)
    ok = _plan([_route("T1", [_stop("P", NINE, HOUR), _stop("S", NINE + 2 * HOUR, HOUR)])])
    assert _codes(prob, ok) == []
    late = _plan([_route("T1", [_stop("P", NINE, HOUR), _stop("S", NINE + 2 * HOUR + 1, HOUR)])])
    assert _codes(prob, late) == ["dependency_too_late"]


def test_same_technician_link() -> None:
    prob = _linked(same_technician=True)
    same = _plan([_route("T1", [_stop("P", NINE, HOUR), _stop("S", NINE + HOUR, HOUR)])])
    assert _codes(prob, same) == []
    other = _plan(
        [_route("T1", [_stop("P", NINE, HOUR)]), _route("T2", [_stop("S", NINE + HOUR, HOUR)])]
    )
    assert _codes(prob, other) == ["dependency_other_technician"]
    assert _codes(_linked(), other) == []


def test_same_day_link() -> None:
    prob = _linked(same_day=True)
    next_day = _plan(
        [
            _route("T1", [_stop("P", NINE, HOUR)]),
            _route("T1", [_stop("S", DAY + NINE, HOUR)], shift_index=1),
        ]
    )
    assert _codes(prob, next_day) == ["dependency_other_day"]
    assert _codes(_linked(), next_day) == []


def test_successor_of_an_unserved_order_is_unserved() -> None:
    prob = _linked()
    served = _plan([_route("T1", [_stop("S", NINE, HOUR)])], ["P"])
    assert _codes(prob, served) == ["predecessor_unserved"]
    assert _codes(prob, _plan([], ["P", "S"])) == []
