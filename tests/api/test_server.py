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

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 60.0
"""How long the server may take to import OR-Tools and answer /healthz (slow CI machines)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(tmp_path: Path) -> Iterator[str]:
    """Run the server on a free loopback port with its own SQLite store; yield its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env |= {
        "DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/server.db",
        "DISPATCH_RUN_JOBS": "false",
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    command += ["--log-level", "warning"]
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
