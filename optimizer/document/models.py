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
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)
from pydantic_core import PydanticCustomError

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
SkillLevel = Annotated[int, Field(ge=1, le=MAX_SKILL_LEVEL, description="Skill level, 1 = basic.")]
Quantity = Annotated[int, Field(ge=0, le=MAX_COUNT, description="Number of parts.")]
Priority = Literal["P1", "P2", "P3", "P4"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- locations ---------------------------------------------------------------


class GeoPointDoc(_Doc):
    """A WGS84 position in decimal degrees."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PlanarPointDoc(_Doc):
    """A position on a plane, in metres."""

    x: Coordinate
    y: Coordinate


class MatrixRefDoc(_Doc):
    """A row/column of the travel matrix."""

    matrix_index: int = Field(ge=0, le=MAX_COUNT)


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


class GeodesicTravelDoc(_Doc):
    """Crow-flies distance times a circuity factor, at a constant speed."""

    kind: Literal["geodesic"] = "geodesic"
    speed_kmh: float = Field(default=40.0, ge=0.1, le=10_000, allow_inf_nan=False)
    circuity: float = Field(default=1.3, ge=1, le=10, allow_inf_nan=False)


class PlanarTravelDoc(_Doc):
    """Straight-line travel on a plane at a constant speed."""

    kind: Literal["planar"]
    speed_mps: float = Field(default=1.0, ge=0.01, le=10_000, allow_inf_nan=False)


class MatrixTravelDoc(_Doc):
    """Caller-supplied square matrices; locations are ``{matrix_index}``."""

    kind: Literal["matrix"]
    durations_s: list[list[TravelSeconds]] = Field(description="Square matrix of driving seconds.")
    distances_m: list[list[LengthMetres]] | None = Field(
        default=None, description="Square matrix of driving metres, same shape; null if unknown."
    )


class GeoNodeDoc(_Doc):
    """A road-graph node in decimal degrees."""

    id: Id
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class PlanarNodeDoc(_Doc):
    """A road-graph node on a plane, in metres."""

    id: Id
    x: Coordinate
    y: Coordinate


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
    """A road segment; both directions unless ``oneway``."""

    from_: Id = Field(alias="from")
    to: Id
    duration_s: TravelSeconds
    length_m: LengthMetres
    oneway: bool = False


class RoadGraphTravelDoc(_Doc):
    """Shortest paths on a road graph; locations snap to the nearest node."""

    kind: Literal["road_graph"]
    nodes: list[NodeDoc] = Field(min_length=1)
    edges: list[EdgeDoc] = Field(default_factory=list)


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

    P1: Weight = _UNASSIGNED[1]
    P2: Weight = _UNASSIGNED[2]
    P3: Weight = _UNASSIGNED[3]
    P4: Weight = _UNASSIGNED[4]


class LateWeightsDoc(_Doc):
    """Points per minute past a soft SLA deadline, by priority."""

    P1: Weight = _LATE[1]
    P2: Weight = _LATE[2]
    P3: Weight = _LATE[3]
    P4: Weight = _LATE[4]


class WeightsDoc(_Doc):
    """Objective weights in points; every field is optional (see optimizer.weights)."""

    travel_per_hour: Weight = DEFAULT_WEIGHTS.travel_per_hour
    unassigned_by_priority: UnassignedWeightsDoc = Field(default_factory=UnassignedWeightsDoc)
    late_per_minute_by_priority: LateWeightsDoc = Field(default_factory=LateWeightsDoc)
    vip_multiplier: float = Field(
        default=DEFAULT_WEIGHTS.vip_multiplier, ge=0, le=MAX_VIP_MULTIPLIER, allow_inf_nan=False
    )
    non_preferred_technician: Weight = DEFAULT_WEIGHTS.non_preferred_technician
    reassignment: Weight = DEFAULT_WEIGHTS.reassignment
    workload_balance_per_hour: Weight = DEFAULT_WEIGHTS.workload_balance_per_hour
    labor_cost: Weight = DEFAULT_WEIGHTS.labor_cost
    lateness_cap_share: float = Field(
        default=DEFAULT_WEIGHTS.lateness_cap_share, ge=0, le=1, allow_inf_nan=False
    )


# --- technicians and work orders ---------------------------------------------


class WindowDoc(_Doc):
    """A time interval, both ends included."""

    start: IsoDatetime
    end: IsoDatetime


class BreakDoc(_Doc):
    """A break of ``duration_min`` taken entirely inside its window."""

    duration_min: float = Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False)
    window_start: IsoDatetime
    window_end: IsoDatetime


class ShiftDoc(_Doc):
    """One working period of a technician."""

    start: IsoDatetime
    end: IsoDatetime
    breaks: list[BreakDoc] = Field(default_factory=list)


class TechnicianDoc(_Doc):
    """A field technician."""

    id: Id
    name: str = ""
    skills: dict[Id, SkillLevel] = Field(default_factory=dict)
    shifts: list[ShiftDoc] = Field(min_length=1)
    start: LocationDoc
    end: LocationDoc | None = Field(
        default=None, description="Where shifts end; null: the route ends at the last order."
    )
    max_orders_per_shift: Annotated[int, Field(ge=0, le=MAX_COUNT)] | None = None
    max_work_min_per_shift: Minutes | None = None
    max_travel_min_per_shift: Minutes | None = None
    van_stock: dict[Id, Quantity] = Field(default_factory=dict)
    cost_per_hour: float = Field(default=0.0, ge=0, le=MAX_COST_PER_HOUR, allow_inf_nan=False)
    speed_factor: float = Field(default=1.0, ge=0.01, le=100, allow_inf_nan=False)


class WorkOrderDoc(_Doc):
    """A job at a customer's location."""

    id: Id
    location: LocationDoc
    service_min: Minutes
    required_skills: dict[Id, SkillLevel] = Field(default_factory=dict)
    priority: Priority = "P3"
    tier: Tier = Tier.STANDARD
    windows: list[WindowDoc] = Field(
        default_factory=list, description="Service must start in one of them; empty: any time."
    )
    respond_by: IsoDatetime | None = Field(default=None, description="SLA: arrive by.")
    resolve_by: IsoDatetime | None = Field(default=None, description="SLA: finish by.")
    sla_hard: bool = False
    parts: dict[Id, Quantity] = Field(default_factory=dict)
    pinned_technician_id: Id | None = None
    preferred_technician_ids: list[Id] = Field(default_factory=list)
    excluded_technician_ids: list[Id] = Field(default_factory=list)
    not_before: IsoDatetime | None = None
    dispatched_technician_id: Id | None = Field(
        default=None,
        description="Already dispatched to this technician; moving it costs weights.reassignment.",
    )


class ProblemDoc(_Doc):
    """A dispatch problem. Times become seconds from the earliest shift start."""

    schema_: str | None = Field(default=None, alias="$schema", description="Ignored.")
    travel: TravelDoc = GeodesicTravelDoc()
    weights: WeightsDoc | None = None
    sla_yellow_threshold_min: Minutes = 30.0
    technicians: list[TechnicianDoc]
    work_orders: list[WorkOrderDoc]


# --- plan ----------------------------------------------------------------------


class StopDoc(_Doc):
    """One visit of a route."""

    work_order_id: Id
    arrival: IsoDatetime
    start: IsoDatetime
    end: IsoDatetime
    wait_s: NonNegInt
    travel_s: NonNegInt
    distance_m: NonNegInt
    sla_status: SlaStatus = SlaStatus.NONE


class PlacedBreakDoc(_Doc):
    """A break as scheduled."""

    start: IsoDatetime
    end: IsoDatetime


class RouteDoc(_Doc):
    """The ordered work of one technician in one shift.

    ``travel_s``, ``distance_m`` and ``work_s`` are totals derived from the
    rest; when given on input they must match.
    """

    technician_id: Id
    shift_index: NonNegInt
    start: IsoDatetime
    end: IsoDatetime
    stops: list[StopDoc]
    breaks: list[PlacedBreakDoc] = Field(default_factory=list)
    end_travel_s: NonNegInt = 0
    end_distance_m: NonNegInt = 0
    travel_s: int | None = None
    distance_m: int | None = None
    work_s: int | None = None


class FixChangeDoc(_Doc):
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
        default_factory=dict, description="Part to the quantity added to the van (parts)."
    )


