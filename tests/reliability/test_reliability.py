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
