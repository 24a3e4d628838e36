"""What would serve an unserved order: the smallest single changes, each verified.

For an order a plan leaves out, :class:`FixFinder` looks for one change at
a time, on the technicians nearest to it (:data:`NEAREST`), and, when no
single change is verified, for two together (``Fix.also``): what the order
lacks at a technician (skills, or parts its van gave to other orders) plus
overtime on that technician's shift:

- **window**: an appointment window widened (its end later or its start
  earlier) or the not-before time moved earlier, by the fewest minutes;
- **deadline**: hard SLA deadlines moved later by the fewest minutes;
- **overtime**: a named technician's shift extended (ending later, or
  starting earlier) by the fewest minutes;
- **bump**: a named order of lower penalty taken out of a route;
- **skill**: when nobody has the skills, a technician raised to them;
- **parts**: a van given the parts it lacks;
- **exclusion**: an excluded technician allowed;
- **territory**: the order's territory added to a technician bound to others;
- **depot**: a technician fetches the parts or tools at a depot on the way
  (:mod:`optimizer.explain.depot_fixes`; the problem is unchanged).

"Fewest minutes" is a bisection over whole minutes up to
:data:`MAX_CHANGE_MIN`, each step an insertion of the order into the
affected routes (:mod:`optimizer.explain.workspace`). The fix reported for
a kind is then **verified**: the change is made to the problem
(:func:`optimizer.explain.changes.apply_fix`), the order inserted into the
plan, and the plan accepted by the validator; ``cost_delta`` is that plan's
objective minus the given plan's. A skill, parts or exclusion change that
would not make room on its own is reported unverified, naming what is
missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from optimizer.domain import Technician, WorkOrder
from optimizer.explain import wording
from optimizer.explain.changes import apply_fix
from optimizer.explain.depot_fixes import depot_fixes
from optimizer.explain.workspace import Part, Workspace, checked_plan
from optimizer.objective import plan_cost
from optimizer.plan import Fix, FixChange, FixKind, Plan, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.eligibility import start_intervals
from optimizer.validation import validate_problem
from optimizer.weights import DEFAULT_WEIGHTS

#: Technicians tried per kind of fix, the nearest to the order first.
NEAREST = 5
#: Technicians whose shifts are tried for overtime.
OVERTIME_TECHNICIANS = 3
#: Largest change tried, in minutes (12 hours).
MAX_CHANGE_MIN = 720


@dataclass(frozen=True, slots=True)
class FoundFix:
    """A fix with, when verified, the changed problem and a valid plan of it serving the order."""

    fix: Fix
    problem: Problem | None
    plan: Plan | None


class OutOfTime(Exception):
    """The time given to the search for fixes ran out."""


Attempt = tuple[Problem, Workspace, tuple[float, int, int]]


def skill_gap(tech: Technician, order: WorkOrder) -> dict[str, int]:
    """Skills ``tech`` lacks for ``order``, each with the level needed."""
    return {s: lvl for s, lvl in order.required_skills.items() if tech.skills.get(s, 0) < lvl}


def may_take(
    tech: Technician,
    order: WorkOrder,
    *,
    lift_exclusion: bool = False,
    lift_territory: bool = False,
) -> bool:
    """Whether the pin, the exclusions and hard territories let ``tech`` serve ``order``."""
    if order.pinned_technician_id not in (None, tech.id):
        return False
    if not lift_territory and tech.is_territory_hard and tech.is_outside_territory(order):
        return False
    return lift_exclusion or tech.id not in order.excluded_technician_ids


def _stocked(tech: Technician, order: WorkOrder) -> bool:
    return all(tech.van_stock.get(p, 0) >= q for p, q in order.parts.items())


class FixFinder:
    """Finds fixes for the orders a valid ``plan`` of ``problem`` leaves out.

    Parameters
    ----------
    problem, plan
        A valid problem and a plan of it that the validator accepts.
    deadline
        ``time.perf_counter()`` instant after which :meth:`fixes` raises
        :class:`OutOfTime`.
    """

    def __init__(self, problem: Problem, plan: Plan, deadline: float) -> None:
        self.problem = problem
        self.plan = plan
        self.deadline = deadline
        self.weights = problem.weights or DEFAULT_WEIGHTS
        self.base_cost = plan_cost(problem, plan)["total"]
        self._orders = {o.id: o for o in problem.work_orders}

    # --- the search ----------------------------------------------------------------

    def fixes(self, order_id: str, found: list[FoundFix] | None = None) -> list[FoundFix]:
        """Every kind's fix for the unserved ``order_id``, verified ones first, cheapest first.

        ``found`` collects them as they come (to keep them when
        :class:`OutOfTime` interrupts).
        """
        found = [] if found is None else found
        order = self._orders[order_id]
        near = self._nearest(order)
        able = [
            t for t in near if not skill_gap(t, order) and may_take(t, order) and _stocked(t, order)
        ]
        for kind in (self._window, self._deadline, self._overtime, self._bump):
            found += kind(order, able)
        for other in (self._skill, self._parts, self._exclusion, self._territory):
            found += other(order, near)
        found += [
            FoundFix(*f)
            for f in depot_fixes(self.problem, self.plan, order, near, self.base_cost, self._tick)
        ]
        if not any(f.fix.verified for f in found):
            found += self._two_changes(order, near)
        found.sort(key=lambda f: (not f.fix.verified, f.fix.cost_delta or 0.0))
        return found

    def _tick(self) -> None:
        if time.perf_counter() > self.deadline:
            raise OutOfTime

    def _nearest(self, order: WorkOrder) -> list[Technician]:
        """Technicians by driving time to the order from their start or any of their stops."""
        techs = self.problem.technicians
        origins = [t.start for t in techs]
        owners = list(range(len(techs)))
        position = {t.id: i for i, t in enumerate(techs)}
        for route in self.plan.routes:
            for stop in route.stops:
                origins.append(self._orders[stop.work_order_id].location)
                owners.append(position[route.technician_id])
        legs = self.problem.travel.legs(origins, [order.location] * len(origins)).duration_s
        best = [2**62] * len(techs)
        for owner, seconds in zip(owners, legs.tolist(), strict=True):
            best[owner] = min(best[owner], seconds)
        return [techs[i] for i in sorted(range(len(techs)), key=lambda i: (best[i], i))]

    def _try(self, part: Part, order_id: str, fix: Fix | None) -> Attempt | None:
        """The order's cheapest insertion into the part under the problem changed by ``fix``."""
        self._tick()
        changed = self.problem if fix is None else apply_fix(self.problem, order_id, fix)
        ws = part.workspace(changed, node_of=order_id)
        if ws is None:
            return None
        best = ws.insertion()
        return None if best is None else (changed, ws, best)

    def _smallest(
        self, part: Part, order_id: str, make: Callable[[int], Fix]
    ) -> tuple[int, Attempt] | None:
        """Fewest minutes (1 … :data:`MAX_CHANGE_MIN`) for which ``make(minutes)`` serves it."""
        top = self._try(part, order_id, make(MAX_CHANGE_MIN))
        if top is None:
            return None
        lo, hi, best = 0, MAX_CHANGE_MIN, top
        while hi - lo > 1:
            mid = (lo + hi) // 2
            got = self._try(part, order_id, make(mid))
            if got is None:
                lo = mid
            else:
                hi, best = mid, got
        return hi, best

    def _verify(
        self,
        order: WorkOrder,
        fix: Fix,
        attempt: Attempt,
        nodes: Sequence[int] | None = None,
        dropped: Sequence[Unassigned] = (),
    ) -> FoundFix | None:
        """Insert the order as ``attempt`` found (or as route ``nodes``); the validator judges."""
        changed, ws, (_, v, pos) = attempt
        if nodes is None:
            assert ws.node is not None
            nodes = ws.solution.placed(v, ws.node, pos)  # with a depot visit when one is needed
        if changed is not self.problem and validate_problem(changed):
            return None
        plan = checked_plan(changed, self.plan, [ws.route(v, nodes)], {order.id}, dropped)
        if plan is None:
            return None
        route = plan.route_of(order.id)
        assert route is not None
        stop = next(s for s in route.stops if s.work_order_id == order.id)
        detail = wording.fix_sentence(self.problem, order, fix, route, stop)
        verified = replace(
            fix, detail=detail, cost_delta=plan.stats.objective - self.base_cost, verified=True
        )
        return FoundFix(verified, changed, plan)

    # --- kinds of fixes --------------------------------------------------------------

    def _best_of(
        self, order: WorkOrder, part: Part, makers: Sequence[Callable[[int], Fix]]
    ) -> list[FoundFix]:
        """The verified fix of the maker needing the fewest minutes."""
        results = []
        for make in makers:
            got = self._smallest(part, order.id, make)
            if got is not None:
                minutes, attempt = got
                results.append((minutes, attempt[2][0], make(minutes), attempt))
        for _, _, fix, attempt in sorted(results, key=lambda r: (r[0], r[1])):
            found = self._verify(order, fix, attempt)
            if found is not None:
                return [found]
        return []

    def _window(self, order: WorkOrder, able: list[Technician]) -> list[FoundFix]:
        if not able or (not order.windows and order.not_before_s is None):
            return []
        options: list[tuple[int | None, str]] = [
            (i, side) for i in range(len(order.windows)) for side in ("end", "start")
        ]
        if order.not_before_s is not None:
            options.append((None, "start"))
        part = Part(self.problem, self.plan, [t.id for t in able[:NEAREST]], {order.id})
        return self._best_of(order, part, [_window_maker(i, side) for i, side in options])

    def _deadline(self, order: WorkOrder, able: list[Technician]) -> list[FoundFix]:
        if not able or not order.is_sla_hard or order.start_deadline_s is None:
            return []
        part = Part(self.problem, self.plan, [t.id for t in able[:NEAREST]], {order.id})

        def make(minutes: int) -> Fix:
            return _fix(FixKind.DEADLINE, FixChange(minutes=minutes))

        return self._best_of(order, part, [make])

    def _overtime(self, order: WorkOrder, able: list[Technician]) -> list[FoundFix]:
        intervals = start_intervals(order)
        earliest = intervals[0][0] if intervals else None
        best: list[FoundFix] = []
        for tech in able[:OVERTIME_TECHNICIANS]:
            part = Part(self.problem, self.plan, [tech.id], {order.id})
            makers = []
            for j, shift in enumerate(tech.shifts):
                makers.append(_overtime_maker(tech.id, j, "end"))
                if earliest is not None and earliest < shift.start_s:
                    makers.append(_overtime_maker(tech.id, j, "start"))
            for found in self._best_of(order, part, makers):
                if not best or _minutes(found) < _minutes(best[0]):
                    best = [found]
        return best

    def _bump(self, order: WorkOrder, able: list[Technician]) -> list[FoundFix]:
        penalty = self.weights.unassigned_penalty(order)
        best: tuple[float, Workspace, int, int, list[int]] | None = None
        for tech in able[:NEAREST]:
            self._tick()
            ws = Part(self.problem, self.plan, [tech.id], {order.id}).workspace(node_of=order.id)
            if ws is None or ws.node is None:
                continue
            sol = ws.solution
            before = sol.objective()
            for v in sorted(sol.model.allowed[ws.node]):
                nodes = list(sol.routes[v].nodes)
                for y in nodes:
                    if sol.model.penalty[y] >= penalty or not sol.set_route(
                        v, [n for n in nodes if n != y]
                    ):
                        continue
                    got = ws.insertion(vehicles=[v])
                    if got is not None and sol.insert(v, ws.node, got[2]):
                        delta = sol.objective() - before
                        if best is None or delta < best[0]:
                            best = (delta, ws, v, y, list(sol.routes[v].nodes))
                    sol.set_route(v, nodes)
        if best is None:
            return []
        _, ws, v, y, nodes = best
        vehicle = ws.index.vehicles[v]
        bumped = ws.index.order_ids[y]
        change = FixChange(
            technician_id=vehicle.technician.id,
            shift_index=vehicle.shift_index,
            work_order_id=bumped,
        )
        dropped = [
            Unassigned(
                bumped,
                UnassignedReason.CAPACITY_EXHAUSTED,
                f"Taken out to make room for {order.id}.",
            )
        ]
        attempt = (self.problem, ws, (0.0, v, 0))
        found = self._verify(order, _fix(FixKind.BUMP, change), attempt, nodes, dropped)
        return [found] if found is not None else []

    def _skill(self, order: WorkOrder, near: list[Technician]) -> list[FoundFix]:
        """Skills for a technician: the closest to them when nobody has them, else the nearest."""
        if not order.required_skills:
            return []
        allowed = [t for t in near if may_take(t, order)]
        nobody = all(skill_gap(t, order) for t in allowed)
        if nobody:
            ranked = sorted(allowed, key=lambda t: _levels_short(t, order))[:NEAREST]
        else:
            ranked = [t for t in allowed if skill_gap(t, order) and _stocked(t, order)][:NEAREST]
        for tech in ranked:
            change = FixChange(technician_id=tech.id, skills=skill_gap(tech, order))
            found = self._attempt_on(order, tech, _fix(FixKind.SKILL, change))
            if found is not None:
                return [found]
        if not nobody or not ranked:
            return []
        tech = ranked[0]
        fix = _fix(FixKind.SKILL, FixChange(technician_id=tech.id, skills=skill_gap(tech, order)))
        return [FoundFix(replace(fix, detail=wording.unverified_skill(order, tech)), None, None)]

    def _parts(self, order: WorkOrder, near: list[Technician]) -> list[FoundFix]:
        if not order.parts:
            return []
        candidates = [t for t in near if not skill_gap(t, order) and may_take(t, order)]
        first: tuple[Technician, dict[str, int]] | None = None
        for tech in candidates[:NEAREST]:
            add = self._shortfall(tech, order)
            if not add:
                continue
            first = first or (tech, add)
            fix = _fix(FixKind.PARTS, FixChange(tech.id, parts=add))
            found = self._attempt_on(order, tech, fix)
            if found is not None:
                return [found]
        if first is None or any(_stocked(t, order) for t in candidates):
            return []
        tech, add = first
        detail = wording.unverified_parts(order, tech, add)
        return [FoundFix(_fix(FixKind.PARTS, FixChange(tech.id, parts=add), detail), None, None)]

    def _exclusion(self, order: WorkOrder, near: list[Technician]) -> list[FoundFix]:
        candidates = [
            t
            for t in near
            if t.id in order.excluded_technician_ids
            and not skill_gap(t, order)
            and may_take(t, order, lift_exclusion=True)
            and _stocked(t, order)
        ]
        for tech in candidates[:NEAREST]:
            found = self._attempt_on(order, tech, _fix(FixKind.EXCLUSION, FixChange(tech.id)))
            if found is not None:
                return [found]
        return []

    def _two_changes(self, order: WorkOrder, near: list[Technician]) -> list[FoundFix]:
        """No single change serves the order: what it lacks at a technician, plus overtime.

        For the nearest technicians the pin and exclusions allow, the first
        change gives what the order lacks there (its skills, or the parts
        its van has given to other orders or never had); the second extends
        one of their shifts by the fewest minutes. The first pair that the
        validator accepts is the fix (``also`` holds the overtime).
        """
        for tech in [t for t in near if may_take(t, order)][:NEAREST]:
            gap = skill_gap(tech, order)
            add = self._shortfall(tech, order)
            if gap and add:
                continue  # three changes: beyond a two-change fix
            if gap:
                first = _fix(FixKind.SKILL, FixChange(technician_id=tech.id, skills=gap))
            elif add:
                first = _fix(FixKind.PARTS, FixChange(tech.id, parts=add))
            else:
                continue  # it has what the order needs: overtime alone was tried
            part = Part(self.problem, self.plan, [tech.id], {order.id})
            makers = [
                _also_maker(first, _overtime_maker(tech.id, j, "end"))
                for j in range(len(tech.shifts))
            ]
            found = self._best_of(order, part, makers)
            if found:
                return found
        return []

    def _territory(self, order: WorkOrder, near: list[Technician]) -> list[FoundFix]:
        """The order's territory added to the nearest able technician bound to others."""
        if order.territory is None:
            return []
        candidates = [
            t
            for t in near
            if t.is_territory_hard
            and t.is_outside_territory(order)
            and not skill_gap(t, order)
            and may_take(t, order, lift_territory=True)
            and _stocked(t, order)
        ]
        for tech in candidates[:NEAREST]:
            change = FixChange(tech.id, territory=order.territory)
            found = self._attempt_on(order, tech, _fix(FixKind.TERRITORY, change))
            if found is not None:
                return [found]
        return []

    def _attempt_on(self, order: WorkOrder, tech: Technician, fix: Fix) -> FoundFix | None:
        part = Part(self.problem, self.plan, [tech.id], {order.id})
        attempt = self._try(part, order.id, fix)
        return None if attempt is None else self._verify(order, fix, attempt)

    def _shortfall(self, tech: Technician, order: WorkOrder) -> dict[str, int]:
        """Parts to add to ``tech``'s van so that its emptiest shift has those of ``order`` left."""
        free = [dict(tech.van_stock) for _ in tech.shifts]
        for route in self.plan.routes:
            if route.technician_id == tech.id:
                for stop in route.stops:
                    for part, qty in self._orders[stop.work_order_id].parts.items():
                        stock = free[route.shift_index]
                        stock[part] = stock.get(part, 0) - qty
        add = {}
        for part, qty in order.parts.items():
            most = max(stock.get(part, 0) for stock in free)
            if most < qty:
                add[part] = qty - most
        return add


