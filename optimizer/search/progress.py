"""What a running solve tells its caller: the phase it is in, its best plan so far, stop requests.

A solve calls ``on_progress`` with a :class:`Progress` when it enters a
phase, when it finds a better plan, and at least every
:data:`HEARTBEAT_S` seconds while it works, so that a caller hears from
it within the first second and can stop it at any time. Returning ``True``
from ``on_progress`` stops the solve: it ends with its best plan so far
(the rules engine's plan when the search has found none yet).

:class:`Reporter` is the engines' side of it: it remembers the phase and
the best plan so far, throttles the heartbeats, and remembers a stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from optimizer.plan import Plan

#: A solve reports at least this often while it works (seconds).
HEARTBEAT_S = 0.25


class Phase(StrEnum):
    """Where a solve is.

    ``loading``: reading and checking the problem; ``matrices``: travel
    matrices, eligibility and timing; ``first_plan``: the starts (the rules
    engine's plan, a warm start, a relaxed PyVRP search); ``improving``: the
    search improves the best plan; ``partition``: a large problem is split
    into parts; ``parts``: the parts of a round are solved (``part`` of
    ``parts`` done, in ``round``); ``finishing``: the plan is written and
    the orders left out are explained.
    """

    LOADING = "loading"
    MATRICES = "matrices"
    FIRST_PLAN = "first_plan"
    IMPROVING = "improving"
    PARTITION = "partition"
    PARTS = "parts"
    FINISHING = "finishing"


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a solve stands.

    Parameters
    ----------
    elapsed_s
        Seconds since the solve started.
    objective, assigned
        The best plan so far: its objective and the orders it serves
        (``None`` before the first plan).
    phase
        The :class:`Phase`.
    part, parts, round
        In the ``parts`` phase of a large problem: parts solved so far in
        this round, parts in the round, and the round (from 1).
    best_plan
        Builds the best plan so far (``None`` before the first plan). It
        costs about as much as writing a plan: call it only when needed
        (to keep a checkpoint, say).
    """

    elapsed_s: float
    objective: float | None
    assigned: int | None
    phase: Phase = Phase.IMPROVING
    part: int | None = None
    parts: int | None = None
    round: int | None = None
    best_plan: Callable[[], Plan] | None = field(default=None, repr=False, compare=False)

    def describe(self, total_orders: int | None = None) -> str:
        """One line for a person: ``12.0 s  part 3 of 25, round 1  best 1,234.5 points  ...``."""
        where = PHASE_WORDS[self.phase]
        if self.phase is Phase.PARTS and self.parts is not None:
            where = f"part {self.part or 0} of {self.parts}, round {self.round or 1}"
        line = f"{self.elapsed_s:5.1f} s  {where}"
        if self.objective is not None:
            line += f"  best objective {self.objective:,.1f} points"
        if self.assigned is not None:
            of = f"/{total_orders}" if total_orders is not None else ""
            line += f"  assigned {self.assigned}{of}"
        return line


#: How :meth:`Progress.describe` says each phase.
PHASE_WORDS = {
    Phase.LOADING: "reading the problem",
    Phase.MATRICES: "travel matrices",
    Phase.FIRST_PLAN: "first plan",
    Phase.IMPROVING: "improving",
    Phase.PARTITION: "splitting into parts",
    Phase.PARTS: "solving parts",
    Phase.FINISHING: "writing the plan",
}


ProgressCallback = Callable[[Progress], bool | None]


class Stopped(Exception):
    """Raised by work that a stop request interrupts before it has anything to give."""


class Reporter:
    """Tells ``on_progress`` where a solve stands; remembers the best plan and a stop.

    Parameters
    ----------
    on_progress
        The caller's callback, or ``None`` (then nothing is reported and
        nothing stops the solve).
    started
        When the solve started (``time.perf_counter()``).
    """

    def __init__(self, on_progress: ProgressCallback | None, started: float) -> None:
        self.on_progress = on_progress
        self.started = started
        self.stopped = False
        self.phase = Phase.LOADING
        self.objective: float | None = None
        self.assigned: int | None = None
        self.best_plan: Callable[[], Plan] | None = None
        self.part: int | None = None
        self.parts: int | None = None
        self.round: int | None = None
        self._told = -float("inf")

    @property
    def is_active(self) -> bool:
        """Whether anybody listens (engines may skip work done only for reporting)."""
        return self.on_progress is not None

    def enter(self, phase: Phase, **where: int | None) -> bool:
        """Report entering ``phase`` (with ``part``, ``parts``, ``round``); whether to stop."""
        self.move(phase, **where)
        return self.tell()

    def move(self, phase: Phase, **where: int | None) -> None:
        """Note entering ``phase`` (with ``part``, ``parts``, ``round``) without reporting it."""
        self.phase = phase
        self.part = where.get("part")
        self.parts = where.get("parts")
        self.round = where.get("round")

    def best(
        self, objective: float, assigned: int, best_plan: Callable[[], Plan] | None = None
    ) -> bool:
        """Report a new best plan (``best_plan`` builds it); whether to stop."""
        self.objective, self.assigned = objective, assigned
        if best_plan is not None:
            self.best_plan = best_plan
        return self.tell()

    def tell(self) -> bool:
        """Report where the solve stands now; whether to stop."""
        if self.on_progress is None or self.stopped:
            return self.stopped
        self._told = time.perf_counter()
        progress = Progress(
            self._told - self.started,
            self.objective,
            self.assigned,
            self.phase,
            self.part,
            self.parts,
            self.round,
            self.best_plan,
        )
        if self.on_progress(progress):
            self.stopped = True
        return self.stopped

    def should_stop(self) -> bool:
        """Whether to stop; reports a heartbeat when the last report is :data:`HEARTBEAT_S` old.

        Cheap enough to call on every iteration of a search.
        """
        is_due = time.perf_counter() - self._told >= HEARTBEAT_S
        if self.on_progress is not None and not self.stopped and is_due:
            self.tell()
        return self.stopped

    def on_best(self, objective: float, assigned: int) -> bool:
        """An engine's new-best callback (``on_best(objective, assigned) -> stop``)."""
        if objective != self.objective or assigned != self.assigned:
            return self.best(objective, assigned)
        return self.tell()


_here_stop: Callable[[], bool] | None = None


@contextmanager
def parts_stop_here(stop: Callable[[], bool] | None) -> Iterator[None]:
    """While inside, parts of a large problem solved in this process stop when ``stop()`` does.

    Parts solved in other processes cannot be told: they end at their own
    time limit, and the solve gives them up.
    """
    global _here_stop
    previous, _here_stop = _here_stop, stop
    try:
        yield
    finally:
        _here_stop = previous


def part_stop() -> Callable[[], bool] | None:
    """The stop of the solve whose parts run in this process (:func:`parts_stop_here`)."""
    return _here_stop
