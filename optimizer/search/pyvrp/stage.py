"""A PyVRP search stage: PyVRP's iterated local search finds the routes.

OR-Tools' routing search is general but, measured on the 56 Solomon
instances at 10 s, ends 4-5% above the best-known distances, and on
field-service days of 500+ orders its local search barely improves a first
plan; PyVRP's iterated local search is much stronger on routing.

Two fidelities:

- **exact**: the problem fits PyVRP's model exactly (one start window per
  order, no breaks, no soft SLA deadlines, no preferences, every order open
  to every technician, no workload-balance or labour term); OR-Tools
  restores and times PyVRP's routes in the full model. Every order is *required*:
  optional clients halve PyVRP's iterations (Homberger rc1_4_2, 20 s:
  8,303 iterations and 8,199.0 with optional clients, 18,091 and 8,051.6
  with required ones). When PyVRP has found no plan serving every order
  after a quarter of its budget, it searches again with optional orders.
- **relaxed** (a start for field-service days of 200+ orders, see
  :mod:`optimizer.search.pipeline`): PyVRP searches a simplified
  model. Skills and pins become load dimensions (a technician without the
  skill has no room for it); soft SLA deadlines are kept as hard window
  ends; only the first appointment window is offered; breaks shorten the
  shift by their duration; unserved penalties are compressed into prizes
  PyVRP's penalties can outweigh; preferences, workload balance and labour
  cost are ignored. Orders PyVRP puts on a technician the model does not
  allow are dropped from its routes; each route then keeps the orders that
  fit the full rules (:class:`optimizer.search.lns.solution.Solution`) and
  the large-neighbourhood search takes it from there.

The search itself runs in :mod:`optimizer.search.pyvrp.portfolio`: in
rounds (exact fidelity, see :func:`search_rounds`) and in
``SolveParams.processes`` processes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp

from optimizer.domain import Shift, Technician, WorkOrder
from optimizer.problem import Problem
from optimizer.search.eligibility import Vehicle, start_intervals
from optimizer.search.index import SearchInput
from optimizer.search.partition import planar_km
from optimizer.search.pyvrp.portfolio import portfolio_search
from optimizer.weights import Weights

_UNLIMITED = 2**62

#: Most rounds of a PyVRP search; each restarts every search from the best
#: solution so far with a fresh seed (see :mod:`optimizer.search.pyvrp.portfolio`).
MAX_ROUNDS = 4
#: Shortest useful round, in seconds, for 100 orders; it grows with the
#: square of the order count. Restarts help while the search has settled
#: and hurt while it is still descending (2 processes: Solomon, 56
#: instances at 10 s, 4 rounds of 2.5 s beat one round; Homberger 400, 4
#: instances at 30 s: one round 0.89%, two rounds 1.20%, four 1.24%).
ROUND_S_PER_100_ORDERS = 2.4


def search_rounds(orders: int, seconds: float) -> int:
    """Rounds of an exact-fidelity PyVRP search of ``orders`` orders in ``seconds``.

    The relaxed fidelity searches in one round: its days have 200+ orders,
    where rounds would be too short to help.
    """
    shortest = ROUND_S_PER_100_ORDERS * (orders / 100) ** 2
    return max(1, min(MAX_ROUNDS, int(seconds / shortest))) if orders else 1


def unsupported_reason(ctx: SearchInput) -> str | None:
    """Why PyVRP cannot model this problem exactly, or ``None`` when it can (exact fidelity)."""
    reason = field_service_reason(ctx.problem, ctx.weights)
    if reason is not None:
        return reason
    n_veh = len(ctx.index.vehicles)
    if any(len(allowed) < n_veh for allowed in ctx.index.allowed_vehicles):
        return "orders restricted to some technicians"
    return None


def field_service_reason(problem: Problem, weights: Weights) -> str | None:
    """The first field-service feature of ``problem`` PyVRP cannot model exactly, or ``None``.

    What the problem and weights say alone (crews and dependencies, depots,
    labour cost, workload balance, breaks, overtime, several windows, soft
    deadlines, preferences); whether every
    order is open to every technician needs the eligibility
    (:func:`unsupported_reason`).
    """
    if problem.has_links:  # the search by groups takes them (search/lns/links.py)
        return "crews or dependencies"
    n_veh = sum(len(t.shifts) for t in problem.technicians)
    if problem.is_time_dependent:
        return "time-dependent travel (speed profiles)"
    if problem.depots:
        return "depot visits"
    if weights.labor_cost > 0:
        return "labour cost in the objective"
    if weights.working_time_per_hour > 0:
        return "working time in the objective"
    if weights.workload_balance_per_hour > 0 and n_veh > 1:
        return "workload balance in the objective"
    if any(shift.breaks for t in problem.technicians for shift in t.shifts):
        return "breaks"
    if any(shift.max_overtime_s for t in problem.technicians for shift in t.shifts):
        return "overtime"
    for order in problem.work_orders:
        if len(start_intervals(order)) > 1:
            return "several appointment windows"
        if order.start_deadline_s is not None and not order.is_sla_hard:
            return "soft SLA deadlines"
        if order.preferred_technician_ids or order.dispatched_technician_id:
            return "technician preferences"
        if order.territory is not None and any(t.territories for t in problem.technicians):
            return "territories"
    return None


# A requirement only some technicians meet: ("skill", name, level) or ("pin", technician id, 0).
Need = tuple[str, str, int]


@dataclass(frozen=True, slots=True)
class _Fleet:
    """Model vehicles grouped into PyVRP vehicle types (identical vehicles share one)."""

    types: list[pyvrp.VehicleType]
    members: list[list[int]]
    depots: list[pyvrp.Depot]


def _requirements(order: WorkOrder) -> set[Need]:
    """What only some technicians can do for ``order``: skills at its level, a pin."""
    needs: set[Need] = {("skill", s, lvl) for s, lvl in order.required_skills.items()}
    if order.pinned_technician_id is not None:
        needs.add(("pin", order.pinned_technician_id, 0))
    return needs


def _holds(tech: Technician, need: Need) -> bool:
    kind, name, level = need
    if kind == "pin":
        return tech.id == name
    return tech.skills.get(name, 0) >= level


def _requirement_loads(
    orders: list[WorkOrder], vehicles: tuple[Vehicle, ...]
) -> tuple[list[list[int]], list[list[int]]]:
    """Requirements as load dimensions (relaxed fidelity): demand and capacity columns.

    An order delivers one unit on each requirement it has; a technician who
    meets the requirement has room for every order, one who does not has
    none. Requirements met by the same technicians share a dimension and
    those everybody meets get none: each dimension slows PyVRP's search.
    """
    needs = [_requirements(order) for order in orders]
    dims: dict[tuple[int, ...], int] = {}
    dim_of: dict[Need, int] = {}
    big = len(orders)
    every: set[Need] = set().union(*needs)
    for need in sorted(every, key=repr):
        room = tuple(big if _holds(veh.technician, need) else 0 for veh in vehicles)
        if min(room) == 0:
            dim_of[need] = dims.setdefault(room, len(dims))
    demand = [[0] * len(dims) for _ in orders]
    for row, order_needs in zip(demand, needs, strict=True):
        for k in order_needs:
            if k in dim_of:
                row[dim_of[k]] += 1
    capacity = [[room[v] for room in dims] for v in range(len(vehicles))]
    return demand, capacity


def _loads(ctx: SearchInput, relaxed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-order demand and per-vehicle capacity: spare parts, order count, then requirements."""
    orders = [ctx.problem.work_orders[o] for o in ctx.index.order_of_node]
    vehicles = ctx.index.vehicles
    parts = sorted({p for order in orders for p in order.parts})
    if relaxed:  # a part every van carries enough of for all orders binds nobody
        total = {p: sum(order.parts.get(p, 0) for order in orders) for p in parts}
        parts = [
            p for p in parts if any(v.technician.van_stock.get(p, 0) < total[p] for v in vehicles)
        ]
    demand = [[order.parts.get(p, 0) for p in parts] for order in orders]
    capacity = [[veh.technician.van_stock.get(p, 0) for p in parts] for veh in vehicles]
    if relaxed:
        extra_demand, extra_capacity = _requirement_loads(orders, vehicles)
        for row, extra in zip(demand, extra_demand, strict=True):
            row.extend(extra)
        for row, extra in zip(capacity, extra_capacity, strict=True):
            row.extend(extra)
    if any(veh.technician.max_orders_per_shift is not None for veh in vehicles):
        for row in demand:
            row.append(1)
        for row, veh in zip(capacity, vehicles, strict=True):
            limit = veh.technician.max_orders_per_shift
            row.append(limit if limit is not None else len(orders))
    width = len(demand[0]) if demand else 0
    return (
        np.array(demand, dtype=np.int64).reshape(len(orders), width),
        np.array(capacity, dtype=np.int64).reshape(len(vehicles), width),
    )


