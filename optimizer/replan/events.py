"""What happened since the plan was made: the events a re-plan takes into account.

Events are frozen dataclasses with times in seconds from the problem's epoch.
:func:`read_events` checks them against the problem and the current plan and
folds them into a :class:`DayState`; every problem found is reported at once,
with a field path naming the event (``events[2].work_order_id``), the lock
(``locked_work_order_ids[0]``) or the plan entry (``plan.routes[1].stops[0]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from optimizer.domain import Location, Technician, WorkOrder
from optimizer.errors import InputError, InputIssue
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.validation import validate_problem


@dataclass(frozen=True, slots=True)
class NewOrders:
    """Work orders that came in since the plan was made (for example a P1)."""

    orders: tuple[WorkOrder, ...]


@dataclass(frozen=True, slots=True)
class TechnicianUnavailable:
    """A technician can take no more work from ``from_s`` on (sick, van broke down)."""

    technician_id: str
    from_s: int


@dataclass(frozen=True, slots=True)
class OrderStarted:
    """Service of a work order started at ``at_s``, by the technician the plan gives it."""

    work_order_id: str
    at_s: int


@dataclass(frozen=True, slots=True)
class OrderCompleted:
    """Service of a work order ended at ``at_s``, by the technician the plan gives it."""

    work_order_id: str
    at_s: int


@dataclass(frozen=True, slots=True)
class TechnicianPosition:
    """Where a technician was at ``at_s`` (GPS fix); it must suit the travel model."""

    technician_id: str
    location: Location
    at_s: int


Event = NewOrders | TechnicianUnavailable | OrderStarted | OrderCompleted | TechnicianPosition
"""Any re-planning event."""


@dataclass(frozen=True, slots=True)
class DayState:
    """The events folded together, checked against the problem and the plan.

    Attributes
    ----------
    problem
        The problem with the new orders appended (nothing else changed).
    new_order_ids
        Ids of the orders that came with :class:`NewOrders` events.
    technician_of
        Work order id to the technician the current plan gives it.
    unavailable_from_s
        Technician id to the earliest time it is unavailable from.
    started_s, completed_s
        Work order id to the reported start or end of service.
    positions
        Technician id to its latest reported ``(location, at_s)``.
    """

    problem: Problem
    new_order_ids: frozenset[str]
    technician_of: dict[str, str]
    unavailable_from_s: dict[str, int]
    started_s: dict[str, int]
    completed_s: dict[str, int]
    positions: dict[str, tuple[Location, int]]


def read_events(
    problem: Problem,
    plan: Plan,
    now_s: int,
    events: Sequence[Event],
    locked_work_order_ids: Sequence[str] = (),
) -> DayState:
    """Check the plan, the events and the locks against ``problem`` and fold them together.

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        The current plan; every route must name a known technician and shift
        and serve known orders at most once. Orders it does not mention are
        treated as unassigned.
    now_s
        The current time, seconds from the problem's epoch.
    events
        The events, in any order; the latest position of a technician wins.
    locked_work_order_ids
        Orders that must stay with the technician the plan gives them.

    Returns
    -------
    DayState

    Raises
    ------
    InputError
        Listing every issue: plan routes naming unknown technicians, shifts
        or orders; new orders clashing with existing ids or breaking a rule
        of :func:`optimizer.validation.validate_problem`; events naming
        unknown or unplanned orders or technicians, or dated after ``now_s``;
        positions the travel model cannot handle; locks on unknown or
        unplanned orders.
    """
    fmt = _TimeFormat(problem)
    issues = list(_plan_issues(problem, plan))
    technician_of = {
        s.work_order_id: r.technician_id
        for r in plan.routes
        if _has_technician(problem, r.technician_id)
        for s in r.stops
    }
    new_orders: list[tuple[str, WorkOrder]] = []
    state = DayState(problem, frozenset(), technician_of, {}, {}, {}, {})
    for k, event in enumerate(events):
        path = f"events[{k}]"
        if isinstance(event, NewOrders):
            new_orders += [(f"{path}.orders[{j}]", o) for j, o in enumerate(event.orders)]
        else:
            issues += _fold(state, path, event, now_s, fmt)
    full = replace(problem, work_orders=problem.work_orders + tuple(o for _, o in new_orders))
    issues += _new_order_issues(problem, full, [p for p, _ in new_orders])
    for j, wid in enumerate(locked_work_order_ids):
        issues += _lock_issues(f"locked_work_order_ids[{j}]", full, wid, technician_of)
    if issues:
        raise InputError(issues)
    return replace(
        state,
        problem=full,
        new_order_ids=frozenset(o.id for _, o in new_orders),
    )


class _TimeFormat:
    """A time in seconds as an ISO datetime when the problem has an epoch."""

    def __init__(self, problem: Problem) -> None:
        self.epoch = problem.epoch
        self.clock = problem.clock

    def __call__(self, t_s: int) -> str:
        if self.epoch is not None:
            try:
                return self.clock.iso(t_s)
            except OverflowError:
                pass
        return f"{t_s} s"


def _has_technician(problem: Problem, technician_id: str) -> bool:
    return any(t.id == technician_id for t in problem.technicians)


def _plan_issues(problem: Problem, plan: Plan) -> Iterator[InputIssue]:
    """Routes name known technicians, shifts and orders; no order is served twice."""
    techs = {t.id: t for t in problem.technicians}
    orders = {o.id for o in problem.work_orders}
    crews = {o.id for o in problem.work_orders if o.crew is not None}
    seen: set[str] = set()
    for i, route in enumerate(plan.routes):
        path = f"plan.routes[{i}]"
        tech = techs.get(route.technician_id)
        if tech is None:
            yield InputIssue(
                f"{path}.technician_id",
                f"Route names technician {route.technician_id}, "
                "who is not a technician of the problem.",
            )
            continue
        if not 0 <= route.shift_index < len(tech.shifts):
            yield InputIssue(
                f"{path}.shift_index",
                f"Route of technician {tech.id} has shift index {route.shift_index}, "
                f"outside 0 to {len(tech.shifts) - 1}.",
            )
        for j, stop in enumerate(route.stops):
            wid = stop.work_order_id
            where = f"{path}.stops[{j}].work_order_id"
            if wid not in orders:
                yield InputIssue(
                    where, f"Work order {wid} in the plan is not a work order of the problem."
                )
            elif wid in seen and wid not in crews:  # a crew order is in each member's route
                yield InputIssue(where, f"Work order {wid} is served twice in the plan.")
            seen.add(wid)


def _fold(
    state: DayState,
    path: str,
    event: TechnicianUnavailable | OrderStarted | OrderCompleted | TechnicianPosition,
    now_s: int,
    fmt: _TimeFormat,
) -> list[InputIssue]:
    """Record one event in ``state`` (its dicts are filled in place), or say what is wrong."""
    problem = state.problem
    if isinstance(event, OrderStarted | OrderCompleted):
        wid = event.work_order_id
        verb = "started" if isinstance(event, OrderStarted) else "completed"
        if not any(o.id == wid for o in problem.work_orders):
            msg = f"Work order {wid} is {verb}, but it is not a work order of the problem."
            return [InputIssue(f"{path}.work_order_id", msg)]
        if wid not in state.technician_of:
            msg = f"Work order {wid} is {verb}, but the plan assigns it to no technician."
            return [InputIssue(f"{path}.work_order_id", msg)]
        if event.at_s > now_s:
            msg = f"Work order {wid} is {verb} at {fmt(event.at_s)}, after now {fmt(now_s)}."
            return [InputIssue(f"{path}.at", msg)]
        target = state.started_s if isinstance(event, OrderStarted) else state.completed_s
        target[wid] = event.at_s
        return []
    tid = event.technician_id
    if not _has_technician(problem, tid):
        msg = f"Technician {tid} in the event is not a technician of the problem."
        return [InputIssue(f"{path}.technician_id", msg)]
    if isinstance(event, TechnicianUnavailable):
        state.unavailable_from_s[tid] = min(
            event.from_s, state.unavailable_from_s.get(tid, event.from_s)
        )
        return []
    if event.at_s > now_s:
        msg = f"Position of technician {tid} is dated {fmt(event.at_s)}, after now {fmt(now_s)}."
        return [InputIssue(f"{path}.at", msg)]
    probe = replace(problem, technicians=(_at(problem.technician(tid), event.location),))
    issues = [
        InputIssue(
            f"{path}.location" + i.field.removeprefix("technicians[0].start"),
            i.message.replace("has a start location", "has a position"),
        )
        for i in validate_problem(replace(probe, work_orders=()))
        if i.field.startswith("technicians[0].start")
    ]
    if not issues and event.at_s >= state.positions.get(tid, (None, event.at_s))[1]:
        state.positions[tid] = (event.location, event.at_s)
    return issues


def _at(tech: Technician, location: Location) -> Technician:
    return replace(tech, start=location, end=None)


def _new_order_issues(base: Problem, full: Problem, paths: list[str]) -> Iterator[InputIssue]:
    """Rules of the problem broken by the new orders, with paths naming the events."""
    n = len(base.work_orders)
    for issue in validate_problem(full):
        head, _, rest = issue.field.partition("]")
        if not head.startswith("work_orders["):
            continue  # the base problem was valid; only new orders can break a rule
        i = int(head.removeprefix("work_orders["))
        if i >= n:
            yield InputIssue(paths[i - n] + rest, issue.message)


def _lock_issues(
    path: str, problem: Problem, wid: str, technician_of: dict[str, str]
) -> Iterator[InputIssue]:
    if not any(o.id == wid for o in problem.work_orders):
        yield InputIssue(path, f"Work order {wid} cannot be locked: it is not a work order.")
    elif wid not in technician_of:
        msg = f"Work order {wid} cannot be locked: the plan assigns it to no technician."
        yield InputIssue(path, msg)
