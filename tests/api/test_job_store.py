"""The job store against SQLite and a real PostgreSQL (``DISPATCH_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from api.jobs.store import JobRow, JobStatus, JobStore

POSTGRES_ENV = "DISPATCH_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The test PostgreSQL URL; skips without one, fails without one on CI."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{POSTGRES_ENV} is not set on CI: .ci/run should have started PostgreSQL.")
    pytest.skip(f"{POSTGRES_ENV} is not set (bash .ci/run starts a local PostgreSQL and sets it).")


def database_url(kind: str, tmp_path: Path) -> str:
    """A database URL of ``kind`` (``sqlite`` or ``postgresql``) holding an empty jobs table."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}" if kind == "sqlite" else postgres_url()
    store = JobStore(url)
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(delete(JobRow))
    store.close()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    """An empty job store on SQLite (a temporary file) or on PostgreSQL."""
    job_store = JobStore(database_url(request.param, tmp_path))
    yield job_store
    job_store.close()


PROBLEM = '{"technicians": [], "work_orders": []}'


def test_submit_commits_a_queued_job(store: JobStore):
    """A submitted job is queued, attempt 0, with its problem stored as given."""
    job = store.submit(PROBLEM, time_limit_s=3.0, seed=7)
    assert len(job.id) == 32
    assert job.status is JobStatus.QUEUED
    assert (job.time_limit_s, job.seed, job.attempt, job.has_plan) == (3.0, 7, 0, False)
    assert job.created_at.tzinfo is not None
    assert store.problem_of(job.id) == PROBLEM
    assert store.get(job.id) == job


def test_unknown_job_is_none(store: JobStore):
    """Reading an unknown id gives None."""
    assert store.get("nope") is None
    assert store.problem_of("nope") is None
    assert store.request_cancel("nope") is None


def test_claim_next_takes_the_oldest_queued_job_once(store: JobStore):
    """Claims go oldest first, move the job to running with attempt 1, and never twice."""
    first = store.submit(PROBLEM, time_limit_s=1, seed=0)
    second = store.submit(PROBLEM, time_limit_s=1, seed=0)
    claimed = store.claim_next()
    assert claimed is not None
    assert (claimed.id, claimed.status, claimed.attempt) == (first.id, JobStatus.RUNNING, 1)
    assert claimed.started_at is not None
    again = store.claim_next()
    assert again is not None and again.id == second.id
    assert store.claim_next() is None


def test_concurrent_claims_hand_out_each_job_once(store: JobStore):
    """Four threads claiming at once get every job exactly once."""
    ids = {store.submit(PROBLEM, time_limit_s=1, seed=0).id for _ in range(12)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all() -> None:
        while (job := store.claim_next()) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)


def test_progress_and_finish_apply_to_the_current_attempt(store: JobStore):
    """Progress is recorded, then finish stores the plan, status and end time."""
    job_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    job = store.claim_next()
    assert job is not None
    assert store.update_progress(job_id, 1, elapsed_s=0.5, objective=12.5, assigned=3)
    running = store.get(job_id)
    assert running is not None
    progress = (
        running.progress_elapsed_s,
        running.progress_objective,
        running.progress_assigned,
    )
    assert progress == (0.5, 12.5, 3)
    assert store.finish(job_id, 1, JobStatus.SUCCEEDED, plan_json='{"routes": []}')
    done = store.get(job_id)
    assert done is not None
    assert (done.status, done.has_plan) == (JobStatus.SUCCEEDED, True)
    assert done.finished_at is not None
    assert store.plan_of(job_id) == '{"routes": []}'


def test_stale_attempt_is_ignored(store: JobStore):
    """A worker of attempt 1 cannot write progress or results once attempt 2 runs."""
    job_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    store.claim_next()
    assert store.requeue_interrupted() == 1
    current = store.claim_next()
    assert current is not None and current.attempt == 2
    assert not store.update_progress(job_id, 1, elapsed_s=1, objective=1, assigned=1)
    assert not store.finish(job_id, 1, JobStatus.FAILED, error="Stale.")
    assert store.is_cancel_requested(job_id, 1)
    job = store.get(job_id)
    assert job is not None
    assert (job.status, job.error, job.progress_objective) == (JobStatus.RUNNING, None, None)


def test_finished_job_cannot_be_finished_again(store: JobStore):
    """Finish applies only to a running job."""
    job_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    store.claim_next()
    assert store.finish(job_id, 1, JobStatus.FAILED, error="Broken.")
    assert not store.finish(job_id, 1, JobStatus.SUCCEEDED, plan_json="{}")
    job = store.get(job_id)
    assert job is not None and (job.status, job.error) == (JobStatus.FAILED, "Broken.")


