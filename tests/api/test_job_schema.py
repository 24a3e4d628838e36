"""Schema migrations of the job store (Alembic, shipped in the package) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from api.jobs.schema import MIGRATIONS, head_revision, schema_version
from api.jobs.store import JobStatus, JobStore
from tests.api.test_job_store import postgres_url

# The jobs table exactly as releases before migrations made it with create_all.
CREATE_ALL_SCHEMA = (
    "CREATE TABLE jobs (id VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, "
    "created_at TIMESTAMP NOT NULL, started_at TIMESTAMP, finished_at TIMESTAMP, "
    "problem TEXT NOT NULL, time_limit_s FLOAT NOT NULL, seed INTEGER NOT NULL, plan TEXT, "
    "error TEXT, progress_elapsed_s FLOAT, progress_objective FLOAT, progress_assigned INTEGER, "
    "cancel_requested BOOLEAN NOT NULL, attempt INTEGER NOT NULL, PRIMARY KEY (id))",
    "CREATE INDEX ix_jobs_status ON jobs (status)",
    "CREATE INDEX ix_jobs_created_at ON jobs (created_at)",
)


def _drop_everything(store: JobStore) -> None:
    with store.engine.begin() as conn:
        for table in ("jobs", "store_probe", "alembic_version"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    """A job store on an empty database (no tables), SQLite file or PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}" if request.param == "sqlite" else postgres_url()
    store = JobStore(url)
    _drop_everything(store)
    yield store
    _drop_everything(store)  # leave PostgreSQL to the other tests' fixtures as they expect it
    store.migrate()
    store.close()


def test_migrations_ship_inside_the_package():
    """The revisions live in api/jobs/migrations/versions and the head is the newest, 0003."""
    assert sorted(p.name for p in (MIGRATIONS / "versions").glob("0*.py")) == [
        "0001_jobs.py",
        "0002_job_recovery.py",
        "0003_progress_phase.py",
    ]
    assert head_revision() == "0003"


def test_an_empty_database_is_migrated_to_head(bare_store: JobStore):
    """migrate() on an empty database creates the tables and records the head revision."""
    assert schema_version(bare_store.engine) is None
    assert bare_store.migrate() == "0003"
    assert schema_version(bare_store.engine) == "0003"
    tables = set(inspect(bare_store.engine).get_table_names())
    assert {"jobs", "store_probe", "alembic_version"} <= tables
    job = bare_store.submit("{}", time_limit_s=1.0, seed=3)
    assert bare_store.get(job.id) == job
    assert bare_store.migrate() == "0003"  # a second start changes nothing


def test_bug_14_a_create_all_database_is_adopted_without_data_loss(bare_store: JobStore):
    """An unversioned create_all database is stamped 0001, upgraded, and keeps its jobs."""
    created = datetime(2026, 11, 23, 8, 0)
    with bare_store.engine.begin() as conn:
        for statement in CREATE_ALL_SCHEMA:
            conn.execute(text(statement))
        conn.execute(
            text(
                "INSERT INTO jobs (id, status, created_at, finished_at, problem, time_limit_s, "
                "seed, plan, cancel_requested, attempt) VALUES ('a' , 'succeeded', :at, :at, "
                "'{}', 5.0, 7, '{\"routes\": []}', :no, 1)"
            ),
            {"at": created, "no": False},
        )
    assert bare_store.migrate() == "0003"
    assert schema_version(bare_store.engine) == "0003"
    job = bare_store.get("a")
    assert job is not None
    assert (job.status, job.seed, job.attempt, job.has_plan) == (JobStatus.SUCCEEDED, 7, 1, True)
    assert job.error_code is None and bare_store.checkpoint_of("a") is None
    assert bare_store.plan_of("a") == '{"routes": []}'


def test_retention_purges_finished_jobs_and_their_plans_only(bare_store: JobStore):
    """purge_finished deletes ended jobs older than the cut-off; queued and recent ones stay."""
    bare_store.migrate()
    old = bare_store.submit("{}", time_limit_s=1.0, seed=0)
    claimed = bare_store.claim_next()
    assert claimed is not None
    bare_store.finish(old.id, claimed.attempt, JobStatus.SUCCEEDED, plan_json="{}")
    waiting = bare_store.submit("{}", time_limit_s=1.0, seed=0)
    assert bare_store.purge_finished(datetime.now(UTC) - timedelta(days=1)) == 0
    assert bare_store.purge_finished(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert bare_store.get(old.id) is None and bare_store.plan_of(old.id) is None
    assert bare_store.get(waiting.id) is not None


def test_the_service_purges_by_job_retention_days(make_client):
    """DISPATCH_JOB_RETENTION_DAYS=0 keeps every job; a positive value purges older ended ones."""
    client = make_client(job_retention_days=0)
    service = client.app.state.jobs
    job = service.submit({"technicians": [], "work_orders": []}, time_limit_s=1, seed=0)
    service.cancel(job.id)
    assert service.purge_expired() == 0
    service.settings = service.settings.model_copy(update={"job_retention_days": 1e-9})
    assert service.purge_expired() == 1
    assert client.get(f"/v1/jobs/{job.id}").status_code == 404