def _shift_end(shift: Shift) -> int:
    """The shift's end, less its breaks' durations (relaxed fidelity has no breaks)."""
    return shift.end_s - sum(b.duration_s for b in shift.breaks)


def _fleet(ctx: SearchInput, capacity: np.ndarray, speeds: list[float]) -> _Fleet:
    """PyVRP costs are kept in driving seconds (unit cost 1), where its penalties are tuned."""
    idx = ctx.index
    groups: dict[Hashable, list[int]] = {}
    for v, veh in enumerate(idx.vehicles):
        tech = veh.technician
        key = (
            tech.start,
            tech.end,
            veh.shift.start_s,
            _shift_end(veh.shift),
            tech.max_work_s_per_shift,
            tech.max_travel_s_per_shift,
            tech.speed_factor,
            tuple(capacity[v]),
        )
        groups.setdefault(key, []).append(v)
    types, members, depots = [], [], []
    for vehicles in groups.values():
        first = idx.vehicles[vehicles[0]]
        tech = first.technician
        depots += [pyvrp.Depot(idx.starts[vehicles[0]]), pyvrp.Depot(idx.ends[vehicles[0]])]
        types.append(
            pyvrp.VehicleType(
                num_available=len(vehicles),
                capacity=[int(c) for c in capacity[vehicles[0]]],
                start_depot=len(depots) - 2,
                end_depot=len(depots) - 1,
                tw_early=max(first.shift.start_s, 0),
                tw_late=_shift_end(first.shift),
                shift_duration=tech.max_work_s_per_shift or _UNLIMITED,
                max_distance=tech.max_travel_s_per_shift or _UNLIMITED,
                unit_distance_cost=1,
                profile=speeds.index(tech.speed_factor),
            )
        )
        members.append(vehicles)
    return _Fleet(types, members, depots)


