"""Middleware: body size limit, API keys and scopes, CORS, metrics labels, no tracebacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.metrics import REGISTRY
from tests.api.helpers import assert_valid_plan, error_of

READ, WRITE = "read-key-1", "write-key-1"


# --- body size --------------------------------------------------------------------------


def test_declared_body_over_the_limit_is_a_413(make_client):
    """A Content-Length above max_body_bytes is refused before the body is read."""
    client = make_client(max_body_bytes=1000)
    response = client.post(
        "/v1/plans", content=b" " * 1001, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": "Request body of 1001 bytes is larger than the limit of 1000 bytes.",
    }


def test_streamed_body_over_the_limit_is_a_413(make_client):
    """A chunked body without Content-Length is counted as it arrives and refused past the limit."""
    client = make_client(max_body_bytes=1000)

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b" " * 300

    response = client.post(
        "/v1/plans", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": "Request body is larger than the limit of 1000 bytes.",
    }


def test_streamed_body_under_the_limit_reaches_the_route(make_client):
    """A chunked body within the limit is passed on whole (the route sees the full JSON)."""
    client = make_client(max_body_bytes=1000)
    parts = [b'{"problem": {"technicians": [], ', b'"work_orders": []}, "seed": -1}']
    response = client.post(
        "/v1/plans", content=iter(parts), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "seed"


# --- API keys ----------------------------------------------------------------------------


@pytest.fixture
def secured(make_client) -> TestClient:
    """An app with one read key and one write key."""
    return make_client(read_api_keys=[READ], write_api_keys=[WRITE])


def test_no_key_is_needed_by_default(client: TestClient):
    """Without configured keys every route is open."""
    assert client.get("/v1/scenarios").status_code == 200


def test_missing_key_is_a_401(secured: TestClient):
    """With keys configured, a request without X-API-Key is refused."""
    response = secured.get("/v1/scenarios")
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthorized",
        "message": "Missing API key: send it in the X-API-Key header.",
    }


def test_unknown_key_is_a_401(secured: TestClient):
    """A key that is neither a read nor a write key is refused."""
    response = secured.get("/v1/scenarios", headers={"X-API-Key": "guess"})
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthorized",
        "message": "Invalid API key in the X-API-Key header.",
    }


def test_read_key_reads_but_cannot_write(secured: TestClient):
    """A read key may GET but a POST with it is a 403 forbidden."""
    headers = {"X-API-Key": READ}
    assert secured.get("/v1/scenarios", headers=headers).status_code == 200
    response = secured.post("/v1/plans", json={}, headers=headers)
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "This API key may only read: POST /v1/plans needs a write key.",
    }


def test_write_key_reads_and_writes(secured: TestClient):
    """A write key may GET and POST (the POST gets past auth to input validation)."""
    headers = {"X-API-Key": WRITE}
    assert secured.get("/v1/scenarios/lyon-small", headers=headers).status_code == 200
    response = secured.post("/v1/plans", json={}, headers=headers)
    assert (response.status_code, error_of(response)["code"]) == (422, "input_error")


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json", "/docs", "/redoc"])
def test_health_and_docs_stay_open(secured: TestClient, path: str):
    """The health route and the API documentation need no key."""
    assert secured.get(path).status_code == 200


def test_openapi_declares_the_key_scheme(secured: TestClient):
    """With keys, the schema has the ApiKey scheme on guarded operations and 401/403 bodies."""
    schema = secured.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    plans = schema["paths"]["/v1/plans"]["post"]
    assert plans["security"] == [{"ApiKey": []}]
    assert {"401", "403", "413", "422"} <= set(plans["responses"])
    assert "security" not in schema["paths"]["/healthz"]["get"]


def test_refused_requests_are_counted_under_their_route(secured: TestClient):
    """A 401 is counted in the request metrics with the route template it aimed at."""
    labels = {"route": "/v1/scenarios/{name}", "method": "GET", "status": "401"}
    before = REGISTRY.get_sample_value("dispatch_http_requests_total", labels) or 0.0
    secured.get("/v1/scenarios/lyon-small")
    assert REGISTRY.get_sample_value("dispatch_http_requests_total", labels) == before + 1


# --- CORS ---------------------------------------------------------------------------------


def test_no_cors_header_by_default(client: TestClient):
    """Without configured origins, no Access-Control-Allow-Origin header is sent."""
    response = client.get("/v1/scenarios", headers={"Origin": "https://console.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_header_for_a_configured_origin(make_client):
    """A configured origin is echoed back in Access-Control-Allow-Origin."""
    client = make_client(cors_origins=["https://console.example"])
    response = client.get("/v1/scenarios", headers={"Origin": "https://console.example"})
    assert response.headers["access-control-allow-origin"] == "https://console.example"


# --- errors -------------------------------------------------------------------------------


def test_an_unexpected_error_never_leaks_a_traceback(make_client):
    """An exception in a route is a 500 internal_error with a fixed message and no details."""
    client = make_client(raise_server_exceptions=False)

    def boom() -> None:
        raise RuntimeError("secret detail in /srv/app.py line 42")

    client.app.add_api_route("/boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "Internal error."}}
    assert "secret" not in response.text


def test_unknown_route_and_wrong_method_use_the_error_body(client: TestClient):
    """404 and 405 from the router carry the error body with a sentence."""
    missing = client.get("/v2/plans")
    assert (missing.status_code, error_of(missing)) == (
        404,
        {"code": "not_found", "message": "No route matches GET /v2/plans."},
    )
    wrong = client.delete("/v1/scenarios")
    assert (wrong.status_code, error_of(wrong)) == (
        405,
        {"code": "method_not_allowed", "message": "Method DELETE is not allowed on /v1/scenarios."},
    )


# --- problem size -----------------------------------------------------------------------


def _orders(n: int) -> list[dict]:
    return [{"id": f"W{i}", "location": {"x": i, "y": 0}, "service_min": 5} for i in range(n)]


def test_bug_14_fifty_thousand_orders_are_a_413_naming_the_limit(make_client):
    """A 3 MB request of 50,000 orders (under the body limit) is refused with the limit's name."""
    client = make_client()
    body = {"problem": {"technicians": [], "work_orders": _orders(50_000)}, "time_limit_s": 1}
    for path in ("/v1/plans", "/v1/jobs"):
        response = client.post(path, json=body)
        assert response.status_code == 413
        assert error_of(response) == {
            "code": "payload_too_large",
            "message": "The problem has 50000 work orders, more than this server's limit of "
            "10000 (DISPATCH_MAX_ORDERS): split it into smaller problems.",
        }
    assert client.get("/v1/jobs").json()["count"] == 0


def test_technician_and_new_order_limits_follow_the_settings(make_client, tiny_problem):
    """max_technicians and max_orders (new orders of a re-plan included) come from settings."""
    client = make_client(max_orders=3, max_technicians=1)
    response = client.post("/v1/plans", json={"problem": tiny_problem})
    assert response.status_code == 413
    assert "DISPATCH_MAX_TECHNICIANS" in error_of(response)["message"]
    body = {
        "problem": {**tiny_problem, "technicians": tiny_problem["technicians"][:1]},
        "plan": {},
        "now": "2026-11-23T10:00:00+01:00",
        "events": {"new_orders": _orders(1)},
    }
    response = client.post("/v1/plans/reoptimize", json=body)
    assert response.status_code == 413
    assert error_of(response)["message"].startswith("The problem has 4 work orders")


def test_problems_within_the_limits_are_solved(make_client, tiny_problem):
    """At exactly the limits the request is served as usual."""
    client = make_client(max_orders=3, max_technicians=2)
    response = client.post("/v1/plans", json={"problem": tiny_problem, "time_limit_s": 0.3})
    assert response.status_code == 200
    assert_valid_plan(tiny_problem, response.json())
