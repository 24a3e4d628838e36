"""The on-demand reliability suite (``python -m pytest -m reliability``), deselected by default.

Each test runs one check of :mod:`benchmarks.reliability` against a real
server, at a smaller size than the command's defaults; BENCHMARKS.md has the
figures of a full run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import reliability
from tests.api.test_job_store import postgres_url

pytestmark = pytest.mark.reliability

DATABASES = ["sqlite", "postgresql"]


def _url(kind: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}" if kind == "sqlite" else postgres_url()


def test_the_bad_input_catalogue_is_all_4xx(tmp_path: Path):
    """At least 70 bad requests: every one a 4xx with a JSON error body, 422s naming the field."""
    result = reliability.check_bad_input(tmp_path)
    assert result.figures["cases"] >= 70
    assert result.failures == []
    assert (result.figures["5xx"], result.figures["tracebacks_in_log"]) == (0, 0)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_server_sigkill_loses_no_job(kind: str, tmp_path: Path):
    """Six jobs, the server SIGKILLed mid-solve and restarted: all six succeed, plans valid."""
    result = reliability.check_server_kill(kind, _url(kind, tmp_path), tmp_path, jobs=6)
    assert result.failures == []
    assert result.figures["lost"] == 0 and result.figures["valid_plans"] == 6


@pytest.mark.parametrize("kind", DATABASES)
def test_a_worker_sigkill_loses_no_job(kind: str, tmp_path: Path):
    """Six jobs, one busy worker SIGKILLed: all succeed, at least one on a second attempt."""
    result = reliability.check_worker_kill(kind, _url(kind, tmp_path), tmp_path, jobs=6)
    assert result.failures == []
    assert result.figures["lost"] == 0 and result.figures["retried"] >= 1


def test_a_postgres_outage_is_503_then_recovers(tmp_path: Path):
    """PostgreSQL cut while a job runs: 503s, healthy again and the job succeeds, no restart."""
    result = reliability.check_postgres_outage(postgres_url(), tmp_path, outage_s=4)
    assert result.failures == []


def test_a_deleted_sqlite_file_is_reported(tmp_path: Path):
    """The SQLite file deleted under the server: /healthz and POST /v1/jobs answer 503."""
    result = reliability.check_sqlite_deleted(tmp_path)
    assert result.failures == []


@pytest.mark.parametrize("kind", DATABASES)
def test_overload_is_429_with_retry_after(kind: str, tmp_path: Path):
    """A burst of 16 against a queue of 4: only 202s and 429s with Retry-After; none lost."""
    result = reliability.check_overload(kind, _url(kind, tmp_path), tmp_path, burst=16)
    assert result.failures == []
    assert result.figures["refused_429"] > 0


def test_the_suite_is_deselected_by_default():
    """pyproject's addopts deselect the reliability marker, so the default run stays short."""
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert "-m 'not reliability'" in text


# --- issue 28 and 26: budgets of long jobs, checkpoints, kills, progress and cancel -------------

DECOMPOSED = ("nightly", 3000, 300)
"""A nightly day large enough to be solved in parts."""
WHOLE = ("metro-medium", 500, 50)
"""A day searched whole."""


def test_bug_28_a_checkpointed_decomposed_job_spends_its_limit(tmp_path: Path):
    """Issue 28: 3,000 nightly orders, checkpoints every 5 s, a 30 s limit: >= 28 s, reported
    time within 5%, objective <= 1.1x the job without checkpoints (same seed)."""
    result = reliability.check_job_budget(
        reliability.sized(*DECOMPOSED),
        "sliced",
        tmp_path,
        time_limit_s=30,
        checkpoint_s=5,
        kill_at=None,
    )
    print(result.check, result.database, result.figures)
    assert result.failures == [], result.figures
    assert result.figures["real_s"] >= 28


@pytest.mark.parametrize("checkpoint_s", [5.0, 60.0, None], ids=["5s", "60s", "default"])
@pytest.mark.parametrize("kill_at", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("size", [DECOMPOSED, WHOLE], ids=["decomposed", "whole"])
def test_a_killed_job_resumes_within_its_budget(
    tmp_path: Path, size: tuple[str, int, int], kill_at: float, checkpoint_s: float | None
):
    """Issue 28 targets: a worker SIGKILLed at 10/50/90% of a 60 s limit: the job ends by
    limit x 1.1 + 30 s, within 1.1x of the uninterrupted job, reporting its true time."""
    result = reliability.check_job_budget(
        reliability.sized(*size),
        f"{size[0]}-{kill_at}-{checkpoint_s}",
        tmp_path,
        time_limit_s=60,
        checkpoint_s=checkpoint_s,
        kill_at=kill_at,
    )
    print(result.check, result.database, result.figures)
    assert result.failures == [], result.figures


def test_a_10000_order_job_killed_mid_run_resumes(tmp_path: Path):
    """Issue 26: the 10,000-order nightly job at 300 s, default checkpoints, its worker
    SIGKILLed at 50%: ends by limit x 1.1 + 30 s with a valid plan within 1.1x."""
    result = reliability.check_job_budget(
        reliability.sized("nightly", 10_000, 1_000),
        "nightly-10k-kill",
        tmp_path,
        time_limit_s=300,
        checkpoint_s=None,
        kill_at=0.5,
    )
    print(result.check, result.database, result.figures)
    assert result.failures == [], result.figures


def test_a_1_gb_worker_serves_the_10000_order_nightly_job(tmp_path: Path):
    """Issue 28: DISPATCH_WORKER_MEMORY_MB=1024 (resident) serves nightly at 10,000 orders."""
    result = reliability.check_job_budget(
        reliability.sized("nightly", 10_000, 1_000),
        "nightly-10k-1gb",
        tmp_path,
        time_limit_s=120,
        checkpoint_s=None,
        kill_at=None,
        memory_mb=1024,
    )
    print(result.check, result.database, result.figures)
    assert result.failures == [], result.figures


def test_a_10000_order_job_reports_at_once_and_cancels_within_2_s(tmp_path: Path):
    """Issue 26: nightly at 10,000 orders, 300 s: first progress <= 1 s, cancels at 1 s, 60 s
    and mid-round end within 2 s with a valid plan."""
    result = reliability.check_large_job_progress(
        reliability.sized("nightly", 10_000, 1_000), "nightly-10k", tmp_path, time_limit_s=300
    )
    print(result.check, result.database, result.figures)
    assert result.failures == [], result.figures
