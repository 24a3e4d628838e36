"""GET /healthz and GET /metrics."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import REGISTRY


class _FakeJobs:
    """A job service double: ``ping`` and ``counts`` as configured."""

    def __init__(self, ping: Any = True, counts: dict[str, int] | None = None) -> None:
        self._ping = ping
        self._counts = counts or {}

    def ping(self) -> bool:
        if isinstance(self._ping, Exception):
            raise self._ping
        return bool(self._ping)

    def counts(self) -> dict[str, int]:
        return self._counts


def test_health_is_ok_with_a_reachable_store(client: TestClient):
    """A fresh app on SQLite answers 200 with status ok and database ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "ping", [False, RuntimeError("connection refused")], ids=["false", "raises"]
)
def test_health_is_503_when_the_store_does_not_answer(client: TestClient, ping):
    """A failing or raising ping makes the health route answer 503, unavailable."""
    client.app.state.jobs = _FakeJobs(ping=ping)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "detail": "The job store does not answer.",
    }


def test_health_without_a_ping_is_not_checked(client: TestClient):
    """A job service with no ping method is reported as not_checked, status ok."""
    client.app.state.jobs = object()
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "not_checked"},
    )


def test_metrics_is_prometheus_text(client: TestClient):
    """GET /metrics answers the Prometheus text format with the service's metric families."""
    client.get("/v1/scenarios")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "dispatch_http_requests",
        "dispatch_http_request_duration_seconds",
        "dispatch_solves",
        "dispatch_job_queue_depth",
        "dispatch_jobs",
    } <= names


def test_metrics_label_requests_by_route_template(client: TestClient):
    """A request to /v1/scenarios/lyon-small is counted under /v1/scenarios/{name}."""
    labels = {"route": "/v1/scenarios/{name}", "method": "GET", "status": "200"}
    before = REGISTRY.get_sample_value("dispatch_http_requests_total", labels) or 0.0
    client.get("/v1/scenarios/lyon-small")
    assert REGISTRY.get_sample_value("dispatch_http_requests_total", labels) == before + 1


def test_unmatched_requests_share_one_label(client: TestClient):
    """A 404 for an unknown path is counted under route="unmatched", not its path."""
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    before = REGISTRY.get_sample_value("dispatch_http_requests_total", labels) or 0.0
    client.get("/no/such/path/123")
    assert REGISTRY.get_sample_value("dispatch_http_requests_total", labels) == before + 1


def test_metrics_read_job_gauges_from_the_store(client: TestClient):
    """Scraping sets dispatch_jobs by status and the queue depth from counts()."""
    client.app.state.jobs = _FakeJobs(counts={"queued": 3, "running": 1, "succeeded": 7})
    text = client.get("/metrics").text
    assert 'dispatch_jobs{status="queued"} 3.0' in text
    assert 'dispatch_jobs{status="succeeded"} 7.0' in text
    assert "dispatch_job_queue_depth 3.0" in text
    client.app.state.jobs = _FakeJobs(counts={"running": 2})
    text = client.get("/metrics").text
    assert 'dispatch_jobs{status="queued"} 0.0' in text  # statuses gone from counts() drop to 0
    assert "dispatch_job_queue_depth 0.0" in text
