"""Crash recovery for real: SIGKILL the server mid-solve, restart it, every job completes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.jobs.store import JobStatus, JobStore
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan
from tests.api.test_job_store import database_url

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = get_scenario("metro-small").load()
"""50 orders: its search uses the whole 2 s limit, so jobs are caught running (lyon-small's
search stops when stalled, in about 0.2 s, and a poll could miss two jobs running at once)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> set[int]:
    """Live (non-zombie) processes below ``pid``, read from /proc."""
    parent_of: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent_of[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parent_of.items() if parent in frontier}
        found |= frontier
    return found


def _is_job_worker(pid: int) -> bool:
    """Whether ``pid`` is a spawned worker (not multiprocessing's resource tracker)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in command


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Server:
    """``python -m api.cli serve`` as a child process with its own database and port."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.url = url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        """Start the server and wait until it answers."""
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
        env |= {
            "DISPATCH_DATABASE_URL": self.url,
            "DISPATCH_JOB_WORKERS": "2",
            "PYTHONPATH": str(ROOT),
        }
        log = self.log_path.open("ab")
        command = [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/v1/jobs", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"server did not answer:\n{self.log_path.read_text()[-3000:]}")

    def get(self, path: str) -> Any:
        """GET ``path`` as JSON."""
        return httpx.get(f"{self.base}{path}", timeout=10).json()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill after 15 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers (before and after the crash) on one empty SQLite or PostgreSQL database."""
    url = database_url(request.param, tmp_path)
    pair = (Server(url, tmp_path / "server.log"), Server(url, tmp_path / "server.log"))
    yield pair
    for server in pair:
        server.stop()


def _wait(server: Server, job_ids: list[str], done: Any, timeout_s: float) -> list[dict]:
    """Poll the jobs until ``done(jobs)``; error answers (a server recovering) are retried."""
    deadline = time.monotonic() + timeout_s
    jobs: list[dict] = []
    while time.monotonic() < deadline:
        jobs = [server.get(f"/v1/jobs/{job_id}") for job_id in job_ids]
        if all("status" in j for j in jobs) and done(jobs):
            return jobs
        time.sleep(0.2)
    log = server.log_path.read_text()[-3000:]
    pytest.fail(f"jobs did not get there in {timeout_s} s: {jobs}\n{log}")


def test_jobs_survive_a_sigkill_mid_solve(servers: tuple[Server, Server]):
    """Killed mid-solve, the server leaves no worker behind; restarted, it completes every job."""
    first, second = servers
    first.start()
    job_ids = []
    for _ in range(3):
        response = httpx.post(
            f"{first.base}/v1/jobs", json={"problem": PROBLEM, "time_limit_s": 2}, timeout=10
        )
        assert response.status_code == 202
        job_ids.append(response.json()["id"])
    _wait(first, job_ids, lambda jobs: any(j["status"] == "running" for j in jobs), 20)

    assert first.process is not None
    workers = _descendants(first.process.pid)
    assert workers, "the server runs its jobs in child processes"
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived the killed server"
    store = JobStore(first.url)
    assert JobStatus.RUNNING in {job.status for job in map(store.get, job_ids) if job}
    store.close()

    second.start()
    jobs = _wait(
        second, job_ids, lambda js: all(j["status"] in ("succeeded", "failed") for j in js), 40
    )
    assert [j["status"] for j in jobs] == ["succeeded"] * 3
    assert max(j["attempt"] for j in jobs) == 2
    for job_id in job_ids:
        assert_valid_plan(PROBLEM, second.get(f"/v1/jobs/{job_id}/plan"))


def test_bug_14_a_worker_killed_mid_solve_loses_no_job(servers: tuple[Server, Server]):
    """SIGKILL of one busy worker: its job is retried (attempt 2) and all 4 jobs succeed."""
    server, _ = servers
    server.start()
    job_ids = []
    for _ in range(4):
        response = httpx.post(
            f"{server.base}/v1/jobs", json={"problem": PROBLEM, "time_limit_s": 2}, timeout=10
        )
        assert response.status_code == 202
        job_ids.append(response.json()["id"])
    both_busy = lambda js: sum(j["status"] == "running" for j in js) == 2  # noqa: E731
    _wait(server, job_ids, lambda js: both_busy(js) and any(j["progress"] for j in js), 30)
    assert server.process is not None
    workers = sorted(pid for pid in _descendants(server.process.pid) if _is_job_worker(pid))
    assert len(workers) == 2, "two job workers run below the server"
    os.kill(workers[0], signal.SIGKILL)
    jobs = _wait(
        server, job_ids, lambda js: all(j["status"] in ("succeeded", "failed") for j in js), 90
    )
    assert [j["status"] for j in jobs] == ["succeeded"] * 4
    assert max(j["attempt"] for j in jobs) == 2
    for job_id in job_ids:
        assert_valid_plan(PROBLEM, server.get(f"/v1/jobs/{job_id}/plan"))