def _fix(kind: FixKind, change: FixChange, detail: str = "") -> Fix:
    return Fix(kind, detail, None, False, change)


def _window_maker(i: int | None, side: str) -> Callable[[int], Fix]:
    def make(minutes: int) -> Fix:
        return _fix(FixKind.WINDOW, FixChange(window_index=i, side=side, minutes=minutes))

    return make


def _also_maker(first: Fix, second: Callable[[int], Fix]) -> Callable[[int], Fix]:
    """Fixes of ``first`` made together with ``second(minutes)``: a two-change fix."""

    def make(minutes: int) -> Fix:
        return replace(first, also=second(minutes))

    return make


def _overtime_maker(tech_id: str, j: int, side: str) -> Callable[[int], Fix]:
    def make(minutes: int) -> Fix:
        change = FixChange(technician_id=tech_id, shift_index=j, side=side, minutes=minutes)
        return _fix(FixKind.OVERTIME, change)

    return make


def _levels_short(tech: Technician, order: WorkOrder) -> int:
    """Skill levels ``tech`` lacks for ``order``, summed."""
    return sum(lvl - tech.skills.get(s, 0) for s, lvl in skill_gap(tech, order).items())


def _minutes(found: FoundFix) -> int:
    return found.fix.change.minutes or 0
