"""The job service: durable jobs in the database, solved by worker processes.

``submit`` validates the problem and commits a queued job. A dispatcher
thread hands queued jobs to a fixed pool of ``spawn``-ed worker processes
(:mod:`api.jobs.worker`), one job each, and respawns a worker that dies.
Nothing is solved in the server process. On start, the schema is migrated
(:mod:`api.jobs.schema`) and jobs left ``queued`` or ``running`` by a
previous server (stopped or killed) are queued again. A job whose worker
dies is queued again until it has been started ``job_max_attempts`` times,
then fails with code ``worker_crashed``. When ``worker_start_failures``
workers in a row fail to start, the workers are reported failing
(:meth:`JobService.workers_state`, ``/healthz`` answers 503), queued jobs
fail with code ``worker_start_failed`` and the cause, and new jobs are
refused (503) until a worker starts again (it is retried with backoff). The
dispatcher deletes finished jobs older than ``job_retention_days`` once an
hour. One service per database is assumed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import multiprocessing
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from api import metrics
from api.jobs.store import ACTIVE, FailureCode, Job, JobStatus, JobStore, StoreUnavailable
from api.jobs.worker import JobResult, WorkerConfig, worker_main
from api.settings import Settings
from optimizer.document import load_problem

log = logging.getLogger("api.jobs")

_CONTEXT = multiprocessing.get_context("spawn")  # never fork a threaded server

PURGE_EVERY_S = 3600.0
"""How often the dispatcher deletes jobs past their retention."""

START_RETRY_MAX_S = 30.0
"""Longest wait before starting a worker again after failed starts (doubling from 1 s)."""


class WorkersFailing(Exception):
    """No job worker can start: jobs cannot run.

    ``retry_after_s`` is when the next start is tried.
    """

    def __init__(self, cause: str, retry_after_s: int) -> None:
        self.cause = cause
        self.retry_after_s = retry_after_s
        super().__init__(
            f"No job worker can start, so no job can run: {cause} "
            f"Retry in {retry_after_s} s, or see the server's log."
        )


class QueueFull(Exception):
    """The queue holds ``job_queue_size`` queued or running jobs.

    ``retry_after_s`` estimates when a place frees up: when the first
    running job reaches its time limit (at least 1 s).
    """

    def __init__(self, size: int, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(
            f"The job queue is full: {size} jobs are queued or running; retry in {retry_after_s} s."
        )


class JobNotFound(LookupError):
    """No job has this id."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"Unknown job id: {job_id}.")


