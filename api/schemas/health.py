"""Schema of the health route."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HealthOut(BaseModel):
    """Whether the service can take work."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "unavailable"] = Field(
        description="ok: serving; unavailable: the job store cannot be reached or written, "
        "or no job worker can start (HTTP 503 with `Retry-After`)."
    )
    database: Literal["ok", "unreachable", "unwritable", "not_checked"] = Field(
        description="The job store: ok; unreachable (does not answer); unwritable (answers "
        "but a write failed, or its SQLite file was deleted or replaced while serving); "
        "not_checked when the job service offers no check."
    )
    workers: Literal["failing"] | None = Field(
        default=None,
        description="`failing` when DISPATCH_WORKER_START_FAILURES job workers in a row could "
        "not start (queued jobs then fail with `worker_start_failed`, new jobs get 503 "
        "`workers_failing`); absent while they start.",
    )
    detail: str | None = Field(
        default=None, description="One sentence saying what is wrong, when not ok."
    )
