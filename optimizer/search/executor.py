"""The worker processes of the search: one pool for the whole program, and the CPU count.

PyVRP's portfolio (:mod:`optimizer.search.pyvrp.portfolio`) runs its extra
searches here. The pool lives as long as the program;
:meth:`optimizer.SolveParams.start_processes` starts it ahead of the first
solve, and :meth:`optimizer.SolveParams.usable_cores` is the CPU count
callers size it by.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

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


def drop_pool(error: BaseException) -> None:
    """Shut the pool down after ``error``; searches go on in this process (a warning is logged)."""
    global _pool, _pool_size
    _log.warning("PyVRP worker processes unavailable, searching in one process: %s", error)
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool, _pool_size = None, 0
