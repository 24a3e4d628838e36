"""Schemas of re-planning (``POST /v1/plans/reoptimize``) and what-if (``POST /v1/whatif``).

Times are ISO-8601 datetimes with a UTC offset, read on the problem's own
clock (its epoch); durations in the documents are minutes, KPIs keep the
core's units (seconds, metres, percent, points).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import PlanIn, ProblemIn, WarningOut
from api.schemas.plans import MAX_SEED, MAX_TIME_LIMIT_S, PlanOut, drop_output_fields
from optimizer import UnassignedReason
from optimizer.document import BreakDoc, IsoDatetime, LocationDoc, WeightsDoc, WorkOrderDoc

Id = Annotated[str, Field(min_length=1)]

MAX_VARIANTS = 20
"""Most variants one what-if request may hold."""

BASE_ROW = "base"
"""Name of the base problem's row; no variant may take it."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- re-planning -----------------------------------------------------------------


class TechnicianUnavailableIn(_In):
    """A technician takes no more work from `from` on (sick, van broken down)."""

    technician_id: Id = Field(description="The technician.")
    from_: IsoDatetime = Field(description="From when it takes no more work.", alias="from")


class OrderProgressIn(_In):
    """A work order started (or completed) at `at`, by the technician the plan gives it."""

    work_order_id: Id = Field(description="The work order.")
    at: IsoDatetime = Field(description="When it started (or was completed).")


class PositionIn(_In):
    """Where a technician was at `at` (a GPS fix); must suit the travel model."""

    technician_id: Id = Field(description="The technician.")
    location: LocationDoc = Field(description="Where it was; must suit the travel model.")
    at: IsoDatetime = Field(description="When it was there.")


class ReplanEventsIn(_In):
    """What happened since the plan was made; every list may be empty."""

    new_orders: list[WorkOrderDoc] = Field(
        default_factory=list, description="Work orders that came in, e.g. a P1; new ids."
    )
    technicians_unavailable: list[TechnicianUnavailableIn] = Field(
        description="Technicians that stop working from a time on.", default_factory=list
    )
    orders_started: list[OrderProgressIn] = Field(
        description="Orders whose work started.", default_factory=list
    )
    orders_completed: list[OrderProgressIn] = Field(
        description="Orders whose work is done.", default_factory=list
    )
    positions: list[PositionIn] = Field(
        default_factory=list,
        description="Positions newer than a technician's last started or finished stop "
        "say where it starts from now; the latest one per technician counts.",
    )


class ReoptimizeRequest(_In):
    """Re-plan the rest of the day after events, moving as little as possible."""

    problem: ProblemIn = Field(description="The day as planned.")
    plan: PlanIn = Field(
        description="The current plan (a PlanOut may be sent back as is: its `violations` "
        "are ignored). Orders it does not mention count as unassigned."
    )
    now: IsoDatetime = Field(description="The current time; work before it stays as it is.")
    events: ReplanEventsIn = Field(
        description="What happened since the plan was made.", default_factory=ReplanEventsIn
    )
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

    work_order_id: str = Field(description="The work order moved.")
    from_technician_id: str = Field(description="Its technician in the current plan.")
    to_technician_id: str = Field(description="Its technician in the new plan.")


class AssignmentOut(BaseModel):
    """A work order served now and not before (new, or formerly unassigned)."""

    work_order_id: str = Field(description="The work order now served.")
    technician_id: str = Field(description="Who serves it.")


class DroppedOut(BaseModel):
    """A work order unassigned now and not before (formerly served, or new), and why."""

    work_order_id: str = Field(description="The work order now unassigned.")
    reason: UnassignedReason = Field(description="Why, as a stable reason code.")
    detail: str = Field(default="", description="Why, in one sentence.")


class EtaChangeOut(BaseModel):
    """A work order served before and now whose service start moved beyond the threshold."""

    work_order_id: str = Field(description="The work order.")
    old_start: datetime = Field(description="Its service start in the current plan.")
    new_start: datetime = Field(description="Its service start in the new plan.")
    delta_min: float = Field(description="New start minus old start; positive is later.")


