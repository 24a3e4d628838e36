"""The server's pool of solver processes for what-if and trade-off requests.

One pool of ``whatif_workers`` ``spawn``-ed processes lives as long as the
application: it is created with the app, its processes are started in the
background when the app starts (:meth:`SolvePool.start`, from the lifespan,
like the job service), every request's solves are submitted to it, and it
is shut down with the app. A request no longer pays for starting
processes (seconds each: Python, NumPy, OR-Tools and PyVRP are imported
anew), and the server's solver processes stay bounded however many
requests arrive. A pool broken by a process that died is replaced, and the
request that met it is tried once more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

log = logging.getLogger("api")

R = TypeVar("R")


def _ready() -> None:
    """Submitted at start so that every process is up before the first request."""


class SolvePool:
    """A long-lived process pool of ``workers`` processes, replaced when broken."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> Executor:
        """The pool (created on first use)."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("spawn")
                )
            return self._pool

    def start(self) -> None:
        """Start the processes now, in the background."""
        pool = self.executor()
        for _ in range(self.workers):
            pool.submit(_ready)

    def stop(self) -> None:
        """Shut the processes down (solves still running are cancelled)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def run(self, work: Callable[[Executor], R]) -> R:
        """``work(executor)``, tried once more on a fresh pool if a process died under it."""
        pool = self.executor()
        try:
            return work(pool)
        except BrokenProcessPool as error:
            log.warning("a solver process died (%s); starting new ones", error)
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            return work(self.executor())

    def map(self, fn: Callable[..., R], calls: Sequence[tuple[Any, ...]]) -> list[R]:
        """``[fn(*args) for args in calls]``, solved by the pool's processes."""

        def work(pool: Executor) -> list[R]:
            futures = [pool.submit(fn, *args) for args in calls]
            return [future.result() for future in futures]

        return self.run(work)


def get_solve_pool(request: Request) -> SolvePool:
    """The application's pool of solver processes."""
    pool: SolvePool = request.app.state.solve_pool
    return pool


SolvePoolDep = Annotated[SolvePool, Depends(get_solve_pool)]
