"""Schemas of trade-off curves (``POST /v1/whatif/tradeoff``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ProblemIn, WarningOut
from api.schemas.plans import MAX_SEED, MAX_TIME_LIMIT_S
from api.schemas.whatif import KpisOut


class TradeoffRequest(BaseModel):
    """Sweep one weight over a log grid and compare the plans it gives."""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The base problem; its weights are the factor 1.")
    sweep: str = Field(
        description="The weight multiplied (per-priority weights as a whole): late_per_minute "
        "(late_per_minute_by_priority), travel_per_hour, unassigned (unassigned_by_priority), "
        "workload_balance_per_hour, non_preferred_technician, reassignment or labor_cost."
    )
    points: int = Field(default=6, ge=1, le=12, description="Factors on the grid.")
    low: float = Field(
        default=0.1, gt=0, le=1e6, allow_inf_nan=False, description="Smallest factor."
    )
    high: float = Field(
        default=10.0, gt=0, le=1e6, allow_inf_nan=False, description="Largest factor."
    )
    against: str | None = Field(
        default=None,
        description="The second axis: lateness_min, travel_h, unassigned, busiest_h, "
        "non_preferred, reassigned or labor; default travel_h (lateness_min when sweeping "
        "travel_per_hour).",
    )
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Budget per point. Default: DISPATCH_DEFAULT_TIME_LIMIT_S; lowered to "
        "DISPATCH_MAX_TIME_LIMIT_S.",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="Seed of every solve.")


class TradeoffPointOut(BaseModel):
    """One solved point of the sweep."""

    model_config = ConfigDict(extra="forbid")

    factor: float = Field(description="The multiple of the problem's weight.")
    value: float | dict[str, float] = Field(
        description="The swept weight at this point (per priority for per-priority weights)."
    )
    measures: dict[str, float] = Field(
        description="lateness_min, travel_h, unassigned, busiest_h, non_preferred, reassigned, "
        "labor of the plan."
    )
    kpis: KpisOut = Field(description="As a what-if row; objective under this point's weights.")
    violations: int = Field(ge=0, description="Rules the plan breaks (check_plan); always 0.")


class TradeoffOut(BaseModel):
    """The non-dominated points (by factor), and the dominated ones."""

    model_config = ConfigDict(extra="forbid")

    sweep: str = Field(description="The weight swept, as in the request.")
    measure: str = Field(description="The measure the swept weight prices (first axis).")
    against: str = Field(description="The measure it is traded against (second axis).")
    points: list[TradeoffPointOut] = Field(
        description="No other point is as good on both axes and better on one."
    )
    dominated: list[TradeoffPointOut] = Field(
        description="The other points: another point is as good on both axes and better on one."
    )
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="Suspicious input of the problem (`unknown_skill`) and `time_limit_capped`.",
    )
