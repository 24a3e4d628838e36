"""What runs inside a job worker process.

A worker is started by :class:`api.jobs.service.JobService` with the
``spawn`` context. It opens its own database engine, then solves the jobs
the service hands it over a pipe, one at a time, writing progress, the
plan and the final status to the database itself. It dies with the
server: ``PR_SET_PDEATHSIG`` on Linux, and a parent-pid check while idle
and between solutions everywhere.

Hardening: the worker's address space is capped (``RLIMIT_AS``), so a solve
too large for it fails as ``resource_exhausted`` instead of waking the
kernel's OOM killer. A long job is solved in slices of ``checkpoint_s``,
each warm-started from the plan of the last and saved as the job's
checkpoint, so that a job whose worker dies resumes from its best plan so
far. The result is written with retries and backoff while the store is
down: a job never stays ``running`` because its end could not be recorded.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import resource
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from api.jobs.store import FailureCode, JobStatus, JobStore, StoreUnavailable
from api.mapping import plan_from_in, plan_to_out
from optimizer import InputError, Plan, Progress, SolveParams, SolverError, solve
from optimizer.document import load_problem

log = logging.getLogger("api.jobs.worker")

PROGRESS_EVERY_S = 1.0
"""Progress is written to the database at most this often."""

CANCEL_POLL_EVERY_S = 0.25
"""How often a running solve reads ``cancel_requested``."""

MIN_RESUME_S = 1.0
"""Least search a resumed job gets, even when its checkpoint used up its time limit."""

STORE_RETRY_FIRST_S = 0.5
"""First wait before writing a result again after the store failed; doubles each time."""

STORE_RETRY_MAX_S = 10.0
"""Longest wait between two tries of writing a result."""

_PR_SET_PDEATHSIG = 1

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What a worker needs besides the database URL.

    Parameters
    ----------
    parent_pid
        The server's pid: the worker exits when its parent changes.
    memory_bytes
        Address-space limit (``RLIMIT_AS``), or ``None`` for none.
    checkpoint_s
        Solve slice after which the best plan so far is saved.
    search
        The search parameters every job's solve takes besides its time limit
        and seed (processes, executor, Ray address).
    """

    parent_pid: int
    memory_bytes: int | None = None
    checkpoint_s: float = 600.0
    search: SolveParams = field(default_factory=SolveParams)


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
        self.offset_s = 0.0
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
        progress = Progress(
            progress.elapsed_s + self.offset_s, progress.objective, progress.assigned
        )
        if self.best is None or progress.objective < self.best.objective:
            self.best = progress
        now = time.monotonic()
        try:  # a store outage must not stop the search: the result is written with retries
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
        except (SQLAlchemyError, StoreUnavailable) as exc:
            log.warning("job %s: progress not recorded, the store failed: %s", self.job_id, exc)
        return self.is_stopped


def with_retries(write: Callable[[], _T], what: str, parent_pid: int | None = None) -> _T:
    """Call ``write`` until the store takes it, waiting 0.5 s, 1 s, 2 s... (at most 10 s).

    Gives up only when the server is gone (``parent_pid`` is no longer the
    parent): then nobody is left to read the result.
    """
    wait_s = STORE_RETRY_FIRST_S
    while True:
        try:
            return write()
        except (SQLAlchemyError, StoreUnavailable) as exc:
            if parent_pid is not None and os.getppid() != parent_pid:
                os._exit(1)
            log.warning("%s: the store failed (%s); retrying in %.1f s", what, exc, wait_s)
            time.sleep(wait_s)
            wait_s = min(2 * wait_s, STORE_RETRY_MAX_S)


def limit_memory(memory_bytes: int | None) -> None:
    """Cap this process's address space at ``memory_bytes`` (``RLIMIT_AS``); ``None``: no cap."""
    if memory_bytes is None:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_bytes = min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, hard))


def _resume_point(store: JobStore, job_id: str, problem_json: str) -> tuple[Plan | None, float]:
    """The checkpoint plan of an earlier attempt and the solve seconds it stands for."""
    saved = store.checkpoint_of(job_id)
    if saved is None:
        return None, 0.0
    plan_json, elapsed_s = saved
    try:
        return plan_from_in(load_problem(problem_json), json.loads(plan_json)), elapsed_s
    except (InputError, ValueError):
        log.warning("job %s: its checkpoint cannot be read; solving from scratch", job_id)
        return None, 0.0


