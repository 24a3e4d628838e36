"""Priority protection: no order left out that cheaper work could make room for.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

from optimizer import Priority, Shift
from optimizer.search.lns.audit import audit, protect
from optimizer.search.lns.search import Neighbourhood
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.timing import timing_of
from tests.factories import HOUR, at, order, problem, tech

#: A 3-hour shift: room for two 1-hour orders 6 km out and back, not three.
SHORT = (Shift(8 * HOUR, 11 * HOUR),)


def _solution(prob, routes_by_id: dict[str, list[str]]) -> tuple[Solution, Neighbourhood, dict]:
    inputs = prepare(prob).inputs
    lanes, rules = timing_of(inputs)
    node = {order_id: n for n, order_id in enumerate(inputs.index.order_ids)}
    vehicle = {v.technician.id: k for k, v in enumerate(inputs.index.vehicles)}
    routes = [[] for _ in inputs.index.vehicles]
    for tech_id, ids in routes_by_id.items():
        routes[vehicle[tech_id]] = [node[i] for i in ids]
    sol = Solution(CostModel.build(inputs, lanes, rules), routes)
    return sol, Neighbourhood(inputs.index), node


def _served(sol, node) -> set[str]:
    return {order_id for order_id, n in node.items() if sol.route_of[n] >= 0}


def test_a_p1_left_out_replaces_a_p4():
    """T1 serves two P4s and has no room for the P1: one P4 goes, the P1 comes in."""
    prob = problem(
        [tech(shifts=SHORT)],
        [
            order("A", priority=Priority.P4),
            order("B", priority=Priority.P4),
            order("P1", priority=Priority.P1),
        ],
    )
    sol, hood, node = _solution(prob, {"T1": ["A", "B"]})
    (finding,) = audit(sol, hood)
    assert finding.node == node["P1"]
    assert len(finding.ejected) == 1
    before = sol.objective()
    assert protect(sol, hood, float("inf")) == 1
    assert "P1" in _served(sol, node)
    assert sol.objective() < before
    assert audit(sol, hood) == []


def test_two_cheaper_orders_make_room_for_a_long_one():
    """A 2-hour P2 fits only once both 1-hour P4s are out: 2 x 3,000 < 30,000 points."""
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 10 * HOUR + 1200),))],
        [
            order("A", priority=Priority.P4),
            order("B", priority=Priority.P4),
            order("LONG", priority=Priority.P2, service_s=2 * HOUR),
        ],
    )
    sol, hood, node = _solution(prob, {"T1": ["A", "B"]})
    (finding,) = audit(sol, hood)
    assert sorted(finding.ejected) == sorted([node["A"], node["B"]])
    protect(sol, hood, float("inf"))
    assert _served(sol, node) == {"LONG"}
    assert audit(sol, hood) == []


def test_a_free_technician_takes_over_work_the_qualified_one_carries():
    """Only T1 has gas; it is full with a plain P3 that idle T2 can do: T2 takes it, T1 the P1."""
    prob = problem(
        [
            tech("T1", shifts=(Shift(8 * HOUR, 9 * HOUR + 1200),), skills={"gas": 1}),
            tech("T2", start=at(12)),
        ],
        [
            order("PLAIN", priority=Priority.P3),
            order("GAS", priority=Priority.P1, required_skills={"gas": 1}),
        ],
    )
    sol, hood, node = _solution(prob, {"T1": ["PLAIN"]})
    assert protect(sol, hood, float("inf")) >= 1
    assert _served(sol, node) == {"PLAIN", "GAS"}
    assert sol.route_of[node["GAS"]] == 0 and sol.route_of[node["PLAIN"]] == 1
    assert audit(sol, hood) == []


def test_equal_priorities_are_not_swapped():
    """A P4 left out never ejects another P4: nothing to gain, no finding."""
    prob = problem(
        [tech(shifts=SHORT)],
        [order(x, priority=Priority.P4) for x in ("A", "B", "C")],
    )
    sol, hood, _ = _solution(prob, {"T1": ["A", "B"]})
    assert audit(sol, hood) == []
    assert protect(sol, hood, float("inf")) == 0


def test_audit_plan_finds_what_the_rules_engine_leaves_on_the_table():
    """The rules engine gives the only gas technician a plain P1 and drops a VIP gas P1.

    T1 (gas, room for one order) reaches A first; B (VIP P1, gas) then finds
    no room. audit_plan names B, to go to T1 with A taken out (T2 can take
    A); our plan has no finding.
    """
    from optimizer import Tier, audit_plan
    from optimizer.search.rules.greedy import greedy_plan
    from tests.factories import solve_checked

    prob = problem(
        [
            tech("T1", shifts=(Shift(8 * HOUR, 9 * HOUR + 1200),), skills={"gas": 1}),
            tech("T2", start=at(13)),
        ],
        [
            order("A", priority=Priority.P1, respond_by_s=9 * HOUR),
            order(
                "B",
                priority=Priority.P1,
                tier=Tier.VIP,
                respond_by_s=10 * HOUR,
                required_skills={"gas": 1},
            ),
        ],
    )
    greedy = greedy_plan(prob)
    assert [u.work_order_id for u in greedy.unassigned] == ["B"]
    (finding,) = audit_plan(prob, greedy)
    assert (finding.work_order_id, finding.technician_id, finding.ejected) == ("B", "T1", ("A",))
    assert finding.gain_points > 0
    assert audit_plan(prob, solve_checked(prob)) == []


def _held_part_problem():
    """Only T1 has gas and one thermocouple; it is full with a P3 holding it and three P4s.

    The 3-hour P1 needs gas and the thermocouple: it fits only once the P3
    and two P4s are out, three ejections (one or two are not enough).
    """
    return problem(
        [
            tech(
                "T1",
                shifts=(Shift(8 * HOUR, 12 * HOUR + 1200),),
                skills={"gas": 1},
                van_stock={"thermocouple": 1},
            )
        ],
        [
            order("HOLD", priority=Priority.P3, parts={"thermocouple": 1}),
            order("A", priority=Priority.P4),
            order("B", priority=Priority.P4),
            order("C", priority=Priority.P4),
            order(
                "P1",
                priority=Priority.P1,
                service_s=3 * HOUR,
                required_skills={"gas": 1},
                parts={"thermocouple": 1},
            ),
        ],
    )


def test_a_p1_clears_a_lower_priority_part_holder_from_the_only_qualified_van():
    """The audit clears the P3 holding the only thermocouple and two P4s for the P1."""
    sol, hood, node = _solution(_held_part_problem(), {"T1": ["HOLD", "A", "B", "C"]})
    (finding,) = audit(sol, hood)
    assert finding.node == node["P1"]
    assert node["HOLD"] in finding.ejected
    assert len(finding.ejected) == 3
    assert protect(sol, hood, float("inf")) == 1
    assert _served(sol, node) == {"P1", "A"}
    assert audit(sol, hood) == []


def test_clearing_never_takes_an_equal_priority_part_holder():
    """The thermocouple goes to another P1: nothing lower-priority holds it, no finding."""
    prob = problem(
        [tech("T1", skills={"gas": 1}, van_stock={"thermocouple": 1})],
        [
            order("HOLD", priority=Priority.P1, parts={"thermocouple": 1}),
            order("A", priority=Priority.P4),
            order(
                "P1", priority=Priority.P1, required_skills={"gas": 1}, parts={"thermocouple": 1}
            ),
        ],
    )
    sol, hood, _ = _solution(prob, {"T1": ["HOLD", "A"]})
    assert audit(sol, hood) == []


def test_a_solved_plan_leaves_no_p1_behind_a_lower_priority_part_holder():
    """End to end: the P1 is served, and the plan passes the validator and the audit."""
    from optimizer import audit_plan
    from tests.factories import solve_checked

    prob = _held_part_problem()
    plan = solve_checked(prob)
    assert "P1" in plan.assigned_ids
    assert audit_plan(prob, plan) == []
