"""Schemas of the asynchronous jobs (``/v1/jobs``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.jobs.store import FailureCode, Job, JobStatus
from api.schemas.common import ProblemIn, WarningOut
from api.schemas.plans import MAX_SEED, MAX_TIME_LIMIT_S
from optimizer import Phase


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
    """Where the solve stands: its phase and the best plan found so far."""

    model_config = ConfigDict(extra="forbid")

    phase: Phase | None = Field(
        default=None,
        description="loading (reading the problem), matrices (travel times, eligibility), "
        "first_plan (the rules engine's plan and the other starts), improving (the search), "
        "partition (a large problem split into parts), parts (the parts of a round: `part` of "
        "`parts` done in `round`), finishing (writing the plan); null once the job ended. "
        "Written within a second of the job starting, then at least every second.",
    )
    part: int | None = Field(default=None, description="In `parts`: parts solved this round.")
    parts: int | None = Field(default=None, description="In `parts`: parts in this round.")
    round: int | None = Field(default=None, description="In `parts`: the round, from 1.")
    elapsed_s: float = Field(
        description="Seconds of solving at the last update, over every attempt of the job "
        "(a job resumed after a crash counts the time spent before)."
    )
    objective: float | None = Field(
        description="The best plan so far: its objective (lower is better); null before the "
        "first plan."
    )
    assigned: int | None = Field(
        description="Work orders the best plan so far assigns; null before the first plan."
    )


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
        description="Where the solve stands and its best plan so far (the final plan once "
        "ended); null while queued and never started."
    )
    error: str | None = Field(description="Why a failed job failed, in one sentence.")
    error_code: FailureCode | None = Field(
        default=None,
        description="Why a failed job failed: input_error, solver_error, resource_exhausted "
        "(its worker's resident-memory cap), worker_crashed (its worker died on every attempt), "
        "worker_start_failed (no job worker could start; `error` says why) or internal_error.",
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
                phase=Phase(job.progress_phase) if job.progress_phase else None,
                part=job.progress_part,
                parts=job.progress_parts,
                round=job.progress_round,
                elapsed_s=job.progress_elapsed_s,
                objective=job.progress_objective,
                assigned=job.progress_assigned,
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
