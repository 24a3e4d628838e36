"""Priority protection: could an order left out be served by taking out cheaper work?

After the search, every order left out is checked against the routes that
may serve it (its allowed vehicles near it, or all of them when few):

- **insertable**: it fits somewhere as the plan stands, for less than its
  unserved penalty;
- **ejection**: taking one or two orders of lower total penalty out of a
  route makes room for it, and the objective improves, counting the
  ejected orders' penalties (or, when one fits elsewhere, the cost of
  moving it there: another technician takes over);
- **clearing** (only when neither works and the order's resource is
  scarce: few routes may serve it, or every one of them has given its
  parts away): as many lower-penalty orders as it takes, wherever they sit
  in the route, part holders included (:func:`_best_clearing`).

:func:`protect` applies such moves until none is left or time runs out;
:func:`audit` lists the ones that remain (a plan with findings is a search
bug); :func:`audit_plan` audits any plan of a problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from itertools import combinations

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.search.index import routes_from_plan
from optimizer.search.lns.links import audit_groups, plan_solution
from optimizer.search.lns.search import Neighbourhood, best_insertion
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.timing import timing_of

#: Ejected orders considered together: pairs are taken among stops at most
#: this far apart in the route.
PAIR_SPAN = 3
#: Routes tried per order left out (the nearest allowed ones).
AUDIT_ROUTES = 8
#: An order allowed in at most this many routes has a scarce technician:
#: clearing is tried for it.
SCARCE_ROUTES = AUDIT_ROUTES


@dataclass(frozen=True, slots=True)
class Finding:
    """A way to serve an order left out that would lower the objective.

    ``ejected`` are the order nodes taken out (empty for a plain insertion),
    ``vehicle`` the route it goes to and ``gain`` the objective decrease in
    points.
    """

    node: int
    vehicle: int
    ejected: tuple[int, ...]
    gain: float


def _routes_for(sol: Solution, hood: Neighbourhood, node: int) -> list[int]:
    allowed = sol.model.allowed[node]
    out: list[int] = []
    for j in hood.orders[node]:
        v = sol.route_of[j]
        if v >= 0 and v in allowed and v not in out:
            out.append(v)
    for v in hood.vehicles_by_start[node]:
        if v in allowed and v not in out and sol.routes[v].nodes:
            out.append(v)
    if len(allowed) <= AUDIT_ROUTES:
        out += [v for v in sorted(allowed) if v not in out and sol.routes[v].nodes]
    return out[:AUDIT_ROUTES] if len(allowed) > AUDIT_ROUTES else out


def _best_ejection(sol: Solution, hood: Neighbourhood, node: int) -> Finding | None:
    """The best single or double ejection that makes room for ``node``, if any gains."""
    m = sol.model
    p_x = m.penalty[node]
    best: Finding | None = None
    for v in _routes_for(sol, hood, node):
        route = sol.routes[v]
        nodes = list(route.nodes)
        old_cost = route.cost
        n_orders = len(m.penalty)  # depot visits (nodes after the orders) are never ejected
        candidates = [i for i, y in enumerate(nodes) if y < n_orders and m.penalty[y] < p_x]
        sets: list[tuple[int, ...]] = [(i,) for i in candidates]
        sets += [
            (i, k)
            for i, k in combinations(candidates, 2)
            if k - i <= PAIR_SPAN and m.penalty[nodes[i]] + m.penalty[nodes[k]] < p_x
        ]
        for out in sets:
            ejected = tuple(nodes[i] for i in out)
            lost = sum(m.penalty[y] for y in ejected)
            kept = [y for i, y in enumerate(nodes) if i not in out]
            if not sol.set_route(v, kept):
                continue
            bound = p_x - lost + (old_cost - sol.routes[v].cost)
            cost, _, _ = _insert_cost_in(sol, v, node, bound)
            if cost < bound:
                gain = bound - cost
                if best is None or gain > best.gain:
                    best = Finding(node, v, ejected, gain)
            sol.set_route(v, nodes)
    return best


def _insert_cost_in(sol: Solution, v: int, node: int, bound: float) -> tuple[float, int, int]:
    """Cheapest insertion of ``node`` in route ``v`` alone."""
    best = (math.inf, -1, -1)
    for added, pos in sol.insertion_places(v, node):
        cost = sol.timed_insertion_cost(v, node, pos, added, min(bound, best[0]))
        if cost < best[0]:
            best = (cost, v, pos)
    return best


def find(sol: Solution, hood: Neighbourhood, node: int) -> Finding | None:
    """The best improving way to serve the left-out ``node``, or ``None``."""
    cost, v, _ = best_insertion(sol, node, hood, sol.model.penalty[node])
    if v >= 0:
        return Finding(node, v, (), sol.model.penalty[node] - cost)
    found = _best_ejection(sol, hood, node)
    if found is None and _is_scarce(sol, node):
        return _best_clearing(sol, hood, node)
    return found


# --- clearing: a scarce technician or part held by less valuable orders ----------------


def _parts_short(sol: Solution, v: int, node: int) -> bool:
    """Whether route ``v`` has given away a part ``node`` needs."""
    stock, used = sol.model.stock[v], sol.routes[v].parts_used
    return any(stock.get(p, 0) - used.get(p, 0) < q for p, q in sol.model.parts[node].items())


def _is_scarce(sol: Solution, node: int) -> bool:
    """Few routes may serve ``node``, or all that may have used up a part it needs."""
    allowed = sol.model.allowed[node]
    if len(allowed) <= SCARCE_ROUTES:
        return True
    return bool(sol.model.parts[node]) and all(_parts_short(sol, v, node) for v in allowed)


def _scarce_routes(sol: Solution, hood: Neighbourhood, node: int) -> list[int]:
    """The routes to clear: every allowed one with stops (few), else those holding its parts."""
    allowed = sol.model.allowed[node]
    if len(allowed) <= SCARCE_ROUTES:
        return [v for v in sorted(allowed) if sol.routes[v].nodes]
    near = _routes_for(sol, hood, node)
    return [v for v in near if _parts_short(sol, v, node)]


def _best_clearing(sol: Solution, hood: Neighbourhood, node: int) -> Finding | None:
    """The best gain from clearing lower-penalty orders out of one scarce route for ``node``.

    In each route: take out every order of lower penalty; if ``node`` then
    fits, put them back one at a time, most valuable first, while it still
    fits. The ones left out (parts holders among them when the parts were
    short) must be worth less than ``node`` and the whole must lower the
    objective.
    """
    m = sol.model
    p_x = m.penalty[node]
    best: Finding | None = None
    for v in _scarce_routes(sol, hood, node):
        nodes = list(sol.routes[v].nodes)
        old_cost = sol.routes[v].cost
        n_orders = len(m.penalty)  # depot visits (nodes after the orders) stay
        lower = [y for y in nodes if y < n_orders and m.penalty[y] < p_x]
        if not lower or sum(m.penalty[y] for y in lower) <= 0:
            continue
        kept = [y for y in nodes if y >= n_orders or m.penalty[y] >= p_x]
        if not sol.set_route(v, kept) or _insert_cost_in(sol, v, node, math.inf)[1] < 0:
            sol.set_route(v, nodes)
            continue
        for y in sorted(lower, key=lambda y: (-m.penalty[y], nodes.index(y))):
            trial = [n for n in nodes if n in kept or n == y]
            if sol.set_route(v, trial) and _insert_cost_in(sol, v, node, math.inf)[1] >= 0:
                kept = trial
        sol.set_route(v, kept)
        ejected = tuple(y for y in nodes if y not in kept)
        lost = sum(m.penalty[y] for y in ejected)
        bound = p_x - lost + (old_cost - sol.routes[v].cost)
        cost = _insert_cost_in(sol, v, node, bound)[0]
        if cost < bound and (best is None or bound - cost > best.gain):
            best = Finding(node, v, ejected, bound - cost)
        sol.set_route(v, nodes)
    return best


def _apply(sol: Solution, hood: Neighbourhood, finding: Finding) -> bool:
    """Carry out ``finding``; ejected orders are put back elsewhere when they fit."""
    before = sol.objective()
    snapshot = sol.snapshot()
    nodes = [y for y in sol.routes[finding.vehicle].nodes if y not in finding.ejected]
    sol.set_route(finding.vehicle, nodes)
    _, v, pos = _insert_cost_in(sol, finding.vehicle, finding.node, math.inf)
    if v < 0 or not sol.insert(v, finding.node, pos):
        sol.restore(snapshot, range(len(snapshot)))
        return False
    for y in finding.ejected:
        _, v, pos = best_insertion(sol, y, hood, sol.model.penalty[y])
        if v >= 0:
            sol.insert(v, y, pos)
    if sol.objective() >= before - 1e-9:
        sol.restore(snapshot, range(len(snapshot)))
        return False
    return True


def protect(sol: Solution, hood: Neighbourhood, deadline: float) -> int:
    """Serve left-out orders by insertion or ejection while that lowers the objective.

    Most valuable orders first, until a full pass changes nothing or
    ``deadline`` (``time.perf_counter()``) passes. Returns the moves made.
    """
    moves = 0
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for node in sorted(sol.unassigned, key=lambda n: -sol.model.penalty[n]):
            if time.perf_counter() >= deadline:
                break
            if sol.route_of[node] >= 0:
                continue
            finding = find(sol, hood, node)
            if finding is not None and _apply(sol, hood, finding):
                moves += 1
                changed = True
    return moves


def audit(sol: Solution, hood: Neighbourhood) -> list[Finding]:
    """Every order left out that could be served with a gain (none in a protected plan)."""
    out = []
    for node in sorted(sol.unassigned, key=lambda n: -sol.model.penalty[n]):
        finding = find(sol, hood, node)
        if finding is not None and finding.gain > 1e-6:
            out.append(finding)
    return out


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """An order left out that the plan could serve for a gain (see :func:`audit_plan`).

    ``technician_id``/``shift_index`` name the route it fits in, ``ejected``
    the orders to take out of it first (none for a plain insertion), and
    ``gain_points`` how much the objective would drop; ``via_depot`` the
    depot a new visit before it goes to, when serving it takes one (the
    parts or tools the van lacks), else ``None``.
    """

    work_order_id: str
    technician_id: str
    shift_index: int
    ejected: tuple[str, ...]
    gain_points: float
    via_depot: str | None = None


def audit_plan(problem: Problem, plan: Plan) -> list[AuditFinding]:
    """The priority audit of any plan of ``problem``, whoever made it.

    Every order left out is tried against the routes that may serve it:
    inserted as the plan stands, or after taking out one or two orders of
    lower total penalty (:func:`find`). A plan from the field-service search
    has no finding; one with findings leaves value on the table.

    Parameters
    ----------
    problem
        A valid problem.
    plan
        A valid plan of it (its routes are re-timed by the search's timing).

    Returns
    -------
    list[AuditFinding]
        Most valuable orders first.
    """
    if problem.has_links:  # crews and dependencies: by groups (lns/links.py)
        return _linked_findings(problem, plan)
    inputs = prepare(problem).inputs
    if inputs is None:
        return []
    lanes, rules = timing_of(inputs)
    solution = Solution(CostModel.build(inputs, lanes, rules), routes_from_plan(inputs.index, plan))
    index = inputs.index
    out = []
    for finding in audit(solution, Neighbourhood(index)):
        vehicle = index.vehicles[finding.vehicle]
        out.append(
            AuditFinding(
                work_order_id=index.order_ids[finding.node],
                technician_id=vehicle.technician.id,
                shift_index=vehicle.shift_index,
                ejected=tuple(index.order_ids[n] for n in finding.ejected),
                gain_points=finding.gain,
                via_depot=depot_of_finding(solution, finding),
            )
        )
    return out


def _linked_findings(problem: Problem, plan: Plan) -> list[AuditFinding]:
    """The audit of a plan with crews or dependencies: groups left out that fit as it stands.

    A crew order's penalty counts once and its insertion takes k routes
    (the finding names its first member's); no ejections are tried.
    """
    built = plan_solution(problem, plan)
    if built is None:
        return []
    sol, index = built
    out = []
    for g, v, gain in sorted(audit_groups(sol), key=lambda f: -f[2]):
        vehicle = index.vehicles[v]
        out.append(
            AuditFinding(
                work_order_id=sol.links.names[g],
                technician_id=vehicle.technician.id,
                shift_index=vehicle.shift_index,
                ejected=(),
                gain_points=gain,
            )
        )
    return out


def depot_of_finding(sol: Solution, finding: Finding) -> str | None:
    """The depot of the new visit a plain-insertion finding needs, or ``None``.

    With depots, inserting an order whose parts or tools the van lacks is
    one move "visit + order" (:meth:`Solution.insertion_places`), so the
    audit already finds every order left out that a depot visit could serve
    for less than its penalty; this names the depot such a finding goes to.
    """
    supply = sol.model.depots
    if supply is None or finding.ejected:
        return None
    _, v, pos = _insert_cost_in(sol, finding.vehicle, finding.node, math.inf)
    if v < 0:
        return None
    before = sol.routes[v].nodes
    after = sol.placed(v, finding.node, pos)
    new = [n for n in after if supply.is_depot(n)]
    if len(new) <= sum(1 for n in before if supply.is_depot(n)):
        return None
    old = {n: before.count(n) for n in set(before)}
    for n in new:  # the first depot node with more visits than before
        if after.count(n) > old.get(n, 0):
            return supply.depot_ids[n - supply.first_node]
    return None
