"""The plan: routes with timed stops, unassigned orders with reasons, KPIs and solve statistics.

Times are integer seconds from the problem's epoch, distances integer metres,
like the domain model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SlaStatus(StrEnum):
    """Traffic light of one order against its SLA deadlines."""

    GREEN = "green"  # met with at least the yellow threshold to spare
    YELLOW = "yellow"  # met, with less margin than the threshold
    RED = "red"  # breached
    NONE = "none"  # the order has no SLA deadline


class UnassignedReason(StrEnum):
    """Why an order is not in the plan, established by checks (never guessed)."""

    NO_QUALIFIED_TECHNICIAN = "no_qualified_technician"
    PIN_OR_EXCLUSION_CONFLICT = "pin_or_exclusion_conflict"
    MISSING_PARTS = "missing_parts"
    MISSING_TOOLS = "missing_tools"
    NO_SHIFT_COVERS_WINDOW = "no_shift_covers_window"
    UNREACHABLE_IN_TIME = "unreachable_in_time"
    CAPACITY_EXHAUSTED = "capacity_exhausted"
    PREDECESSOR_UNSERVED = "predecessor_unserved"
    OUTSIDE_TERRITORY = "outside_territory"
    PARTS_TAKEN_BY_OTHER_ORDER = "parts_taken_by_other_order"
    ONLY_QUALIFIED_TECHNICIAN_BUSY = "only_qualified_technician_busy"

    @property
    def for_want_of_room(self) -> bool:
        """Someone could serve the order alone; the plan gave their time or parts to others."""
        return self in _ROOM_REASONS


_ROOM_REASONS = frozenset(
    {
        UnassignedReason.CAPACITY_EXHAUSTED,
        UnassignedReason.PARTS_TAKEN_BY_OTHER_ORDER,
        UnassignedReason.ONLY_QUALIFIED_TECHNICIAN_BUSY,
    }
)


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit of a route.

    The technician leaves the previous stop (or the start location, at
    ``Route.start_s``) and drives ``travel_s``; a break that starts while
    still on the road pauses the drive, so ``arrival_s`` is departure +
    ``travel_s`` + the durations of those breaks. A break starting after
    arrival is taken on site while waiting. Service runs from ``start_s``
    to ``end_s``; ``wait_s = start_s - arrival_s``. A crew order's stop is
    in each member's route, ``crew`` naming every member (sorted); empty
    for a one-technician order.
    """

    work_order_id: str
    arrival_s: int
    start_s: int
    end_s: int
    wait_s: int
    travel_s: int
    distance_m: int
    sla_status: SlaStatus = SlaStatus.NONE
    crew: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DepotStop:
    """A visit of a route to a depot, to load parts and tools.

    ``after`` is the number of work-order stops of the route before it (0:
    straight from the start location); depot stops with the same ``after``
    follow one another in the order listed. Times and legs read like a
    :class:`Stop`'s: ``start_s``..``end_s`` is the time spent loading.
    ``loaded_parts``/``loaded_tools`` are what was taken on board.
    """

    depot_id: str
    after: int
    arrival_s: int
    start_s: int
    end_s: int
    wait_s: int
    travel_s: int
    distance_m: int
    loaded_parts: Mapping[str, int] = field(default_factory=dict)
    loaded_tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlacedBreak:
    """A break as scheduled: from ``start_s`` to ``end_s``."""

    start_s: int
    end_s: int


@dataclass(frozen=True, slots=True)
class Route:
    """The ordered work of one technician in one shift.

    ``start_s`` is the departure from the technician's start location and
    ``end_s`` the arrival at the end location (or the end of the last stop,
    or of a break after it, when the technician has no end location).
    ``end_travel_s``/``end_distance_m`` is the leg from the last stop home.
    """

    technician_id: str
    shift_index: int
    start_s: int
    end_s: int
    stops: tuple[Stop, ...]
    breaks: tuple[PlacedBreak, ...] = ()
    end_travel_s: int = 0
    end_distance_m: int = 0
    depot_stops: tuple[DepotStop, ...] = ()

    @property
    def travel_s(self) -> int:
        """Total driving time of the route, depot legs and the leg home included."""
        depot = sum(d.travel_s for d in self.depot_stops)
        return sum(s.travel_s for s in self.stops) + depot + self.end_travel_s

    @property
    def distance_m(self) -> int:
        """Total driving distance of the route, depot legs and the leg home included."""
        depot = sum(d.distance_m for d in self.depot_stops)
        return sum(s.distance_m for s in self.stops) + depot + self.end_distance_m

    @property
    def depot_s(self) -> int:
        """Time spent loading at depots (from each depot stop's start to its end)."""
        return sum(d.end_s - d.start_s for d in self.depot_stops)

    def visits(self) -> list[Stop | DepotStop]:
        """Work-order and depot stops merged in visiting order."""
        if not self.depot_stops:
            return list(self.stops)
        out: list[Stop | DepotStop] = []
        depots = list(self.depot_stops)
        k = 0
        for i, stop in enumerate(self.stops):
            while k < len(depots) and depots[k].after <= i:
                out.append(depots[k])
                k += 1
            out.append(stop)
        out.extend(depots[k:])
        return out

    @property
    def work_s(self) -> int:
        """Clock time from departure to the end of the route, breaks excluded.

        It splits into driving (:attr:`travel_s`), :attr:`service_s` and
        :attr:`wait_s`; breaks (:attr:`break_s`) come on top.
        """
        return self.end_s - self.start_s - self.break_s

    @property
    def service_s(self) -> int:
        """Time on site serving work orders."""
        return sum(s.end_s - s.start_s for s in self.stops)

    @property
    def break_s(self) -> int:
        """Time on break, on the road or on site."""
        return sum(b.end_s - b.start_s for b in self.breaks)

    @property
    def wait_s(self) -> int:
        """Time neither driving, serving, loading nor on break: waiting for windows.

        ``work_s - travel_s - service_s - depot_s``; breaks taken while
        waiting on site are not counted (a stop's own ``wait_s`` includes them).
        """
        return self.work_s - self.travel_s - self.service_s - self.depot_s


