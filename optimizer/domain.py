"""Field-service domain model: technicians, work orders, locations, windows, shifts.

Everything here is immutable and integer: times are seconds from the
problem's epoch (``*_s``), distances are metres (``*_m``). Datetimes only
exist in the problem document (:mod:`optimizer.document`), which converts
them. Variants are made with :func:`dataclasses.replace`. The problem that
gathers them with a travel model and weights is :class:`optimizer.problem.Problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS84 position in decimal degrees."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class PlanarPoint:
    """A position on a plane, in metres (classic benchmarks, factory floors)."""

    x_m: float
    y_m: float


@dataclass(frozen=True, slots=True)
class MatrixRef:
    """A position known only as a row/column of a caller-supplied travel matrix."""

    index: int


Location = GeoPoint | PlanarPoint | MatrixRef


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start_s, end_s]`` in seconds from the epoch."""

    start_s: int
    end_s: int

    def contains(self, t_s: int) -> bool:
        """Return whether ``t_s`` lies inside the window (both ends included)."""
        return self.start_s <= t_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Break:
    """A break of ``duration_s`` that must start and end inside ``window``."""

    duration_s: int
    window: TimeWindow


@dataclass(frozen=True, slots=True)
class Shift:
    """One working period of a technician, with the breaks taken during it.

    Parameters
    ----------
    start_s, end_s
        Earliest departure and nominal end (latest return without overtime).
    breaks
        Breaks taken during the shift, in order.
    max_overtime_s
        How long past ``end_s`` the route may end (default 0: ``end_s`` is a
        hard wall). Every second past ``end_s`` is overtime.
    overtime_per_minute
        Points per minute of overtime; ``None`` (default) uses
        ``Weights.overtime_per_minute``.
    """

    start_s: int
    end_s: int
    breaks: tuple[Break, ...] = ()
    max_overtime_s: int = 0
    overtime_per_minute: float | None = None

    @property
    def latest_end_s(self) -> int:
        """The latest the route may end: the nominal end plus the allowed overtime."""
        return self.end_s + self.max_overtime_s

    def overtime_s(self, route_end_s: int) -> int:
        """Seconds of overtime of a route ending at ``route_end_s`` (0 when none)."""
        return max(0, route_end_s - self.end_s)


@dataclass(frozen=True, slots=True)
class SpeedBand:
    """A time of day when driving takes ``factor`` times as long, on the local clock, daily.

    ``start_s`` and ``end_s`` are seconds after local midnight
    (``0 <= start_s < end_s <= 86400``); ``factor`` > 0 multiplies the
    free-flow driving time (1.4: rush hour, 40% longer).
    """

    start_s: int
    end_s: int
    factor: float


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    """Speed bands by time of day, recurring every day; outside them the factor is 1.

    The bands do not overlap and are sorted by start. How a leg is timed
    through them is :mod:`optimizer.travel.profile`.
    """

    bands: tuple[SpeedBand, ...]


class Priority(IntEnum):
    """Work-order priority; P1 is the most urgent."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class Tier(StrEnum):
    """Customer tier; VIP customers weigh more in penalties."""

    VIP = "vip"
    STANDARD = "standard"


@dataclass(frozen=True, slots=True)
class Technician:
    """A field technician.

    Parameters
    ----------
    id
        Unique technician id.
    skills
        Skill name to level (1 = basic); a work order needing ``hvac`` at
        level 2 can be done by a technician with ``hvac`` at level 2 or more.
    shifts
        One or more shifts; several shifts make a multi-day horizon.
    start
        Where every shift starts (home or depot).
    end
        Where every shift ends; ``None`` means the route ends at the last
        work order.
    max_orders_per_shift, max_work_s_per_shift, max_travel_s_per_shift
        Optional limits per shift. Work time is the clock time from leaving
        ``start`` to the end of the route, less breaks.
    van_stock
        Spare parts carried, part to quantity; the van is restocked before
        each shift.
    cost_per_hour
        Labour cost of one hour of work (reported in KPIs; weighted in the
        objective by ``Weights.labor_cost``).
    speed_factor
        Multiplies travel speed: 1.25 drives 25% faster than the travel model.
    territories
        Home territories. An order whose ``territory`` is not among them is
        *outside*: forbidden when ``is_territory_hard``, otherwise it costs
        ``Weights.outside_territory``. Empty: the technician serves every
        territory alike.
    is_territory_hard
        Whether the technician may not serve outside its territories.
    speed_profile
        The technician's own speed bands by time of day (a motorbike in
        rush hour); ``None``: the problem's (``Problem.speed_profile``).
    tools
        Tools carried from the start of every shift (non-consumable); others
        may be picked up at a :class:`Depot` during the day.
    """

    id: str
    shifts: tuple[Shift, ...]
    start: Location
    name: str = ""
    skills: Mapping[str, int] = field(default_factory=dict)
    end: Location | None = None
    max_orders_per_shift: int | None = None
    max_work_s_per_shift: int | None = None
    max_travel_s_per_shift: int | None = None
    van_stock: Mapping[str, int] = field(default_factory=dict)
    cost_per_hour: float = 0.0
    speed_factor: float = 1.0
    territories: tuple[str, ...] = ()
    is_territory_hard: bool = False
    speed_profile: SpeedProfile | None = None
    tools: tuple[str, ...] = ()

    def is_outside_territory(self, order: WorkOrder) -> bool:
        """Whether ``order`` lies outside this technician's territories (see ``territories``)."""
        return (
            order.territory is not None
            and bool(self.territories)
            and order.territory not in self.territories
        )