def run_job(
    store: JobStore,
    job_id: str,
    attempt: int,
    parent_pid: int | None = None,
    *,
    checkpoint_s: float = 600.0,
    memory_bytes: int | None = None,
    search: SolveParams | None = None,
) -> JobResult:
    """Solve the run ``attempt`` of the running job ``job_id`` and record how it ended.

    Parameters
    ----------
    store
        This process's store.
    job_id, attempt
        The job, as claimed by :meth:`JobStore.claim_next`.
    parent_pid
        If given, the process exits as soon as its parent is not this pid.
    checkpoint_s
        The job is solved in slices of at most this many seconds, each
        warm-started from the last one's plan, which is saved as the job's
        checkpoint. A job that has a checkpoint (an earlier attempt died)
        resumes from it with the time it had left (at least
        :data:`MIN_RESUME_S`).
    memory_bytes
        The worker's memory limit, quoted when a solve runs out of memory.
    search
        Search parameters besides the time limit and seed (processes,
        executor, Ray address); default :class:`SolveParams`.

    Returns
    -------
    JobResult
        ``outcome`` is the plan's solver status (``feasible``, ``optimal``,
        ``no_solution_found``), ``cancelled``, ``input_error``,
        ``solver_error``, ``resource_exhausted``, ``error`` or ``stale``
        (the job was taken away).
    """
    started = time.perf_counter()

    def result(outcome: str) -> JobResult:
        return JobResult(job_id, outcome, time.perf_counter() - started)

    def fail(code: FailureCode, error: str) -> JobResult:
        with_retries(
            lambda: store.finish(job_id, attempt, JobStatus.FAILED, error=error, error_code=code),
            f"job {job_id}: recording its failure",
            parent_pid,
        )
        return result("error" if code is FailureCode.INTERNAL_ERROR else code.value)

    reading = f"job {job_id}: reading it"
    job = with_retries(lambda: store.get(job_id), reading, parent_pid)
    problem_json = with_retries(lambda: store.problem_of(job_id), reading, parent_pid)
    if job is None or problem_json is None:
        return result("stale")
    try:
        problem = load_problem(problem_json)
    except InputError as exc:
        return fail(FailureCode.INPUT_ERROR, str(exc))
    plan, elapsed_s = with_retries(
        lambda: _resume_point(store, job_id, problem_json), reading, parent_pid
    )
    if plan is not None:
        log.info("job %s: resuming from its checkpoint at %.1f s", job_id, elapsed_s)
    watch = _Watch(store, job_id, attempt, parent_pid)
    remaining_s = job.time_limit_s - elapsed_s
    if plan is not None:
        remaining_s = max(remaining_s, MIN_RESUME_S)
    try:
        while True:
            slice_s = min(remaining_s, checkpoint_s)
            watch.offset_s = elapsed_s
            plan = solve(
                problem,
                params=replace(search or SolveParams(), time_limit_s=slice_s, seed=job.seed),
                initial_plan=plan,
                on_progress=watch,
            )
            elapsed_s += slice_s
            remaining_s -= slice_s
            if watch.is_stopped or remaining_s <= 1e-9:
                break
            checkpoint = json.dumps(plan_to_out(problem, plan))
            if not with_retries(
                lambda c=checkpoint, e=elapsed_s: store.save_checkpoint(job_id, attempt, c, e),  # type: ignore[misc]
                f"job {job_id}: saving its checkpoint",
                parent_pid,
            ):
                return result("stale")
    except SolverError as exc:
        return fail(FailureCode.SOLVER_ERROR, str(exc))
    except MemoryError:
        limit = f" of {memory_bytes // 2**20} MB" if memory_bytes else ""
        log.error("job %s ran out of memory", job_id)
        fail(
            FailureCode.RESOURCE_EXHAUSTED,
            f"Job {job_id} needs more memory than the worker's limit{limit} "
            "(DISPATCH_WORKER_MEMORY_MB): solve fewer work orders at once or raise the limit.",
        )
        raise  # the worker exits: its memory may be in no state to solve again
    except Exception:
        log.exception("job %s failed", job_id)
        return fail(FailureCode.INTERNAL_ERROR, f"Internal error in job {job_id}.")
    status = JobStatus.CANCELLED if watch.is_stopped else JobStatus.SUCCEEDED
    progress = (elapsed_s, plan.stats.objective, sum(len(r.stops) for r in plan.routes))
    plan_json = json.dumps(plan_to_out(problem, plan))
    is_current = with_retries(
        lambda: store.finish(job_id, attempt, status, plan_json=plan_json, progress=progress),
        f"job {job_id}: recording its plan",
        parent_pid,
    )
    if not is_current:
        return result("stale")
    return result("cancelled" if status is JobStatus.CANCELLED else plan.stats.status)


def worker_main(database_url: str, conn: Connection, config: WorkerConfig) -> None:
    """Entry point of a worker process: solve jobs received on ``conn`` until told to stop.

    The worker first sends ``"ready"``; then the service sends
    ``(job_id, attempt)`` tuples, or ``None`` to stop, and the worker answers
    each job with a :class:`JobResult`.
    """
    parent_pid = config.parent_pid
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    limit_memory(config.memory_bytes)
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
                outcome = run_job(
                    store,
                    job_id,
                    attempt,
                    parent_pid,
                    checkpoint_s=config.checkpoint_s,
                    memory_bytes=config.memory_bytes,
                    search=config.search,
                )
            except MemoryError:
                conn.send(JobResult(job_id, "resource_exhausted", 0.0))
                return  # a fresh worker takes over
            except Exception:
                log.exception("job %s: could not record its result", job_id)
                outcome = JobResult(job_id, "error", 0.0)
            conn.send(outcome)
    except (EOFError, OSError):
        return
    finally:
        store.close()
