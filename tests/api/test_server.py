"""The real server: ``python -m api.cli serve`` under uvicorn answers a plan over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan
from tests.api.test_job_store import database_url

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 60.0
"""How long the server may take to import OR-Tools and answer /healthz (slow CI machines)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(
    tmp_path: Path,
    database_url: str | None = None,
    run_jobs: bool = False,
    env_extra: dict[str, str] | None = None,
    log_level: str = "warning",
) -> Iterator[str]:
    """Run the server on a free loopback port with its own store; yield its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env |= {
        "DISPATCH_DATABASE_URL": database_url or f"sqlite:///{tmp_path}/server.db",
        "DISPATCH_RUN_JOBS": str(run_jobs).lower(),
        "DISPATCH_JOB_WORKERS": "1",
        "DISPATCH_WHATIF_WORKERS": "1",
        "PYTHONPATH": str(ROOT),
    }
    env |= env_extra or {}
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    command += ["--log-level", log_level]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not healthy after {STARTUP_S} s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_served_plan_for_lyon_small_is_valid(tmp_path: Path):
    """POST /v1/plans with lyon-small (time limit 1 s) over TCP returns a valid plan."""
    problem = get_scenario("lyon-small").load()
    with _serve(tmp_path) as base:
        health = httpx.get(f"{base}/healthz", timeout=5.0)
        assert health.json() == {"status": "ok", "database": "ok"}
        response = httpx.post(
            f"{base}/v1/plans", json={"problem": problem, "time_limit_s": 1}, timeout=30.0
        )
    assert response.status_code == 200, response.text
    out = response.json()
    assert_valid_plan(problem, out)
    reasons = {u["work_order_id"]: u["reason"] for u in out["unassigned"]}
    assert reasons["WO-1011"] == "no_qualified_technician"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_endpoint_answers_over_tcp(tmp_path: Path, kind: str):
    """Every v1 endpoint works on the real server, with the job store on SQLite and PostgreSQL."""
    problem = get_scenario("lyon-small").load()
    url = database_url(kind, tmp_path)
    with (
        _serve(tmp_path, url, run_jobs=True) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        assert http.get("/healthz").json() == {"status": "ok", "database": "ok"}
        assert http.get("/v1/scenarios").json()["count"] >= 1
        assert http.get("/v1/scenarios/lyon-small").json()["work_orders"]
        plan = http.post("/v1/plans", json={"problem": problem, "time_limit_s": 1}).json()
        assert_valid_plan(problem, plan)
        evaluated = http.post("/v1/plans/evaluate", json={"problem": problem, "plan": plan})
        assert evaluated.json()["is_valid"] is True
        replan = http.post(
            "/v1/plans/reoptimize",
            json={
                "problem": problem,
                "plan": plan,
                "now": "2026-11-23T11:00:00+01:00",
                "events": {
                    "technicians_unavailable": [
                        {"technician_id": "T-02", "from": "2026-11-23T11:00:00+01:00"}
                    ]
                },
                "time_limit_s": 1,
            },
        )
        assert replan.status_code == 200, replan.text
        assert replan.json()["plan"]["violations"] == []
        job = http.post("/v1/jobs", json={"problem": problem, "time_limit_s": 1})
        assert job.status_code == 202, job.text
        job_id = job.json()["id"]
        deadline = time.monotonic() + 60
        while http.get(f"/v1/jobs/{job_id}").json()["status"] != "succeeded":
            assert time.monotonic() < deadline, http.get(f"/v1/jobs/{job_id}").text
            time.sleep(0.2)
        assert_valid_plan(problem, http.get(f"/v1/jobs/{job_id}/plan").json())
        assert http.get("/v1/jobs", params={"status": "succeeded"}).json()["count"] >= 1
        assert http.delete(f"/v1/jobs/{job_id}").status_code == 409  # already succeeded
        variant = {
            "name": "T-01 capped",
            "patch": [{"op": "replace", "path": "/technicians/0/max_orders_per_shift", "value": 2}],
        }
        whatif = http.post(
            "/v1/whatif", json={"base": problem, "variants": [variant], "time_limit_s": 1}
        )
        assert whatif.status_code == 200, whatif.text
        assert [row["name"] for row in whatif.json()["rows"]] == ["base", "T-01 capped"]
        assert "dispatch_solves_total" in http.get("/metrics").text