@dataclass(frozen=True, slots=True)
class Crew:
    """Several technicians needed on site at once (2 or 3).

    Parameters
    ----------
    member_skills
        One requirement per member, skill name to least level, on top of the
        order's ``required_skills`` (which every member holds); its length is
        the crew size. ``({}, {})`` is a crew of two who each hold the
        order's skills.
    sync_tolerance_s
        Most seconds between the first and the last member's service start.
    """

    member_skills: tuple[Mapping[str, int], ...]
    sync_tolerance_s: int = 0

    @property
    def size(self) -> int:
        """Number of technicians in the crew."""
        return len(self.member_skills)


@dataclass(frozen=True, slots=True)
class Dependency:
    """This order follows another one (a linked visit).

    The order starts no earlier than ``min_delay_s`` after the predecessor
    ``after`` ends, and, with ``max_delay_s``, no later than that after it
    ends. ``same_technician``: the technician who serves the predecessor
    serves this order; ``same_day``: both start on the same calendar day
    (the problem's clock). A crew order starts when its first member starts
    and ends when its last member ends.
    """

    after: str
    min_delay_s: int = 0
    max_delay_s: int | None = None
    same_technician: bool = False
    same_day: bool = False


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """A job to do at a customer's location.

    Parameters
    ----------
    id
        Unique work-order id.
    location
        Where the work is done.
    service_s
        On-site duration in seconds.
    required_skills
        Skill name to minimum level.
    priority, tier
        Urgency (P1 most urgent) and customer tier; both scale penalties.
    windows
        Appointment windows; service must start inside one of them. Empty
        means any time.
    respond_by_s, resolve_by_s
        SLA deadlines: arrive by, and finish by.
    is_sla_hard
        When true the deadlines are constraints, otherwise they are soft and
        lateness is penalised per minute.
    parts
        Spare parts consumed, part to quantity.
    pinned_technician_id
        Must be done by this technician.
    preferred_technician_ids
        Soft preference; a penalty applies when another technician does it.
    excluded_technician_ids
        Must not be done by these technicians.
    not_before_s
        Earliest service start.
    dispatched_technician_id
        The technician the order is already dispatched to (re-planning):
        giving it to someone else costs ``Weights.reassignment``.
    crew
        Technicians needed at once (``None``: one). A crew order is a stop
        in each member's route; each member is busy for the whole service.
    dependencies
        Orders this one follows (linked visits); an order whose predecessor
        is not served is not served either.
    territory
        The territory the order lies in; ``None``: no territory, anyone
        may serve it at no territory cost.
    required_tools
        Tools the technician must have on board when the service starts:
        carried from the start (``Technician.tools``) or picked up at a depot
        earlier in the route. Tools are not consumed.
    """

    id: str
    location: Location
    service_s: int
    required_skills: Mapping[str, int] = field(default_factory=dict)
    priority: Priority = Priority.P3
    tier: Tier = Tier.STANDARD
    windows: tuple[TimeWindow, ...] = ()
    respond_by_s: int | None = None
    resolve_by_s: int | None = None
    is_sla_hard: bool = False
    parts: Mapping[str, int] = field(default_factory=dict)
    pinned_technician_id: str | None = None
    preferred_technician_ids: tuple[str, ...] = ()
    excluded_technician_ids: tuple[str, ...] = ()
    not_before_s: int | None = None
    dispatched_technician_id: str | None = None
    crew: Crew | None = None
    dependencies: tuple[Dependency, ...] = ()
    territory: str | None = None
    required_tools: tuple[str, ...] = ()

    @property
    def crew_size(self) -> int:
        """Technicians the order needs at once (1 without a crew)."""
        return self.crew.size if self.crew is not None else 1

    def member_requirements(self) -> tuple[dict[str, int], ...]:
        """The skills each member must hold: ``required_skills`` with the member's own on top."""
        if self.crew is None:
            return (dict(self.required_skills),)
        out = []
        for extra in self.crew.member_skills:
            need = dict(self.required_skills)
            for skill, level in extra.items():
                need[skill] = max(level, need.get(skill, 0))
            out.append(need)
        return tuple(out)

    @property
    def start_deadline_s(self) -> int | None:
        """Latest service start meeting both SLA deadlines, or ``None``.

        ``respond_by`` is measured on arrival; since arrival never comes after
        the service start, bounding the start is a safe (conservative) proxy.
        """
        bounds = []
        if self.respond_by_s is not None:
            bounds.append(self.respond_by_s)
        if self.resolve_by_s is not None:
            bounds.append(self.resolve_by_s - self.service_s)
        return min(bounds) if bounds else None


@dataclass(frozen=True, slots=True)
class Depot:
    """A warehouse where technicians pick up parts and tools during the day.

    Parameters
    ----------
    id
        Unique depot id.
    location
        Where it is.
    opening
        Opening intervals: a visit starts and ends inside one of them. Empty
        means always open.
    stop_s
        Seconds a visit takes on site (loading), default 15 minutes.
    stock
        Part to the quantity the depot holds for the whole horizon, shared
        by every technician; ``None`` as a quantity means unlimited. A part
        not listed is not stocked (unless ``is_stock_unlimited``).
    is_stock_unlimited
        Every part is available in any quantity (``stock`` is then ignored).
    tools
        Tools a technician may pick up here (never run out).
    """

    id: str
    location: Location
    opening: tuple[TimeWindow, ...] = ()
    stop_s: int = 900
    stock: Mapping[str, int | None] = field(default_factory=dict)
    is_stock_unlimited: bool = False
    tools: tuple[str, ...] = ()

    def available(self, part: str) -> int | None:
        """Quantity of ``part`` held over the horizon: ``None`` = unlimited, 0 = none."""
        if self.is_stock_unlimited:
            return None
        if part not in self.stock:
            return 0
        return self.stock[part]

    def supplies(self, part: str) -> bool:
        """Whether the depot holds any of ``part``."""
        qty = self.available(part)
        return qty is None or qty > 0
