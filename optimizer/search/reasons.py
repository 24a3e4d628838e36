"""The binding constraint of an order left out for want of room, named from the plan.

Eligibility (:mod:`optimizer.search.eligibility`) gives a reason to every
order nobody may serve, even alone. An order that somebody could serve alone
but the plan leaves out is ``capacity_exhausted`` there; this module looks at
the plan's routes to say what holds it:

- ``parts_taken_by_other_order``: every technician who may serve it and
  carries its parts has used them, in every shift, on other orders of the
  plan (named, with their priorities: "its only thermocouple goes to P3
  WO-0125");
- ``only_qualified_technician_busy``: one technician alone of several may
  serve it (skills, pin, exclusions, parts, a shift that covers its times)
  and that technician's shifts are taken by other orders (those at its
  priority or more urgent named);
- otherwise it stays ``capacity_exhausted``.

The facts are read from the problem and the routes only (skills, pins,
stock, shift coverage), so the reason holds for any plan, whoever wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from optimizer.domain import Depot, Technician, WorkOrder
from optimizer.plan import Route, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.eligibility import first_start, start_intervals

#: Detail of an order that could be served alone but found no room.
NO_ROOM = "Feasible alone, but no room was left for it in this plan."
#: Competing orders named in one sentence; the rest are counted.
NAMED = 3


def _may_serve(tech: Technician, order: WorkOrder, depots: tuple[Depot, ...]) -> bool:
    """Skills, pin, exclusions, a hard territory and tools allow ``tech``, and a shift fits."""
    if any(tech.skills.get(s, 0) < lvl for s, lvl in order.required_skills.items()):
        return False
    if order.pinned_technician_id not in (None, tech.id):
        return False
    if tech.id in order.excluded_technician_ids:
        return False
    if tech.is_territory_hard and tech.is_outside_territory(order):
        return False
    if any(
        t not in tech.tools and not any(t in d.tools for d in depots) for t in order.required_tools
    ):
        return False
    intervals = start_intervals(order)
    return any(
        (first := first_start(intervals, shift.start_s)) is not None and first <= shift.end_s
        for shift in tech.shifts
    )


def _stocked(tech: Technician, order: WorkOrder) -> bool:
    return all(tech.van_stock.get(p, 0) >= q for p, q in order.parts.items())


def _needs(order: WorkOrder, *, parts: bool = True) -> str:
    """ "gas 2 and a thermocouple": its skills with levels, then (with ``parts``) its parts."""
    items = [f"{skill} {level}" for skill, level in sorted(order.required_skills.items())]
    if parts:
        items += [_count(qty, part) for part, qty in sorted(order.parts.items())]
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(qty: int, part: str) -> str:
    return f"a {part}" if qty == 1 else f"{qty} {part}"


def label(order: WorkOrder) -> str:
    """``P1 WO-0140``: the order with its priority."""
    return f"P{int(order.priority)} {order.id}"


def _names(labels: Sequence[str]) -> str:
    named = list(labels[:NAMED])
    if len(labels) > NAMED:
        named.append(f"{len(labels) - NAMED} more")
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _urgent_first(orders: Iterable[WorkOrder]) -> list[WorkOrder]:
    return sorted(orders, key=lambda o: (int(o.priority), o.id))


class _PlanFacts:
    """The routes of a plan by technician and shift, and the orders they serve."""

    def __init__(self, problem: Problem, routes: Sequence[Route]) -> None:
        self.problem = problem
        self.orders = {o.id: o for o in problem.work_orders}
        self.served: dict[tuple[str, int], list[WorkOrder]] = {}
        for route in routes:
            self.served[(route.technician_id, route.shift_index)] = [
                self.orders[s.work_order_id] for s in route.stops
            ]

    def reason(self, order: WorkOrder) -> tuple[UnassignedReason, str] | None:
        depots = self.problem.depots
        able = [t for t in self.problem.technicians if _may_serve(t, order, depots)]
        at_depot = any(d.supplies(p) for d in depots for p in order.parts)
        stocked = able if at_depot else [t for t in able if _stocked(t, order)]
        if not stocked:
            return None
        if order.parts and not at_depot:
            taken = self._parts_taken(order, stocked, only_skilled=len(able) == 1)
            if taken is not None:
                return UnassignedReason.PARTS_TAKEN_BY_OTHER_ORDER, taken
        if len(stocked) == 1 < len(self.problem.technicians):
            busy = self._only_busy(order, stocked[0], only_skilled=len(able) == 1)
            if busy is not None:
                return UnassignedReason.ONLY_QUALIFIED_TECHNICIAN_BUSY, busy
        return None

    def _parts_taken(
        self, order: WorkOrder, stocked: list[Technician], *, only_skilled: bool
    ) -> str | None:
        """The sentence when every stocked shift has given the parts to other orders."""
        holders: dict[str, WorkOrder] = {}
        short_parts: set[str] = set()
        for tech in stocked:
            for j in range(len(tech.shifts)):
                route = self.served.get((tech.id, j), [])
                used: dict[str, int] = {}
                for other in route:
                    for part, qty in other.parts.items():
                        used[part] = used.get(part, 0) + qty
                short = {
                    p
                    for p, q in order.parts.items()
                    if tech.van_stock.get(p, 0) - used.get(p, 0) < q
                }
                if not short:
                    return None
                short_parts |= short
                holders.update({o.id: o for o in route if short & set(o.parts)})
        parts = sorted(short_parts)
        competing = _urgent_first(holders.values())
        part_words = " and ".join(parts)
        if len(stocked) == 1:
            tech = stocked[0]
            stock = sum(tech.van_stock.get(p, 0) for p in parts)
            whose = f"its only {part_words}" if stock == 1 else f"its {part_words} stock"
            skills = _needs(order, parts=False)
            has = skills if only_skilled and skills else _needs(order)
            return (
                f"{label(order)} needs {_needs(order)}; only {tech.id} has {has}, and {whose} "
                f"goes to {_names([label(o) for o in competing])}."
            )
        ids = _names([t.id for t in stocked])
        return (
            f"{label(order)} needs {_needs(order)}; the {len(stocked)} technicians who have them "
            f"({ids}) have given their {part_words} to "
            f"{_names([label(o) for o in competing])}."
        )

    def _only_busy(self, order: WorkOrder, tech: Technician, *, only_skilled: bool) -> str | None:
        """The sentence when ``tech`` alone may serve it and its shifts are taken."""
        routes = [
            (j, self.served[(tech.id, j)])
            for j in range(len(tech.shifts))
            if self.served.get((tech.id, j))
        ]
        if not routes:
            return None
        served = [o for _, route in routes for o in route]
        ahead = _urgent_first(o for o in served if o.priority <= order.priority)
        shifts = (
            "its shift"
            + ("s " if len(routes) > 1 else " ")
            + _names([str(j + 1) for j, _ in routes])
            if len(tech.shifts) > 1
            else "its shift"
        )
        need = _needs(order)
        who = (
            f"only {tech.id} has {need}"
            if need and only_skilled
            else f"only {tech.id} may serve it"
        )
        lead = f"{label(order)} needs {need}; {who}" if need else f"{label(order)}: {who}"
        if ahead:
            share = "all" if len(ahead) == len(served) else f"{len(ahead)} of them"
            held = (
                f"{share} at P{int(order.priority)} or more urgent: "
                f"{_names([label(o) for o in ahead])}"
            )
        else:
            held = f"all less urgent, the most urgent {label(_urgent_first(served)[0])}"
        return f"{lead}, and {shifts} {'are' if len(routes) > 1 else 'is'} full with " + (
            f"{len(served)} order{'s' if len(served) > 1 else ''}, {held}."
        )


def binding_reasons(
    problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned]
) -> tuple[Unassigned, ...]:
    """``unassigned`` with each order left out for want of room given its binding constraint.

    Orders nobody may serve keep their reason. An order left out for want of
    room (:attr:`UnassignedReason.for_want_of_room`) gets the reason these
    ``routes`` show; when they show none, it is ``capacity_exhausted``
    (keeping its detail if it was already).
    """
    if not any(u.reason.for_want_of_room for u in unassigned):
        return tuple(unassigned)
    facts = _PlanFacts(problem, routes)
    out = []
    for u in unassigned:
        order = facts.orders.get(u.work_order_id)
        if order is None or not u.reason.for_want_of_room:
            out.append(u)
            continue
        found = facts.reason(order)
        if found is not None:
            out.append(Unassigned(u.work_order_id, found[0], found[1], u.fixes))
        elif u.reason is UnassignedReason.CAPACITY_EXHAUSTED:
            out.append(u)
        else:
            reason = UnassignedReason.CAPACITY_EXHAUSTED
            out.append(Unassigned(u.work_order_id, reason, NO_ROOM, u.fixes))
    return tuple(out)


def competing_orders(problem: Problem, routes: Sequence[Route], order_id: str) -> list[str]:
    """The orders that hold the parts ``order_id`` needs, most urgent first (for tests, audits)."""
    facts = _PlanFacts(problem, routes)
    order = facts.orders[order_id]
    depots = problem.depots
    stocked = [
        t for t in problem.technicians if _may_serve(t, order, depots) and _stocked(t, order)
    ]
    holders: Mapping[str, WorkOrder] = {
        o.id: o
        for t in stocked
        for j in range(len(t.shifts))
        for o in facts.served.get((t.id, j), [])
        if set(o.parts) & set(order.parts)
    }
    return [o.id for o in _urgent_first(holders.values())]
