"""api.client against the real server: submit a job, wait with progress, fetch a valid plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.client import DispatchApiError, DispatchClient
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan
from tests.api.test_server import _serve


def test_solve_submits_waits_and_fetches_a_valid_plan(tmp_path: Path):
    """client.solve on lyon-small: progress reported until succeeded, then a valid plan."""
    problem = get_scenario("lyon-small").load()
    seen: list[str] = []
    with _serve(tmp_path, run_jobs=True) as base, DispatchClient(base) as client:
        plan = client.solve(
            problem, time_limit_s=1, poll_s=0.2, on_progress=lambda j: seen.append(j["status"])
        )
        jobs = client._request("GET", "/v1/jobs")
    assert seen[-1] == "succeeded"
    assert set(seen) <= {"queued", "running", "succeeded"}
    assert_valid_plan(problem, plan)
    assert jobs["count"] == 1


def test_input_errors_raise_with_the_api_issues(tmp_path: Path):
    """An invalid problem raises DispatchApiError with the 422's code, message and fields."""
    problem = get_scenario("lyon-small").load()
    problem["work_orders"][0]["service_min"] = -5
    with _serve(tmp_path) as base, DispatchClient(base) as client:
        with pytest.raises(DispatchApiError) as caught:
            client.submit_job(problem)
        with pytest.raises(DispatchApiError) as missing:
            client.plan("0" * 32)
    error = caught.value
    assert (error.status, error.code) == (422, "input_error")
    assert error.issues[0]["field"] == "problem.work_orders[0].service_min"
    assert (missing.value.status, missing.value.code) == (404, "not_found")
