"""What runs inside a job worker process.

A worker is started by :class:`api.jobs.service.JobService` with the
``spawn`` context. It opens its own database engine, then solves the jobs
the service hands it over a pipe, one at a time, writing progress, the
plan and the final status to the database itself. It dies with the
server: ``PR_SET_PDEATHSIG`` on Linux, and a parent-pid check while idle
and between solutions everywhere.

Hardening: a watchdog thread caps the worker's resident memory (RSS), so
a solve too large for it fails as ``resource_exhausted`` instead of waking
the kernel's OOM killer. A job's solve runs once, with its whole time
limit; its best plan so far is saved as the job's checkpoint at its first
plan and then every ``checkpoint_s`` (default: 10% of the limit, at least
30 s), so that a job whose worker dies resumes from its best plan with the
time it has left. The result is written with retries and backoff while the
store is down: a job never stays ``running`` because its end could not be
recorded.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import math
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from api.jobs.store import FailureCode, Job, JobStatus, JobStore, StoreUnavailable
from api.mapping import plan_from_in, plan_to_out
from optimizer import InputError, Phase, Plan, Problem, Progress, SolveParams, SolverError, solve
from optimizer.document import load_problem, plan_to_document

log = logging.getLogger("api.jobs.worker")

PROGRESS_EVERY_S = 1.0
"""Progress is written to the database at most this often."""

CANCEL_POLL_EVERY_S = 0.1
"""How often a running solve reads ``cancel_requested``."""

MIN_RESUME_S = 1.0
"""Least search a resumed job gets, even when its earlier attempts used up its time limit."""

CHECKPOINT_SHARE = 0.1
"""By default a job keeps a checkpoint every this share of its time limit..."""

MIN_CHECKPOINT_S = 30.0
"""...but not more often than every this many seconds."""

MEMORY_POLL_S = 0.2
"""How often the memory watchdog reads the worker's resident set."""

MEMORY_GRACE_S = 2.0
"""How long a solve over its memory cap may go without calling back before the worker exits."""

MEMORY_HARD_FACTOR = 1.5
"""Resident memory this many times the cap ends the worker at once."""

RECYCLE_SHARE = 0.5
"""A worker whose resident set stays above this share of its cap after a job is replaced."""

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
        Resident-memory cap, or ``None`` for none.
    checkpoint_s
        Seconds of solving between two checkpoints; ``None``: 10% of the
        job's limit, at least 30 s.
    search
        The search parameters every job's solve takes besides its time limit
        and seed (processes, executor, Ray address).
    """

    parent_pid: int
    memory_bytes: int | None = None
    checkpoint_s: float | None = None
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
    """The ``on_progress`` callback: progress, checkpoints, cancel and parent checks.

    It writes where the solve stands at most every :data:`PROGRESS_EVERY_S`
    (and at once on entering a phase), keeps the best plan so far as the
    job's checkpoint every ``checkpoint_s`` of solving (the first one as
    soon as there is a plan), reads ``cancel_requested`` every
    :data:`CANCEL_POLL_EVERY_S`, and raises :class:`MemoryError` when the
    memory watchdog saw the worker's resident set pass its cap.
    """

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        attempt: int,
        parent_pid: int | None,
        *,
        spent_s: float = 0.0,
        checkpoint_s: float = math.inf,
        watchdog: MemoryWatchdog | None = None,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.attempt = attempt
        self.parent_pid = parent_pid
        self.spent_s = spent_s
        self.checkpoint_s = checkpoint_s
        self.watchdog = watchdog
        self.problem: Problem | None = None
        self.last: Progress | None = None
        self.is_stopped = False
        self._written_at = -PROGRESS_EVERY_S
        self._written_phase: str | None = None
        self._polled_at = time.monotonic()
        self._checkpoint_at = -math.inf
        self._checkpoint_objective: float | None = None
        self.started = time.monotonic()

    @property
    def elapsed_s(self) -> float:
        """Seconds of solving over every attempt of the job, now."""
        return self.spent_s + time.monotonic() - self.started

    def note(self, phase: Phase) -> None:
        """Record ``phase`` before the solve starts (reading the problem)."""
        self(Progress(0.0, None, None, phase))

    def __call__(self, progress: Progress) -> bool:
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            os._exit(1)  # the server is gone: never solve as an orphan
        if self.watchdog is not None:
            self.watchdog.check()
        self.last = progress
        now = time.monotonic()
        try:  # a store outage must not stop the search: the result is written with retries
            is_new_phase = progress.phase != self._written_phase
            if is_new_phase or now - self._written_at >= PROGRESS_EVERY_S:
                self._written_at, self._written_phase = now, progress.phase
                if not self.store.update_progress(
                    self.job_id,
                    self.attempt,
                    elapsed_s=self.elapsed_s,
                    objective=progress.objective,
                    assigned=progress.assigned,
                    phase=progress.phase.value,
                    part=progress.part,
                    parts=progress.parts,
                    round_=progress.round,
                ):
                    self.is_stopped = True
            if now - self._polled_at >= CANCEL_POLL_EVERY_S:
                self._polled_at = now
                self.is_stopped = self.is_stopped or self.store.is_cancel_requested(
                    self.job_id, self.attempt
                )
            if not self.is_stopped and self._is_checkpoint_due(progress, now):
                self._save_checkpoint(progress, now)
        except (SQLAlchemyError, StoreUnavailable) as exc:
            log.warning("job %s: progress not recorded, the store failed: %s", self.job_id, exc)
        return self.is_stopped

    def has_checkpoint(self) -> None:
        """An earlier attempt's checkpoint is there: the next is due one interval from now."""
        self._checkpoint_at = time.monotonic()

    def _is_checkpoint_due(self, progress: Progress, now: float) -> bool:
        if progress.best_plan is None or progress.objective is None:
            return False
        if progress.objective == self._checkpoint_objective:
            return False
        return now - self._checkpoint_at >= self.checkpoint_s

    def _save_checkpoint(self, progress: Progress, now: float) -> None:
        assert progress.best_plan is not None
        plan = progress.best_plan()
        assert self.problem is not None
        document = json.dumps(plan_to_document(self.problem, plan))  # not validated: a start
        self._checkpoint_at, self._checkpoint_objective = now, progress.objective
        if not self.store.save_checkpoint(self.job_id, self.attempt, document, self.elapsed_s):
            self.is_stopped = True
        else:
            log.info("job %s: checkpoint at %.1f s", self.job_id, self.elapsed_s)


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