class FixDoc(_Doc):
    """A single change that would make an unserved order servable."""

    kind: FixKind
    detail: str = Field(description="One sentence: the change and what it allows.")
    cost_delta: float | None = Field(
        description="Objective of the fixed plan minus this plan's, in points; null when "
        "not verified."
    )
    verified: bool = Field(
        description="The order was inserted into the plan under the changed problem and the "
        "validator accepted the result."
    )
    change: FixChangeDoc = Field(default_factory=FixChangeDoc)


class UnassignedDoc(_Doc):
    """An order left out of the plan, with the reason (and, once explained, fixes)."""

    work_order_id: Id
    reason: UnassignedReason
    detail: str = ""
    fixes: list[FixDoc] | None = Field(
        default=None,
        description="Smallest single changes that would serve it, verified first; "
        "absent until the plan is explained.",
    )


class SolveStatsDoc(_Doc):
    """How the solve went; ``objective`` in points, times in seconds."""

    status: str
    objective: float
    first_solution_s: float | None = None
    wall_s: float = Field(ge=0)
    solutions: NonNegInt = 0
    engine: str = "ortools"
    audit_findings: NonNegInt | None = None


class PlanDoc(_Doc):
    """A plan: routes, unassigned orders, KPIs and solve statistics."""

    schema_: str | None = Field(default=None, alias="$schema", description="Ignored.")
    routes: list[RouteDoc]
    unassigned: list[UnassignedDoc]
    kpis: dict[str, Any] = Field(default_factory=dict)
    stats: SolveStatsDoc
