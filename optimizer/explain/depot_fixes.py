"""The depot fix: a technician fetches an unserved order's parts or tools at a depot.

For an order needing parts or tools and left out of a plan of a problem
with depots, each of the nearest technicians (:data:`NEAREST`) is tried
alone (:class:`optimizer.explain.workspace.Part`): the order's cheapest
insertion into that technician's routes, priced by the search's own
solution (:meth:`optimizer.search.lns.solution.Solution.insertion_places`,
which inserts "visit + order" as one move when the van lacks something).
When that insertion goes through a new depot visit, the routes are written
back into the whole plan and the validator judges it
(:func:`optimizer.explain.workspace.checked_plan`): the fix is then
verified, with the plan's objective change and the route's added minutes,
e.g. "Fetch 1 pump-circ-25 at depot D-1 on the way (+35 min): T-004 serves
it at Mon 23 Nov 14:10.". The problem itself does not change (``apply_fix``
returns it as is).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from optimizer.domain import Technician, WorkOrder
from optimizer.explain.text import clock
from optimizer.explain.workspace import Part, checked_plan
from optimizer.plan import DepotStop, Fix, FixChange, FixKind, Plan, Route
from optimizer.problem import Problem

#: Technicians tried, the nearest to the order first.
NEAREST = 5


def depot_fixes(
    problem: Problem,
    plan: Plan,
    order: WorkOrder,
    near: Sequence[Technician],
    base_cost: float,
    tick: Callable[[], None] = lambda: None,
) -> list[tuple[Fix, Problem, Plan]]:
    """The verified depot fix of the unserved ``order`` (one at most), with its plan.

    Parameters
    ----------
    problem, plan
        The problem and a valid plan of it leaving ``order`` out.
    order
        The order.
    near
        Technicians by driving time to the order, nearest first.
    base_cost
        ``plan``'s objective (the fix's ``cost_delta`` is measured from it).
    tick
        Called before each attempt (raises when the time is up).

    Returns
    -------
    list
        ``[(fix, problem, plan serving the order)]``, or empty.
    """
    if not problem.depots or not (order.parts or order.required_tools):
        return []
    for tech in near[:NEAREST]:
        tick()
        found = _fetch_on(problem, plan, order, tech, base_cost)
        if found is not None:
            return [found]
    return []


def _fetch_on(
    problem: Problem, plan: Plan, order: WorkOrder, tech: Technician, base_cost: float
) -> tuple[Fix, Problem, Plan] | None:
    """The order inserted into ``tech``'s routes through a new depot visit, validated."""
    ws = Part(problem, plan, [tech.id], {order.id}).workspace(problem, node_of=order.id)
    if ws is None or ws.node is None:
        return None
    best = ws.insertion()
    if best is None:
        return None
    _, v, pos = best
    before = list(ws.solution.routes[v].nodes)
    nodes = ws.solution.placed(v, ws.node, pos)
    depot_nodes = set(ws.index.depot_nodes)
    if sum(n in depot_nodes for n in nodes) <= sum(n in depot_nodes for n in before):
        return None  # it fits without a new visit: not a depot fix
    route = ws.route(v, nodes)
    fixed = checked_plan(problem, plan, [route], {order.id}, ())
    visit = _visit_before(route, order.id)
    if fixed is None or visit is None:
        return None
    vehicle = ws.index.vehicles[v]
    old = [
        r
        for r in plan.routes
        if r.technician_id == tech.id and r.shift_index == vehicle.shift_index
    ]
    added_s = (route.end_s - route.start_s) - sum(r.end_s - r.start_s for r in old)
    minutes = max(math.ceil(added_s / 60), 0)
    stop = next(s for s in route.stops if s.work_order_id == order.id)
    loads = [f"{q} {p}" for p, q in sorted(visit.loaded_parts.items())]
    loads += [f"the {t}" for t in visit.loaded_tools]
    what = ", ".join(loads) or "what it needs"
    detail = (
        f"Fetch {what} at depot {visit.depot_id} on the way (+{minutes} min): "
        f"{tech.id} serves it at {clock(problem, stop.start_s)}."
    )
    change = FixChange(
        technician_id=tech.id,
        shift_index=vehicle.shift_index,
        depot_id=visit.depot_id,
        minutes=minutes,
        parts=dict(visit.loaded_parts),
    )
    fix = Fix(FixKind.DEPOT, detail, fixed.stats.objective - base_cost, True, change)
    return fix, problem, fixed


def _visit_before(route: Route, order_id: str) -> DepotStop | None:
    """The last depot stop before the order's stop in ``route``."""
    last: DepotStop | None = None
    for visit in route.visits():
        if isinstance(visit, DepotStop):
            last = visit
        elif visit.work_order_id == order_id:
            return last
    return None
