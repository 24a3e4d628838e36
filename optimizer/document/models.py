"""Pydantic models of the JSON problem and plan documents (shape and single-field rules).

These classes describe the documents exchanged with the outside world; they
are converted to and from the domain by :mod:`optimizer.document`. They hold
only shape, type and single-field range rules; rules that span fields or
objects live in :mod:`optimizer.validation`, and travel-matrix contents are
checked by :class:`~optimizer.travel.matrix.MatrixTravel`.

Durations in the problem document are minutes (``*_min``, any number);
datetimes are ISO-8601 strings that must carry a UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    Tag,
)
from pydantic_core import PydanticCustomError

from optimizer.clock import zone_of
from optimizer.domain import Tier
from optimizer.plan import FixKind, SlaStatus, UnassignedReason
from optimizer.weights import DEFAULT_WEIGHTS


def _datetime_input(value: Any) -> Any:
    """Accept only strings (and ``datetime`` objects): no Unix timestamps."""
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError(
        "datetime_type", "Input should be an ISO-8601 datetime string with a UTC offset"
    )


IsoDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_datetime_input),
    Field(description="ISO-8601 datetime with a UTC offset, e.g. 2026-11-23T08:00:00+01:00."),
]
Id = Annotated[str, Field(min_length=1)]

# Bounds of every number a problem document may give. Together with the
# solver's check of its largest scaled cost (:mod:`optimizer.scaling`) they
# keep every integer the search models use inside 64 bits.
MAX_MINUTES = 1_000_000.0
"""Longest duration a document may give (about 694 days); keeps seconds in range."""
MAX_COUNT = 1_000_000
"""Largest count a document may give: orders per shift, part quantities, van stock."""
MAX_SKILL_LEVEL = 1_000
"""Highest skill level."""
MAX_WEIGHT = 1e9
"""Largest objective weight, in points (per hour, per minute or per order)."""
MAX_VIP_MULTIPLIER = 1_000.0
"""Largest ``vip_multiplier``."""
MAX_COORDINATE_M = 1e9
"""Largest planar coordinate (x, y) in metres, either sign."""
MAX_TRAVEL_S = 1e9
"""Largest driving time of a matrix entry or road-graph edge, in seconds (about 31 years)."""
MAX_LENGTH_M = 1e12
"""Largest distance of a matrix entry or road-graph edge, in metres."""
MAX_COST_PER_HOUR = 1e6
"""Largest ``cost_per_hour`` of a technician."""
MAX_CREW_SIZE = 3
"""Largest ``crew_size``."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
NonNegInt = Annotated[int, Field(ge=0)]
Coordinate = Annotated[float, Field(ge=-MAX_COORDINATE_M, le=MAX_COORDINATE_M, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]
TravelSeconds = Annotated[float, Field(ge=0, le=MAX_TRAVEL_S, allow_inf_nan=False)]
LengthMetres = Annotated[float, Field(ge=0, le=MAX_LENGTH_M, allow_inf_nan=False)]
Minutes = Annotated[
    float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False, description="Minutes, >= 0.")
]
SkillLevel = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_SKILL_LEVEL, description="Skill level, an integer; 1 is basic."),
]
Quantity = Annotated[
    StrictInt, Field(ge=0, le=MAX_COUNT, description="Number of parts, an integer.")
]


