"""Schemas of booking recommendations (``POST /v1/recommendations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import PlanIn, ProblemIn
from api.schemas.plans import MAX_TIME_LIMIT_S, drop_output_fields
from optimizer import SlaStatus, UnassignedReason
from optimizer.document import WorkOrderDoc

MAX_TOP_K = 50
"""Most recommendations one request may ask for."""


class RecommendationRequest(BaseModel):
    """Where and when could a new order be booked into a plan?"""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The day's problem, without the new order.")
    plan: PlanIn = Field(
        description="A valid plan of the problem (a `PlanOut` may be sent back as is)."
    )
    work_order: WorkOrderDoc = Field(
        description="The new order, in the problem document's work-order shape; its `windows` "
        "are the candidate windows (none: any time its other rules allow)."
    )
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K, description="Most recommendations to return.")
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Seconds for the search that moves one order to make room (default 0.15; "
        "lowered to DISPATCH_MAX_TIME_LIMIT_S). Every single insertion is priced regardless.",
    )

    @model_validator(mode="before")
    @classmethod
    def _ignore_output_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "plan" in data:
            return {**data, "plan": drop_output_fields(data["plan"])}
        return data


class BookingMoveOut(BaseModel):
    """An order of the plan given to another technician-shift to make room."""

    model_config = ConfigDict(extra="forbid")

    work_order_id: str = Field(description="The order moved.")
    from_technician_id: str = Field(description="The technician it was planned with.")
    from_shift_index: int = Field(description="That technician's shift (0-based).")
    to_technician_id: str = Field(description="The technician it is given to.")
    to_shift_index: int = Field(description="That technician's shift (0-based).")


class RecommendationOut(BaseModel):
    """A slot for the new order; the plan with it booked passed the validator."""

    model_config = ConfigDict(extra="forbid")

    technician_id: str = Field(description="Who would serve the new order.")
    shift_index: int = Field(description="In which of their shifts (0-based).")
    window_index: int | None = Field(
        description="The candidate window service starts in; null when the order has none."
    )
    arrival: datetime = Field(description="Arrival at the new order's location.")
    start: datetime = Field(description="Service start.")
    end: datetime = Field(description="Service end.")
    objective_delta: float = Field(
        description="Objective of the plan with the order booked minus the given plan's (points)."
    )
    sla_status: SlaStatus = Field(description="The new order's SLA traffic light.")
    moves: list[BookingMoveOut] = Field(
        description="Orders moved to another technician to make room (none for an insertion)."
    )


class RecommendationsOut(BaseModel):
    """The recommendations, best first; when there is none, the reason."""

    model_config = ConfigDict(extra="forbid")

    recommendations: list[RecommendationOut] = Field(
        description="Best first (lowest objective_delta); at most top_k, one per "
        "technician-shift and window."
    )
    reason: UnassignedReason | None = Field(
        description="Why there is no recommendation (an unassigned reason code); null otherwise."
    )
    detail: str = Field(description="One sentence with the reason; empty otherwise.")
