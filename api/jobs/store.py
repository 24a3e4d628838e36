"""The durable job store: one ``jobs`` table through SQLAlchemy 2.

SQLite (a file; WAL journal, 30 s busy timeout) by default, PostgreSQL by
URL (``postgresql+psycopg://user:pass@host/db``). Every write is a single
statement in its own transaction, so it is portable and safe with several
processes on one SQLite file. A job's ``attempt`` counts how often it was
started; progress and results are written only while the attempt still
matches, so a worker left over from before a restart never overwrites a
newer run. Create one :class:`JobStore` per process: an engine is never
shared across ``fork``.
"""

from __future__ import annotations

import enum
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.jobs.schema import migrate


class StoreUnavailable(Exception):
    """The job store cannot be used now (``/healthz`` and job routes answer 503)."""


class FailureCode(enum.StrEnum):
    """Why a job failed (`error_code` of a job)."""

    INPUT_ERROR = "input_error"
    SOLVER_ERROR = "solver_error"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    WORKER_CRASHED = "worker_crashed"
    WORKER_START_FAILED = "worker_start_failed"
    INTERNAL_ERROR = "internal_error"


class JobStatus(enum.StrEnum):
    """Life cycle of a job: queued -> running -> succeeded | failed | cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
"""Statuses that take a place in the queue."""


class _UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes, stored naive (portable across SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of the job tables."""


