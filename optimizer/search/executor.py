"""Where independent searches run: one executor interface, a local process pool or Ray.

:class:`Executor` runs a module-level function on a list of tasks and
returns the results in task order. Two implementations:

- :class:`LocalExecutor`: the program's shared pool of worker processes
  (``spawn``; it lives as long as the program,
  :meth:`optimizer.SolveParams.start_processes` starts it ahead of the first
  solve); with one worker, or where no child process can start (a daemon
  process), the tasks run here, one after the other;
- :class:`RayExecutor`: tasks on a Ray cluster (``pip install '.[ray]'``),
  at ``SolveParams.ray_address`` or a local one of ``workers`` CPUs.

The parts of a decomposed solve (:mod:`optimizer.search.decomposition`) go
through :func:`executor_for`; PyVRP's portfolio
(:mod:`optimizer.search.pyvrp.portfolio`), whose searches meet in rounds
under a deadline, uses the local pool directly.
:meth:`optimizer.SolveParams.usable_cores` is the CPU count callers size
them by. For a fixed seed and iteration limits both executors give the same
results.
"""

from __future__ import annotations

import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: The executors :func:`executor_for` knows.
EXECUTORS = ("local", "ray")
#: :meth:`Executor.map_until` asks whether to stop at least this often (seconds).
POLL_S = 0.25

_log = logging.getLogger(__name__)


def usable_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _noop() -> None:
    """Submitted by :func:`start_search_pool` so that every worker has started."""


def start_search_pool(processes: int) -> None:
    """Start the worker processes for searches of ``processes`` (the first runs here).

    Long-running programs call it once at start-up so that the first solve
    does not pay the start-up of the workers. If they cannot start, a
    warning is logged and searches run in one process.
    """
    try:
        pool = shared_pool(processes - 1)
        if pool is not None:
            for future in [pool.submit(_noop) for _ in range(processes - 1)]:
                future.result()
    except Exception as error:  # the solves will search in one process
        drop_pool(error)


def shared_pool(workers: int) -> ProcessPoolExecutor | None:
    """The shared pool with at least ``workers`` processes (``None`` for none)."""
    global _pool, _pool_size
    if workers < 1:
        return None
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # spawn: the caller may hold threads (a web server, OR-Tools),
            # which fork would copy in an unknown state.
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
            _pool_size = workers
        return _pool


def stop_search_pool() -> None:
    """Shut the shared pool down (its workers exit); the next search starts a new one.

    A process that is itself a ``multiprocessing`` child must call it before
    it returns: such a process joins its children on exit, before the pool
    would be told to stop.
    """
    global _pool, _pool_size
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_size = None, 0


def drop_pool(error: BaseException) -> None:
    """Shut the pool down after ``error``; searches go on in this process (a warning is logged)."""
    global _pool, _pool_size
    _log.warning("PyVRP worker processes unavailable, searching in one process: %s", error)
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool, _pool_size = None, 0


class Executor(ABC):
    """Runs independent tasks, as many at once as it has workers."""

    def __init__(self, workers: int) -> None:
        self.workers = max(workers, 1)

    @abstractmethod
    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """``[fn(task) for task in tasks]``, computed by the workers, in task order.

        ``fn`` must be a module-level function and the tasks picklable. An
        exception raised by a task is raised here.
        """

    def map_until(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        should_stop: Callable[[dict[int, R]], bool],
    ) -> dict[int, R]:
        """The results of the tasks, by task index, as they finish, until ``should_stop``.

        ``should_stop(done)`` is called after each task finishes and at least
        every :data:`POLL_S` seconds while tasks run elsewhere; once it
        returns ``True`` the tasks not finished are given up (those not
        started never start; a running one ends at its own time limit) and
        the results so far are returned. Tasks run here, one after the
        other, unless an executor runs them elsewhere.
        """
        done: dict[int, R] = {}
        for i, task in enumerate(tasks):
            if should_stop(done):
                break
            done[i] = fn(task)
        return done


class LocalExecutor(Executor):
    """The program's shared pool of worker processes (or this process alone)."""

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        if self.workers == 1 or len(tasks) <= 1:
            return [fn(task) for task in tasks]
        try:
            pool = shared_pool(self.workers)
            assert pool is not None
            futures = [pool.submit(fn, task) for task in tasks]
        except Exception as error:  # a daemon process, or a broken pool: run here
            drop_pool(error)
            return [fn(task) for task in tasks]
        return [future.result() for future in futures]

    def map_until(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        should_stop: Callable[[dict[int, R]], bool],
    ) -> dict[int, R]:
        if self.workers == 1 or len(tasks) <= 1:
            return super().map_until(fn, tasks, should_stop)
        try:
            pool = shared_pool(self.workers)
            assert pool is not None
            futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        except Exception as error:  # a daemon process, or a broken pool: run here
            drop_pool(error)
            return super().map_until(fn, tasks, should_stop)
        return _collect_until(futures, should_stop)


class RayExecutor(Executor):
    """Tasks on a Ray cluster: the one at ``address``, or a local one of ``workers`` CPUs.

    Raises
    ------
    ImportError
        If Ray is not installed (``pip install '.[ray]'``).
    """

    def __init__(self, workers: int, address: str | None = None) -> None:
        super().__init__(workers)
        import ray

        self._ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "ignore_reinit_error": True,
            }
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=self.workers, **options)
        self._remote: dict[Callable[..., Any], Any] = {}

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        remote = self._remote[fn]
        return list(self._ray.get([remote.remote(task) for task in tasks]))

    def map_until(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        should_stop: Callable[[dict[int, R]], bool],
    ) -> dict[int, R]:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=1)(fn)
        remote = self._remote[fn]
        index = {remote.remote(task): i for i, task in enumerate(tasks)}
        pending = list(index)
        done: dict[int, R] = {}
        while pending and not should_stop(done):
            ready, pending = self._ray.wait(pending, num_returns=1, timeout=POLL_S)
            for ref in ready:
                done[index[ref]] = self._ray.get(ref)
        for ref in pending:
            self._ray.cancel(ref)
        return done


def _collect_until(
    futures: dict[Future[R], int], should_stop: Callable[[dict[int, R]], bool]
) -> dict[int, R]:
    """Results of ``futures`` (by task index) as they finish, until ``should_stop(done)``."""
    done: dict[int, R] = {}
    pending = set(futures)
    while pending and not should_stop(done):
        finished, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=futures.__getitem__):
            done[futures[future]] = future.result()
    for future in pending:
        future.cancel()  # a running part ends at its own time limit
    return done


def executor_for(kind: str, workers: int, address: str | None = None) -> Executor:
    """The executor named ``kind`` (``"local"`` or ``"ray"``) with ``workers`` workers."""
    if kind == "ray":
        return RayExecutor(workers, address)
    if kind != "local":
        raise ValueError(f"Unknown executor: {kind!r}; expected one of {', '.join(EXECUTORS)}.")
    return LocalExecutor(workers)