class JobNotCancellable(Exception):
    """The job has already succeeded or failed."""

    def __init__(self, job: Job) -> None:
        self.job = job
        super().__init__(
            f"Job {job.id} has already {job.status.value}; "
            "only a queued or running job can be cancelled."
        )


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    job: Job | None = None
    is_ready: bool = False
    start_failure: str | None = None
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class JobService:
    """Jobs in the database, solved by worker processes.

    Parameters
    ----------
    settings
        ``database_url``, ``job_workers`` (processes), ``job_queue_size``
        (queued + running jobs accepted), ``default_time_limit_s`` and
        ``max_job_time_limit_s``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = JobStore(settings.database_url)
        self._submit_lock = threading.Lock()
        self._schema_lock = threading.Lock()
        self._has_schema = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        self._purged_at = -math.inf
        self._workers: list[_Worker] = []
        self._start_failures = 0
        self._failing_cause: str | None = None
        self._next_start_at = 0.0

    # --- life cycle ---------------------------------------------------------------

    def start(self) -> None:
        """Create the table, re-queue interrupted jobs, start the workers."""
        self._ensure_schema()
        requeued = self.store.requeue_interrupted()
        if requeued:
            log.warning("re-queued %d job(s) interrupted by a previous stop", requeued)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._dispatch, name="job-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching and the workers; running jobs are re-queued at the next start."""
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.store.close()
        self._wake_r.close()
        self._wake_w.close()

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            return self.store.ping()
        except Exception:
            log.exception("job database unreachable")
            return False

    def check_store(self) -> str | None:
        """Why the store cannot take work now, or ``None`` when it can.

        Checks that the SQLite file is still the one opened at start, then
        writes the probe row: a database that answers reads but refuses
        writes (a read-only file, a full disk, a read-only replica) is not
        healthy.
        """
        try:
            self._ensure_schema()
            self.store.check_file()
            self.store.probe_write()
        except StoreUnavailable as exc:
            log.error("%s", exc)
            return str(exc)
        except Exception as exc:
            log.warning("job store health probe failed: %s", exc)
            return f"The job store cannot be written: {_first_line(exc)}."
        return None

    def workers_state(self) -> tuple[str, str | None, int]:
        """``(state, cause, retry_after_s)``: ``ok``, ``failing`` (none starts) or ``stopped``."""
        if self._thread is None:
            return "stopped", None, 0
        cause = self._failing_cause
        if cause is None:
            return "ok", None, 0
        return "failing", cause, self._retry_after_start_s()

    def _retry_after_start_s(self) -> int:
        return max(1, math.ceil(self._next_start_at - time.monotonic()))

    def busy_workers(self) -> dict[str, int]:
        """The pid of each worker process by the id of the job it is solving (operations, tests)."""
        return {
            w.job.id: w.process.pid
            for w in list(self._workers)
            if w.job is not None and w.process.pid is not None
        }

    def counts(self) -> dict[str, int]:
        """Number of jobs by status, every status included (zeros too)."""
        self._ensure_schema()
        return self.store.counts()

    # --- requests -----------------------------------------------------------------

    def submit(self, problem_doc: dict[str, Any], *, time_limit_s: float | None, seed: int) -> Job:
        """Validate ``problem_doc`` and queue it; the job is committed on return.

        Parameters
        ----------
        problem_doc
            A problem document (JSON-ready).
        time_limit_s
            Solve budget in seconds (default ``default_time_limit_s``),
            capped at ``max_job_time_limit_s``.
        seed
            Search seed.

        Raises
        ------
        InputError
            If the problem is invalid (nothing is stored).
        QueueFull
            If ``job_queue_size`` jobs are already queued or running.
        WorkersFailing
            If no job worker can start.
        """
        load_problem(problem_doc)
        self.store.check_file()
        if self._failing_cause is not None:
            raise WorkersFailing(self._failing_cause, self._retry_after_start_s())
        limit_s = min(
            time_limit_s or self.settings.default_time_limit_s,
            self.settings.max_job_time_limit_s,
        )
        self._ensure_schema()
        with self._submit_lock:
            counts = self.store.counts()
            active = sum(counts[s.value] for s in ACTIVE)
            if active >= self.settings.job_queue_size:
                raise QueueFull(active, self._retry_after_s())
            job = self.store.submit(json.dumps(problem_doc), time_limit_s=limit_s, seed=seed)
        self._wake()
        return job

    def get(self, job_id: str) -> Job:
        """The job ``job_id``.

        Raises
        ------
        JobNotFound
        """
        self._ensure_schema()
        job = self.store.get(job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    def list_jobs(self, status: JobStatus | None, limit: int, offset: int) -> tuple[list[Job], int]:
        """Jobs newest first, and the number matching ``status``."""
        self._ensure_schema()
        return self.store.list_jobs(status, limit, offset)

    def plan_json(self, job_id: str) -> tuple[Job, str | None]:
        """The job and its plan document as JSON text (``None`` while it has none).

        Raises
        ------
        JobNotFound
        """
        job = self.get(job_id)
        return job, self.store.plan_of(job_id) if job.has_plan else None

    def problem_json(self, job_id: str) -> str:
        """The problem document of ``job_id`` as JSON text.

        Raises
        ------
        JobNotFound
        """
        self._ensure_schema()
        problem = self.store.problem_of(job_id)
        if problem is None:
            raise JobNotFound(job_id)
        return problem

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job now, or ask the worker of a running job to stop.

        A running job ends ``cancelled`` with the best plan found so far,
        within about a second of its worker noticing.

        Raises
        ------
        JobNotFound
        JobNotCancellable
            If the job has already succeeded or failed.
        """
        self._ensure_schema()
        job = self.store.request_cancel(job_id)
        if job is None:
            raise JobNotFound(job_id)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            raise JobNotCancellable(job)
        return job

    # --- internals ----------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if self._has_schema:
            self.store.check_file()
            return
        with self._schema_lock:
            if not self._has_schema:
                revision = self.store.migrate()
                log.info("job store schema at revision %s", revision)
                self._has_schema = True

    def purge_expired(self) -> int:
        """Delete finished jobs older than ``job_retention_days`` (0: keep all); how many."""
        days = self.settings.job_retention_days
        if days <= 0:
            return 0
        purged = self.store.purge_finished(datetime.now(UTC) - timedelta(days=days))
        if purged:
            log.info("deleted %d job(s) finished more than %g days ago", purged, days)
        return purged

    def _retry_after_s(self) -> int:
        now = datetime.now(UTC)
        deadlines = self.store.running_deadlines()
        if not deadlines:
            return 1
        return max(1, math.ceil((min(deadlines) - now).total_seconds()))

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full: a wake-up is already pending
            self._wake_w.send(b"\0")

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = _CONTEXT.Pipe()
        config = WorkerConfig(
            parent_pid=os.getpid(),
            memory_bytes=self.settings.worker_memory_bytes(),
            checkpoint_s=self.settings.job_checkpoint_s,
            search=self.settings.search_params(),
        )
        process = _CONTEXT.Process(
            target=worker_main,
            args=(self.settings.database_url, child_conn, config),
            name="dispatch-job-worker",
            daemon=True,
        )
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn)

    def _dispatch(self) -> None:
        """The dispatcher thread; it also creates every worker (PR_SET_PDEATHSIG is per thread)."""
        workers = [self._spawn() for _ in range(self.settings.job_workers)]
        self._workers = workers
        try:
            while not self._stopping.is_set():
                try:
                    self._dispatch_once(workers)
                except Exception:
                    log.exception("job dispatcher error; retrying")
                    self._stopping.wait(1.0)
        finally:
            _shut_down(workers)

    def _dispatch_once(self, workers: list[_Worker]) -> None:
        if time.monotonic() - self._purged_at >= PURGE_EVERY_S:
            self.purge_expired()
            self._purged_at = time.monotonic()
        self.store.check_file()
        for worker in workers:
            if worker.is_ready and worker.job is None and worker.process.is_alive():
                job = self.store.claim_next()
                if job is None:
                    break
                try:
                    worker.conn.send((job.id, job.attempt))
                except OSError:  # the worker just died: the job never started
                    self.store.requeue(job.id, job.attempt)
                    continue
                worker.job, worker.sent_at = job, datetime.now(UTC)
        live = [w for w in workers if not w.conn.closed]  # the others wait to be started again
        ready = wait(
            [self._wake_r, *(w.conn for w in live), *(w.process.sentinel for w in live)],
            timeout=1.0,
        )
        if self._wake_r in ready:
            self._wake_r.recv(4096)
        for i, worker in enumerate(workers):
            if not worker.conn.closed and worker.conn in ready:
                try:
                    message: JobResult | str | tuple[str, str] = worker.conn.recv()
                except (EOFError, OSError):
                    message = "died"  # handled below
                if isinstance(message, JobResult):
                    metrics.record_solve("job", message.outcome, message.wall_s)
                    worker.job = None
                elif message == "ready":
                    worker.is_ready = True
                    if self._failing_cause is not None:
                        log.warning("a job worker started again; jobs run again")
                    self._start_failures, self._failing_cause = 0, None
                elif isinstance(message, tuple) and message[:1] == ("failed",):
                    worker.start_failure = str(message[1])
            if not worker.process.is_alive() and not self._stopping.is_set():
                replaced = self._replace(worker)
                if replaced is not None:
                    workers[i] = replaced

    def _replace(self, worker: _Worker) -> _Worker | None:
        """Record how ``worker`` ended and start another; ``None`` while starts are backed off."""
        if worker.conn.closed:  # a failed start already recorded: waiting to retry
            if time.monotonic() < self._next_start_at:
                return None
            return self._spawn()
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        if worker.job is not None:
            job = worker.job
            limit = self.settings.job_max_attempts
            status = self.store.worker_crashed(
                job.id,
                job.attempt,
                limit,
                error=f"The worker process solving job {job.id} exited unexpectedly "
                f"(exit code {code}) on attempt {job.attempt}, the last of "
                f"DISPATCH_JOB_MAX_ATTEMPTS={limit}.",
            )
            log.error(
                "worker solving job %s (attempt %d of %d) exited with code %s; job %s",
                job.id,
                job.attempt,
                limit,
                code,
                status.value,
            )
            worker.job = None  # recorded: a store failure above retries the whole replacement
            wall_s = (datetime.now(UTC) - worker.sent_at).total_seconds()
            metrics.record_solve("job", "crashed", wall_s)
            self._wake()
        elif not worker.is_ready:
            self._start_failed(worker, code)
            worker.conn.close()
            return None if time.monotonic() < self._next_start_at else self._spawn()
        worker.conn.close()
        return self._spawn()

    def _start_failed(self, worker: _Worker, code: int | None) -> None:
        """A worker died before it was ready: back off; after enough in a row, report failing."""
        self._start_failures += 1
        cause = worker.start_failure or f"the worker process exited with code {code} while starting"
        wait_s = min(2.0 ** (self._start_failures - 1), START_RETRY_MAX_S)
        self._next_start_at = time.monotonic() + wait_s
        log.error(
            "job worker could not start (%d in a row): %s; retrying in %.0f s",
            self._start_failures,
            cause,
            wait_s,
        )
        if self._start_failures < self.settings.worker_start_failures:
            return
        self._failing_cause = f"{cause.rstrip('.')}."
        failed = self.store.fail_queued(
            f"No job worker could start ({self._start_failures} tries in a row): "
            f"{self._failing_cause}",
            FailureCode.WORKER_START_FAILED.value,
        )
        if failed:
            log.error("failed %d queued job(s): no job worker can start", failed)


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message, without a trailing full stop."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__).rstrip(".")


def _shut_down(workers: list[_Worker]) -> None:
    """Ask idle workers to exit, terminate busy ones (their jobs stay running)."""
    for worker in workers:
        try:
            if worker.job is None:
                worker.conn.send(None)
            else:
                worker.process.terminate()
        except OSError:
            worker.process.terminate()
    for worker in workers:
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=5)
        worker.conn.close()