def _client_window(order: WorkOrder, horizon: int) -> tuple[int, int]:
    """The first allowed start interval, ending at the SLA deadline when that leaves room."""
    (early, late), *_ = start_intervals(order) or [(0, horizon)]
    deadline = order.start_deadline_s
    if deadline is not None and early <= deadline < late:
        late = deadline
    return max(early, 0), min(late, horizon)


#: Largest prize, in driving seconds: a quarter of
#: PyVRP's largest penalty per unit of violation, so that breaking a
#: constraint never pays for itself once penalties have grown.
MAX_PRIZE = 25_000
#: Exponent compressing the penalty ratios (67x from a VIP P1 to a P4 by
#: default) into prizes: 67 ** 0.25 = 2.9x.
PRIZE_EXPONENT = 0.25


def _prizes(ctx: SearchInput) -> list[int]:
    """Prize of each order node in driving seconds (used when orders are optional).

    The objective's unserved penalties (a P4 alone is worth 50 hours of
    driving) dwarf PyVRP's penalty bounds, which made it serve every order
    in infeasible routes; they are compressed below :data:`MAX_PRIZE`,
    keeping their order.
    """
    orders = [ctx.problem.work_orders[o] for o in ctx.index.order_of_node]
    penalties = [ctx.weights.unassigned_penalty(order) for order in orders]
    top = max(penalties, default=1.0) or 1.0
    return [max(round(MAX_PRIZE * (p / top) ** PRIZE_EXPONENT), 1) for p in penalties]


