"""Schemas of re-planning (``POST /v1/plans/reoptimize``) and what-if (``POST /v1/whatif``).

Times are ISO-8601 datetimes with a UTC offset, read on the problem's own
clock (its epoch); durations in the documents are minutes, KPIs keep the
core's units (seconds, metres, percent, points).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import PlanIn, ProblemIn
from api.schemas.plans import MAX_SEED, MAX_TIME_LIMIT_S, PlanOut, drop_output_fields
from optimizer import UnassignedReason
from optimizer.document import IsoDatetime, LocationDoc, WorkOrderDoc

Id = Annotated[str, Field(min_length=1)]

MAX_VARIANTS = 20
"""Most variants one what-if request may hold."""

BASE_ROW = "base"
"""Name of the base problem's row; no variant may take it."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- re-planning -----------------------------------------------------------------


class TechnicianUnavailableIn(_In):
    """A technician takes no more work from ``from`` on (sick, van broken down)."""

    technician_id: Id
    from_: IsoDatetime = Field(alias="from")


class OrderProgressIn(_In):
    """A work order started (or completed) at ``at``, by the technician the plan gives it."""

    work_order_id: Id
    at: IsoDatetime


class PositionIn(_In):
    """Where a technician was at ``at`` (a GPS fix); must suit the travel model."""

    technician_id: Id
    location: LocationDoc
    at: IsoDatetime


class ReplanEventsIn(_In):
    """What happened since the plan was made; every list may be empty."""

    new_orders: list[WorkOrderDoc] = Field(
        default_factory=list, description="Work orders that came in, e.g. a P1; new ids."
    )
    technicians_unavailable: list[TechnicianUnavailableIn] = Field(default_factory=list)
    orders_started: list[OrderProgressIn] = Field(default_factory=list)
    orders_completed: list[OrderProgressIn] = Field(default_factory=list)
    positions: list[PositionIn] = Field(
        default_factory=list,
        description="Positions newer than a technician's last started or finished stop "
        "say where it starts from now; the latest one per technician counts.",
    )


class ReoptimizeRequest(_In):
    """Re-plan the rest of the day after events, moving as little as possible."""

    problem: ProblemIn
    plan: PlanIn = Field(
        description="The current plan (a PlanOut may be sent back as is: its `violations` "
        "are ignored). Orders it does not mention count as unassigned."
    )
    now: IsoDatetime = Field(description="The current time; work before it stays as it is.")
    events: ReplanEventsIn = Field(default_factory=ReplanEventsIn)
    locked_work_order_ids: list[Id] = Field(
        default_factory=list,
        description="Orders that must stay with the technician the plan gives them (hard).",
    )
    stability_weight: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="Points for moving a dispatched, not started order to another technician; "
        "default: the problem's weights.reassignment (100, about 100 minutes of driving).",
    )
    eta_threshold_min: float = Field(
        default=15,
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        description="Start-time changes larger than this are listed in diff.eta_changes.",
    )
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Budget of the whole re-plan in seconds, model building included. "
        "Default: DISPATCH_DEFAULT_TIME_LIMIT_S; lowered to DISPATCH_MAX_TIME_LIMIT_S.",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="Seed of the search.")

    @model_validator(mode="before")
    @classmethod
    def _ignore_output_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "plan" in data:
            return {**data, "plan": drop_output_fields(data["plan"])}
        return data


class MoveOut(BaseModel):
    """A work order given to another technician."""

    work_order_id: str
    from_technician_id: str
    to_technician_id: str


class AssignmentOut(BaseModel):
    """A work order served now and not before (new, or formerly unassigned)."""

    work_order_id: str
    technician_id: str


class DroppedOut(BaseModel):
    """A work order unassigned now and not before (formerly served, or new), and why."""

    work_order_id: str
    reason: UnassignedReason
    detail: str = ""


class EtaChangeOut(BaseModel):
    """A work order served before and now whose service start moved beyond the threshold."""

    work_order_id: str
    old_start: datetime
    new_start: datetime
    delta_min: float = Field(description="New start minus old start; positive is later.")


class ReplanDiffOut(BaseModel):
    """What changed against the current plan."""

    moved: list[MoveOut]
    newly_assigned: list[AssignmentOut]
    newly_unassigned: list[DroppedOut]
    eta_changes: list[EtaChangeOut]


class ReoptimizeOut(BaseModel):
    """The new plan of the day and what changed."""

    plan: PlanOut = Field(
        description="Fixed work (finished, in progress, being driven to), then the re-planned "
        "routes; new orders included. `violations` checks the re-planned part where each "
        "technician really is at `now` (the residual view); the fixed part is history."
    )
    diff: ReplanDiffOut


# --- what-if -----------------------------------------------------------------------


class PatchOperationIn(_In):
    """One RFC 6902 JSON Patch operation on the base problem document."""

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: str = Field(description="JSON Pointer, e.g. `/technicians/-` or `/work_orders/3`.")
    from_: str | None = Field(default=None, alias="from", description="For move and copy.")
    value: Any = Field(default=None, description="For add, replace and test.")


class VariantIn(_In):
    """A named change of the base problem."""

    name: str = Field(min_length=1, max_length=100)
    patch: list[PatchOperationIn] = Field(
        description="Applied in order to the base document: add or remove technicians, "
        "change shifts, add demand, change SLAs or weights."
    )


class WhatIfRequest(_In):
    """Compare variants of a problem: each is solved, KPIs are compared with the base's."""

    base: ProblemIn
    variants: list[VariantIn] = Field(min_length=1, max_length=MAX_VARIANTS)
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Budget per solve (base and each variant). Default: "
        "DISPATCH_DEFAULT_TIME_LIMIT_S; lowered to DISPATCH_MAX_TIME_LIMIT_S.",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="Seed of every solve.")


class KpisOut(BaseModel):
    """The KPIs compared (optimizer.compute_kpis)."""

    assigned_pct: float
    sla_met_pct: float
    sla_met_pct_by_priority: dict[str, float]
    travel_s_total: int
    distance_m_total: int
    workload_cv: float
    objective: float = Field(description="Points (optimizer.plan_cost), the variant's weights.")
    unassigned: int


class KpiDeltasOut(BaseModel):
    """Variant minus base, per KPI; null where one side has no value (a priority absent)."""

    assigned_pct: float
    sla_met_pct: float
    sla_met_pct_by_priority: dict[str, float | None]
    travel_s_total: int
    distance_m_total: int
    workload_cv: float
    objective: float
    unassigned: int


class WhatIfRowOut(BaseModel):
    """One solved problem: the base (first row) or a variant."""

    name: str
    status: str = Field(description="Solver status, as in a plan's stats.")
    kpis: KpisOut
    deltas: KpiDeltasOut
    violations: int = Field(ge=0, description="Rules the plan breaks (check_plan); always 0.")


class WhatIfOut(BaseModel):
    """One KPI row per problem, the base first."""

    rows: list[WhatIfRowOut]
