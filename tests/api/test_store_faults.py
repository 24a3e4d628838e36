"""Store faults under a real server: 503 with Retry-After, never 500, and recovery without restart.

SQLite faults are made on the real file (made immutable, deleted); the
PostgreSQL outage is a real server behind a TCP proxy that the test cuts
and restores, so the job store sees refused and dropped connections.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from benchmarks.reliability import TcpProxy
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan
from tests.api.test_job_store import database_url
from tests.api.test_server import _serve

PROBLEM = get_scenario("lyon-small").load()
# A search that uses its whole time limit (lyon-small is solved in well under a second).
LONG_PROBLEM = get_scenario("overloaded").load()


def _wait(condition: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            value = condition()
            if value:
                return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout_s} s")


def _assert_store_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "store_unavailable"
    assert "Traceback" not in response.text


@pytest.fixture
def proxied_postgres(tmp_path: Path) -> Iterator[tuple[str, TcpProxy]]:
    """An empty PostgreSQL job store reached through a :class:`TcpProxy`: (URL, proxy)."""
    url = database_url("postgresql", tmp_path)
    parts = urlsplit(url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    yield urlunsplit(parts._replace(netloc=netloc)), proxy
    proxy.close()


def test_bug_14_postgres_outage_is_a_503_and_a_running_job_finishes_after(
    tmp_path: Path, proxied_postgres: tuple[str, TcpProxy]
):
    """PostgreSQL cut mid-job: job routes and /healthz 503; once restored the job succeeds."""
    url, proxy = proxied_postgres
    with _serve(tmp_path, database_url=url, run_jobs=True) as base:
        body = {"problem": LONG_PROBLEM, "time_limit_s": 4}
        response = httpx.post(f"{base}/v1/jobs", json=body)
        assert response.status_code == 202
        job_id = response.json()["id"]
        _wait(
            lambda: httpx.get(f"{base}/v1/jobs/{job_id}").json()["status"] == "running",
            20,
            "the job did not start",
        )
        proxy.cut()
        for method, path, body in (
            ("GET", f"/v1/jobs/{job_id}", None),
            ("GET", "/v1/jobs", None),
            ("POST", "/v1/jobs", {"problem": PROBLEM}),
            ("DELETE", f"/v1/jobs/{job_id}", None),
        ):
            _assert_store_503(httpx.request(method, f"{base}{path}", json=body, timeout=30))
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 503
        time.sleep(5)  # the solve ends while the store is down: its result waits in the worker
        proxy.restore()
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200, 30, "not healthy again")
        job = _wait(
            lambda: (
                (j := httpx.get(f"{base}/v1/jobs/{job_id}").json())["status"] == "succeeded" and j
            ),
            60,
            "the job did not succeed after the outage",
        )
        assert job["attempt"] == 1
        assert_valid_plan(LONG_PROBLEM, httpx.get(f"{base}/v1/jobs/{job_id}/plan").json())


def _immutable(paths: list[Path], is_on: bool) -> bool:
    """chattr +i / -i on ``paths``; ``False`` when the filesystem does not support it."""
    if shutil.which("chattr") is None:
        return False
    flag = "+i" if is_on else "-i"
    existing = [str(p) for p in paths if p.exists()]
    result = subprocess.run(["chattr", flag, *existing], capture_output=True, check=False)
    return result.returncode == 0


def test_bug_14_read_only_sqlite_is_unhealthy_and_a_503(tmp_path: Path):
    """A SQLite file made read-only while serving: /healthz 503 unwritable, POST 503; then back."""
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "jobs.db"
    with _serve(tmp_path, database_url=f"sqlite:///{db}") as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
        # not the -shm file: SQLite maps it, and a write to an immutable mapping is a SIGBUS
        files = [db, Path(f"{db}-wal"), folder]
        if os.geteuid() == 0:
            if not _immutable(files, True):
                pytest.skip("chattr +i is not supported on this filesystem")
        else:
            for path in files:
                path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            health = httpx.get(f"{base}/healthz", timeout=60)
            assert health.status_code == 503
            assert health.json()["database"] == "unwritable"
            _assert_store_503(httpx.post(f"{base}/v1/jobs", json={"problem": PROBLEM}, timeout=60))
        finally:
            if os.geteuid() == 0:
                _immutable(files, False)
            else:
                for path in files:
                    path.chmod(0o755 if path.is_dir() else 0o644)
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200, 30, "not healthy again")
        assert httpx.post(f"{base}/v1/jobs", json={"problem": PROBLEM}).status_code == 202


def test_bug_14_deleted_sqlite_file_is_detected(tmp_path: Path):
    """The SQLite file deleted under a running server: /healthz 503 naming it, job routes 503."""
    db = tmp_path / "jobs.db"
    with _serve(tmp_path, database_url=f"sqlite:///{db}") as base:
        job = httpx.post(f"{base}/v1/jobs", json={"problem": PROBLEM}).json()
        db.unlink()
        health = httpx.get(f"{base}/healthz")
        assert health.status_code == 503
        assert health.json() == {
            "status": "unavailable",
            "database": "unwritable",
            "detail": f"The job database file {db} was deleted while the server was running; "
            "restart the server to use the file now at that path.",
        }
        _assert_store_503(httpx.post(f"{base}/v1/jobs", json={"problem": PROBLEM}))
        _assert_store_503(httpx.get(f"{base}/v1/jobs/{job['id']}"))
