"""Schema of the health route."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HealthOut(BaseModel):
    """Whether the service can take work."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "unavailable"] = Field(
        description="ok: serving; unavailable: the job store cannot be reached (HTTP 503)."
    )
    database: Literal["ok", "unreachable", "not_checked"] = Field(
        description="The job store: ok, unreachable, or not_checked when the job service "
        "offers no check."
    )