class ReplanDiffOut(BaseModel):
    """What changed against the current plan."""

    moved: list[MoveOut] = Field(description="Orders given to another technician.")
    newly_assigned: list[AssignmentOut] = Field(description="Orders served now and not before.")
    newly_unassigned: list[DroppedOut] = Field(
        description="Orders unassigned now and not before, with reasons."
    )
    eta_changes: list[EtaChangeOut] = Field(
        description="Start-time changes beyond eta_threshold_min."
    )


class ReoptimizeOut(BaseModel):
    """The new plan of the day and what changed."""

    plan: PlanOut = Field(
        description="Fixed work (finished, in progress, being driven to), then the re-planned "
        "routes; new orders included. `violations` checks the re-planned part where each "
        "technician really is at `now` (the residual view); the fixed part is history."
    )
    diff: ReplanDiffOut = Field(description="The changes from the current plan to the new one.")


# --- what-if -----------------------------------------------------------------------


class PatchOperationIn(_In):
    """One RFC 6902 JSON Patch operation on the problem document."""

    op: Literal["add", "remove", "replace", "move", "copy", "test"] = Field(
        description="The JSON Patch operation."
    )
    path: str = Field(description="JSON Pointer, e.g. `/technicians/-` or `/work_orders/3`.")
    from_: str | None = Field(
        default=None, alias="from", description="Source JSON Pointer, for move and copy."
    )
    value: Any = Field(default=None, description="The value, for add, replace and test.")


class RemoveTechnicianIn(_In):
    """Remove a technician with its pins, preferences, exclusions and dispatches.

    Orders pinned or dispatched to it are no longer pinned or dispatched; each
    reference removed is reported as a `references_removed` warning of the row.
    """

    op: Literal["remove_technician"] = Field(description="The operation.")
    technician_id: Id = Field(description="The technician to remove.")


class AddTechnicianIn(_In):
    """Add a copy of an existing technician under a new id, with optional changes."""

    op: Literal["add_technician"] = Field(description="The operation.")
    copy_of: Id = Field(description="The technician to copy (skills, shifts, start, stock...).")
    id: Id = Field(description="The new technician's id; must not exist yet.")
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="Technician fields that replace the copied ones, e.g. "
        '`{"start": {"lat": 45.76, "lon": 4.83}}`; any field of a technician but `id`.',
    )


class ChangeShiftIn(_In):
    """Change the start, end or breaks of one shift of a technician."""

    op: Literal["change_shift"] = Field(description="The operation.")
    technician_id: Id = Field(description="Whose shift.")
    shift_index: int = Field(
        default=0, ge=0, le=1_000_000, description="Which shift (0-based, in the listed order)."
    )
    start: IsoDatetime | None = Field(default=None, description="New start; null keeps it.")
    end: IsoDatetime | None = Field(default=None, description="New end; null keeps it.")
    breaks: list[BreakDoc] | None = Field(
        default=None, description="New breaks (replacing all of them); null keeps them."
    )


class SetOvertimeIn(_In):
    """Allow overtime in a technician's shifts (all of them, or one), at a price per minute."""

    op: Literal["set_overtime"] = Field(description="The operation.")
    technician_id: Id = Field(description="Whose shifts.")
    shift_index: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Which shift (0-based); null: every shift."
    )
    max_overtime_min: float = Field(
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        description="Minutes a route may end past its shift's end (0: no overtime).",
    )
    overtime_per_minute: float | None = Field(
        default=None,
        ge=0,
        le=1e9,
        allow_inf_nan=False,
        description="Points per minute of overtime; null keeps the shift's price "
        "(weights.overtime_per_minute when it has none).",
    )


class SetWeightsIn(_In):
    """Change objective weights; the fields given replace the problem's, the rest stay."""

    op: Literal["set_weights"] = Field(description="The operation.")
    weights: WeightsDoc = Field(
        description='Weights to change, e.g. `{"unassigned_by_priority": {"P4": 0}}`; '
        "per-priority tables are merged priority by priority."
    )


class AddOrdersIn(_In):
    """Add work orders (new ids) to the problem."""

    op: Literal["add_orders"] = Field(description="The operation.")
    work_orders: list[WorkOrderDoc] = Field(
        min_length=1, max_length=10_000, description="The work orders to add."
    )


class CloseDepotIn(_In):
    """Close a depot for the whole horizon: no route loads there any more."""

    op: Literal["close_depot"] = Field(description="The operation.")
    depot_id: Id = Field(description="The depot to close.")