def resident_bytes() -> int:
    """This process's resident set size now (Linux), or its peak so far elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: the peak, in KiB (bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


class MemoryWatchdog:
    """Watches the worker's resident memory (RSS) against its cap, from a thread.

    Once the resident set passes ``cap_bytes`` during a job, the solve's
    next progress call raises :class:`MemoryError` (the job fails as
    ``resource_exhausted``). A solve that does not call back within
    :data:`MEMORY_GRACE_S` while over the cap, or that reaches
    :data:`MEMORY_HARD_FACTOR` times the cap, has its failure recorded by the
    watchdog itself, and the worker exits: the service starts a fresh one.
    """

    def __init__(self, cap_bytes: int, store: JobStore | None = None) -> None:
        self.cap_bytes = cap_bytes
        self.store = store
        self.job: tuple[str, int] | None = None
        self.over_since: float | None = None
        self.peak_bytes = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name="memory-watchdog", daemon=True).start()

    def message(self, job_id: str) -> str:
        """The job's failure, in one sentence."""
        return (
            f"Job {job_id} needs more memory than the worker's limit of "
            f"{self.cap_bytes // 2**20} MB resident (DISPATCH_WORKER_MEMORY_MB; it reached "
            f"{self.peak_bytes // 2**20} MB): solve fewer work orders at once or raise the limit."
        )

    def start_job(self, job_id: str, attempt: int) -> None:
        """Watch the job ``job_id`` (run ``attempt``) from now on."""
        with self._lock:
            self.job, self.over_since, self.peak_bytes = (job_id, attempt), None, 0

    def end_job(self) -> None:
        """Stop watching the current job."""
        with self._lock:
            self.job, self.over_since = None, None

    def check(self) -> None:
        """Raise :class:`MemoryError` if the job's resident set passed the cap."""
        if self.over_since is not None:
            raise MemoryError(f"resident set above {self.cap_bytes // 2**20} MB")

    def _run(self) -> None:
        while True:
            time.sleep(MEMORY_POLL_S)
            rss = resident_bytes()
            with self._lock:
                if self.job is None:
                    continue
                self.peak_bytes = max(self.peak_bytes, rss)
                if rss <= self.cap_bytes:
                    continue
                now = time.monotonic()
                if self.over_since is None:
                    self.over_since = now
                hard = rss >= MEMORY_HARD_FACTOR * self.cap_bytes
                if not hard and now - self.over_since < MEMORY_GRACE_S:
                    continue
                job_id, attempt = self.job
            log.error("job %s: resident memory %d MB above the cap; ending it", job_id, rss >> 20)
            if self.store is not None:
                with contextlib.suppress(Exception):
                    self.store.finish(
                        job_id,
                        attempt,
                        JobStatus.FAILED,
                        error=self.message(job_id),
                        error_code=FailureCode.RESOURCE_EXHAUSTED,
                    )
            os._exit(3)


def _resume_point(store: JobStore, job: Job, problem: Problem) -> tuple[Plan | None, float]:
    """The checkpoint plan of an earlier attempt, and the solve seconds already spent.

    The seconds spent are the last ones recorded (progress is written every
    second), not the checkpoint's: the time an attempt searched after its
    last checkpoint was spent too.
    """
    spent_s = job.progress_elapsed_s or 0.0
    saved = store.checkpoint_of(job.id)
    if saved is None:
        return None, spent_s
    plan_json, checkpoint_s = saved
    try:
        return plan_from_in(problem, json.loads(plan_json)), max(spent_s, checkpoint_s)
    except (InputError, ValueError):
        log.warning("job %s: its checkpoint cannot be read; solving from scratch", job.id)
        return None, max(spent_s, checkpoint_s)


