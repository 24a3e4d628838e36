"""Search parameters of a solve."""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.search import executor

ENGINES = ("auto", "ortools", "pyvrp")
EXECUTORS = executor.EXECUTORS


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long and how to search.

    Parameters
    ----------
    time_limit_s
        Wall-clock budget in seconds, model building included (default 10).
    solution_limit
        Stop after this many improving solutions; with a fixed ``seed`` this
        makes a solve reproducible regardless of machine speed.
    first_solution
        OR-Tools first-solution strategy name, or ``"auto"`` (default):
        parallel cheapest insertion, which copes with tight windows.
    metaheuristic
        OR-Tools local-search metaheuristic name (default guided local search).
    seed
        Seed of the randomised parts of the search.
    engine
        ``"auto"`` (default): PyVRP searches when the problem has the
        classic VRPTW shape (OR-Tools restores and times its routes);
        field-service problems are searched by the large-neighbourhood
        search on the request's objective, from the rules engine's plan
        (and, from 200 orders, from a relaxed PyVRP search too).
        ``"ortools"``: OR-Tools only. ``"pyvrp"``: require the exact PyVRP
        stage (an input error if the problem does not fit it).
    log_search
        Print OR-Tools' own search log (debugging).
    processes
        PyVRP searches run at once, each in its own process with its own
        seed, sharing their best solution between rounds (default 1; one
        per CPU core, :meth:`usable_cores`, is the useful maximum). OR-Tools
        searches use one core. :meth:`start_processes` starts the worker
        processes ahead of the first solve. Large field-service problems
        are solved in parts, ``processes`` parts at once.
    executor
        Where the parts of a large problem are solved: ``"local"``
        (default, worker processes of this machine) or ``"ray"`` (a Ray
        cluster, ``pip install '.[ray]'``).
    ray_address
        The Ray cluster to use (``None``: a local one of ``processes`` CPUs).
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    first_solution: str = "auto"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    seed: int = 0
    engine: str = "auto"
    log_search: bool = False
    processes: int = 1
    executor: str = "local"
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.time_limit_s) or self.time_limit_s <= 0:
            raise ValueError(
                f"Invalid time_limit_s: {self.time_limit_s!r} must be a positive number."
            )
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValueError(f"Invalid solution_limit: {self.solution_limit!r} must be at least 1.")
        if self.engine not in ENGINES:
            raise ValueError(
                f"Invalid engine: {self.engine!r} must be one of {', '.join(ENGINES)}."
            )
        if self.processes < 1:
            raise ValueError(f"Invalid processes: {self.processes!r} must be at least 1.")
        if self.seed < 0:
            raise ValueError(f"Invalid seed: {self.seed!r} must be >= 0.")
        if self.executor not in executor.EXECUTORS:
            raise ValueError(
                f"Invalid executor: {self.executor!r} must be one of "
                f"{', '.join(executor.EXECUTORS)}."
            )

    def start_processes(self) -> None:
        """Start the worker processes of a search in ``processes`` processes, ahead of the clock.

        Long-running programs (a server, a benchmark, the CLI) call it once at
        start-up so that the first solve does not pay the start-up of its
        workers (about a second). The workers then live as long as the
        program. If they cannot start, a warning is logged and searches run
        in one process. With ``processes == 1`` it does nothing.
        """
        executor.start_search_pool(self.processes)

    @staticmethod
    def stop_processes() -> None:
        """Stop the worker processes started for searches (a new search starts them again).

        A program that is itself a ``multiprocessing`` child process must call
        it before returning, or its exit waits for the workers forever.
        """
        executor.stop_search_pool()

    @staticmethod
    def usable_cores() -> int:
        """CPU cores this process may run on: the most useful ``processes``.

        Returns
        -------
        int
            The cores of the process's CPU affinity (Linux), else the CPU count.
        """
        return executor.usable_cores()
