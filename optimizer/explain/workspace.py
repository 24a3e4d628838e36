"""A part of a plan searched on its own, and plans checked after a local change.

Fixes and booking recommendations change one or two routes of a plan and
insert one order. :class:`Part` takes the technicians concerned, the orders
of their routes and that order out of the problem (so a large problem
needs no square matrix of its own), and :meth:`Part.workspace` lays them out
for the search's building blocks: eligibility, the node index, the timing
routine and :class:`~optimizer.search.lns.solution.Solution`, priced with
the request's objective. The routes the search writes there are spliced
back into the whole plan by :func:`checked_plan`, which the validator
(:func:`optimizer.check_plan`) must accept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.check import check_plan
from optimizer.plan import Plan, Route, Unassigned
from optimizer.problem import Problem
from optimizer.search.depots import stock_shares
from optimizer.search.eligibility import compute_eligibility
from optimizer.search.index import (
    ModelIndex,
    SearchInput,
    build_index,
    problem_locations,
    routes_from_plan,
)
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import leg_matrices
from optimizer.search.timing import Lane, OrderRules, timing_of
from optimizer.search.writer import finish_plan, timed_route
from optimizer.travel.base import TravelMatrices
from optimizer.weights import DEFAULT_WEIGHTS


@dataclass
class Workspace:
    """A part laid out for the search: its routes in a :class:`Solution` and one order's node.

    ``node`` is the order's node, ``None`` when no technician of the part
    may serve it (skills, pins, parts, shifts, reach).
    """

    problem: Problem
    index: ModelIndex
    lanes: list[Lane]
    rules: OrderRules
    solution: Solution
    node: int | None

    def insertion(
        self, node: int | None = None, vehicles: Collection[int] | None = None
    ) -> tuple[float, int, int] | None:
        """The cheapest feasible ``(added route cost, vehicle, position)`` of ``node``.

        ``node`` defaults to the part's order; ``vehicles`` to every vehicle
        allowed to serve it. ``None`` when it fits nowhere.
        """
        node = self.node if node is None else node
        if node is None:
            return None
        sol = self.solution
        allowed = sol.model.allowed[node]
        best: tuple[float, int, int] | None = None
        for v in sorted(allowed if vehicles is None else set(vehicles) & allowed):
            for pos in range(len(sol.routes[v].nodes) + 1):
                bound = math.inf if best is None else best[0]
                cost = sol.insertion_cost(v, node, pos, bound)
                if cost < bound:
                    best = (cost, v, pos)
        return best

    def route(self, v: int, nodes: Sequence[int]) -> Route:
        """The plan route of ``nodes`` on vehicle ``v``, timed by the timing routine."""
        return timed_route(self.problem, self.index, v, self.lanes[v], self.rules, nodes)

    def vehicle_of(self, technician_id: str, shift_index: int) -> int | None:
        """The vehicle of a technician's shift, or ``None`` when not in the part."""
        for v, veh in enumerate(self.index.vehicles):
            if veh.technician.id == technician_id and veh.shift_index == shift_index:
                return v
        return None

    def node_of(self, work_order_id: str) -> int | None:
        """The node of an order of the part, or ``None``."""
        try:
            return self.index.order_ids.index(work_order_id)
        except ValueError:
            return None