def _time_zone(value: str) -> str:
    """Accept only IANA time-zone names that this machine's zone database knows."""
    try:
        zone_of(value)
    except ValueError:
        raise PydanticCustomError(
            "timezone", "Input should be an IANA time-zone name such as Europe/Paris"
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]
Priority = Literal["P1", "P2", "P3", "P4"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _PlanPartDoc(BaseModel):
    """Part of a plan document: fields it does not know are ignored on input.

    A plan is read for what it decides (who serves which order, in which
    order, at what times, and which orders are left out); everything a
    writer adds to that is output-only: the violations, warnings and
    analysis of the API, the KPIs and statistics, the route totals, and any
    field a later version adds.
    """

    model_config = ConfigDict(extra="ignore")


# --- locations ---------------------------------------------------------------


class GeoPointDoc(_Doc):
    """A WGS84 position in decimal degrees."""

    lat: float = Field(
        description="Latitude in decimal degrees, -90 to 90.", ge=-90, le=90, allow_inf_nan=False
    )
    lon: float = Field(
        description="Longitude in decimal degrees, -180 to 180.",
        ge=-180,
        le=180,
        allow_inf_nan=False,
    )


class PlanarPointDoc(_Doc):
    """A position on a plane, in metres."""

    x: Coordinate = Field(description="Easting in metres.")
    y: Coordinate = Field(description="Northing in metres.")


class MatrixRefDoc(_Doc):
    """A row/column of the travel matrix."""

    matrix_index: int = Field(
        description="Row and column of this place in the travel matrices (0-based).",
        ge=0,
        le=MAX_COUNT,
    )


def _location_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        if "matrix_index" in value:
            return "matrix"
        if "lat" in value or "lon" in value:
            return "geo"
        if "x" in value or "y" in value:
            return "planar"
        return None
    if isinstance(value, GeoPointDoc):
        return "geo"
    if isinstance(value, PlanarPointDoc):
        return "planar"
    return "matrix" if isinstance(value, MatrixRefDoc) else None


LocationDoc = Annotated[
    Annotated[GeoPointDoc, Tag("geo")]
    | Annotated[PlanarPointDoc, Tag("planar")]
    | Annotated[MatrixRefDoc, Tag("matrix")],
    Discriminator(
        _location_kind,
        custom_error_type="location_kind",
        custom_error_message="Input should be a location: {lat, lon}, {x, y} or {matrix_index}",
    ),
]

# --- travel ------------------------------------------------------------------


ClockTime = Annotated[
    str,
    Field(
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="A local clock time HH:MM, 00:00 to 24:00.",
        examples=["07:30"],
    ),
]


class SpeedBandDoc(_Doc):
    """A time of day when driving takes `factor` times as long (local clock, every day)."""

    start: ClockTime = Field(description="When the band starts, local HH:MM.")
    end: ClockTime = Field(description="When it ends, local HH:MM (after start; 24:00 allowed).")
    factor: float = Field(
        description="Multiplies driving times in the band: 1.4 is 40% longer (rush hour).",
        ge=0.05,
        le=20,
        allow_inf_nan=False,
    )


class SpeedProfileDoc(_Doc):
    """Speed bands by time of day, recurring daily; outside them driving takes its usual time."""

    bands: list[SpeedBandDoc] = Field(
        description="Bands that do not overlap; the factor is 1 outside them.", max_length=96
    )


def _speed_profile_field() -> Any:
    return Field(
        default=None,
        description="Speed bands by time of day on the problem's local clock (rush hours); "
        "null: driving times do not depend on the hour.",
    )


class GeodesicTravelDoc(_Doc):
    """Crow-flies distance times a circuity factor, at a constant speed."""

    kind: Literal["geodesic"] = Field(
        default="geodesic", description="Travel model: geodesic (the default)."
    )
    speed_kmh: float = Field(
        description="Average driving speed in km/h.",
        default=40.0,
        ge=0.1,
        le=10_000,
        allow_inf_nan=False,
    )
    circuity: float = Field(
        description="Road distance over crow-flies distance (1 = straight roads).",
        default=1.3,
        ge=1,
        le=10,
        allow_inf_nan=False,
    )
    speed_profile: SpeedProfileDoc | None = _speed_profile_field()


class PlanarTravelDoc(_Doc):
    """Straight-line travel on a plane at a constant speed."""

    kind: Literal["planar"] = Field(description="Travel model: planar.")
    speed_mps: float = Field(
        description="Driving speed in metres per second.",
        default=1.0,
        ge=0.01,
        le=10_000,
        allow_inf_nan=False,
    )
    speed_profile: SpeedProfileDoc | None = _speed_profile_field()


class MatrixTravelDoc(_Doc):
    """Caller-supplied square matrices; locations are `{matrix_index}`."""

    kind: Literal["matrix"] = Field(description="Travel model: matrix.")
    durations_s: list[list[TravelSeconds]] = Field(description="Square matrix of driving seconds.")
    distances_m: list[list[LengthMetres]] | None = Field(
        default=None, description="Square matrix of driving metres, same shape; null if unknown."
    )
    speed_profile: SpeedProfileDoc | None = _speed_profile_field()


class GeoNodeDoc(_Doc):
    """A road-graph node in decimal degrees."""

    id: Id = Field(description="Node id, unique in the graph.")
    lat: float = Field(
        description="Latitude in decimal degrees.", ge=-90, le=90, allow_inf_nan=False
    )
    lon: float = Field(
        description="Longitude in decimal degrees.", ge=-180, le=180, allow_inf_nan=False
    )


class PlanarNodeDoc(_Doc):
    """A road-graph node on a plane, in metres."""

    id: Id = Field(description="Node id, unique in the graph.")
    x: Coordinate = Field(description="Easting in metres.")
    y: Coordinate = Field(description="Northing in metres.")


def _node_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        if "lat" in value or "lon" in value:
            return "geo"
        if "x" in value or "y" in value:
            return "planar"
        return None
    if isinstance(value, GeoNodeDoc):
        return "geo"
    return "planar" if isinstance(value, PlanarNodeDoc) else None


NodeDoc = Annotated[
    Annotated[GeoNodeDoc, Tag("geo")] | Annotated[PlanarNodeDoc, Tag("planar")],
    Discriminator(
        _node_kind,
        custom_error_type="node_kind",
        custom_error_message="Input should be a node: {id, lat, lon} or {id, x, y}",
    ),
]


class EdgeDoc(_Doc):
    """A road segment; both directions unless `oneway`."""

    from_: Id = Field(description="Id of the node the segment starts at.", alias="from")
    to: Id = Field(description="Id of the node the segment ends at.")
    duration_s: TravelSeconds = Field(description="Driving seconds along the segment.")
    length_m: LengthMetres = Field(description="Length of the segment in metres.")
    oneway: bool = Field(
        default=False, description="True: only from `from` to `to`; false: both directions."
    )


class RoadGraphTravelDoc(_Doc):
    """Shortest paths on a road graph; locations snap to the nearest node."""

    kind: Literal["road_graph"] = Field(description="Travel model: road_graph.")
    nodes: list[NodeDoc] = Field(
        description="Graph nodes, all {id, lat, lon} or all {id, x, y}.", min_length=1
    )
    edges: list[EdgeDoc] = Field(description="Road segments between nodes.", default_factory=list)
    speed_profile: SpeedProfileDoc | None = _speed_profile_field()


def _travel_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("kind", "geodesic")
        return kind if isinstance(kind, str) else None
    return getattr(value, "kind", None)


TravelDoc = Annotated[
    Annotated[GeodesicTravelDoc, Tag("geodesic")]
    | Annotated[PlanarTravelDoc, Tag("planar")]
    | Annotated[MatrixTravelDoc, Tag("matrix")]
    | Annotated[RoadGraphTravelDoc, Tag("road_graph")],
    Discriminator(
        _travel_kind,
        custom_error_type="travel_kind",
        custom_error_message=(
            "Input should be a travel model with kind geodesic, planar, matrix or road_graph"
        ),
    ),
]

# --- weights -----------------------------------------------------------------

_UNASSIGNED = DEFAULT_WEIGHTS.unassigned_by_priority
_LATE = DEFAULT_WEIGHTS.late_per_minute_by_priority


class UnassignedWeightsDoc(_Doc):
    """Points for leaving an order unserved, by priority."""

    P1: Weight = Field(
        default=_UNASSIGNED[1],
        description="Points for leaving a P1 order unserved (default 100000).",
    )
    P2: Weight = Field(
        default=_UNASSIGNED[2],
        description="Points for leaving a P2 order unserved (default 30000).",
    )
    P3: Weight = Field(
        default=_UNASSIGNED[3],
        description="Points for leaving a P3 order unserved (default 10000).",
    )
    P4: Weight = Field(
        default=_UNASSIGNED[4], description="Points for leaving a P4 order unserved (default 3000)."
    )


class LateWeightsDoc(_Doc):
    """Points per minute past a soft SLA deadline, by priority."""

    P1: Weight = Field(
        default=_LATE[1], description="Points per minute a P1 order is late (default 50)."
    )
    P2: Weight = Field(
        default=_LATE[2], description="Points per minute a P2 order is late (default 20)."
    )
    P3: Weight = Field(
        default=_LATE[3], description="Points per minute a P3 order is late (default 5)."
    )
    P4: Weight = Field(
        default=_LATE[4], description="Points per minute a P4 order is late (default 1)."
    )


class WeightsDoc(_Doc):
    """Objective weights in points; every field is optional (see optimizer.weights)."""

    travel_per_hour: Weight = Field(
        default=DEFAULT_WEIGHTS.travel_per_hour,
        description="Points per hour of driving (default 60: one a minute).",
    )
    unassigned_by_priority: UnassignedWeightsDoc = Field(
        description="Points per unserved order, by priority.", default_factory=UnassignedWeightsDoc
    )
    late_per_minute_by_priority: LateWeightsDoc = Field(
        description="Points per minute past a soft SLA deadline, for each priority.",
        default_factory=LateWeightsDoc,
    )
    vip_multiplier: float = Field(
        description="Multiplies the unserved and lateness points of VIP orders (default 2).",
        default=DEFAULT_WEIGHTS.vip_multiplier,
        ge=0,
        le=MAX_VIP_MULTIPLIER,
        allow_inf_nan=False,
    )
    non_preferred_technician: Weight = Field(
        default=DEFAULT_WEIGHTS.non_preferred_technician,
        description=("Points when an order with preferred technicians gets another (default 30)."),
    )
    reassignment: Weight = Field(
        default=DEFAULT_WEIGHTS.reassignment,
        description=("Points for moving a dispatched order to another technician (default 100)."),
    )
    workload_balance_per_hour: Weight = Field(
        default=DEFAULT_WEIGHTS.workload_balance_per_hour,
        description=("Points per hour of the busiest shift's driving and service (default 10)."),
    )
    labor_cost: Weight = Field(
        default=DEFAULT_WEIGHTS.labor_cost,
        description=(
            "Multiplies cost_per_hour x route hours (default 0: reported, not optimised)."
        ),
    )
    lateness_cap_share: float = Field(
        description=(
            "Largest share (0-1) of its unserved points an order's lateness may cost (default 0.5)."
        ),
        default=DEFAULT_WEIGHTS.lateness_cap_share,
        ge=0,
        le=1,
        allow_inf_nan=False,
    )
    working_time_per_hour: Weight = Field(
        default=DEFAULT_WEIGHTS.working_time_per_hour,
        description="Points per hour of working time: departure to return, waiting included, "
        "breaks excluded (default 0: not optimised; positive: departures are optimised).",
    )
    outside_territory: Weight = Field(
        default=DEFAULT_WEIGHTS.outside_territory,
        description="Points per order served outside its technician's preferred territories "
        "(default 20).",
    )
    overtime_per_minute: Weight = Field(
        default=DEFAULT_WEIGHTS.overtime_per_minute,
        description=(
            "Points per minute a route ends past its shift's end, for shifts allowing overtime "
            "without a price of their own (default 2)."
        ),
    )


# --- technicians and work orders ---------------------------------------------


class WindowDoc(_Doc):
    """A time interval, both ends included."""

    start: IsoDatetime = Field(description="Earliest service start.")
    end: IsoDatetime = Field(description="Latest service start.")


class BreakDoc(_Doc):
    """A break of `duration_min` taken entirely inside its window."""

    duration_min: float = Field(
        description="Length of the break in minutes.", gt=0, le=MAX_MINUTES, allow_inf_nan=False
    )
    window_start: IsoDatetime = Field(description="The break starts no earlier than this.")
    window_end: IsoDatetime = Field(description="The break ends no later than this.")


class ShiftDoc(_Doc):
    """One working period of a technician."""

    start: IsoDatetime = Field(description="Earliest departure.")
    end: IsoDatetime = Field(
        description="Latest return (or end of the last order without an end location)."
    )
    breaks: list[BreakDoc] = Field(
        description="Breaks to take during the shift.", default_factory=list
    )
    max_overtime_min: Minutes = Field(
        default=0.0,
        description="Minutes the route may end past `end`, as overtime (default 0: none).",
    )
    overtime_per_minute: Weight | None = Field(
        default=None,
        description="Points per minute of overtime; null: weights.overtime_per_minute.",
    )


class TechnicianDoc(_Doc):
    """A field technician."""

    id: Id = Field(description="Technician id, unique among technicians.")
    name: str = Field(default="", description="Name, for people.")
    skills: dict[Id, SkillLevel] = Field(
        description="Skill name to level (an integer, 1 = basic).", default_factory=dict
    )
    shifts: list[ShiftDoc] = Field(
        description="One or more shifts; each is one route.", min_length=1
    )
    start: LocationDoc = Field(description="Where every shift starts (home or depot).")
    end: LocationDoc | None = Field(
        default=None, description="Where shifts end; null: the route ends at the last order."
    )
    max_orders_per_shift: Annotated[int, Field(ge=0, le=MAX_COUNT)] | None = Field(
        default=None, description="Most work orders per shift; null: no limit."
    )
    max_work_min_per_shift: Minutes | None = Field(
        default=None,
        description=(
            "Most minutes from departure to end of route, breaks excluded; null: no limit."
        ),
    )
    max_travel_min_per_shift: Minutes | None = Field(
        default=None,
        description="Most driving minutes per shift, leg home included; null: no limit.",
    )
    van_stock: dict[Id, Quantity] = Field(
        description="Parts on board, part to quantity; restocked before each shift.",
        default_factory=dict,
    )
    cost_per_hour: float = Field(
        description=(
            "Labour cost of an hour of work (reported; optimised with weights.labor_cost)."
        ),
        default=0.0,
        ge=0,
        le=MAX_COST_PER_HOUR,
        allow_inf_nan=False,
    )
    speed_factor: float = Field(
        description=("Multiplies driving speed: 1.25 drives 25% faster than the travel model."),
        default=1.0,
        ge=0.01,
        le=100,
        allow_inf_nan=False,
    )
    tools: list[Id] = Field(
        default_factory=list,
        description="Tools carried from the start of every shift; others are picked up at depots.",
    )
    territories: list[Id] = Field(
        default_factory=list,
        description="Home territories; empty: serves every territory alike.",
    )
    speed_profile: SpeedProfileDoc | None = Field(
        default=None,
        description="This technician's own speed bands by time of day; null: the travel model's.",
    )
    territory_hard: bool = Field(
        default=False,
        description="True: may not serve orders of other territories; false: each such order "
        "costs weights.outside_territory.",
    )


class DependencyDoc(_Doc):
    """This order follows another one: it starts after the predecessor ends."""

    after: Id = Field(description="Id of the predecessor work order.")
    min_delay_min: Minutes = Field(
        default=0.0, description="Least minutes from the predecessor's end to this start."
    )
    max_delay_min: Minutes | None = Field(
        default=None,
        description="Most minutes from the predecessor's end to this start; null: no limit.",
    )
    same_technician: bool = Field(
        default=False, description="True: the predecessor's technician serves this order."
    )
    same_day: bool = Field(
        default=False, description="True: both start on the same calendar day."
    )


class WorkOrderDoc(_Doc):
    """A job at a customer's location."""

    id: Id = Field(description="Work-order id, unique among work orders.")
    location: LocationDoc = Field(description="Where the work is.")
    service_min: Minutes = Field(description="Minutes on site.")
    required_skills: dict[Id, SkillLevel] = Field(
        description="Skill name to the least level needed (an integer).", default_factory=dict
    )
    priority: Priority = Field(
        default="P3", description="P1 (most urgent) to P4; lower priorities are dropped first."
    )
    tier: Tier = Field(
        default=Tier.STANDARD,
        description="Customer tier; vip multiplies penalties by weights.vip_multiplier.",
    )
    windows: list[WindowDoc] = Field(
        default_factory=list, description="Service must start in one of them; empty: any time."
    )
    respond_by: IsoDatetime | None = Field(default=None, description="SLA: arrive by.")
    resolve_by: IsoDatetime | None = Field(default=None, description="SLA: finish by.")
    sla_hard: bool = Field(
        default=False,
        description="True: the SLA deadlines are constraints; false: lateness costs points.",
    )
    parts: dict[Id, Quantity] = Field(
        description="Parts used, part to quantity, taken from the van stock.", default_factory=dict
    )
    pinned_technician_id: Id | None = Field(
        default=None, description="Only this technician may serve it (hard)."
    )
    preferred_technician_ids: list[Id] = Field(
        description="Another technician costs weights.non_preferred_technician.",
        default_factory=list,
    )
    excluded_technician_ids: list[Id] = Field(
        description="These technicians may not serve it (hard).", default_factory=list
    )
    not_before: IsoDatetime | None = Field(
        default=None, description="Service starts no earlier than this."
    )
    dispatched_technician_id: Id | None = Field(
        default=None,
        description="Already dispatched to this technician; moving it costs weights.reassignment.",
    )
    crew_size: Annotated[int, Field(ge=2, le=MAX_CREW_SIZE)] | None = Field(
        default=None,
        description=(
            "Technicians needed on site at once (2 or 3); null: one. Every member holds "
            "required_skills and is busy for the whole service."
        ),
    )
    crew_member_skills: list[dict[Id, SkillLevel]] | None = Field(
        default=None,
        description=(
            "One requirement per crew member (skill to least level, on top of "
            "required_skills), as many as crew_size; null: every member holds required_skills."
        ),
    )
    crew_sync_tolerance_min: Minutes = Field(
        default=0.0,
        description="Most minutes between the first and the last crew member's start.",
    )
    dependencies: list[DependencyDoc] = Field(
        default_factory=list,
        description=(
            "Orders this one follows (linked visits); if a predecessor is not served, "
            "this order is not either (reason predecessor_unserved)."
        ),
    )
    territory: Id | None = Field(
        default=None,
        description="The territory it lies in; null: none (anyone, at no territory cost).",
    )
    required_tools: list[Id] = Field(
        default_factory=list,
        description="Tools on board when the service starts: carried, or picked up at a depot "
        "earlier in the route (never consumed).",
    )


class DepotDoc(_Doc):
    """A warehouse where technicians pick up parts and tools during the day."""

    id: Id = Field(description="Depot id, unique among depots.")
    location: LocationDoc = Field(description="Where it is.")
    opening: list[WindowDoc] = Field(
        default_factory=list,
        description="Opening intervals: a visit starts and ends inside one; empty: always open.",
    )
    stop_min: Minutes = Field(default=15.0, description="Minutes a visit takes (loading).")
    stock: dict[Id, Quantity | None] = Field(
        default_factory=dict,
        description="Part to the quantity held for the whole horizon, shared by every "
        "technician; null: unlimited. Parts not listed are not stocked.",
    )
    stock_unlimited: bool = Field(
        default=False, description="Every part in any quantity (stock is then ignored)."
    )
    tools: list[Id] = Field(
        default_factory=list, description="Tools that may be picked up here (never run out)."
    )


class ProblemDoc(_Doc):
    """A dispatch problem. Times become seconds from the earliest shift start."""

    schema_: str | None = Field(default=None, alias="$schema", description="Ignored.")
    timezone: TimeZoneName | None = Field(
        default=None,
        description="IANA time zone of the plans' datetimes, e.g. Europe/Paris: every time is "
        "printed with the offset in force at that instant (daylight saving included). "
        "null: the UTC offset of the earliest shift start.",
        examples=["Europe/Paris"],
    )
    travel: TravelDoc = Field(
        default=GeodesicTravelDoc(),
        description="How driving times and distances are computed (default geodesic).",
    )
    weights: WeightsDoc | None = Field(
        default=None, description="Objective weights; null: the defaults."
    )
    sla_yellow_threshold_min: Minutes = Field(
        default=30.0, description="An SLA met with less than this many minutes to spare is yellow."
    )
    technicians: list[TechnicianDoc] = Field(description="The fleet; may be empty.")
    work_orders: list[WorkOrderDoc] = Field(description="The demand; may be empty.")
    depots: list[DepotDoc] = Field(
        default_factory=list,
        description="Depots where parts and tools are picked up during the day; may be empty.",
    )


# --- plan ----------------------------------------------------------------------


class LoadedDoc(_PlanPartDoc):
    """What a depot stop took on board."""

    parts: dict[Id, Quantity] = Field(default_factory=dict, description="Part to quantity.")
    tools: list[Id] = Field(default_factory=list, description="Tools picked up.")


class StopDoc(_PlanPartDoc):
    """One visit of a route: a work order, or a depot (kind depot) to load parts and tools."""

    kind: Literal["work_order", "depot"] = Field(
        default="work_order", description="work_order (the default) or depot."
    )
    work_order_id: Id | None = Field(
        default=None, description="The order served (required unless kind is depot)."
    )
    depot_id: Id | None = Field(default=None, description="The depot visited (kind depot).")
    loaded: LoadedDoc | None = Field(
        default=None, description="What was loaded at the depot (kind depot)."
    )
    arrival: IsoDatetime = Field(
        description="Arrival on site: departure + travel_s + breaks taken on the road."
    )
    start: IsoDatetime = Field(description="Service start.")
    end: IsoDatetime = Field(description="Service end: start + the order's service_min.")
    wait_s: int = Field(
        description=(
            "Seconds from arrival to service start (waiting for a window, breaks on site); "
            "one that does not equal start - arrival is a rule violation of the plan."
        )
    )
    travel_s: NonNegInt = Field(
        description="Driving seconds from the previous stop or the start location."
    )
    distance_m: NonNegInt = Field(
        description="Driving metres from the previous stop or the start location."
    )
    sla_status: SlaStatus = Field(
        default=SlaStatus.NONE, description="SLA traffic light: green, yellow, red or none."
    )
    crew: list[Id] | None = Field(
        default=None,
        description=(
            "A crew order's members, sorted (the same stop is in each member's route); "
            "absent for a one-technician order."
        ),
    )


class PlacedBreakDoc(_PlanPartDoc):
    """A break as scheduled."""

    start: IsoDatetime = Field(description="Start of the break.")
    end: IsoDatetime = Field(description="End of the break.")


class RouteDoc(_PlanPartDoc):
    """The ordered work of one technician in one shift.

    `travel_s`, `distance_m`, `work_s`, `service_s`, `wait_s` and `break_s` are
    totals derived from the rest: output-only, ignored on input.
    """

    technician_id: Id = Field(description="Whose route.")
    shift_index: NonNegInt = Field(description="Which of the technician's shifts (0-based).")
    start: IsoDatetime = Field(description="Departure from the start location.")
    end: IsoDatetime = Field(
        description=("Arrival at the end location (or end of the last order or break without one).")
    )
    stops: list[StopDoc] = Field(description="The stops, in visiting order.")
    breaks: list[PlacedBreakDoc] = Field(description="Breaks as scheduled.", default_factory=list)
    end_travel_s: NonNegInt = Field(
        default=0, description="Driving seconds of the leg home (0 without an end location)."
    )
    end_distance_m: NonNegInt = Field(
        default=0, description="Driving metres of the leg home (0 without an end location)."
    )
    travel_s: int | None = Field(
        default=None, description="Driving seconds, the leg home included (derived)."
    )
    distance_m: int | None = Field(
        default=None, description="Driving metres, the leg home included (derived)."
    )
    work_s: int | None = Field(
        default=None,
        description="Seconds from departure to the end of the route less breaks: "
        "travel_s + service_s + wait_s (derived).",
    )
    service_s: int | None = Field(default=None, description="Seconds on site serving (derived).")
    wait_s: int | None = Field(
        default=None,
        description="Seconds waiting for appointment windows, breaks excluded (derived).",
    )
    break_s: int | None = Field(default=None, description="Seconds on break (derived).")
    depot_s: int | None = Field(
        default=None, description="Seconds loading at depots (derived; only with depot stops)."
    )
    shift_end: IsoDatetime | None = Field(
        default=None,
        description="The shift's nominal end; a route ending later works overtime (output).",
    )
    overtime_s: NonNegInt | None = Field(
        default=None,
        description="Seconds the route ends past shift_end, 0 when none (output; derived).",
    )


class FixChangeDoc(_PlanPartDoc):
    """The change a fix makes; which fields are set depends on its kind."""

    technician_id: Id | None = Field(default=None, description="The technician changed.")
    shift_index: NonNegInt | None = Field(default=None, description="Their shift (overtime).")
    work_order_id: Id | None = Field(default=None, description="The order bumped out (bump).")
    window_index: NonNegInt | None = Field(
        default=None, description="The window widened (window); null: the not-before time."
    )
    side: Literal["start", "end"] | None = Field(
        default=None, description="start: moved earlier; end: moved later."
    )
    minutes: NonNegInt | None = Field(default=None, description="By how many minutes.")
    skills: dict[str, SkillLevel] = Field(
        default_factory=dict, description="Skill to its new level (skill)."
    )
    parts: dict[str, Quantity] = Field(
        default_factory=dict,
        description="Part to the quantity added to the van (parts), or loaded at the depot "
        "(depot).",
    )
    depot_id: Id | None = Field(default=None, description="The depot visited (depot).")
    territory: Id | None = Field(
        default=None, description="The territory added to the technician's (territory)."
    )


class FixDoc(_PlanPartDoc):
    """A single change that would make an unserved order servable."""

    kind: FixKind = Field(
        description="window, deadline, overtime, bump, skill, parts, exclusion, territory or "
        "depot: "
        "what changes."
    )
    detail: str = Field(description="One sentence: the change and what it allows.")
    cost_delta: float | None = Field(
        description="Objective of the fixed plan minus this plan's, in points; null when "
        "not verified."
    )
    verified: bool = Field(
        description="The order was inserted into the plan under the changed problem and the "
        "validator accepted the result."
    )
    change: FixChangeDoc = Field(
        default_factory=FixChangeDoc, description="The change itself, as data (see its kind)."
    )
    also: FixDoc | None = Field(
        default=None,
        description="A second change made together with this one (its kind and change; its "
        "detail, cost_delta and verified are the whole fix's): present only on a two-change "
        "fix, offered when no single change serves the order.",
    )


class UnassignedDoc(_PlanPartDoc):
    """An order left out of the plan, with the reason (and, once explained, fixes)."""

    work_order_id: Id = Field(description="The order left out.")
    reason: UnassignedReason = Field(description="Why, as a stable reason code.")
    detail: str = Field(default="", description="Why, in one sentence.")
    fixes: list[FixDoc] | None = Field(
        default=None,
        description="Smallest single changes that would serve it, verified first; "
        "absent until the plan is explained.",
    )


class SolveStatsDoc(_PlanPartDoc):
    """How the solve went; `objective` in points, times in seconds."""

    status: str = Field(
        description="optimal, feasible, no_solution_found, not_solved or evaluated."
    )
    objective: float = Field(description="The plan's objective in points.")
    first_solution_s: float | None = Field(
        default=None, description="Seconds to the first solution; null if none."
    )
    wall_s: float = Field(description="Solve wall time in seconds, model building included.", ge=0)
    solutions: NonNegInt = Field(
        default=0, description="Improving solutions (OR-Tools) or search iterations (LNS)."
    )
    engine: str = Field(
        default="ortools", description="Which search produced the plan, e.g. greedy+lns."
    )
    audit_findings: NonNegInt | None = Field(
        default=None,
        description=(
            "Orders left out that the priority audit could still serve (0); null if no audit ran."
        ),
    )


class PlanDoc(_PlanPartDoc):
    """A plan: routes, unassigned orders, KPIs and solve statistics.

    On input only the routes (technician, shift, stops and breaks with their
    times) and the unassigned orders count; `kpis`, `stats`, the route
    totals and every field a reader does not know (the API's `violations`,
    `warnings`, `analysis`, ...) are output-only and ignored.
    """

    schema_: str | None = Field(default=None, alias="$schema", description="Ignored.")
    routes: list[RouteDoc] = Field(description="One route per technician shift with work.")
    unassigned: list[UnassignedDoc] = Field(description="Orders left out, each with a reason.")
    kpis: dict[str, Any] = Field(
        description="Key figures (optimizer.compute_kpis).", default_factory=dict
    )
    stats: SolveStatsDoc | None = Field(
        default=None, description="How the solve went (output-only; absent on input: evaluated)."
    )