OperationIn = Annotated[
    RemoveTechnicianIn
    | AddTechnicianIn
    | ChangeShiftIn
    | SetOvertimeIn
    | SetWeightsIn
    | AddOrdersIn
    | CloseDepotIn,
    Field(discriminator="op"),
]
"""One named what-if operation, told apart by ``op``."""


class VariantIn(_In):
    """A named change of the base problem: named operations, then JSON Patch operations."""

    name: str = Field(min_length=1, max_length=100, description="Row name; unique, not `base`.")
    operations: list[OperationIn] = Field(
        default_factory=list,
        max_length=1_000,
        description="Applied in order to the base document, before `patch`: "
        "`remove_technician`, `add_technician`, `change_shift`, `set_overtime`, `set_weights`, "
        "`add_orders`, `close_depot`.",
    )
    patch: list[PatchOperationIn] = Field(
        default_factory=list,
        max_length=1_000,
        description="RFC 6902 JSON Patch operations applied after `operations`, for any "
        "other change (SLA deadlines, windows, a travel model...).",
    )


class WhatIfRequest(_In):
    """Compare variants of a problem: each is solved, KPIs are compared with the base's."""

    base: ProblemIn = Field(description="The reference problem document.")
    variants: list[VariantIn] = Field(
        min_length=1, max_length=MAX_VARIANTS, description="The variants to compare (1-20)."
    )
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Budget per solve (base and each variant). Default: "
        "DISPATCH_DEFAULT_TIME_LIMIT_S; lowered to DISPATCH_MAX_TIME_LIMIT_S (a "
        "`time_limit_capped` warning says so).",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="Seed of every solve.")
    include_plans: bool = Field(
        default=False, description="Return each row's plan beside its KPIs (`rows[].plan`)."
    )


class KpisOut(BaseModel):
    """The KPIs compared (optimizer.compute_kpis)."""

    assigned_pct: float = Field(description="Share of orders served, in %.")
    sla_met_pct: float = Field(description="Share of orders with a deadline that meet it, in %.")
    sla_met_pct_by_priority: dict[str, float] = Field(
        description="SLA met %, by priority (P1..P4) of the orders with deadlines."
    )
    travel_s_total: int = Field(description="Driving seconds, all routes.")
    distance_m_total: int = Field(description="Driving metres, all routes.")
    workload_cv: float = Field(description="Coefficient of variation of the technicians' work.")
    objective: float = Field(description="Points (optimizer.plan_cost), the variant's weights.")
    unassigned: int = Field(description="Orders left out.")


class KpiDeltasOut(BaseModel):
    """Variant minus base, per KPI; null where one side has no value (a priority absent)."""

    assigned_pct: float = Field(description="Change of assigned_pct, percentage points.")
    sla_met_pct: float = Field(description="Change of sla_met_pct, percentage points.")
    sla_met_pct_by_priority: dict[str, float | None] = Field(
        description="Change by priority; null where one side has no such order."
    )
    travel_s_total: int = Field(description="Change of driving seconds.")
    distance_m_total: int = Field(description="Change of driving metres.")
    workload_cv: float = Field(description="Change of the workload coefficient of variation.")
    objective: float = Field(description="Change of the objective, in points.")
    unassigned: int = Field(description="Change of the number of orders left out.")


class WhatIfRowOut(BaseModel):
    """One solved problem: the base (first row) or a variant."""

    name: str = Field(description="`base`, or the variant's name.")
    status: str = Field(description="Solver status, as in a plan's stats.")
    kpis: KpisOut = Field(description="The compared KPIs of this row's plan.")
    deltas: KpiDeltasOut = Field(description="This row's KPIs minus the base's.")
    violations: int = Field(ge=0, description="Rules the plan breaks (check_plan); always 0.")
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="What the operations changed beyond what they name (references to a "
        "removed technician) and suspicious input of this row's problem (unknown skills).",
    )
    plan: PlanOut | None = Field(
        default=None, description="The row's plan when the request sets `include_plans`, else null."
    )


class WhatIfOut(BaseModel):
    """One KPI row per problem, the base first."""

    rows: list[WhatIfRowOut] = Field(description="The base first, then the variants in order.")
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="About the request as a whole, e.g. `time_limit_capped`.",
    )
