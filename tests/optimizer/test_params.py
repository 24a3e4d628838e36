"""SolveParams: the process management behind it (worker pool, CPU count)."""

from __future__ import annotations

import pytest

from optimizer import SolveParams
from optimizer.search import executor


def test_start_processes_starts_the_search_pool_for_its_processes(monkeypatch: pytest.MonkeyPatch):
    """start_processes() starts the shared pool sized for ``processes`` searches."""
    started: list[int] = []
    monkeypatch.setattr(executor, "start_search_pool", started.append)
    SolveParams(processes=3).start_processes()
    SolveParams().start_processes()
    assert started == [3, 1]


def test_one_process_starts_no_worker(monkeypatch: pytest.MonkeyPatch):
    """With processes=1 every search runs in this process: no pool is asked for workers."""
    asked: list[int] = []
    monkeypatch.setattr(executor, "shared_pool", lambda workers: asked.append(workers))
    SolveParams(processes=1).start_processes()
    assert asked == [0]


def test_usable_cores_is_the_executor_cpu_count():
    """usable_cores() is the CPU count the pool is sized by, at least one."""
    assert SolveParams.usable_cores() == executor.usable_cores() >= 1
