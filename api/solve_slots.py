"""Solver slots: how many synchronous solves may search at once on this server."""

from __future__ import annotations

import threading
from collections import deque
from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from optimizer import SolveParams


class SolveSlots:
    """A first-come, first-served counting semaphore.

    ``threading.Semaphore`` lets a newcomer take a freed slot before a
    thread that has waited longer; under load that starves some requests
    until they time out. Here a released slot goes to the longest waiter.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._free = count
        self._waiters: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting up to ``timeout`` seconds; ``False`` if none came."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait timed out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        """Give the slot to the longest waiter, or free it."""
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1


def slot_count(settings: Settings) -> int:
    """Synchronous solves that may search at once: the usable cores over the processes of a solve.

    A search keeps its processes' cores busy for its whole time limit, and
    the limit is wall-clock time: a solve sharing its cores with others gets
    a fraction of the search it asked for, and on a crowded machine not even
    a first solution (an empty plan). With ``DISPATCH_SEARCH_PROCESSES`` = P,
    each solve takes P cores, so a server with C cores runs C // P solves at
    once (at least one). Requests beyond the slots wait for one, in arrival
    order, so every plan gets the search it asked for.
    """
    return max(1, SolveParams.usable_cores() // settings.search_processes)


def get_solve_slots(request: Request) -> SolveSlots:
    """The solver slots created with the application."""
    slots: SolveSlots = request.app.state.solve_slots
    return slots


SolveSlotsDep = Annotated[SolveSlots, Depends(get_solve_slots)]