class Part:
    """Some technicians of a plan, the orders of their routes and extra orders.

    Parameters
    ----------
    problem
        The plan's problem.
    plan
        A valid plan of it.
    technician_ids
        The technicians of the part (every shift of each).
    order_ids
        Orders to add to those of their routes (the order to insert).
    """

    def __init__(
        self,
        problem: Problem,
        plan: Plan,
        technician_ids: Collection[str],
        order_ids: Collection[str],
    ) -> None:
        self.problem = problem
        self.plan = plan
        self.technician_ids = frozenset(technician_ids)
        self.routes = [r for r in plan.routes if r.technician_id in self.technician_ids]
        self.extra_ids = frozenset(order_ids)
        self.order_ids = self.extra_ids | {s.work_order_id for r in self.routes for s in r.stops}
        sub = self._subset(problem)
        self._layout = _layout(sub)
        self._matrices = sub.travel.matrices(problem_locations(sub))
        self._base: _BaseLayout | None = None

    def _subset(self, problem: Problem) -> Problem:
        if len(self.technician_ids) == len(problem.technicians):  # every technician (a booking)
            return problem.subset(work_order_ids=set(self.order_ids))
        sub = problem.subset(
            work_order_ids=set(self.order_ids), technician_ids=set(self.technician_ids)
        )
        if not problem.depots:
            return sub
        # The depots' stock less what the other technicians' routes loaded there.
        (depots,) = stock_shares(
            problem, [(frozenset(self.order_ids), self.technician_ids)], self.plan.routes
        )
        return replace(sub, depots=depots)

    def workspace(
        self,
        problem: Problem | None = None,
        node_of: str | None = None,
        *,
        extra_only: bool = False,
    ) -> Workspace | None:
        """The part laid out under ``problem`` (default: the plan's own problem).

        Parameters
        ----------
        problem
            The plan's problem or a changed copy of it (changes move no
            location, so the travel matrices are reused).
        node_of
            The order whose node the workspace points at.
        extra_only
            The change touches only the extra orders (their windows,
            deadlines, exclusions; not their service time): the eligibility
            and the node layout of everything else are reused.

        Returns
        -------
        Workspace or None
            ``None`` when nobody in the part may serve anything, or when the
            plan's routes do not re-time as they are (then nothing can be
            verified here).
        """
        sub = self._subset(problem or self.problem)
        if extra_only and _layout(sub) == self._layout:
            index = self._extra_index(sub)
        else:
            matrices: TravelMatrices = (
                self._matrices
                if _layout(sub) == self._layout
                else sub.travel.matrices(problem_locations(sub))
            )
            out, back = leg_matrices(sub, matrices)
            eligibility = compute_eligibility(sub, out, back)
            if not eligibility.allowed:
                return None
            index = build_index(sub, eligibility, matrices, sorted(eligibility.allowed))
        inputs = SearchInput(sub, sub.weights or DEFAULT_WEIGHTS, index)
        lanes, rules = timing_of(inputs)
        routes = routes_from_plan(index, self.plan)
        n_orders = len(index.order_of_node)  # depot visits (nodes after them) do not count
        if sum(n < n_orders for r in routes for n in r) != sum(len(r.stops) for r in self.routes):
            return None
        solution = Solution(CostModel.build(inputs, lanes, rules), routes)
        if solution.snapshot() != routes:
            return None
        node = None
        if node_of is not None and node_of in index.order_ids:
            node = index.order_ids.index(node_of)
            if not index.allowed_vehicles[node]:
                node = None
        return Workspace(sub, index, lanes, rules, solution, node)

    def _extra_index(self, sub: Problem) -> ModelIndex:
        """The node layout of ``sub``, eligibility recomputed for the extra orders only."""
        if self._base is None:
            base = self._subset(self.problem)
            out, back = leg_matrices(base, self._matrices)
            eligibility = compute_eligibility(base, out, back)
            extra = [i for i, o in enumerate(base.work_orders) if o.id in self.extra_ids]
            nodes = sorted(set(eligibility.allowed) | set(extra))
            allowed = {o: eligibility.allowed.get(o, []) for o in nodes}
            index = build_index(base, replace(eligibility, allowed=allowed), self._matrices, nodes)
            self._base = _BaseLayout(out, back, index, extra)
        base_layout = self._base
        allowed_vehicles = list(base_layout.index.allowed_vehicles)
        node_of = {o: n for n, o in enumerate(base_layout.index.order_of_node)}
        for o in base_layout.extra:
            alone = replace(sub, work_orders=(sub.work_orders[o],))
            found = compute_eligibility(alone, base_layout.out[:, [o]], base_layout.back[:, [o]])
            allowed_vehicles[node_of[o]] = frozenset(found.allowed.get(0, ()))
        return replace(base_layout.index, allowed_vehicles=tuple(allowed_vehicles))


@dataclass(frozen=True, slots=True)
class _BaseLayout:
    """What :meth:`Part.workspace` reuses when only the extra orders change."""

    out: NDArray[np.int64]
    back: NDArray[np.int64]
    index: ModelIndex
    extra: list[int]


def _layout(problem: Problem) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(o.id for o in problem.work_orders), tuple(t.id for t in problem.technicians)


def checked_plan(
    problem: Problem,
    plan: Plan,
    routes: Sequence[Route],
    served: Collection[str],
    dropped: Sequence[Unassigned] = (),
    *,
    changed_only: bool = False,
) -> Plan | None:
    """``plan`` with ``routes`` in place of those of their technician-shifts, if valid.

    Parameters
    ----------
    problem
        The problem of the new plan (the plan's own, or a changed copy).
    plan
        A plan the validator accepts for ``problem``.
    routes
        New routes; each replaces the plan's route of its technician and
        shift (or is added); an empty one removes it.
    served
        Orders left out by ``plan`` that ``routes`` serve.
    dropped
        Orders ``plan`` served that the new plan leaves out.
    changed_only
        Check only the changed technicians' routes with the validator (on
        the part of ``problem`` they serve), and that every order is served
        or left out exactly once; right when ``problem`` is ``plan``'s own
        problem with the served orders added, since then the other routes
        are unchanged and already checked.

    Returns
    -------
    Plan or None
        The new plan with its objective and KPIs when
        :func:`optimizer.check_plan` finds no violation in it; else ``None``.
        (Whether ``problem`` itself is valid is the caller's to check.)
    """
    new = {(r.technician_id, r.shift_index): r for r in routes}
    kept = [new.pop((r.technician_id, r.shift_index), r) for r in plan.routes]
    merged = [r for r in [*kept, *new.values()] if r.stops]
    unassigned = [replace(u, fixes=None) for u in plan.unassigned if u.work_order_id not in served]
    unassigned += dropped
    order = {o.id: i for i, o in enumerate(problem.work_orders)}
    unassigned.sort(key=lambda u: order.get(u.work_order_id, -1))
    stats = replace(plan.stats, status="evaluated")
    result = finish_plan(problem, merged, unassigned, stats, time.perf_counter())
    if not changed_only:
        return None if check_plan(problem, result) else result
    listed = [s.work_order_id for r in result.routes for s in r.stops]
    listed += [u.work_order_id for u in result.unassigned]
    if len(listed) != len(order) or set(listed) != set(order):
        return None
    techs = {r.technician_id for r in routes}
    changed = tuple(r for r in result.routes if r.technician_id in techs)
    ids = {s.work_order_id for r in changed for s in r.stops}
    part = problem.subset(work_order_ids=ids, technician_ids=techs)
    return None if check_plan(part, Plan(changed, (), result.stats)) else result
