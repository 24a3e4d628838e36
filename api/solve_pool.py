"""The server's pool of solver processes for what-if and trade-off requests.

One pool of ``whatif_workers`` ``spawn``-ed processes lives as long as the
application: it is created with the app, its processes start with the
first what-if or trade-off request (not with the app: they would compete
with the job workers for the CPU while those start), every request's
solves are submitted to it, and they exit with the server's process (the
standard library joins them at exit), not with each lifespan: test clients
run the lifespan many times in one process, and each restart would cost a
new start of the processes. A request no longer pays for starting
processes (seconds each: Python, NumPy, OR-Tools and PyVRP are imported
anew), and the server's solver processes stay bounded however many
requests arrive. A pool broken by a process that died is replaced, and the
request that met it is tried once more. Each process also watches its
parent and exits when the server is gone, however it ended (uvicorn
re-raises SIGTERM after its shutdown, so no code of ours runs after it):
an orphaned process would hold the server's output open.
"""

from __future__ import annotations

import logging
import os
import threading
import time
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


def _exit_with(parent_pid: int) -> None:
    """In each pool process: a daemon thread that exits the process once ``parent_pid`` is gone."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


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
                    max_workers=self.workers,
                    mp_context=get_context("spawn"),
                    initializer=_exit_with,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def start(self, wait_s: float = 0.0) -> None:
        """Start the processes now, in the background; wait up to ``wait_s`` until they are up.

        The app's start does not wait (a request meanwhile waits for them).
        """
        pool = self.executor()
        futures = [pool.submit(_ready) for _ in range(self.workers)]
        if wait_s <= 0:
            return
        try:
            for future in futures:
                future.result(timeout=wait_s)
        except Exception as error:  # slow or broken: requests will retry on a fresh pool
            log.warning("what-if solver processes not up yet: %r", error)

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
