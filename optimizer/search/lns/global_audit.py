"""Priority across the whole plan: a last audit and repair that ignores the parts' borders.

The parts of a decomposed solve (:mod:`optimizer.search.decomposition`)
protect their own priority orders: inside a part, no order is left out that
cheaper work could make room for (:func:`optimizer.search.lns.audit.protect`).
Across parts nobody looks: a P1 at the edge of an overloaded part stays out
while a technician of the next part, one street away, drives a P4 or sits
idle. This stage looks.

The orders left out are grouped by place (:func:`optimizer.search.partition.bisect`,
at most :data:`GROUP_ORDERS` a group); each group gets the technicians who
may serve its orders (skills, pins and exclusions, van stock), nearest first
by the closer of their start and their stops, whatever their part:
:data:`NEAREST_TECHNICIANS` per order, among them up to :data:`IDLE_TECHNICIANS`
without work. The group's problem (those technicians, every order they
serve, the group's orders) is protected and audited like any part:
insertion, ejection of one or two cheaper orders (put back elsewhere when
they fit), an idle technician. Its new routes are kept only when the whole
plan's objective falls. Groups are taken most valuable first (their best
order's penalty), so when time runs out the P1s have been looked at.

Memory and time grow with the orders left out, never with the square of
the problem: a group's matrices cover a few hundred locations.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from optimizer.objective import plan_cost
from optimizer.plan import Plan, Route, SolveStats, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.depots import stock_shares
from optimizer.search.eligibility import _parts_ok, _pin_ok, _skill_ok, compute_eligibility
from optimizer.search.index import SearchInput, build_index, problem_locations, routes_from_plan
from optimizer.search.lns.audit import audit, protect
from optimizer.search.lns.search import Neighbourhood
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.partition import Part, bisect, part_problem, planar_km
from optimizer.search.prepare import leg_matrices
from optimizer.search.timing import timing_of
from optimizer.search.writer import NO_ROOM, write_plan
from optimizer.weights import DEFAULT_WEIGHTS

#: Orders left out looked at together (one group's problem).
GROUP_ORDERS = 6
#: Technicians offered to each order left out, nearest first, whatever their part.
NEAREST_TECHNICIANS = 6
#: Of those, technicians without any work taken even when farther (a free
#: technician of a neighbouring part).
IDLE_TECHNICIANS = 2
#: At most this many technicians in one group's problem.
GROUP_TECHNICIANS = 32

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GlobalAudit:
    """What the global audit did.

    ``groups``/``looked_at``: groups of orders left out, and how many of
    them were protected and audited before the deadline; ``served``: orders
    left out before that the plan now serves; ``findings``: orders of the
    groups looked at that could still be served with a gain (0 on a correct
    plan); ``None`` when time ran out before every group was looked at.
    """

    groups: int
    looked_at: int
    served: int
    findings: int | None


def plan_of(problem: Problem, routes: Mapping[str, Sequence[Route]]) -> Plan:
    """The plan of every technician's ``routes``, the orders on none left out (for costing)."""
    ordered = [r for t in problem.technicians for r in routes.get(t.id, ())]
    served = {s.work_order_id for r in ordered for s in r.stops}
    left = tuple(
        Unassigned(o.id, UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
        for o in problem.work_orders
        if o.id not in served
    )
    return Plan(tuple(ordered), left, SolveStats("feasible", 0.0, None, 0.0))


class _Places:
    """Where every technician works: its start and its stops, in kilometres on a plane."""

    def __init__(self, problem: Problem, routes: Mapping[str, Sequence[Route]]) -> None:
        location_of = {o.id: o.location for o in problem.work_orders}
        owners: list[int] = []
        locations = []
        for t, tech in enumerate(problem.technicians):
            mine = [tech.start] + [
                location_of[s.work_order_id] for r in routes.get(tech.id, ()) for s in r.stops
            ]
            locations += mine
            owners += [t] * len(mine)
        points = planar_km(locations)
        assert points is not None  # the caller checked the problem has coordinates
        self.points = points
        self.owners = np.array(owners)
        self.n_techs = len(problem.technicians)

    def nearest(self, where: np.ndarray) -> np.ndarray:
        """Technician indices by their distance to ``where`` (nearest first)."""
        gap = np.hypot(*(self.points - where).T)
        best = np.full(self.n_techs, np.inf)
        np.minimum.at(best, self.owners, gap)
        return np.argsort(best, kind="stable")


def _served(routes: Mapping[str, Sequence[Route]]) -> set[str]:
    return {s.work_order_id for rs in routes.values() for r in rs for s in r.stops}


def _candidates(
    problem: Problem,
    places: _Places,
    busy: set[str],
    order_index: int,
    where: np.ndarray,
) -> list[str]:
    """The technicians who may serve order ``order_index``, nearest first (some idle ones)."""
    order = problem.work_orders[order_index]
    techs = problem.technicians
    out: list[str] = []
    idle = 0
    for t in places.nearest(where):
        tech = techs[int(t)]
        if not (_skill_ok(tech, order) and _pin_ok(tech, order) and _parts_ok(tech, order)):
            continue
        if len(out) < NEAREST_TECHNICIANS:
            out.append(tech.id)
            idle += tech.id not in busy
        elif tech.id not in busy and idle < IDLE_TECHNICIANS:
            out.append(tech.id)
            idle += 1
        if len(out) >= NEAREST_TECHNICIANS and idle >= IDLE_TECHNICIANS:
            break
    return out


def _groups(problem: Problem, left: list[int]) -> list[list[int]]:
    """Orders left out (problem indices) in groups by place, most valuable class first.

    Orders of the same unserved penalty form a class; each class is split
    by place into groups of at most :data:`GROUP_ORDERS`.
    """
    orders = problem.work_orders
    weights = problem.weights or DEFAULT_WEIGHTS
    classes: dict[float, list[int]] = {}
    for i in left:
        classes.setdefault(weights.unassigned_penalty(orders[i]), []).append(i)
    out: list[list[int]] = []
    for value in sorted(classes, reverse=True):
        members = classes[value]
        points = planar_km([orders[i].location for i in members])
        if points is None:
            return []
        out += [
            [members[k] for k in g]
            for g in bisect(points, np.ones(len(members)), GROUP_ORDERS, 0.0)
        ]
    return out


def _part(
    problem: Problem,
    places: _Places,
    busy: set[str],
    group: list[int],
    routes: Mapping[str, Sequence[Route]],
) -> Part | None:
    """The group's orders with the technicians who may serve them and all those serve."""
    orders = problem.work_orders
    points = planar_km([orders[i].location for i in group])
    assert points is not None
    techs: list[str] = []
    for k, i in enumerate(group):
        for tech_id in _candidates(problem, places, busy, i, points[k]):
            if tech_id not in techs and len(techs) < GROUP_TECHNICIANS:
                techs.append(tech_id)
    if not techs:
        return None
    served = {s.work_order_id for t in techs for r in routes.get(t, ()) for s in r.stops}
    return Part(frozenset(techs), frozenset(served | {orders[i].id for i in group}))


def _inputs(
    problem: Problem,
) -> tuple[SearchInput | None, dict[int, tuple[UnassignedReason, str]]]:
    """The search's view of a group's problem: :func:`~optimizer.search.prepare.prepare`
    without its exact one-order timing of every allowed pair.

    That timing only narrows the vehicles an order is offered to; here every
    insertion and ejection is timed anyway, and skipping it halves the
    group's cost (a group of 32 technicians: 0.18 s to prepare, 0.1 s of it
    timing pairs that are never tried).
    """
    weights = problem.weights or DEFAULT_WEIGHTS
    matrices = problem.travel.matrices(problem_locations(problem))
    out, back = leg_matrices(problem, matrices)
    eligibility = compute_eligibility(problem, out, back)
    nodes = sorted(eligibility.allowed)
    if not nodes:
        return None, eligibility.reasons
    index = build_index(problem, eligibility, matrices, nodes)
    return SearchInput(problem, weights, index), eligibility.reasons


def _repair(problem: Problem, plan: Plan, deadline: float) -> tuple[Plan | None, int] | None:
    """Protect and audit one group's problem: (its new plan, findings left), or ``None``.

    The new plan is ``None`` when nothing moved; findings are -1 when the
    deadline came first.

    ``None`` when the group's problem has nothing to search (nobody may
    serve its orders after all).
    """
    inputs, reasons = _inputs(problem)
    if inputs is None:
        return None
    lanes, rules = timing_of(inputs)
    solution = Solution(CostModel.build(inputs, lanes, rules), routes_from_plan(inputs.index, plan))
    hood = Neighbourhood(inputs.index)
    moves = protect(solution, hood, deadline)
    findings = len(audit(solution, hood)) if time.perf_counter() < deadline else -1
    if not moves:
        return None, findings
    stats = SolveStats("feasible", 0.0, None, 0.0)
    new = write_plan(
        problem,
        inputs.index,
        lanes,
        rules,
        solution.snapshot(),
        reasons,
        stats,
        time.perf_counter(),
    )
    return new, findings


def global_repair(
    problem: Problem, routes: dict[str, tuple[Route, ...]], deadline: float
) -> GlobalAudit:
    """Serve orders left out across the parts' borders; ``routes`` (by technician) is updated.

    Parameters
    ----------
    problem
        The whole problem (with coordinates).
    routes
        Every technician's routes, as the rounds left them; changed in place.
    deadline
        ``time.perf_counter()`` time to stop at; groups not reached by then
        are not looked at (``findings`` is then ``None``).

    A problem with crews or dependencies is not looked at (``findings``
    ``None``): a group's problem could cut a crew or a chain, and its
    parts already audited their crews and chains whole
    (:func:`optimizer.search.lns.links.audit_groups`).
    """
    if problem.has_links:
        return GlobalAudit(0, 0, 0, None)
    served = {s.work_order_id for rs in routes.values() for r in rs for s in r.stops}
    left = [i for i, o in enumerate(problem.work_orders) if o.id not in served]
    if not left:
        return GlobalAudit(0, 0, 0, 0)
    groups = _groups(problem, left)
    places = _Places(problem, routes)
    busy = {t for t, rs in routes.items() if any(r.stops for r in rs)}
    current = plan_cost(problem, plan_of(problem, routes))["total"]
    looked_at = 0
    findings = 0
    complete = True
    for group in groups:
        if time.perf_counter() >= deadline:
            complete = False
            break
        now = _served(routes)
        group = [i for i in group if problem.work_orders[i].id not in now]
        part = _part(problem, places, busy, group, routes) if group else None
        if part is None:
            continue
        sub = part_problem(problem, part)
        if problem.depots:  # its own loads and what nobody has loaded yet: no over-draw
            everyone = [r for rs in routes.values() for r in rs]
            pair = [(part.work_order_ids, part.technician_ids)]
            (depots,) = stock_shares(problem, pair, everyone)
            sub = replace(sub, depots=depots)
        start = plan_of(sub, {t: routes.get(t, ()) for t in part.technician_ids})
        result = _repair(sub, start, deadline)
        if result is None:
            continue
        new, left_over = result
        looked_at += 1
        if left_over < 0:
            complete = False
        else:
            findings += left_over
        if new is None:
            continue
        before = {t: routes.get(t, ()) for t in part.technician_ids}
        for tech_id in part.technician_ids:
            routes[tech_id] = tuple(r for r in new.routes if r.technician_id == tech_id)
        cost = plan_cost(problem, plan_of(problem, routes))["total"]
        if cost > current - 1e-6:  # judged on the whole plan (workload balance is global)
            routes.update(before)
        else:
            current = cost
    now = {s.work_order_id for rs in routes.values() for r in rs for s in r.stops}
    gained = len(now - served)
    _log.debug("global audit: %d groups, %d looked at, %d served", len(groups), looked_at, gained)
    return GlobalAudit(len(groups), looked_at, gained, findings if complete else None)


def repair_across_parts(
    problem: Problem, routes: dict[str, tuple[Route, ...]], deadline: float
) -> int | None:
    """:func:`global_repair` as the ``repair`` stage of ``solve_in_parts``: its findings."""
    return global_repair(problem, routes, deadline).findings