def test_requeue_interrupted_requeues_running_and_ends_pending_cancels(store: JobStore):
    """After a restart, running jobs are queued again unless a cancel was pending."""
    kept = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    dropped = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    waiting = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    store.claim_next()
    store.claim_next()
    store.update_progress(kept, 1, elapsed_s=1, objective=1, assigned=1)
    store.request_cancel(dropped)
    assert store.requeue_interrupted() == 1
    statuses = {i: store.get(i) for i in (kept, dropped, waiting)}
    assert {i: j.status for i, j in statuses.items() if j} == {
        kept: JobStatus.QUEUED,
        dropped: JobStatus.CANCELLED,
        waiting: JobStatus.QUEUED,
    }
    requeued = statuses[kept]
    assert requeued is not None
    # the seconds it solved count against its limit when it resumes; no phase while queued
    assert (requeued.started_at, requeued.progress_elapsed_s, requeued.attempt) == (None, 1.0, 1)
    assert requeued.progress_phase is None


def test_cancel_ends_a_queued_job_and_flags_a_running_one(store: JobStore):
    """Cancelling a queued job ends it; a running one is only flagged for its worker."""
    running_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    queued_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    store.claim_next()
    queued = store.request_cancel(queued_id)
    assert queued is not None and queued.status is JobStatus.CANCELLED
    assert queued.finished_at is not None
    running = store.request_cancel(running_id)
    assert running is not None
    assert (running.status, running.cancel_requested) == (JobStatus.RUNNING, True)
    assert store.is_cancel_requested(running_id, 1)
    assert store.claim_next() is None


def test_cancel_leaves_a_finished_job_unchanged(store: JobStore):
    """Cancelling a succeeded job changes nothing."""
    job_id = store.submit(PROBLEM, time_limit_s=1, seed=0).id
    store.claim_next()
    store.finish(job_id, 1, JobStatus.SUCCEEDED, plan_json="{}")
    job = store.request_cancel(job_id)
    assert job is not None
    assert (job.status, job.cancel_requested) == (JobStatus.SUCCEEDED, False)


def test_list_filters_by_status_and_paginates_newest_first(store: JobStore):
    """Listing pages through jobs newest first; count is the total for the filter."""
    ids = [store.submit(PROBLEM, time_limit_s=1, seed=0).id for _ in range(5)]
    store.claim_next()  # ids[0] runs
    page, total = store.list_jobs(limit=2, offset=1)
    assert total == 5
    assert [j.id for j in page] == [ids[3], ids[2]]
    queued, queued_total = store.list_jobs(JobStatus.QUEUED, limit=10, offset=0)
    assert queued_total == 4
    assert [j.id for j in queued] == ids[:0:-1]
    running, _ = store.list_jobs(JobStatus.RUNNING)
    assert [j.id for j in running] == [ids[0]]
    assert store.list_jobs(JobStatus.FAILED) == ([], 0)


def test_counts_include_every_status(store: JobStore):
    """Counts list every status, zeros included."""
    assert store.counts() == {s.value: 0 for s in JobStatus}
    store.submit(PROBLEM, time_limit_s=1, seed=0)
    store.submit(PROBLEM, time_limit_s=1, seed=0)
    store.claim_next()
    assert store.counts() == {
        "queued": 1,
        "running": 1,
        "succeeded": 0,
        "failed": 0,
        "cancelled": 0,
    }


def test_running_deadlines_follow_time_limits(store: JobStore):
    """A running job's deadline is its start plus its time limit."""
    store.submit(PROBLEM, time_limit_s=90, seed=0)
    job = store.claim_next()
    assert job is not None and job.started_at is not None
    [deadline] = store.running_deadlines()
    assert (deadline - job.started_at).total_seconds() == pytest.approx(90)


def test_ping_answers(store: JobStore):
    """A reachable database answers the ping."""
    assert store.ping()


def test_in_memory_sqlite_is_refused():
    """An in-memory SQLite URL is refused: worker processes could not see it."""
    with pytest.raises(ValueError, match="in-memory SQLite"):
        JobStore("sqlite://")


def test_bug_14_a_replaced_sqlite_file_is_detected(tmp_path: Path):
    """Another file moved to the store's path makes check_file raise, naming the path."""
    from api.jobs.store import StoreUnavailable

    path = tmp_path / "jobs.db"
    store = JobStore(f"sqlite:///{path}")
    store.migrate()
    store.check_file()  # the file opened at start: fine
    other = tmp_path / "other.db"
    other.write_bytes(path.read_bytes())
    os.replace(other, path)
    with pytest.raises(StoreUnavailable) as caught:
        store.check_file()
    assert str(caught.value) == (
        f"The job database file {path} was replaced while the server was running; "
        "restart the server to use the file now at that path."
    )
    store.close()