class FixKind(StrEnum):
    """What a fix changes to make an unserved order servable."""

    WINDOW = "window"  # an appointment window (or not-before) widened by N minutes
    DEADLINE = "deadline"  # hard SLA deadlines moved N minutes later
    OVERTIME = "overtime"  # a technician's shift extended by N minutes
    BUMP = "bump"  # a lower-priority order taken out of a route
    SKILL = "skill"  # a technician given a skill (or a higher level)
    PARTS = "parts"  # parts added to a technician's van
    EXCLUSION = "exclusion"  # an excluded technician allowed
    TERRITORY = "territory"  # a technician's territories extended by the order's
    DEPOT = "depot"  # parts or tools fetched at a depot on the way (the problem unchanged)


@dataclass(frozen=True, slots=True)
class FixChange:
    """The one change a :class:`Fix` makes, in machine-readable form.

    Which fields are set depends on the kind: ``window`` sets
    ``window_index`` (``None``: the not-before time), ``side`` and
    ``minutes``; ``deadline`` sets ``minutes``; ``overtime`` sets
    ``technician_id``, ``shift_index``, ``side`` and ``minutes``; ``bump``
    sets ``work_order_id`` (the order taken out) and the route it leaves;
    ``skill`` sets ``technician_id`` and ``skills`` (skill to new level);
    ``parts`` sets ``technician_id`` and ``parts`` (part to quantity
    added); ``exclusion`` sets ``technician_id``; ``territory`` sets
    ``technician_id`` and ``territory`` (added to its territories); ``depot`` sets
    ``technician_id``, ``shift_index``, ``depot_id``, ``minutes`` (the
    route's added duration, rounded up) and ``parts`` (what is loaded there).
    """

    technician_id: str | None = None
    shift_index: int | None = None
    work_order_id: str | None = None
    window_index: int | None = None
    side: str | None = None  # "start" (earlier) or "end" (later)
    minutes: int | None = None
    skills: Mapping[str, int] = field(default_factory=dict)
    parts: Mapping[str, int] = field(default_factory=dict)
    territory: str | None = None
    depot_id: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """A single change that makes an unserved order servable.

    ``verified`` is true when the order was inserted into the plan under the
    changed problem and the validator accepted the result; ``cost_delta``
    is then that plan's objective minus the given plan's, in points
    (``None`` when not verified). ``also`` is a second change made together
    with this one (its own ``kind`` and ``change``), for an order that no
    single change serves: a two-change fix, verified as one.
    """

    kind: FixKind
    detail: str
    cost_delta: float | None
    verified: bool
    change: FixChange = field(default_factory=FixChange)
    also: Fix | None = None


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order left out of the plan, with the reason and a human sentence.

    ``fixes`` is ``None`` until the plan is explained
    (:func:`optimizer.explain_plan`), then the smallest single changes found
    that would serve the order, verified ones first (possibly none).
    """

    work_order_id: str
    reason: UnassignedReason
    detail: str = ""
    fixes: tuple[Fix, ...] | None = None


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the solve went.

    ``status`` is one of ``optimal``, ``feasible`` (a plan was found and the
    search stopped on a limit), ``no_solution_found``, ``not_solved``
    (nothing to solve) or ``evaluated`` (a plan given by a caller).
    ``objective`` is in points (see :mod:`optimizer.weights`).
    ``audit_findings`` counts the orders left out that the priority audit
    could still serve with a gain (taking out cheaper work where needed);
    0 on every plan the field-service search returns, ``None`` when no
    audit ran.
    """

    status: str
    objective: float
    first_solution_s: float | None
    wall_s: float
    solutions: int = 0
    engine: str = "ortools"  # "greedy+lns", "pyvrp+lns", "pyvrp+ortools", "greedy", "none", ...
    audit_findings: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer to a problem.

    Every work order is either in exactly one route's stops or in
    ``unassigned``. ``kpis`` is filled by :func:`optimizer.kpis.compute_kpis`.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    stats: SolveStats
    kpis: dict[str, Any] = field(default_factory=dict)

    def route_of(self, work_order_id: str) -> Route | None:
        """Return the route serving ``work_order_id``, or ``None``."""
        for route in self.routes:
            if any(s.work_order_id == work_order_id for s in route.stops):
                return route
        return None

    @property
    def assigned_ids(self) -> set[str]:
        """Ids of the work orders in some route."""
        return {s.work_order_id for r in self.routes for s in r.stops}
