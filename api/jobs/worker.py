"""What runs inside a job worker process.

A worker is started by :class:`api.jobs.service.JobService` with the
``spawn`` context. It opens its own database engine, then solves the jobs
the service hands it over a pipe, one at a time, writing progress, the
plan and the final status to the database itself. It dies with the
server: ``PR_SET_PDEATHSIG`` on Linux, and a parent-pid check while idle
and between solutions everywhere.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from api.jobs.store import JobStatus, JobStore
from api.mapping import plan_to_out
from optimizer import InputError, Progress, SolveParams, SolverError, solve
from optimizer.document import load_problem

log = logging.getLogger("api.jobs.worker")

PROGRESS_EVERY_S = 1.0
"""Progress is written to the database at most this often."""

CANCEL_POLL_EVERY_S = 0.25
"""How often a running solve reads ``cancel_requested``."""

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class JobResult:
    """How a run ended, reported to the service for metrics."""

    job_id: str
    outcome: str
    wall_s: float


def die_with_parent(parent_pid: int) -> None:
    """Make this process die when ``parent_pid`` does (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - exotic libc
            log.warning("PR_SET_PDEATHSIG unavailable; relying on parent-pid checks")
    if os.getppid() != parent_pid:
        os._exit(1)


class _Watch:
    """The ``on_progress`` callback: best-so-far progress, cancel and parent checks."""

    def __init__(self, store: JobStore, job_id: str, attempt: int, parent_pid: int | None) -> None:
        self.store = store
        self.job_id = job_id
        self.attempt = attempt
        self.parent_pid = parent_pid
        self.best: Progress | None = None
        self.is_stopped = False
        self._written_at = -PROGRESS_EVERY_S
        self._polled_at = time.monotonic()

    def __call__(self, progress: Progress) -> bool:
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            os._exit(1)  # the server is gone: never solve as an orphan
        if self.best is None or progress.objective < self.best.objective:
            self.best = progress
        now = time.monotonic()
        if now - self._written_at >= PROGRESS_EVERY_S:
            self._written_at = now
            if not self.store.update_progress(
                self.job_id,
                self.attempt,
                elapsed_s=progress.elapsed_s,
                objective=self.best.objective,
                assigned=self.best.assigned,
            ):
                self.is_stopped = True
        if now - self._polled_at >= CANCEL_POLL_EVERY_S:
            self._polled_at = now
            self.is_stopped = self.is_stopped or self.store.is_cancel_requested(
                self.job_id, self.attempt
            )
        return self.is_stopped


def run_job(store: JobStore, job_id: str, attempt: int, parent_pid: int | None = None) -> JobResult:
    """Solve the run ``attempt`` of the running job ``job_id`` and record how it ended.

    Parameters
    ----------
    store
        This process's store.
    job_id, attempt
        The job, as claimed by :meth:`JobStore.claim_next`.
    parent_pid
        If given, the process exits as soon as its parent is not this pid.

    Returns
    -------
    JobResult
        ``outcome`` is the plan's solver status (``feasible``, ``optimal``,
        ``no_solution_found``), ``cancelled``, ``input_error``,
        ``solver_error``, ``error`` or ``stale`` (the job was taken away).
    """
    started = time.perf_counter()

    def result(outcome: str) -> JobResult:
        return JobResult(job_id, outcome, time.perf_counter() - started)

    job = store.get(job_id)
    problem_json = store.problem_of(job_id)
    if job is None or problem_json is None:
        return result("stale")
    try:
        problem = load_problem(problem_json)
    except InputError as exc:
        store.finish(job_id, attempt, JobStatus.FAILED, error=str(exc))
        return result("input_error")
    watch = _Watch(store, job_id, attempt, parent_pid)
    try:
        plan = solve(
            problem,
            params=SolveParams(time_limit_s=job.time_limit_s, seed=job.seed),
            on_progress=watch,
        )
    except SolverError as exc:
        store.finish(job_id, attempt, JobStatus.FAILED, error=str(exc))
        return result("solver_error")
    except Exception:
        log.exception("job %s failed", job_id)
        store.finish(job_id, attempt, JobStatus.FAILED, error=f"Internal error in job {job_id}.")
        return result("error")
    status = JobStatus.CANCELLED if watch.is_stopped else JobStatus.SUCCEEDED
    progress = (
        plan.stats.wall_s,
        plan.stats.objective,
        sum(len(r.stops) for r in plan.routes),
    )
    is_current = store.finish(
        job_id,
        attempt,
        status,
        plan_json=json.dumps(plan_to_out(problem, plan)),
        progress=progress,
    )
    if not is_current:
        return result("stale")
    return result("cancelled" if status is JobStatus.CANCELLED else plan.stats.status)


def worker_main(database_url: str, conn: Connection, parent_pid: int) -> None:
    """Entry point of a worker process: solve jobs received on ``conn`` until told to stop.

    The worker first sends ``"ready"``; then the service sends
    ``(job_id, attempt)`` tuples, or ``None`` to stop, and the worker answers
    each job with a :class:`JobResult`.
    """
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = JobStore(database_url)
    try:
        conn.send("ready")
        while True:
            while not conn.poll(1.0):
                if os.getppid() != parent_pid:
                    return
            message = conn.recv()
            if message is None:
                return
            job_id, attempt = message
            try:
                outcome = run_job(store, job_id, attempt, parent_pid)
            except Exception:
                log.exception("job %s: could not record its result", job_id)
                outcome = JobResult(job_id, "error", 0.0)
            conn.send(outcome)
    except (EOFError, OSError):
        return
    finally:
        store.close()
