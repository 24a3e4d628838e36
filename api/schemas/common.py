"""Schemas shared by every resource: the problem and plan documents, the error body.

The wire format of a problem is exactly the problem document of the core
(:class:`optimizer.document.models.ProblemDoc`), so a file that
``dispatch solve`` reads can be posted as is; likewise a plan written by
``dispatch solve -o`` is a valid :data:`PlanIn`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from optimizer.document import PlanDoc, ProblemDoc

ProblemIn = ProblemDoc
"""A problem document (durations in minutes, ISO-8601 datetimes with an offset)."""

PlanIn = PlanDoc
"""A plan document, as written by ``POST /v1/plans`` or ``dispatch solve -o``."""


class IssueOut(BaseModel):
    """One problem found in the request."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        description="Path of the offending field, e.g. `problem.work_orders[3].service_min`; "
        "`$` is the whole body."
    )
    message: str = Field(description="One sentence naming the entity, the rule and the value.")


class ErrorDetail(BaseModel):
    """What went wrong; `field` and `issues` are present for input errors."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        description="Stable machine-readable code: input_error, not_found, payload_too_large, "
        "queue_full, unauthorized, forbidden, method_not_allowed, solver_error, store_unavailable, "
        "internal_error."
    )
    message: str = Field(description="One human sentence (the first issue's, for input errors).")
    field: str | None = Field(default=None, description="The first issue's field.")
    issues: list[IssueOut] | None = Field(
        default=None, description="Every issue found, in document order."
    )


class ErrorOut(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail = Field(description="What went wrong.")


class WarningOut(BaseModel):
    """Something legal but worth a look: the request was served as it came."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        description="Stable machine-readable kind: `unknown_skill` (no technician has a "
        "required skill), `references_removed` (a what-if edit dropped references to a "
        "removed technician), `time_limit_capped` (the server lowered `time_limit_s`)."
    )
    field: str = Field(
        description="Path of the field concerned in the request body, e.g. "
        "`problem.work_orders[3].required_skills.hvack`."
    )
    message: str = Field(description="One sentence naming the entity, its id and the matter.")
