"""Schemas of the asynchronous jobs (``/v1/jobs``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.jobs.store import FailureCode, Job, JobStatus
from api.schemas.common import ProblemIn, WarningOut
from api.schemas.plans import MAX_SEED, MAX_TIME_LIMIT_S


class JobIn(BaseModel):
    """A problem to solve in the background."""

    model_config = ConfigDict(extra="forbid")

    problem: ProblemIn = Field(description="The problem document to solve.")
    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        allow_inf_nan=False,
        description="Solve budget in seconds (default: the server's default_time_limit_s); "
        "capped at the server's max_job_time_limit_s.",
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="Search seed.")


class ProgressOut(BaseModel):
    """The best plan found so far."""

    model_config = ConfigDict(extra="forbid")

    elapsed_s: float = Field(description="Seconds the solve had run at the last update.")
    objective: float = Field(description="Its objective value (lower is better).")
    assigned: int = Field(description="Work orders it assigns.")


class JobOut(BaseModel):
    """A job and where it stands."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Job id (32 hex digits).")
    status: JobStatus = Field(
        description="queued, running, succeeded, failed or cancelled. A cancelled job "
        "keeps the best plan found before it stopped (has_plan)."
    )
    created_at: datetime = Field(description="When the job was accepted (UTC).")
    started_at: datetime | None = Field(description="When its current run started (UTC).")
    finished_at: datetime | None = Field(description="When it ended (UTC).")
    time_limit_s: float = Field(description="Solve budget in seconds, after capping.")
    seed: int = Field(description="Search seed.")
    attempt: int = Field(
        description="How many times it was started: more than 1 after a server restart or "
        "a worker crash (at most DISPATCH_JOB_MAX_ATTEMPTS crashes are retried)."
    )
    cancel_requested: bool = Field(description="Whether a cancel was asked for.")
    has_plan: bool = Field(description="Whether GET /v1/jobs/{id}/plan has a plan.")
    progress: ProgressOut | None = Field(
        description="The best plan so far (the final one once ended); null before the first."
    )
    error: str | None = Field(description="Why a failed job failed, in one sentence.")
    error_code: FailureCode | None = Field(
        default=None,
        description="Why a failed job failed: input_error, solver_error, resource_exhausted "
        "(its worker's memory limit), worker_crashed (its worker died on every attempt) or "
        "internal_error.",
    )
    warnings: list[WarningOut] = Field(
        default_factory=list,
        description="In the answer to POST /v1/jobs only: `time_limit_capped` when the "
        "server lowered `time_limit_s`, `unknown_skill` for skills no technician has.",
    )

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """The response for ``job``."""
        progress = None
        if job.progress_elapsed_s is not None:
            progress = ProgressOut(
                elapsed_s=job.progress_elapsed_s,
                objective=job.progress_objective or 0.0,
                assigned=job.progress_assigned or 0,
            )
        return cls(
            id=job.id,
            status=job.status,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            time_limit_s=job.time_limit_s,
            seed=job.seed,
            attempt=job.attempt,
            cancel_requested=job.cancel_requested,
            has_plan=job.has_plan,
            progress=progress,
            error=job.error,
            error_code=FailureCode(job.error_code) if job.error_code else None,
        )


class JobsOut(BaseModel):
    """A page of jobs, newest first."""

    model_config = ConfigDict(extra="forbid")

    data: list[JobOut] = Field(description="The jobs of this page.")
    count: int = Field(description="Jobs matching the filter, all pages together.")
    limit: int = Field(description="Page size asked for.")
    offset: int = Field(description="Jobs skipped before this page.")
