"""Operations: health (``GET /healthz``) and Prometheus metrics (``GET /metrics``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import JobServiceDep
from api.metrics import JOBS, QUEUE_DEPTH, REGISTRY
from api.schemas.health import HealthOut

log = logging.getLogger("api")

router = APIRouter(tags=["operations"])


def _database_state(service: Any) -> tuple[str, str | None]:
    """``(state, detail)``: ``ok``, ``unreachable``, ``unwritable`` or ``not_checked``."""
    ping = getattr(service, "ping", None)
    if not callable(ping):
        return "not_checked", None
    try:
        if not ping():
            return "unreachable", "The job store does not answer."
    except Exception:
        log.exception("job store ping failed")
        return "unreachable", "The job store does not answer."
    check = getattr(service, "check_store", None)
    problem = check() if callable(check) else None
    return ("unwritable", problem) if problem else ("ok", None)


@router.get(
    "/healthz",
    response_model=HealthOut,
    response_model_exclude_none=True,
    responses={
        503: {
            "model": HealthOut,
            "description": "The job store cannot be reached or written, or no job worker can "
            "start; retry after `Retry-After` s.",
        }
    },
    summary="Health check",
)
def health(service: JobServiceDep, request: Request, response: Response) -> dict[str, str]:
    """Report whether the service can take work; never needs an API key.

    Answers 200 with `status` `ok`, or 503 with `status` `unavailable` when
    the job store does not answer (`database` `unreachable`) or cannot be
    written: each check writes one probe row, and a SQLite file deleted or
    replaced while the server runs is detected (`database` `unwritable`,
    `detail` says why), or when `DISPATCH_WORKER_START_FAILURES` job
    workers in a row could not start (`workers` `failing`). Every 503 has a
    `Retry-After`. Load balancers take the instance out.
    """
    database, detail = _database_state(service)
    body = {"status": "ok", "database": database}
    state = getattr(service, "workers_state", None)
    workers, cause, retry_after_s = state() if callable(state) else (None, None, 0)
    if workers == "failing":
        body["workers"] = workers
    if database in ("unreachable", "unwritable"):
        retry_after_s = request.app.state.settings.store_retry_after_s
    elif workers == "failing":
        detail = f"No job worker can start: {cause}"
    else:
        return body
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after_s)
    body["status"] = "unavailable"
    return body | ({"detail": detail} if detail else {})


def _refresh_job_gauges(service: Any) -> None:
    """Set the job gauges from the job store, when the job service can count."""
    counts_of = getattr(service, "counts", None)
    if not callable(counts_of):
        return
    try:
        counts = {str(status): int(n) for status, n in dict(counts_of()).items()}
    except Exception:
        log.exception("job counts unavailable; job gauges not refreshed")
        return
    seen = {s.labels["status"] for m in JOBS.collect() for s in m.samples if "status" in s.labels}
    for status in seen | counts.keys():
        JOBS.labels(status=status).set(counts.get(status, 0))
    QUEUE_DEPTH.set(counts.get("queued", 0))


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."}},
    summary="Prometheus metrics",
)
def metrics(service: JobServiceDep) -> Response:
    """Metrics in the Prometheus text format.

    Requests by route template, method and status; request latency; solves
    by kind and outcome and their duration; jobs by status and queue depth
    (read from the job store at scrape time).
    """
    _refresh_job_gauges(service)
    return Response(content=generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
