"""The job worker: checkpoints and resuming, store retries, the memory limit."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.jobs.store import FailureCode, JobStatus, JobStore
from api.jobs.worker import MIN_RESUME_S, run_job, with_retries
from api.mapping import plan_from_in, to_domain
from optimizer import check_plan
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan
from tests.api.routes.test_jobs import TERMINAL, wait_for

PROBLEM = get_scenario("lyon-small").load()


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    """A migrated SQLite job store in a temporary folder."""
    job_store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    job_store.migrate()
    yield job_store
    job_store.close()


def _claimed(store: JobStore, time_limit_s: float) -> tuple[str, int]:
    job = store.submit(json.dumps(PROBLEM), time_limit_s=time_limit_s, seed=0)
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == job.id
    return job.id, claimed.attempt


def test_a_long_job_saves_its_best_plan_as_a_checkpoint(store: JobStore):
    """A running job keeps its first plan as a valid checkpoint at once; cleared at the end."""
    job_id, attempt = _claimed(store, time_limit_s=2.0)
    seen: list[tuple[str, float]] = []
    runner = threading.Thread(target=lambda: run_job(store, job_id, attempt, checkpoint_s=0.5))
    runner.start()
    while runner.is_alive():
        saved = store.checkpoint_of(job_id)
        if saved is not None:
            seen.append(saved)
        time.sleep(0.05)
    runner.join()
    assert seen, "no checkpoint was saved while the job ran"
    plan_json, elapsed_s = seen[-1]
    assert 0.0 < elapsed_s < 2.0
    problem = to_domain(PROBLEM)  # a plan document (not validated when saved): valid
    assert check_plan(problem, plan_from_in(problem, json.loads(plan_json))) == []
    assert store.checkpoint_of(job_id) is None
    assert store.get(job_id).status is JobStatus.SUCCEEDED


def test_bug_14_a_retried_job_resumes_from_its_checkpoint(store: JobStore):
    """A re-queued job with a checkpoint at its limit gets MIN_RESUME_S more and ends no worse."""
    job_id, attempt = _claimed(store, time_limit_s=1.0)
    run_job(store, job_id, attempt, checkpoint_s=0.3)  # a first run to have a plan to save
    first = json.loads(store.plan_of(job_id))
    second = store.submit(json.dumps(PROBLEM), time_limit_s=1.0, seed=0)
    claimed = store.claim_next()
    assert claimed is not None and claimed.id == second.id
    assert store.save_checkpoint(second.id, claimed.attempt, json.dumps(first), 1.0)
    assert store.worker_crashed(second.id, claimed.attempt, 3, "killed") is JobStatus.QUEUED
    again = store.claim_next()
    assert again is not None and (again.id, again.attempt) == (second.id, 2)
    started = time.monotonic()
    run_job(store, second.id, again.attempt)
    assert time.monotonic() - started < 1.0 + MIN_RESUME_S + 5  # resumed: not a fresh 1 s + more
    job = store.get(second.id)
    assert (job.status, job.attempt) == (JobStatus.SUCCEEDED, 2)
    resumed = json.loads(store.plan_of(second.id))
    assert_valid_plan(PROBLEM, resumed)
    problem = to_domain(PROBLEM)
    assert plan_from_in(problem, resumed).stats.objective <= first["stats"]["objective"] + 1e-6


def test_worker_crashed_after_the_last_attempt_fails_the_job(store: JobStore):
    """worker_crashed at attempt == max fails the job with code worker_crashed."""
    job_id, attempt = _claimed(store, time_limit_s=1.0)
    assert store.worker_crashed(job_id, attempt, 1, "It died.") is JobStatus.FAILED
    job = store.get(job_id)
    assert (job.status, job.error, job.error_code) == (
        JobStatus.FAILED,
        "It died.",
        "worker_crashed",
    )


def test_with_retries_waits_for_the_store_to_come_back(monkeypatch: pytest.MonkeyPatch):
    """A write that fails twice with a database error is tried again until it succeeds."""
    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr("api.jobs.worker.STORE_RETRY_FIRST_S", 0.01)
    calls: list[int] = []

    def write() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE jobs", {}, Exception("connection refused"))
        return "written"

    assert with_retries(write, "test") == "written"
    assert len(calls) == 3


def _many_orders(n: int) -> dict[str, Any]:
    """``n`` plain orders for 20 technicians, of the classic shape (no workload balance).

    Classic problems are searched whole (field-service ones of this size are
    solved in parts, in bounded memory), so the solve's memory grows with
    the square of ``n``.
    """
    rng = random.Random(14)
    day = "2026-11-23T{}:00+01:00"
    shift = {"start": day.format("08:00"), "end": day.format("17:00")}
    return {
        "technicians": [
            {"id": f"T{i}", "shifts": [shift], "start": {"lat": 45.75, "lon": 4.85}}
            for i in range(20)
        ],
        "work_orders": [
            {
                "id": f"W{i}",
                "location": {"lat": 45.7 + rng.random() / 10, "lon": 4.8 + rng.random() / 10},
                "service_min": 10,
            }
            for i in range(n)
        ],
        "weights": {"workload_balance_per_hour": 0},
    }


def test_bug_14_a_solve_over_the_memory_limit_fails_as_resource_exhausted(make_client):
    """With a 400 MB cap on resident memory, 2,400 orders (one search, ~670 MB) fail
    resource_exhausted; the next job succeeds.
    """
    client: TestClient = make_client(run_jobs=True, job_workers=1, worker_memory_mb=400)
    big = client.post("/v1/jobs", json={"problem": _many_orders(2400), "time_limit_s": 5})
    assert big.status_code == 202
    job = wait_for(client, big.json()["id"], lambda j: j["status"] in TERMINAL, timeout_s=120)
    assert (job["status"], job["error_code"]) == ("failed", FailureCode.RESOURCE_EXHAUSTED)
    assert "DISPATCH_WORKER_MEMORY_MB" in job["error"] and "400 MB" in job["error"]
    small = client.post("/v1/jobs", json={"problem": PROBLEM, "time_limit_s": 1})
    done = wait_for(client, small.json()["id"], lambda j: j["status"] in TERMINAL, timeout_s=60)
    assert done["status"] == "succeeded"
    assert_valid_plan(PROBLEM, client.get(f"/v1/jobs/{done['id']}/plan").json())
