"""Asynchronous jobs: durable background solves for batch runs (``/v1/jobs``).

Every endpoint is a plain ``def`` (run in the threadpool); solving happens
in worker processes, never in the server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from api.deps import JobServiceDep, SettingsDep
from api.jobs.service import JobNotCancellable, JobNotFound, QueueFull
from api.jobs.store import JobStatus
from api.mapping import analysis_to_out, plan_from_in, prefix_error, problem_warnings, to_domain
from api.schemas.common import ErrorOut, WarningOut
from api.schemas.jobs import JobIn, JobOut, JobsOut
from api.schemas.plans import PlanOut
from api.time_limits import below_minimum_warning, capped_warning
from optimizer import InputError

router = APIRouter(
    prefix="/v1/jobs",
    tags=["jobs"],
    responses={404: {"model": ErrorOut, "description": "No job has this id."}},
)


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """Turn the job service's exceptions into HTTP errors (see ``api.errors``)."""
    try:
        yield
    except JobNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except QueueFull as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(exc),
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None
    except JobNotCancellable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except InputError as exc:
        raise prefix_error(exc, "problem") from None


#: Largest page offset: fits a signed 32-bit integer in every database.
MAX_OFFSET = 2**31 - 1


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={
        422: {"model": ErrorOut, "description": "Invalid problem; nothing was queued."},
        429: {
            "model": ErrorOut,
            "description": "The queue is full (code `queue_full`); retry after `Retry-After` s.",
        },
    },
)
def submit_job(
    body: JobIn, service: JobServiceDep, settings: SettingsDep, response: Response
) -> JobOut:
    """Queue a problem to solve in the background.

    The problem is validated first (422 with every issue, nothing queued).
    The answer, 202 with the job id, comes only once the job is committed
    to the database: an accepted job survives a server crash. Poll
    `GET /v1/jobs/{id}`, then fetch `GET /v1/jobs/{id}/plan`. When
    `job_queue_size` jobs are already queued or running: 429 with
    `Retry-After` (seconds until the first running job reaches its limit).
    """
    problem: dict[str, Any] = body.problem.model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    with _as_http_errors():
        job = service.submit(problem, time_limit_s=body.time_limit_s, seed=body.seed)
    response.headers["Location"] = f"{router.prefix}/{job.id}"
    warnings = capped_warning(body.time_limit_s, settings, is_job=True)
    domain = to_domain(problem)
    # A job worker is a daemon process: on the local executor its parts run one by one.
    processes = settings.search_processes if settings.executor == "ray" else 1
    warnings += below_minimum_warning(job.time_limit_s, domain, processes)
    warnings += problem_warnings(domain)
    return JobOut.of(job).model_copy(update={"warnings": [WarningOut(**w) for w in warnings]})


@router.get("", response_model=JobsOut)
def list_jobs(
    service: JobServiceDep,
    status_: Annotated[
        JobStatus | None, Query(alias="status", description="Only jobs in this status.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Jobs to skip.")] = 0,
) -> JobsOut:
    """List jobs, newest first, optionally only those in one status; `count` is the total."""
    jobs, total = service.list_jobs(status_, limit, offset)
    return JobsOut(data=[JobOut.of(j) for j in jobs], count=total, limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: str, service: JobServiceDep) -> JobOut:
    """Where a job stands: status, progress (elapsed, best objective, assigned so far), error."""
    with _as_http_errors():
        return JobOut.of(service.get(job_id))


@router.get(
    "/{job_id}/plan",
    response_class=Response,
    responses={
        200: {"model": PlanOut, "description": "The plan, as `POST /v1/plans` answers it."},
        404: {
            "model": ErrorOut,
            "description": "No such job, or no plan yet (the message gives the status).",
        },
    },
)
def get_job_plan(
    job_id: str,
    service: JobServiceDep,
    analysis: Annotated[
        bool,
        Query(description="Add the score analysis: the objective per order and per technician."),
    ] = False,
) -> Response:
    """The plan of a succeeded job, or the best plan found before a job was cancelled.

    404 (code `not_found`) while the job has no plan: queued, running,
    failed, or cancelled before its first solution. With `?analysis=true`
    the plan also holds its score analysis (`analysis`), computed from the
    stored problem and plan when asked.
    """
    with _as_http_errors():
        job, plan_json = service.plan_json(job_id)
    if plan_json is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"Job {job.id} has no plan: it is {job.status.value}."
        )
    if not analysis:
        return Response(content=plan_json, media_type="application/json")
    with _as_http_errors():
        problem_json = service.problem_json(job_id)
    problem = to_domain(json.loads(problem_json))  # validated when the job was submitted
    document = json.loads(plan_json)
    document["analysis"] = analysis_to_out(problem, plan_from_in(problem, document))
    return Response(content=json.dumps(document), media_type="application/json")


@router.delete(
    "/{job_id}",
    response_model=JobOut,
    responses={
        202: {"model": JobOut, "description": "Running: its worker was asked to stop."},
        409: {"model": ErrorOut, "description": "The job has already succeeded or failed."},
    },
)
def cancel_job(job_id: str, service: JobServiceDep, response: Response) -> JobOut:
    """Cancel a job.

    A queued job is cancelled at once (200). A running solve is asked to
    stop (202): within about a second it ends `cancelled` and keeps the
    best plan found so far at `GET /v1/jobs/{id}/plan`. Cancelling a
    cancelled job again is a no-op (200); a succeeded or failed one is a
    409.
    """
    with _as_http_errors():
        job = service.cancel(job_id)
    if job.status is JobStatus.RUNNING:
        response.status_code = status.HTTP_202_ACCEPTED
    return JobOut.of(job)
