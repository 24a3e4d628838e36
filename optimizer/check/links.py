"""The validator's rules for crews and linked visits (dependencies): the reference.

A crew order of size k is served by exactly k distinct technicians, each
qualified for one member requirement (a matching: the member requirements
are filled by distinct members), the pinned technician among them; every
member's stop names the whole crew, sorted; the members start within the
sync tolerance. (Each member's service lasting the whole service time, and
breaks kept clear of it, are the per-stop rules of :mod:`optimizer.check.rules`.)

A dependency of order S on order P holds when S is served only if P is,
and then S starts (its first member) no earlier than P ends (its last
member) plus the minimum delay, no later than that plus the maximum delay,
on the same technician and on the same calendar day (the problem's clock)
when asked.

Findings carry the :class:`~optimizer.check.rules.ViolationCode` value as a
string; :func:`optimizer.check.rules.check_plan` turns them into violations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import permutations

from optimizer.clock import Clock
from optimizer.domain import Technician, WorkOrder
from optimizer.plan import Plan, Stop


@dataclass(frozen=True, slots=True)
class LinkFinding:
    """One broken crew or dependency rule (``code``: a ViolationCode value)."""

    code: str
    message: str
    work_order_id: str | None = None
    technician_id: str | None = None


def _minutes(duration_s: int) -> str:
    return f"{duration_s // 60} min" if duration_s % 60 == 0 else f"{duration_s} s"


def check_links(
    orders: Mapping[str, WorkOrder],
    techs: Mapping[str, Technician],
    plan: Plan,
    clock: Clock,
) -> Iterator[LinkFinding]:
    """Every crew and dependency rule ``plan`` breaks."""
    visits: dict[str, list[tuple[str, Stop]]] = {}
    for route in plan.routes:
        for stop in route.stops:
            visits.setdefault(stop.work_order_id, []).append((route.technician_id, stop))
    for wid, served in visits.items():
        order = orders.get(wid)
        if order is None:
            continue
        if order.crew is None:
            for tid, stop in served:
                if stop.crew:
                    msg = f"Work order {wid} needs one technician but its stop names a crew."
                    yield LinkFinding("crew_list_mismatch", msg, wid, tid)
            continue
        yield from _check_crew(order, served, techs, clock)
    for order in orders.values():
        for dep in order.dependencies:
            yield from _check_dependency(order, dep.after, visits, orders, clock)


def _check_crew(
    order: WorkOrder,
    served: list[tuple[str, Stop]],
    techs: Mapping[str, Technician],
    clock: Clock,
) -> Iterator[LinkFinding]:
    crew = order.crew
    assert crew is not None
    wid, k = order.id, crew.size
    members = sorted(tid for tid, _ in served)
    if len(set(members)) != len(members):
        msg = f"Crew order {wid} has one technician twice among its members {members}."
        yield LinkFinding("crew_not_distinct", msg, wid)
    if len(served) != k:
        msg = f"Crew order {wid} is served by {len(served)} technicians; it needs {k}."
        yield LinkFinding("crew_size_mismatch", msg, wid)
    known = [techs[t] for t in members if t in techs]
    if len(known) == k and len(set(members)) == k and not _qualified(order, known):
        msg = (
            f"Crew order {wid} is served by {', '.join(members)}, who cannot fill its member "
            f"requirements {[dict(r) for r in order.member_requirements()]} one each."
        )
        yield LinkFinding("crew_not_qualified", msg, wid)
    pin = order.pinned_technician_id
    if pin is not None and pin not in members:
        msg = f"Crew order {wid} is pinned to technician {pin}, who is not in its crew {members}."
        yield LinkFinding("pin_violated", msg, wid, pin)
    for tid, stop in served:
        if list(stop.crew) != members:
            msg = (
                f"Crew order {wid} in the route of {tid} names the crew {list(stop.crew)}, "
                f"but its members are {members}."
            )
            yield LinkFinding("crew_list_mismatch", msg, wid, tid)
    starts = [stop.start_s for _, stop in served]
    if starts and max(starts) - min(starts) > crew.sync_tolerance_s:
        msg = (
            f"Crew order {wid}: its members start from {clock.label(min(starts))} to "
            f"{clock.label(max(starts))}, more than the sync tolerance "
            f"{_minutes(crew.sync_tolerance_s)} apart."
        )
        yield LinkFinding("crew_not_synchronised", msg, wid)


def _qualified(order: WorkOrder, members: list[Technician]) -> bool:
    """Whether the members fill the member requirements one each."""
    needs = order.member_requirements()
    for chosen in permutations(members):
        if all(
            all(t.skills.get(s, 0) >= lvl for s, lvl in need.items())
            for t, need in zip(chosen, needs, strict=True)
        ):
            return True
    return False


def _check_dependency(
    order: WorkOrder,
    after: str,
    visits: Mapping[str, list[tuple[str, Stop]]],
    orders: Mapping[str, WorkOrder],
    clock: Clock,
) -> Iterator[LinkFinding]:
    succ, pred = visits.get(order.id), visits.get(after)
    wid = order.id
    if not succ or after not in orders:
        return
    if not pred:
        msg = f"Work order {wid} is served but its predecessor {after} is not."
        yield LinkFinding("predecessor_unserved", msg, wid)
        return
    dep = next(d for d in order.dependencies if d.after == after)
    start = min(stop.start_s for _, stop in succ)
    end = max(stop.end_s for _, stop in pred)
    at = clock.label
    if start < end + dep.min_delay_s:
        msg = (
            f"Work order {wid} starts at {at(start)}, before its predecessor {after} ends at "
            f"{at(end)} plus {_minutes(dep.min_delay_s)}."
        )
        yield LinkFinding("dependency_too_early", msg, wid)
    if dep.max_delay_s is not None and start > end + dep.max_delay_s:
        msg = (
            f"Work order {wid} starts at {at(start)}, more than {_minutes(dep.max_delay_s)} "
            f"after its predecessor {after} ends at {at(end)}."
        )
        yield LinkFinding("dependency_too_late", msg, wid)
    if dep.same_technician:
        mine = sorted({tid for tid, _ in succ})
        theirs = sorted({tid for tid, _ in pred})
        if mine != theirs:
            msg = (
                f"Work order {wid} is served by {', '.join(mine)} but must be served by the "
                f"technician of its predecessor {after}, {', '.join(theirs)}."
            )
            yield LinkFinding("dependency_other_technician", msg, wid, mine[0])
    if dep.same_day:
        first = min(stop.start_s for _, stop in pred)
        if clock.at(start).date() != clock.at(first).date():
            msg = (
                f"Work order {wid} starts at {at(start)}, not on the day its predecessor "
                f"{after} starts ({at(first)})."
            )
            yield LinkFinding("dependency_other_day", msg, wid)