def _data(ctx: SearchInput, relaxed: bool, required: bool) -> tuple[pyvrp.ProblemData, _Fleet]:
    idx = ctx.index
    demand, capacity = _loads(ctx, relaxed)
    speeds = sorted(idx.travel_s)
    fleet = _fleet(ctx, capacity, speeds)
    horizon = idx.horizon_s
    prizes = _prizes(ctx)
    clients = []
    for node, o in enumerate(idx.order_of_node):
        order = ctx.problem.work_orders[o]
        early, late = _client_window(order, horizon)
        clients.append(
            pyvrp.Client(
                node,
                delivery=[int(d) for d in demand[node]],
                service_duration=order.service_s,
                tw_early=early,
                tw_late=late,
                prize=prizes[node],
                required=required,
            )
        )
    locations = [pyvrp.Location(0, 0) for _ in range(idx.n_nodes)]
    # PyVRP's stubs spell the matrix type ``np.ndarray[int]``, which no array matches.
    n = idx.n_nodes  # depot nodes (after these) are not PyVRP's
    matrices: list[Any] = [
        np.ascontiguousarray(idx.travel_s[s][:n, :n], dtype=np.int64) for s in speeds
    ]
    data = pyvrp.ProblemData(locations, clients, fleet.depots, fleet.types, matrices, matrices)
    return data, fleet


def pyvrp_routes(
    ctx: SearchInput,
    time_limit_s: float,
    seed: int,
    max_iterations: int | None,
    *,
    relaxed: bool = False,
    give_up_s: float | None = None,
    processes: int = 1,
    stop: Callable[[], bool] | None = None,
) -> list[list[list[int]]]:
    """Search with PyVRP; return its feasible solutions, best first, as order nodes per vehicle.

    ``relaxed`` selects the relaxed fidelity (see the module docstring);
    orders on a vehicle the model does not allow are left out of the routes.
    In the exact fidelity every order is required when ``give_up_s`` is
    given, and the search stops with no solution if it has found no plan
    serving them all by then; otherwise orders are optional, with their
    unserved penalty as prize. With several ``processes``, the other
    searches' last solutions follow the best one. ``stop()`` returning
    ``True`` ends the search in this process early.
    """
    data, fleet = _data(ctx, relaxed, required=not relaxed and give_up_s is not None)
    found = portfolio_search(
        data,
        time_limit_s=max(time_limit_s, 0.01),
        seed=seed,
        processes=processes,
        rounds=1 if relaxed else search_rounds(len(ctx.index.order_of_node), time_limit_s),
        max_iterations=max_iterations,
        give_up_s=give_up_s,
        coords=None if relaxed else _client_coordinates(ctx),
        stop=stop,
    )
    return [_routes(ctx, fleet, solution) for solution in found if solution.is_feasible()]


def _client_coordinates(ctx: SearchInput) -> np.ndarray | None:
    """Planar coordinates of each order node (PyVRP client), or ``None`` without coordinates."""
    orders = ctx.problem.work_orders
    return planar_km([orders[o].location for o in ctx.index.order_of_node])


def _routes(ctx: SearchInput, fleet: _Fleet, solution: pyvrp.Solution) -> list[list[int]]:
    """Order nodes per model vehicle of a PyVRP solution."""
    routes: list[list[int]] = [[] for _ in ctx.index.vehicles]
    used = [0] * len(fleet.types)
    for route in solution.routes():
        t = route.vehicle_type()
        v = fleet.members[t][used[t]]
        used[t] += 1
        nodes = [a.idx for a in route if a.is_client()]
        routes[v] = [n for n in nodes if v in ctx.index.allowed_vehicles[n]]
    return routes