def default_checkpoint_s(time_limit_s: float) -> float:
    """The checkpoint interval of a job of ``time_limit_s``: 10% of it, at least 30 s."""
    return max(CHECKPOINT_SHARE * time_limit_s, MIN_CHECKPOINT_S)


def run_job(
    store: JobStore,
    job_id: str,
    attempt: int,
    parent_pid: int | None = None,
    *,
    checkpoint_s: float | None = None,
    watchdog: MemoryWatchdog | None = None,
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
        The best plan so far is saved as the job's checkpoint this often (in
        seconds of solving; the first as soon as the solve has a plan);
        ``None``: :func:`default_checkpoint_s` of the job's limit. The solve
        is never cut: it runs once, with the whole time limit. A job with a
        checkpoint (an earlier attempt died) resumes from it with the time
        left: its limit minus the time spent before (at least
        :data:`MIN_RESUME_S`).
    watchdog
        The worker's memory watchdog, if it has a cap.
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
    attempt_started = time.monotonic()

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
    if job is None:
        return result("stale")
    interval_s = default_checkpoint_s(job.time_limit_s) if checkpoint_s is None else checkpoint_s
    watch = _Watch(
        store,
        job_id,
        attempt,
        parent_pid,
        spent_s=job.progress_elapsed_s or 0.0,
        checkpoint_s=interval_s,
        watchdog=watchdog,
    )
    watch.started = attempt_started  # the attempt's time counts from its start
    with_retries(lambda: watch.note(Phase.LOADING), reading, parent_pid)
    problem_json = with_retries(lambda: store.problem_of(job_id), reading, parent_pid)
    if problem_json is None:
        return result("stale")
    try:
        problem = load_problem(problem_json)
    except InputError as exc:
        return fail(FailureCode.INPUT_ERROR, str(exc))
    watch.problem = problem
    plan, spent_s = with_retries(lambda: _resume_point(store, job, problem), reading, parent_pid)
    watch.spent_s = spent_s  # the clock of this attempt runs from its start: reading counts
    if plan is not None:
        watch.has_checkpoint()
        log.info("job %s: resuming from its checkpoint after %.1f s", job_id, spent_s)
    remaining_s = max(job.time_limit_s - watch.elapsed_s, MIN_RESUME_S)
    try:
        plan = solve(
            problem,
            params=replace(search or SolveParams(), time_limit_s=remaining_s, seed=job.seed),
            initial_plan=plan,
            on_progress=watch,
        )
    except SolverError as exc:
        return fail(FailureCode.SOLVER_ERROR, str(exc))
    except MemoryError:
        log.error("job %s ran out of memory", job_id)
        message = (
            watchdog.message(job_id)
            if watchdog is not None
            else f"Job {job_id} ran out of memory: solve fewer work orders at once."
        )
        fail(FailureCode.RESOURCE_EXHAUSTED, message)
        raise  # the worker exits: its memory may be in no state to solve again
    except Exception:
        log.exception("job %s failed", job_id)
        return fail(FailureCode.INTERNAL_ERROR, f"Internal error in job {job_id}.")
    document = plan_to_out(problem, plan)  # validated: its violations are part of it
    elapsed_s = watch.elapsed_s  # the job's true time, writing its plan included
    document["stats"]["wall_s"] = elapsed_s
    if isinstance(document["kpis"].get("solve"), dict):
        document["kpis"]["solve"]["wall_s"] = round(elapsed_s, 3)
    status = JobStatus.CANCELLED if watch.is_stopped else JobStatus.SUCCEEDED
    progress = (elapsed_s, plan.stats.objective, sum(len(r.stops) for r in plan.routes))
    plan_json = json.dumps(document)
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

    The worker first sends ``"ready"`` (or ``("failed", cause)`` when it
    cannot start: its store cannot be opened, say); then the service sends
    ``(job_id, attempt)`` tuples, or ``None`` to stop, and the worker
    answers each job with a :class:`JobResult`.
    """
    parent_pid = config.parent_pid
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        store = JobStore(database_url)
    except Exception as exc:
        with contextlib.suppress(OSError):
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    watchdog = MemoryWatchdog(config.memory_bytes, store) if config.memory_bytes else None
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
            if watchdog is not None:
                watchdog.start_job(job_id, attempt)
            try:
                outcome = run_job(
                    store,
                    job_id,
                    attempt,
                    parent_pid,
                    checkpoint_s=config.checkpoint_s,
                    watchdog=watchdog,
                    search=config.search,
                )
            except MemoryError:
                conn.send(JobResult(job_id, "resource_exhausted", 0.0))
                return  # a fresh worker takes over
            except Exception:
                log.exception("job %s: could not record its result", job_id)
                outcome = JobResult(job_id, "error", 0.0)
            finally:
                if watchdog is not None:
                    watchdog.end_job()
            conn.send(outcome)
            if watchdog is not None and resident_bytes() > RECYCLE_SHARE * watchdog.cap_bytes:
                log.info(
                    "job worker keeps %d MB after a job; a fresh one takes over",
                    resident_bytes() >> 20,
                )
                return
    except (EOFError, OSError):
        return
    finally:
        store.close()
