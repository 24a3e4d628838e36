"""Schemas of the synchronous plan resource: ``POST /v1/plans``, ``/evaluate`` and ``/explain``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import PlanIn, ProblemIn, WarningOut
from optimizer import ViolationCode

MAX_SEED = 2**31 - 1
"""Largest accepted search seed: a signed 32-bit integer, stored alike by SQLite and PostgreSQL."""

MAX_TIME_LIMIT_S = 1_000_000.0
"""Largest ``time_limit_s`` a request may give (the server caps it lower anyway)."""

OUTPUT_ONLY_PLAN_FIELDS = ("violations", "warnings", "analysis")
"""Fields of :class:`PlanOut` the server computes; ignored when a plan is sent back as input."""


def drop_output_fields(plan: Any) -> Any:
    """Return ``plan`` (raw JSON) without the output-only fields of a ``PlanOut``."""
    if isinstance(plan, dict) and any(k in plan for k in OUTPUT_ONLY_PLAN_FIELDS):
        return {k: v for k, v in plan.items() if k not in OUTPUT_ONLY_PLAN_FIELDS}
    return plan


class PlanRequest(BaseModel):
    """Solve a problem now and wait for the plan (dispatch consoles, small days)."""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The problem document to solve.")
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Search budget in seconds, model building included. Default: the "
        "server's DISPATCH_DEFAULT_TIME_LIMIT_S (5); larger values are lowered to "
        "DISPATCH_MAX_TIME_LIMIT_S (30). Longer solves belong in POST /v1/jobs.",
    )
    seed: int = Field(
        default=0,
        ge=0,
        le=MAX_SEED,
        description="Seed of the randomised parts of the search; same seed, same problem "
        "and an unbinding time limit give the same plan.",
    )
    analysis: bool = Field(
        default=False,
        description="Add the score analysis (`analysis`): the objective per order and per "
        "technician, with a sentence each.",
    )


class ScoreEntryOut(BaseModel):
    """Points of one objective term for one order or one technician-shift."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(
        description="travel, lateness, unassigned, non_preferred, reassignment, "
        "workload_balance or labor."
    )
    points: float = Field(description="Points, to the thousandth.")
    sentence: str = Field(description="How they add up, e.g. `25 min × 50 × 2 (VIP) = 2,500`.")
    work_order_id: str | None = Field(default=None, description="The order (order terms).")
    technician_id: str | None = Field(
        default=None,
        description="The technician (technician terms; for order terms, the one serving it).",
    )
    shift_index: int | None = Field(default=None, description="The shift (technician terms).")


class ScoreAnalysisOut(BaseModel):
    """The objective of a plan entry by entry; every breakdown adds up to `total` exactly."""

    model_config = ConfigDict(extra="forbid")

    total: float = Field(description="The objective in points, as `kpis.objective`.")
    terms: dict[str, float] = Field(description="Sum of the entries per term.")
    by_order: dict[str, float] = Field(description="Sum of the order entries per order.")
    by_technician: dict[str, float] = Field(
        description="Sum of the technician entries per technician (all shifts)."
    )
    entries: list[ScoreEntryOut] = Field(description="Every non-zero entry, largest first.")


class ViolationOut(BaseModel):
    """One rule a plan breaks, found by the independent validator."""

    model_config = ConfigDict(extra="forbid")

    code: ViolationCode = Field(description="The rule broken (stable value).")
    message: str = Field(description="One sentence naming the entity, its id, the rule and value.")
    work_order_id: str | None = Field(default=None, description="The work order concerned.")
    technician_id: str | None = Field(default=None, description="The technician concerned.")


class PlanOut(PlanIn):
    """A plan: routes with timed stops, unassigned orders with reasons, KPIs, solve
    statistics, the independent validator's violations (empty for a valid plan),
    warnings about the input and, when asked for, the score analysis.

    `violations`, `warnings` and `analysis` are computed by the server and ignored when
    a plan is sent back, so a `PlanOut` may be posted as is wherever a plan is expected.
    """

    model_config = ConfigDict(extra="forbid")

    schema_: str | None = Field(default=None, alias="$schema", exclude=True)
    violations: list[ViolationOut] = Field(
        description="Rules the plan breaks according to optimizer.check_plan; empty when valid."
    )
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="Suspicious input (`unknown_skill`: a skill no technician has, with a "
        "suggestion) and `time_limit_capped`. The plan was made all the same.",
    )
    analysis: ScoreAnalysisOut | None = Field(
        default=None,
        description="The score analysis, when asked for (`analysis: true`); ignored on input.",
    )


class EvaluateRequest(BaseModel):
    """Check and score a plan (hand-edited, from another tool, or an earlier answer)."""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The problem the plan answers.")
    plan: PlanIn = Field(
        description="A plan document; a `PlanOut` may be sent as is: its output-only fields "
        "(`violations`, `warnings`, `analysis`, `kpis`, `stats`, route totals, ...) are ignored."
    )
    retime: bool = Field(
        default=False,
        description="Keep each route's technician, shift and order of stops and compute "
        "everything else again (times, legs, breaks, SLA lights, route totals, KPIs) before "
        "judging: for sequences edited by hand, such as an order dragged to another "
        "technician. Sequences the solver would accept get the solver's times; the others "
        "are timed as early as they can go, so that `violations` names what they break. "
        "The times given in the stops are ignored, and the answer's `plan` is the re-timed "
        "plan.",
    )

    @model_validator(mode="before")
    @classmethod
    def _ignore_output_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "plan" in data:
            return {**data, "plan": drop_output_fields(data["plan"])}
        return data


class ExplainRequest(BaseModel):
    """Explain a plan: the smallest single changes that would serve each order it leaves out."""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The problem the plan answers.")
    plan: PlanIn = Field(
        description="A valid plan of the problem (a `PlanOut` may be sent back as is)."
    )
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Seconds to search for fixes, most valuable orders first; orders not "
        "reached in time have no `fixes`. Default: DISPATCH_DEFAULT_TIME_LIMIT_S; lowered to "
        "DISPATCH_MAX_TIME_LIMIT_S.",
    )

    @model_validator(mode="before")
    @classmethod
    def _ignore_output_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "plan" in data:
            return {**data, "plan": drop_output_fields(data["plan"])}
        return data


class EvaluateOut(BaseModel):
    """The verdict on a plan: validity, violations, KPIs, the objective by term and in detail."""

    model_config = ConfigDict(extra="forbid")

    is_valid: bool = Field(description="True when the plan breaks no rule.")
    violations: list[ViolationOut] = Field(
        description="Every rule the plan breaks; empty when valid."
    )
    kpis: dict[str, Any] | None = Field(
        description="Recomputed KPIs (optimizer.compute_kpis); null when the plan names a "
        "work order or technician the problem does not have."
    )
    objective: dict[str, float] | None = Field(
        description="Objective in points by term (travel, lateness, unassigned, non_preferred, "
        "reassignment, workload_balance, labor) and their total; null like kpis."
    )
    analysis: ScoreAnalysisOut | None = Field(
        description="The score analysis: the objective per order and per technician, with a "
        "sentence each; null like kpis."
    )
    plan: PlanOut | None = Field(
        default=None,
        description="With `retime`: the re-timed plan that was judged (its `violations` are "
        "those above). Null without `retime`.",
    )
