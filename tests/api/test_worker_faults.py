"""Workers that cannot start, the health probe's Retry-After, start-up failures in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from api.startup import WORKER_MIN_MEMORY_MB, startup_problem
from scenarios import get_scenario

PROBLEM = get_scenario("lyon-small").load()
CAUSE = "OSError: failed to map segment from shared object"


def broken_worker(database_url: str, conn: Connection, config: Any) -> None:
    """A worker process that cannot start (module level: spawned processes import it)."""
    conn.send(("failed", CAUSE))


def _until(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} after {timeout_s} s")


def test_workers_that_cannot_start_fail_queued_jobs_and_the_health_probe(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
):
    """Issue 28: after 3 failed starts in a row /healthz is 503 `workers: failing` with
    Retry-After, the queued job fails `worker_start_failed` naming the cause, and a new job
    is refused with 503 `workers_failing` and Retry-After."""
    monkeypatch.setattr("api.jobs.service.worker_main", broken_worker)
    monkeypatch.setattr("api.jobs.service.START_RETRY_MAX_S", 1.0)
    client: TestClient = make_client(run_jobs=True, job_workers=1, worker_start_failures=3)
    accepted = client.post("/v1/jobs", json={"problem": PROBLEM, "time_limit_s": 1})
    assert accepted.status_code == 202
    job_id = accepted.json()["id"]
    health = _until(
        lambda: (r := client.get("/healthz")).status_code == 503 and r, 90, "still healthy"
    )
    assert health.json()["workers"] == "failing" and CAUSE in health.json()["detail"]
    assert int(health.headers["Retry-After"]) >= 1
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert (job["status"], job["error_code"]) == ("failed", "worker_start_failed")
    assert CAUSE in job["error"]
    refused = client.post("/v1/jobs", json={"problem": PROBLEM, "time_limit_s": 1})
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "workers_failing"


def test_the_health_probe_503_for_a_store_outage_has_retry_after(client: TestClient):
    """/healthz's 503 for a store that does not answer carries Retry-After, like the API's."""

    class Down:
        def ping(self) -> bool:
            return False

    client.app.state.jobs = Down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(client.app.state.settings.store_retry_after_s)


def test_a_5000_digit_integer_is_reported_on_its_field(client: TestClient):
    """Issue 28: a 5,000-digit service_min is a 422 naming that field, not `$`."""
    import json

    body = json.dumps({"problem": PROBLEM, "time_limit_s": 1})
    start = body.index('"service_min": ') + len('"service_min": ')
    end = start
    while body[end].isdigit():
        end += 1
    response = client.post(
        "/v1/plans",
        content=body[:start] + "9" * 5000 + body[end:],
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "problem.work_orders[0].service_min"
    assert "4300 digits" in error["message"]


def test_start_up_problems_are_one_sentence(tmp_path: Path):
    """A missing store folder and a memory cap below a worker's need are refused in words."""
    missing = tmp_path / "gone" / "jobs.db"
    problem = startup_problem(Settings(database_url=f"sqlite:///{missing}"))
    assert problem is not None and str(missing.parent) in problem and "does not exist" in problem
    small = Settings(database_url=f"sqlite:///{tmp_path / 'ok.db'}", worker_memory_mb=200)
    problem = startup_problem(small)
    assert problem is not None and f"{WORKER_MIN_MEMORY_MB} MB" in problem
    assert startup_problem(Settings(database_url=f"sqlite:///{tmp_path / 'ok.db'}")) is None


@pytest.mark.parametrize("case", ["missing folder", "read-only folder", "memory cap"])
def test_serve_refuses_to_start_with_one_line_and_exit_2(tmp_path: Path, case: str):
    """`dispatch serve` on a missing or read-only store, or a 200 MB cap: exit 2, one line
    naming the path (or the setting) and the cause, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    folder = tmp_path / "store"
    if case == "missing folder":
        env["DISPATCH_DATABASE_URL"] = f"sqlite:///{folder / 'jobs.db'}"
    elif case == "read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        folder.mkdir()
        folder.chmod(0o555)
        env["DISPATCH_DATABASE_URL"] = f"sqlite:///{folder / 'jobs.db'}"
    else:
        env["DISPATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'jobs.db'}"
        env["DISPATCH_WORKER_MEMORY_MB"] = "200"
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert (str(folder) if case != "memory cap" else "DISPATCH_WORKER_MEMORY_MB") in lines[0]
