"""Prometheus metrics of the service (one process-wide registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "dispatch_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "dispatch_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["route"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
SOLVES = Counter(
    "dispatch_solves_total",
    "Solves by kind (plan, job, reoptimize, whatif) and outcome (solver status or error).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SOLVE_SECONDS = Histogram(
    "dispatch_solve_duration_seconds",
    "Wall time of solves by kind.",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "dispatch_job_queue_depth",
    "Jobs waiting for a worker.",
    registry=REGISTRY,
)
JOBS = Gauge(
    "dispatch_jobs",
    "Jobs in the store by status.",
    ["status"],
    registry=REGISTRY,
)


def record_solve(kind: str, outcome: str, wall_s: float) -> None:
    """Count one solve and its duration."""
    SOLVES.labels(kind=kind, outcome=outcome).inc()
    SOLVE_SECONDS.labels(kind=kind).observe(wall_s)