class JobRow(Base):
    """One row of the ``jobs`` table."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(_UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(_UtcDateTime)
    problem: Mapped[str] = mapped_column(Text)
    time_limit_s: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    plan: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    progress_elapsed_s: Mapped[float | None] = mapped_column(Float)
    progress_objective: Mapped[float | None] = mapped_column(Float)
    progress_assigned: Mapped[int | None] = mapped_column(Integer)
    progress_phase: Mapped[str | None] = mapped_column(String(16))
    progress_part: Mapped[int | None] = mapped_column(Integer)
    progress_parts: Mapped[int | None] = mapped_column(Integer)
    progress_round: Mapped[int | None] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    checkpoint_elapsed_s: Mapped[float | None] = mapped_column(Float)
    error_code: Mapped[str | None] = mapped_column(String(32))


class ProbeRow(Base):
    """The one row of ``store_probe``, rewritten by every health check."""

    __tablename__ = "store_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    written_at: Mapped[datetime] = mapped_column(_UtcDateTime)


@dataclass(frozen=True, slots=True)
class Job:
    """A snapshot of one job, without its problem and plan documents.

    ``progress_*`` describe where the solve stands: its phase (and part of
    parts in round), the seconds it has run over all attempts, and the best
    plan so far (objective and assigned are ``None`` before the first one);
    ``attempt`` is how many times the job was started.
    """

    id: str
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    time_limit_s: float
    seed: int
    error: str | None
    progress_elapsed_s: float | None
    progress_objective: float | None
    progress_assigned: int | None
    cancel_requested: bool
    attempt: int
    has_plan: bool
    error_code: str | None = None
    progress_phase: str | None = None
    progress_part: int | None = None
    progress_parts: int | None = None
    progress_round: int | None = None


_JOB_COLUMNS = (
    JobRow.id,
    JobRow.status,
    JobRow.created_at,
    JobRow.started_at,
    JobRow.finished_at,
    JobRow.time_limit_s,
    JobRow.seed,
    JobRow.error,
    JobRow.progress_elapsed_s,
    JobRow.progress_objective,
    JobRow.progress_assigned,
    JobRow.cancel_requested,
    JobRow.attempt,
    JobRow.plan.is_not(None).label("has_plan"),
    JobRow.error_code,
    JobRow.progress_phase,
    JobRow.progress_part,
    JobRow.progress_parts,
    JobRow.progress_round,
)


def _job(row: Any) -> Job:
    values = row._asdict()
    values["status"] = JobStatus(values["status"])
    values["cancel_requested"] = bool(values["cancel_requested"])
    values["has_plan"] = bool(values["has_plan"])
    return Job(**values)


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_path(engine: Engine) -> str | None:
    """The absolute path of a SQLite database file, ``None`` for other databases."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return os.path.abspath(engine.url.database)


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of ``path``, or ``None`` when there is no such file."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a 30 s busy timeout.

    Raises
    ------
    ValueError
        For an in-memory SQLite URL, which worker processes cannot share.
    """
    if url.startswith("sqlite") and (url.endswith(":memory:") or url.rstrip("/") == "sqlite:"):
        raise ValueError(
            f"Invalid database_url {url!r}: an in-memory SQLite database cannot be shared "
            "with worker processes; use a file, e.g. sqlite:///./dispatch.db."
        )
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


class JobStore:
    """Jobs, their problems and plans in a database.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``sqlite:///./dispatch.db`` or
        ``postgresql+psycopg://user:pass@127.0.0.1:5432/dispatch``.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.path = _sqlite_path(self.engine)
        self._identity: tuple[int, int] | None = None

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def migrate(self) -> str:
        """Create or upgrade the schema with the shipped migrations; returns its revision.

        For SQLite, also remember which file this is (:meth:`check_file`).
        """
        revision = migrate(self.engine)
        if self.path is not None:
            self._identity = _identity(self.path)
        return revision

    def check_file(self) -> None:
        """Raise :class:`StoreUnavailable` if the SQLite file was deleted or replaced.

        SQLite keeps writing to a file it has open even after it is deleted
        (and a new file at the same path is another database): both lose
        every job from then on. Nothing to check for other databases, or
        before :meth:`migrate`.
        """
        if self.path is None or self._identity is None:
            return
        now = _identity(self.path)
        if now != self._identity:
            what = "deleted" if now is None else "replaced"
            raise StoreUnavailable(
                f"The job database file {self.path} was {what} while the server was running; "
                "restart the server to use the file now at that path."
            )

    def ping(self) -> bool:
        """Whether the database answers ``SELECT 1``."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    # --- submitting and reading -------------------------------------------------

    def submit(self, problem_json: str, *, time_limit_s: float, seed: int) -> Job:
        """Insert a queued job and commit it before returning.

        Parameters
        ----------
        problem_json
            The problem document as JSON text (already validated).
        time_limit_s
            Solve budget in seconds.
        seed
            Search seed.
        """
        job_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                JobRow.__table__.insert().values(
                    id=job_id,
                    status=JobStatus.QUEUED.value,
                    created_at=_now(),
                    problem=problem_json,
                    time_limit_s=time_limit_s,
                    seed=seed,
                    cancel_requested=False,
                    attempt=0,
                )
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        """The job ``job_id``, or ``None`` if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*_JOB_COLUMNS).where(JobRow.id == job_id)).first()
        return None if row is None else _job(row)

    def problem_of(self, job_id: str) -> str | None:
        """The problem document of ``job_id`` as JSON text, or ``None``."""
        with self.engine.connect() as conn:
            return conn.scalar(select(JobRow.problem).where(JobRow.id == job_id))

    def plan_of(self, job_id: str) -> str | None:
        """The plan document of ``job_id`` as JSON text, or ``None`` while it has none."""
        with self.engine.connect() as conn:
            return conn.scalar(select(JobRow.plan).where(JobRow.id == job_id))

    def list_jobs(
        self, status: JobStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Job], int]:
        """Jobs, newest first, and how many match ``status`` (all when ``None``)."""
        where = [] if status is None else [JobRow.status == status.value]
        with self.engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(JobRow).where(*where)) or 0
            rows = conn.execute(
                select(*_JOB_COLUMNS)
                .where(*where)
                .order_by(JobRow.created_at.desc(), JobRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        return [_job(r) for r in rows], total

    def counts(self) -> dict[str, int]:
        """Number of jobs by status, every status included (zeros too)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(JobRow.status, func.count()).group_by(JobRow.status)).all()
        found = {status: count for status, count in rows}
        return {s.value: found.get(s.value, 0) for s in JobStatus}

    def running_deadlines(self) -> list[datetime]:
        """When each running job reaches its time limit (UTC)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(JobRow.started_at, JobRow.time_limit_s).where(
                    JobRow.status == JobStatus.RUNNING.value
                )
            ).all()
        return [s + timedelta(seconds=t) for s, t in rows if s is not None]

    # --- state changes ------------------------------------------------------------

    def request_cancel(self, job_id: str) -> Job | None:
        """Cancel a queued job at once; flag a running one for its worker.

        Returns
        -------
        Job or None
            The job after the change (unchanged if it had already ended),
            ``None`` if there is no such job.
        """
        with self.engine.begin() as conn:
            conn.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
                .values(status=JobStatus.CANCELLED.value, cancel_requested=True, finished_at=_now())
            )
        with self.engine.begin() as conn:
            conn.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
                .values(cancel_requested=True)
            )
        return self.get(job_id)

    def claim_next(self) -> Job | None:
        """Move the oldest queued job to running (attempt + 1) and return it.

        Safe with several claimers: the update only applies while the job is
        still queued, and a lost race moves on to the next candidate.
        """
        for _ in range(10):
            with self.engine.connect() as conn:
                ids = conn.scalars(
                    select(JobRow.id)
                    .where(JobRow.status == JobStatus.QUEUED.value)
                    .order_by(JobRow.created_at, JobRow.id)
                    .limit(5)
                ).all()
            if not ids:
                return None
            for job_id in ids:
                with self.engine.begin() as conn:
                    claimed = conn.execute(
                        update(JobRow)
                        .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
                        .values(
                            status=JobStatus.RUNNING.value,
                            attempt=JobRow.attempt + 1,
                            started_at=_now(),
                        )
                    ).rowcount
                if claimed == 1:
                    return self.get(job_id)
        return None

    def _update_running(self, job_id: str, attempt: int, **values: Any) -> bool:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(JobRow)
                .where(
                    JobRow.id == job_id,
                    JobRow.attempt == attempt,
                    JobRow.status == JobStatus.RUNNING.value,
                )
                .values(**values)
            ).rowcount
        return changed == 1

    def update_progress(
        self,
        job_id: str,
        attempt: int,
        *,
        elapsed_s: float,
        objective: float | None,
        assigned: int | None,
        phase: str | None = None,
        part: int | None = None,
        parts: int | None = None,
        round_: int | None = None,
    ) -> bool:
        """Record where the solve stands; ``False`` if this attempt is no longer current."""
        return self._update_running(
            job_id,
            attempt,
            progress_elapsed_s=elapsed_s,
            progress_objective=objective,
            progress_assigned=assigned,
            progress_phase=phase,
            progress_part=part,
            progress_parts=parts,
            progress_round=round_,
        )

    def is_cancel_requested(self, job_id: str, attempt: int) -> bool:
        """Whether the run ``attempt`` of ``job_id`` should stop (cancelled, or stale)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(JobRow.status, JobRow.attempt, JobRow.cancel_requested).where(
                    JobRow.id == job_id
                )
            ).first()
        if row is None or row.status != JobStatus.RUNNING.value or row.attempt != attempt:
            return True
        return bool(row.cancel_requested)

    def finish(
        self,
        job_id: str,
        attempt: int,
        status: JobStatus,
        *,
        plan_json: str | None = None,
        error: str | None = None,
        error_code: str | None = None,
        progress: tuple[float, float, int] | None = None,
        phase: str | None = None,
    ) -> bool:
        """End the run ``attempt`` of a running job.

        Parameters
        ----------
        status
            ``succeeded``, ``failed`` or ``cancelled``.
        plan_json
            The plan document as JSON text, if any.
        error
            One sentence for a failed job.
        error_code
            Why a failed job failed (:class:`FailureCode`).
        progress
            Final ``(elapsed_s, objective, assigned)``, if known.
        phase
            The phase to record with it (``None`` clears the phase).

        Returns
        -------
        bool
            ``False`` (and nothing written) if the job is not running under
            ``attempt`` any more.
        """
        values: dict[str, Any] = {
            "status": status.value,
            "finished_at": _now(),
            "plan": plan_json,
            "error": error,
            "error_code": error_code,
            "checkpoint": None,
            "checkpoint_elapsed_s": None,
            "progress_phase": phase,
            "progress_part": None,
            "progress_parts": None,
            "progress_round": None,
        }
        if progress is not None:
            keys = ("progress_elapsed_s", "progress_objective", "progress_assigned")
            values.update(zip(keys, progress, strict=True))
        return self._update_running(job_id, attempt, **values)

    def save_checkpoint(self, job_id: str, attempt: int, plan_json: str, elapsed_s: float) -> bool:
        """Keep the best plan so far of a running job, to resume from after a crash."""
        return self._update_running(
            job_id, attempt, checkpoint=plan_json, checkpoint_elapsed_s=elapsed_s
        )

    def checkpoint_of(self, job_id: str) -> tuple[str, float] | None:
        """The saved best plan so far (JSON) and the solve seconds behind it, or ``None``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(JobRow.checkpoint, JobRow.checkpoint_elapsed_s).where(JobRow.id == job_id)
            ).first()
        if row is None or row.checkpoint is None:
            return None
        return row.checkpoint, float(row.checkpoint_elapsed_s or 0.0)

    def fail_queued(self, error: str, error_code: str) -> int:
        """Fail every queued job with ``error`` and ``error_code``; returns how many."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(JobRow)
                .where(JobRow.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.FAILED.value,
                    finished_at=_now(),
                    error=error,
                    error_code=error_code,
                    checkpoint=None,
                    checkpoint_elapsed_s=None,
                )
            ).rowcount

    def worker_crashed(self, job_id: str, attempt: int, max_attempts: int, error: str) -> JobStatus:
        """After the worker of run ``attempt`` died: queue the job again, or fail it.

        The job goes back to the queue (keeping its checkpoint) while
        ``attempt < max_attempts``; after the last attempt it ends ``failed``
        with code ``worker_crashed`` and ``error``.

        Returns
        -------
        JobStatus
            ``queued``, ``failed``, or the job's status if the run was no longer current.
        """
        if attempt < max_attempts:
            if self._update_running(job_id, attempt, status=JobStatus.QUEUED.value):
                return JobStatus.QUEUED
        elif self._update_running(
            job_id,
            attempt,
            status=JobStatus.FAILED.value,
            finished_at=_now(),
            error=error,
            error_code=FailureCode.WORKER_CRASHED.value,
        ):
            return JobStatus.FAILED
        job = self.get(job_id)
        return job.status if job is not None else JobStatus.FAILED

    def purge_finished(self, before: datetime) -> int:
        """Delete jobs (and their plans) that ended before ``before``; returns how many."""
        finished = (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
        with self.engine.begin() as conn:
            return conn.execute(
                delete(JobRow).where(JobRow.status.in_(finished), JobRow.finished_at < before)
            ).rowcount

    def probe_write(self) -> None:
        """Write one row of ``store_probe``: raises when the store cannot be written."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(ProbeRow).where(ProbeRow.id == 1).values(written_at=_now())
            ).rowcount
            if changed == 0:
                conn.execute(ProbeRow.__table__.insert().values(id=1, written_at=_now()))

    def requeue(self, job_id: str, attempt: int) -> bool:
        """Put a running job back in the queue (its run ``attempt`` never started)."""
        return self._update_running(job_id, attempt, status=JobStatus.QUEUED.value)

    def requeue_interrupted(self) -> int:
        """After a restart: re-queue running jobs, cancel those whose cancel was pending.

        Assumes one service per database: another live service's running
        jobs would be re-queued too.

        Returns
        -------
        int
            How many jobs were re-queued.
        """
        running = JobRow.status == JobStatus.RUNNING.value
        with self.engine.begin() as conn:
            conn.execute(
                update(JobRow)
                .where(running, JobRow.cancel_requested.is_(True))
                .values(status=JobStatus.CANCELLED.value, finished_at=_now())
            )
        with self.engine.begin() as conn:
            return conn.execute(
                update(JobRow)
                .where(running)
                .values(status=JobStatus.QUEUED.value, started_at=None, progress_phase=None)
            ).rowcount
