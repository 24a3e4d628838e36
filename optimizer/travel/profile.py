"""Time-dependent travel: a leg's driving time from its departure time, through speed bands.

A :class:`~optimizer.domain.SpeedProfile` gives bands of the local day in
which driving takes ``factor`` times as long; outside them the factor is 1.
:func:`speed_calendar` lays the bands out on the problem's clock (seconds
from its epoch, one copy per local day, daylight-saving changes included)
and :class:`SpeedCalendar` times legs through them. The timing routine of
the search (:mod:`optimizer.search.timing`) and the independent validator
(:mod:`optimizer.check`) both time every leg with it.

The formula (Ichoua, Gendreau and Potvin, 2003). A leg of free-flow time
``d`` seconds (the travel model's time, at the technician's speed) that
leaves at ``t`` advances at speed ``1 / f(τ)``, where ``f(τ)`` is the
factor in force at instant ``τ``; it arrives at the ``A(t)`` solving

    ∫_t^A(t) dτ / f(τ) = d,

computed band by band: in a band ``[a, b)`` of factor ``f`` entered at
``τ``, the leg covers ``(b − τ) / f`` free-flow seconds before the band
ends; if that is enough, it arrives at ``τ + r·f`` (``r`` the free-flow
seconds left), else it goes on from ``b`` with ``r − (b − τ)/f`` left.
The driving time is ``ceil(A(t) − t)`` whole seconds. ``A`` is
non-decreasing in ``t`` (a leg leaving later never catches up with one
leaving earlier, because both advance at the same speed at every instant),
so ``t + ceil(A(t) − t) = ceil(A(t))`` is non-decreasing for whole-second
``t``: **leaving later never arrives earlier** (FIFO). A break on the road
pauses the drive without changing its driving time, which the departure
fixed.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from optimizer.clock import Clock
from optimizer.domain import SpeedProfile

_DAY_S = 86_400
#: Absorbs the float error of ``r * f`` before the ceiling (far below a second).
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class SpeedCalendar:
    """Speed bands laid out on a problem's clock: sorted, disjoint ``[start_s, end_s)`` periods.

    ``factors[i]`` holds in ``[starts[i], ends[i])``; the factor is 1
    everywhere else.
    """

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    factors: tuple[float, ...]

    @property
    def min_factor(self) -> float:
        """The smallest factor in force at any instant (1 when every band slows)."""
        return min((1.0, *self.factors))

    @property
    def max_factor(self) -> float:
        """The largest factor in force at any instant (1 when every band speeds up)."""
        return max((1.0, *self.factors))

    def arrival(self, depart_s: int, free_flow_s: int) -> float:
        """``A(t)`` of the module docstring: the exact arrival of a leg, in seconds."""
        tau = float(depart_s)
        left = float(free_flow_s)
        starts, ends, factors = self.starts, self.ends, self.factors
        i = bisect_right(ends, tau)  # the first period ending after tau
        n = len(starts)
        while left > 0:
            boundary: float
            if i < n and starts[i] <= tau:
                factor, boundary = factors[i], float(ends[i])
                inside = True
            else:
                factor, boundary = 1.0, (float(starts[i]) if i < n else math.inf)
                inside = False
            reach = (boundary - tau) / factor
            if left <= reach:
                return tau + left * factor
            left -= reach
            tau = boundary
            if inside:
                i += 1
        return tau

    def duration_s(self, depart_s: int, free_flow_s: int) -> int:
        """Whole seconds to drive a leg of ``free_flow_s`` leaving at ``depart_s`` (ceiling)."""
        if free_flow_s <= 0:
            return 0
        return max(0, math.ceil(self.arrival(depart_s, free_flow_s) - depart_s - _EPSILON))

    def latest_departure_s(self, arrive_by_s: int, free_flow_s: int) -> int:
        """The latest whole-second departure arriving by ``arrive_by_s`` (FIFO makes it unique)."""
        if free_flow_s <= 0:
            return arrive_by_s
        lo = arrive_by_s - math.ceil(free_flow_s * self.max_factor) - 1  # arrives in time
        hi = arrive_by_s - math.floor(free_flow_s * self.min_factor) + 1  # arrives late or not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if mid + self.duration_s(mid, free_flow_s) <= arrive_by_s:
                lo = mid
            else:
                hi = mid
        return lo


def speed_calendar(profile: SpeedProfile, clock: Clock, start_s: int, end_s: int) -> SpeedCalendar:
    """Lay ``profile`` out on ``clock`` for every local day touching ``[start_s, end_s]``.

    Parameters
    ----------
    profile
        The bands, on the local clock of ``clock`` (its time zone, or the
        epoch's offset), recurring daily.
    clock
        The problem's clock.
    start_s, end_s
        The horizon in seconds from the epoch; a day before and after it is
        laid out too, so that any leg of the horizon is covered.

    Returns
    -------
    SpeedCalendar
    """
    zone = clock.zone
    first = clock.at(start_s).date() - timedelta(days=1)
    last = clock.at(end_s).date() + timedelta(days=1)
    starts: list[int] = []
    ends: list[int] = []
    factors: list[float] = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        for band in profile.bands:
            # In UTC: two datetimes of one zone object subtract as naive ones (no DST).
            a = clock.seconds(_local(midnight, band.start_s).astimezone(UTC))
            b = clock.seconds(_local(midnight, band.end_s).astimezone(UTC))
            if b > a and (not ends or a >= ends[-1]):
                starts.append(a)
                ends.append(b)
                factors.append(band.factor)
        day += timedelta(days=1)
    return SpeedCalendar(tuple(starts), tuple(ends), tuple(factors))


def _local(midnight: datetime, seconds: int) -> datetime:
    """The local wall-clock instant ``seconds`` after ``midnight`` (24:00 is the next midnight)."""
    zone = midnight.tzinfo
    if seconds >= _DAY_S:
        return datetime.combine(midnight.date() + timedelta(days=1), time(0), tzinfo=zone)
    hours, rest = divmod(seconds, 3600)
    return datetime.combine(midnight.date(), time(hours, rest // 60, rest % 60), tzinfo=zone)
