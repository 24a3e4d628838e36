"""Fixtures of the HTTP API tests: an app on a temporary SQLite store, tiny problems.

Solving tests use problems small enough that a sub-second time limit finds
the optimum; every one of them checks the returned plan with
``optimizer.check_plan`` after mapping it back with ``api.mapping.plan_from_in``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette's TestClient warns about httpx itself
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan

SOLVE_S = 0.3
"""Time limit of test solves: tiny problems reach their optimum well within it."""

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings on a temporary SQLite store with job workers off; kwargs override."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path}/t.db",
            "run_jobs": False,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def make_client(settings_for: Callable[..., Settings]) -> Iterator[ClientFactory]:
    """Start an app (lifespan included) for given Settings overrides; closed after the test."""
    with ExitStack() as stack:

        def start(raise_server_exceptions: bool = True, **overrides: Any) -> TestClient:
            app = create_app(settings_for(**overrides))
            stack.callback(app.state.solve_pool.stop)  # its what-if processes, if any started
            client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
            return stack.enter_context(client)

        yield start


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    """A client of the app with default settings: no API keys, no CORS, jobs not run."""
    return make_client()


@pytest.fixture
def tiny_problem() -> dict[str, Any]:
    """Two technicians and three one-hour orders on a 36 km/h plane, one order unservable.

    T1 has hvac 2, T2 plumbing 1; both work 08:00-17:00 (+01:00) from the
    origin with a 30-minute break between 11:30 and 14:00. WO-1 (hvac 2) is
    6 km east, WO-2 (plumbing 1) 3 km north, WO-3 needs electrical, which
    nobody has.
    """
    day = "2026-11-23T{}:00+01:00"
    shift = {
        "start": day.format("08:00"),
        "end": day.format("17:00"),
        "breaks": [
            {
                "duration_min": 30,
                "window_start": day.format("11:30"),
                "window_end": day.format("14:00"),
            }
        ],
    }
    origin = {"x": 0, "y": 0}
    return {
        "travel": {"kind": "planar", "speed_mps": 10},
        "technicians": [
            {"id": "T1", "skills": {"hvac": 2}, "shifts": [shift], "start": origin},
            {"id": "T2", "skills": {"plumbing": 1}, "shifts": [shift], "start": origin},
        ],
        "work_orders": [
            {
                "id": "WO-1",
                "location": {"x": 6000, "y": 0},
                "service_min": 60,
                "required_skills": {"hvac": 2},
                "priority": "P2",
                "respond_by": day.format("12:00"),
            },
            {
                "id": "WO-2",
                "location": {"x": 0, "y": 3000},
                "service_min": 60,
                "required_skills": {"plumbing": 1},
            },
            {
                "id": "WO-3",
                "location": {"x": 1000, "y": 1000},
                "service_min": 60,
                "required_skills": {"electrical": 1},
            },
        ],
    }


@pytest.fixture
def lyon_small() -> dict[str, Any]:
    """The bundled lyon-small scenario: 3 technicians, 12 work orders in Lyon."""
    return get_scenario("lyon-small").load()


@pytest.fixture
def solved(client: TestClient) -> Callable[..., dict[str, Any]]:
    """POST a problem to /v1/plans, assert 200 and a valid plan, return the PlanOut."""

    def post(problem_doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
        fields.setdefault("time_limit_s", SOLVE_S)
        response = client.post("/v1/plans", json={"problem": problem_doc, **fields})
        assert response.status_code == 200, response.text
        out: dict[str, Any] = response.json()
        assert_valid_plan(problem_doc, out)
        return out

    return post
