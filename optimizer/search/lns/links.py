"""Crews and linked visits in the large-neighbourhood search: group moves kept in sync by locks.

The expanded problem (:func:`optimizer.search.links.expand`) gives each crew
member its own order node; :class:`LinkedSolution` keeps the rules that tie
nodes across routes as **locks** on single nodes, which the one timing
routine keeps (a lock is a start interval or a technician):

- inserting a crew order is one move: k member nodes go to the routes of k
  distinct technicians, each locked to ``[T, T + tolerance]`` for a common
  start ``T`` chosen among the members' earliest starts;
- inserting an order that follows a served one locks its start to after
  the predecessor's current end plus the minimum delay (before it plus the
  maximum delay), to the predecessor's day and technician when asked, and
  locks the predecessor to what its current times already satisfy (end no
  later, start no earlier, same day, same technician), so that every later
  single-route move that is feasible under its locks keeps every rule;
- removing an order removes all its members and, with it, every order that
  follows it (directly or not); recreate inserts predecessors first.

Locks are part of the state: :meth:`LinkedSolution.save` and
:meth:`LinkedSolution.load` take and put back routes and locks together.
The costs are the objective's (:func:`optimizer.objective.plan_cost`): a
crew order's penalty counts once (on its first member), its lateness,
preference, reassignment and territory costs are shared among its members.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import permutations, product

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.search.index import ModelIndex
from optimizer.search.links import OPEN_HI, OPEN_LO, LinkSpec, clip, expand, member_id
from optimizer.search.lns.search import (
    FEW_VEHICLES,
    NEAREST_VEHICLES,
    START_TEMPERATURE,
    Neighbourhood,
    best_insertion,
    stall_limit,
)
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.timing import extend, schedule_route, timing_of

#: Placements timed per crew member when choosing the common start.
CREW_PLACES = 16
#: Common starts tried per crew insertion (earliest first), and feasible ones compared.
CREW_STARTS, CREW_FEASIBLE = 5, 2
#: Vehicles per member kept when matching members to distinct technicians.
CREW_MATCH = 4
#: Orders removed per iteration (groups count by their members).
REMOVE_MIN, REMOVE_MAX, REMOVE_SHARE = 3, 24, 0.12
#: Longest wait between two calls of the progress callback.
HEARTBEAT_S = 0.5

Key = tuple[str, int]
Saved = tuple[list[list[int]], dict[int, dict[Key, tuple[int, int]]], dict[int, dict[Key, int]]]


class Links:
    """Groups of order nodes (a crew's members, or one order) and the edges between groups."""

    def __init__(self, spec: LinkSpec, index: ModelIndex) -> None:
        node_of = {oid: n for n, oid in enumerate(index.order_ids)}
        self.spec = spec
        self.names = list(spec.groups)
        number = {name: g for g, name in enumerate(self.names)}
        self.nodes: list[tuple[int, ...]] = []
        self.blocked: list[bool] = []
        self.group_of = [-1] * len(index.order_ids)
        for g, name in enumerate(self.names):
            members = spec.groups[name]
            nodes = tuple(node_of[m] for m in members if m in node_of)
            self.nodes.append(nodes)
            self.blocked.append(len(nodes) != len(members))
            for n in nodes:
                self.group_of[n] = g
        self.tolerance = [spec.tolerance_s.get(name, 0) for name in self.names]
        self.edges = [(number[e.pred], number[e.succ], e.dep) for e in spec.edges]
        self.preds: list[list[int]] = [[] for _ in self.names]
        self.succs: list[list[int]] = [[] for _ in self.names]
        for e, (p, s, _) in enumerate(self.edges):
            self.preds[s].append(e)
            self.succs[p].append(e)
        for g in self._closure([g for g, b in enumerate(self.blocked) if b]):
            self.blocked[g] = True
        self.linked = [
            len(self.nodes[g]) > 1 or bool(self.preds[g] or self.succs[g])
            for g in range(len(self.names))
        ]
        self.tech_of_vehicle = [veh.tech_index for veh in index.vehicles]

    def _closure(self, groups: Sequence[int]) -> set[int]:
        out = set(groups)
        stack = list(groups)
        while stack:
            for e in self.succs[stack.pop()]:
                s = self.edges[e][1]
                if s not in out:
                    out.add(s)
                    stack.append(s)
        return out

    def with_successors(self, groups: Sequence[int]) -> set[int]:
        """``groups`` and every group that follows one of them, directly or not."""
        return self._closure(groups)

    def linked_nodes(self) -> set[int]:
        """Nodes of crews and of orders in a dependency (kept out of unlinked starts)."""
        return {n for g, nodes in enumerate(self.nodes) if self.linked[g] for n in nodes}


def linked_model(model: CostModel, links: Links) -> CostModel:
    """``model`` with a crew's costs shared by its members and lists of its own for the locks.

    A crew's unserved penalty is carried by its first member; lateness
    (rate and cap), preference and reassignment costs are divided among
    the members. Nodes of groups that can never be served are allowed
    nowhere.
    """
    penalty = list(model.penalty)
    late = list(model.rules.late_per_s)
    cap = list(model.rules.late_cap)
    static = [dict(costs) for costs in model.static]
    allowed = list(model.allowed)
    for g, nodes in enumerate(links.nodes):
        if links.blocked[g]:
            for n in nodes:
                allowed[n] = frozenset()
        if len(links.spec.groups[links.names[g]]) < 2:
            continue
        k = len(links.spec.groups[links.names[g]])
        for i, n in enumerate(nodes):
            if i:
                penalty[n] = 0.0
            late[n] /= k
            cap[n] /= k
            static[n] = {v: c / k for v, c in static[n].items()}
    rules = replace(
        model.rules, intervals=list(model.rules.intervals), late_per_s=late, late_cap=cap
    )
    return replace(model, rules=rules, penalty=penalty, static=static, allowed=allowed)


@dataclass(frozen=True, slots=True)
class CrewMove:
    """A crew's common start and each member's ``(vehicle, position)``."""

    start_s: int
    places: tuple[tuple[int, int], ...]
    cost: float


class LinkedSolution(Solution):
    """A :class:`Solution` whose crews and dependencies are kept by locks on nodes."""

    def __init__(
        self,
        model: CostModel,
        links: Links,
        hood: Neighbourhood,
        routes: Sequence[Sequence[int]],
    ) -> None:
        self.links = links
        self.hood = hood
        self.base_intervals = list(model.rules.intervals)
        self.base_allowed = list(model.allowed)
        self.cons: dict[int, dict[Key, tuple[int, int]]] = {}
        self.techs: dict[int, dict[Key, int]] = {}
        self._times: dict[int, dict[int, tuple[int, int]]] = {}
        linked = links.linked_nodes()
        super().__init__(model, [[n for n in r if n not in linked] for r in routes])
        self.group_penalty = [sum(model.penalty[n] for n in nodes) for nodes in links.nodes]
        bound = list(self.group_penalty)
        for g in range(len(links.nodes)):  # serving a predecessor lets its successors in
            bound[g] += sum(self.group_penalty[s] for s in links.with_successors([g]) - {g})
        self.group_bound = bound

    # --- locks ---------------------------------------------------------------

    def _apply(self, node: int) -> None:
        lo, hi = OPEN_LO, OPEN_HI
        for a, b in self.cons.get(node, {}).values():
            lo, hi = max(lo, a), min(hi, b)
        self.model.rules.intervals[node] = clip(self.base_intervals[node], lo, hi)
        techs = set(self.techs.get(node, {}).values())
        allowed = self.base_allowed[node]
        if techs:
            owner = self.links.tech_of_vehicle
            allowed = frozenset(v for v in allowed if len(techs) == 1 and owner[v] in techs)
        self.model.allowed[node] = allowed

    def _lock(self, node: int, key: Key, interval: tuple[int, int], tech: int | None) -> None:
        self.cons[node] = {**self.cons.get(node, {}), key: interval}
        if tech is not None:
            self.techs[node] = {**self.techs.get(node, {}), key: tech}
        self._apply(node)

    def _unlock(self, node: int) -> None:
        self.cons.pop(node, None)
        self.techs.pop(node, None)
        self._apply(node)

    def times(self, node: int) -> tuple[int, int]:
        """Service ``(start, end)`` of a served node, as the plan will have it."""
        v = self.route_of[node]
        cached = self._times.get(v)
        if cached is None:
            lane = self.model.lanes[v]
            schedule = schedule_route(lane, self.model.rules, self.routes[v].nodes)
            assert schedule is not None
            cached = {s.node: (s.start_s, s.end_s) for s in schedule.stops}
            self._times[v] = cached
        return cached[node]

    # --- changes -------------------------------------------------------------

    def set_route(self, v: int, nodes: list[int]) -> bool:
        """As :meth:`Solution.set_route`, forgetting the route's cached times."""
        ok = super().set_route(v, nodes)
        if ok:
            self._times.pop(v, None)
        return ok

    def restore(self, routes: Sequence[Sequence[int]], changed: Sequence[int]) -> None:
        """As :meth:`Solution.restore`, forgetting the routes' cached times."""
        super().restore(routes, changed)
        for v in changed:
            self._times.pop(v, None)

    def save(self) -> Saved:
        """Routes and locks, to put back with :meth:`load`."""
        return self.snapshot(), dict(self.cons), dict(self.techs)

    def load(self, saved: Saved) -> None:
        """Put back routes and locks taken by :meth:`save`."""
        routes, cons, techs = saved
        nodes = {n for n in cons.keys() | self.cons.keys() if cons.get(n) is not self.cons.get(n)}
        nodes |= {
            n for n in techs.keys() | self.techs.keys() if techs.get(n) is not self.techs.get(n)
        }
        self.cons, self.techs = dict(cons), dict(techs)
        for n in nodes:
            self._apply(n)
        changed = {v for v in range(len(routes)) if routes[v] != self.routes[v].nodes}
        if nodes:
            where = {n: v for v, r in enumerate(routes) for n in r}
            changed |= {where[n] for n in nodes if n in where}
        self.restore(routes, sorted(changed))

    def served(self, g: int) -> bool:
        """Whether group ``g`` is in the routes (all its members are, or none)."""
        nodes = self.links.nodes[g]
        return bool(nodes) and self.route_of[nodes[0]] >= 0

    def remove_groups(self, groups: Sequence[int]) -> list[int]:
        """Take groups out with every group that follows them; returns the groups taken out."""
        gone = [g for g in self.links.with_successors(groups) if self.served(g)]
        nodes = [n for g in gone for n in self.links.nodes[g]]
        saved = self.save()
        self.remove(nodes)
        if any(self.route_of[n] >= 0 for n in nodes):  # a shortcut broke a route: keep all
            self.load(saved)
            return []
        for n in nodes:
            self._unlock(n)
        return gone

    def insertable(self, g: int) -> bool:
        """Not served, never blocked, and every predecessor served."""
        links = self.links
        if links.blocked[g] or self.served(g):
            return False
        return all(self.served(links.edges[e][0]) for e in links.preds[g])

    def insert_group(self, g: int, bound: float) -> bool:
        """Insert group ``g`` where it adds least, below ``bound``; returns whether it did."""
        links = self.links
        partners: dict[int, tuple[dict[Key, tuple[int, int]] | None, dict[Key, int] | None]] = {}
        own: list[tuple[Key, tuple[int, int], int | None]] = []
        for e in links.preds[g]:
            p, _, dep = links.edges[e]
            p_nodes = links.nodes[p]
            spans = [self.times(n) for n in p_nodes]
            p_end = max(end for _, end in spans)
            lo = p_end + dep.min_delay_s
            hi = OPEN_HI if dep.max_delay_s is None else p_end + dep.max_delay_s
            day = links.spec.day_of(min(s for s, _ in spans)) if dep.same_day else None
            if day is not None:
                lo, hi = max(lo, day[0]), min(hi, day[1])
            if lo > hi:
                self._undo(partners)
                return False
            tech = None
            if dep.same_technician:
                tech = links.tech_of_vehicle[self.route_of[p_nodes[0]]]
            own.append((("e", e), (lo, hi), tech))
            for n, (start, _) in zip(p_nodes, spans, strict=True):
                plo = start if dep.max_delay_s is not None else OPEN_LO
                phi = p_end - self.model.rules.service_s[n]
                if day is not None:
                    plo, phi = max(plo, day[0]), min(phi, day[1])
                if n not in partners:
                    partners[n] = (self.cons.get(n), self.techs.get(n))
                self._lock(n, ("e", e), (plo, phi), tech)
        for v in {self.route_of[n] for n in partners}:
            if not self.set_route(v, list(self.routes[v].nodes)):
                self._undo(partners)
                return False
        nodes = links.nodes[g]
        for n in nodes:
            for key, interval, tech in own:
                self._lock(n, key, interval, tech)
        if len(nodes) == 1:
            _, v, pos = best_insertion(self, nodes[0], self.hood, bound)
            if v >= 0 and self.insert(v, nodes[0], pos):
                return True
        else:
            move = self._crew_move(g, bound)
            if move is not None:
                for n in nodes:
                    self._lock(
                        n, ("sync", 0), (move.start_s, move.start_s + links.tolerance[g]), None
                    )
                done = [
                    n
                    for n, (v, pos) in zip(nodes, move.places, strict=True)
                    if self.insert(v, n, pos)
                ]
                if len(done) == len(nodes):
                    return True
                self.remove(done)
        for n in nodes:
            self._unlock(n)
        self._undo(partners)
        return False

    def _undo(
        self,
        partners: dict[int, tuple[dict[Key, tuple[int, int]] | None, dict[Key, int] | None]],
    ) -> None:
        """Put back the partners' locks as they were, and their routes' timing."""
        for n, (cons, techs) in partners.items():
            if cons is None:
                self.cons.pop(n, None)
            else:
                self.cons[n] = cons
            if techs is None:
                self.techs.pop(n, None)
            else:
                self.techs[n] = techs
            self._apply(n)
        for v in {self.route_of[n] for n in partners}:
            ok = self.set_route(v, list(self.routes[v].nodes))
            assert ok, "a route feasible before its partners' locks is feasible after"

    # --- crews ---------------------------------------------------------------

    def _routes_for(self, node: int) -> set[int]:
        allowed = self.model.allowed[node]
        if len(allowed) <= FEW_VEHICLES:
            return set(allowed)
        routes = {self.route_of[j] for j in self.hood.orders[node]} - {-1}
        routes &= allowed
        added = 0
        for v in self.hood.vehicles_by_start[node]:
            if v in allowed and v not in routes:
                routes.add(v)
                added += 1
                if added >= NEAREST_VEHICLES + 2:
                    break
        return routes

    def _places(self, node: int) -> list[tuple[float, int, int, int]]:
        """``(lower cost, vehicle, position, added driving)`` of the cheapest places, by cost."""
        m = self.model
        wt = m.travel_point_per_s
        out = []
        for v in self._routes_for(node):
            static = m.static[node].get(v, 0.0)
            for added, pos in self.insertion_places(v, node):
                out.append((added * wt + static, v, pos, added))
        out.sort()
        return out[:CREW_PLACES]

    def _earliest(self, node: int, v: int, pos: int) -> int | None:
        """The earliest service start of ``node`` at ``pos`` of route ``v`` (its prefix only)."""
        m = self.model
        route = self.routes[v]
        lane = m.lanes[v]
        prev = route.nodes[pos - 1] if pos > 0 else lane.start_node
        state = extend(lane, m.rules, route.states[pos], prev, node, False)
        done = [e[0] for e in state if e is not None]
        return min(done) - m.rules.service_s[node] if done else None

    def _crew_move(self, g: int, bound: float) -> CrewMove | None:
        """The cheapest common start and member places of crew ``g`` below ``bound``."""
        links = self.links
        nodes = links.nodes[g]
        tol = links.tolerance[g]
        places = [self._places(n) for n in nodes]
        if any(not p for p in places):
            return None
        earliest: list[list[int]] = []
        for n, member_places in zip(nodes, places, strict=True):
            starts = [self._earliest(n, v, pos) for _, v, pos, _ in member_places]
            earliest.append([s for s in starts if s is not None])
        if any(not e for e in earliest):
            return None
        floor = max(min(e) for e in earliest)
        later = sorted({s for e in earliest for s in e if s > floor})
        step = max(1, len(later) // (CREW_STARTS - 1))
        candidates = [floor, *later[::step][: CREW_STARTS - 1]]
        saved = {n: self.cons.get(n) for n in nodes}
        best: CrewMove | None = None
        feasible = 0
        for start in candidates:
            for n in nodes:
                self._lock(n, ("sync", 0), (start, start + tol), None)
            move = self._match(nodes, places, start, min(bound, best.cost if best else bound))
            if move is not None:
                feasible += 1
                if best is None or move.cost < best.cost:
                    best = move
                if feasible >= CREW_FEASIBLE:
                    break
        for n, cons in saved.items():
            if cons is None:
                self.cons.pop(n, None)
            else:
                self.cons[n] = cons
            self._apply(n)
        return best

    def _match(
        self,
        nodes: tuple[int, ...],
        places: list[list[tuple[float, int, int, int]]],
        start: int,
        bound: float,
    ) -> CrewMove | None:
        """Members at distinct technicians' cheapest places for a common ``start``."""
        per_member: list[list[tuple[float, int, int]]] = []
        for n, member_places in zip(nodes, places, strict=True):
            by_vehicle: dict[int, tuple[float, int, int]] = {}
            for lower, v, pos, added in member_places:
                if lower >= bound or (v in by_vehicle and lower >= by_vehicle[v][0]):
                    continue
                cost = self.timed_insertion_cost(v, n, pos, added, bound)
                if cost < bound and (v not in by_vehicle or cost < by_vehicle[v][0]):
                    by_vehicle[v] = (cost, v, pos)
            if not by_vehicle:
                return None
            per_member.append(sorted(by_vehicle.values())[:CREW_MATCH])
        owner = self.links.tech_of_vehicle
        best: tuple[float, tuple[tuple[int, int], ...]] | None = None
        for combo in product(*per_member):
            if len({owner[v] for _, v, _ in combo}) < len(combo):
                continue
            cost = sum(c for c, _, _ in combo)
            if cost < bound and (best is None or cost < best[0]):
                best = (cost, tuple((v, pos) for _, v, pos in combo))
        if best is None:
            return None
        return CrewMove(start, best[1], best[0])

    # --- recreate ------------------------------------------------------------

    def recreate(self, pool: Sequence[int], rng: random.Random) -> None:
        """Insert the groups of ``pool``, most valuable first, predecessors before successors."""
        bound = self.group_bound
        pending = sorted(set(pool), key=lambda g: (-bound[g], rng.random()))
        while pending:
            waiting = []
            progress = False
            for g in pending:
                if self.links.blocked[g] or self.served(g):
                    continue
                if not self.insertable(g):
                    waiting.append(g)
                    continue
                if self.insert_group(g, bound[g]):
                    progress = True
            if not progress:
                break
            pending = waiting

    def unserved_groups(self) -> list[int]:
        """Groups left out that could still be served (not blocked)."""
        return [
            g
            for g in range(len(self.links.nodes))
            if not self.links.blocked[g] and not self.served(g)
        ]


def _ruin(sol: LinkedSolution, rng: random.Random) -> list[int]:
    """Groups to take out: around one order, strings of a few routes, or at random."""
    links, hood = sol.links, sol.hood
    served = [n for n in range(len(sol.route_of)) if sol.route_of[n] >= 0]
    if not served:
        return []
    q = max(REMOVE_MIN, min(REMOVE_MAX, int(REMOVE_SHARE * len(served))))
    q = rng.randint(min(REMOVE_MIN, len(served)), min(q, len(served)))
    kind = rng.random()
    left = sol.unserved_groups()
    if left and kind < 0.25:  # room for a group left out, near its first member
        g = rng.choice(left)
        target = links.nodes[g][0]
        near = [j for j in hood.orders[target] if sol.route_of[j] >= 0][: max(1, q // 2)]
        return sorted({links.group_of[j] for j in near})
    seed = rng.choice(served)
    if kind < 0.4:
        nodes = rng.sample(served, q)
    elif kind < 0.8:
        nodes = [seed, *[j for j in hood.orders[seed] if sol.route_of[j] >= 0][: q - 1]]
    else:
        nodes = []
        for j in [seed, *hood.orders[seed]]:
            v = sol.route_of[j]
            if v < 0:
                continue
            route = sol.routes[v].nodes
            at = route.index(j)
            length = rng.randint(1, max(1, min(len(route), q // 2)))
            nodes += route[max(0, at - length // 2) : at + length]
            if len(nodes) >= q:
                break
    n_orders = len(links.group_of)  # depot visits in a route segment are no group
    return sorted({links.group_of[j] for j in nodes if j < n_orders})


def _pool(sol: LinkedSolution, removed: list[int], rng: random.Random) -> list[int]:
    links, hood = sol.links, sol.hood
    pool = set(removed)
    for g in removed:
        for j in hood.orders[links.nodes[g][0]][:8]:
            h = links.group_of[j]
            if h >= 0 and not sol.served(h):
                pool.add(h)
    left = [g for g in sol.unserved_groups() if g not in pool]
    if left:
        pool.update(rng.sample(left, min(len(left), 3)))
    return sorted(pool)


def improve_linked(
    sol: LinkedSolution,
    deadline: float,
    seed: int,
    max_iterations: int | None = None,
    on_best: Callable[[float, int], bool | None] | None = None,
) -> tuple[Saved, float, int]:
    """Ruin and recreate by groups until ``deadline``; returns the best state, its cost, iterations.

    The same annealing as :func:`optimizer.search.lns.search.improve`; the
    state returned is put back with :meth:`LinkedSolution.load`.
    """
    rng = random.Random(seed)
    sol.recreate(sol.unserved_groups(), rng)
    current = sol.objective()
    best_state, best = sol.save(), current
    n = max(len(sol.route_of), 1)
    t0 = START_TEMPERATURE * current / n
    started = time.perf_counter()
    span = max(deadline - started, 1e-6)
    iterations = last_best = 0
    stall = stall_limit(n)
    best_assigned = n - len(sol.unassigned)
    told = started
    while True:
        now = time.perf_counter()
        if on_best is not None and now - told >= HEARTBEAT_S:
            told = now
            if on_best(best, best_assigned):
                break
        if now >= deadline or (max_iterations is not None and iterations >= max_iterations):
            break
        if iterations - last_best >= stall:
            break
        iterations += 1
        progress = iterations / max_iterations if max_iterations else (now - started) / span
        temperature = t0 * (1 - progress)
        before = sol.save()
        removed = sol.remove_groups(_ruin(sol, rng))
        sol.recreate(_pool(sol, removed, rng), rng)
        value = sol.objective()
        if value < current - 1e-9 or value < current + temperature * -math.log(
            max(rng.random(), 1e-12)
        ):
            current = value
            if value < best - 1e-9:
                best, best_state, last_best = value, sol.save(), iterations
                best_assigned = n - len(sol.unassigned)
                if on_best is not None:
                    told = time.perf_counter()
                    if on_best(best, best_assigned):
                        break
        else:
            sol.load(before)
    return best_state, best, iterations


def audit_groups(sol: LinkedSolution) -> list[tuple[int, int, float]]:
    """Groups left out that fit as the plan stands for less than their penalty.

    Each is tried and taken back; returns ``(group, vehicle of its first
    member, gain in points)``, none on a plan the search returns (it ends
    by inserting every such group).
    """
    found = []
    for g in sol.unserved_groups():
        if not sol.insertable(g):
            continue
        saved = sol.save()
        before = sol.objective()
        if sol.insert_group(g, sol.group_penalty[g]):
            gain = before - sol.objective()
            if gain > 1e-6:
                found.append((g, sol.route_of[sol.links.nodes[g][0]], gain))
            sol.load(saved)
    return found


def plan_solution(problem: Problem, plan: Plan) -> tuple[LinkedSolution, ModelIndex] | None:
    """The linked solution of a plan with links, each linked stop locked at its start.

    Crew stops are matched to member nodes by the members' skills; ``None``
    when no order can be served at all.
    """
    expanded, spec = expand(problem)
    inputs = prepare(expanded).inputs
    if inputs is None:
        return None
    index = inputs.index
    lanes, rules = timing_of(inputs)
    links = Links(spec, index)
    sol = LinkedSolution(
        linked_model(CostModel.build(inputs, lanes, rules), links),
        links,
        Neighbourhood(index),
        [[] for _ in index.vehicles],
    )
    node_of = {oid: n for n, oid in enumerate(index.order_ids)}
    vehicle_of = {(veh.technician.id, veh.shift_index): v for v, veh in enumerate(index.vehicles)}
    techs = {t.id: t for t in problem.technicians}
    member_of: dict[tuple[str, str], str] = {}
    for order in problem.work_orders:
        members = [
            r.technician_id for r in plan.routes for st in r.stops if st.work_order_id == order.id
        ]
        if order.crew is None or len(members) != order.crew.size:
            continue
        needs = order.member_requirements()
        for chosen in permutations(members):
            if all(
                all(techs[t].skills.get(k, 0) >= lv for k, lv in need.items())
                for t, need in zip(chosen, needs, strict=True)
            ):
                for i, t in enumerate(chosen):
                    member_of[(order.id, t)] = member_id(order.id, i)
                break
    routes: list[list[int]] = [[] for _ in index.vehicles]
    for route in plan.routes:
        v = vehicle_of.get((route.technician_id, route.shift_index))
        if v is None:
            continue
        for stop in route.stops:
            oid = member_of.get((stop.work_order_id, route.technician_id), stop.work_order_id)
            node = node_of.get(oid)
            if node is None:
                continue
            routes[v].append(node)
            if links.linked[links.group_of[node]]:
                sol.cons[node] = {("plan", 0): (stop.start_s, stop.start_s)}
                sol._apply(node)
    for v, nodes in enumerate(routes):
        if nodes and not sol.set_route(v, nodes):
            return None
    for group in links.nodes:  # a group served in part is no group
        if any(sol.route_of[n] >= 0 for n in group) and not all(
            sol.route_of[n] >= 0 for n in group
        ):
            return None
    return sol, index
