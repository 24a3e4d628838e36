"""Wall-clock time of a problem: seconds from its epoch as local datetimes.

Inside the core every instant is whole seconds from the problem's epoch
(the earliest shift start). People read local clock times: a
:class:`Clock` turns seconds back into datetimes, in the problem's IANA
time zone when it has one (``Europe/Paris``: ``+01:00`` in winter,
``+02:00`` in summer, so a week across a daylight-saving change prints
every local time right), else in the fixed UTC offset of the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Instant that time 0 stands for when a problem has no epoch."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``.

    Raises
    ------
    ValueError
        If no zone has this name (the message suggests the form to use).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"Unknown time zone: {name}; use an IANA name such as Europe/Paris."
        ) from None


@dataclass(frozen=True, slots=True)
class Clock:
    """Seconds from ``epoch`` to datetimes, in ``timezone`` or the epoch's offset.

    Parameters
    ----------
    epoch
        The aware instant that time 0 stands for; ``None``: 1970-01-01 UTC,
        and :meth:`label` prints plain seconds (a problem built in Python
        without dates).
    timezone
        IANA time-zone name (``Europe/Paris``) or ``None`` for the fixed
        offset of ``epoch``.
    """

    epoch: datetime | None = None
    timezone: str | None = None

    @property
    def zone(self) -> tzinfo:
        """The zone datetimes are printed in."""
        if self.timezone is not None:
            return zone_of(self.timezone)
        return (self.epoch or DEFAULT_EPOCH).tzinfo or UTC

    def at(self, t_s: int) -> datetime:
        """The aware local datetime of ``t_s`` seconds from the epoch (exact across DST)."""
        base = self.epoch or DEFAULT_EPOCH
        instant = base.astimezone(UTC) + timedelta(seconds=t_s)
        return instant.astimezone(self.zone)

    def iso(self, t_s: int) -> str:
        """``t_s`` as an ISO-8601 datetime with its local UTC offset."""
        return self.at(t_s).isoformat()

    def seconds(self, when: datetime) -> int:
        """Whole seconds from the epoch to the aware datetime ``when``."""
        return round((when - (self.epoch or DEFAULT_EPOCH)) / timedelta(seconds=1))

    def label(self, t_s: int) -> str:
        """A short local time for messages: ``Mon 23 Nov 08:43`` (seconds shown when not 0).

        Without an epoch, ``"2618 s"``: the problem has no dates to show.
        """
        if self.epoch is None:
            return f"{t_s} s"
        when = self.at(t_s)
        return when.strftime("%a %d %b %H:%M:%S" if when.second else "%a %d %b %H:%M")

    @staticmethod
    def duration(duration_s: int) -> str:
        """A duration for messages, in minutes: ``90 min``, ``504.8 min``, ``480.02 min``.

        Every sentence a person reads gives durations in minutes (to the
        hundredth when not whole) and instants as clock times; seconds stay
        in the data (``*_s`` fields).
        """
        value = duration_s / 60
        if value == round(value):
            return f"{value:,.0f} min"
        return f"{value:,.2f}".rstrip("0").rstrip(".") + " min"

    def hm(self, t_s: int) -> str:
        """A terse local time for tables: ``Mon 08:43``; hours from 0 without an epoch."""
        if self.epoch is None:
            return f"{t_s / 3600:.2f}h"
        return self.at(t_s).strftime("%a %H:%M")

    def span(self, start_s: int, end_s: int) -> str:
        """An interval for messages: ``Mon 23 Nov 13:30-17:00`` (the day once when it is one)."""
        if self.epoch is None:
            return f"{start_s}-{end_s} s"
        first, last = self.label(start_s), self.label(end_s)
        if self.at(start_s).date() == self.at(end_s).date():
            last = last[len("Mon 23 Nov ") :]
        return f"{first}-{last}"
