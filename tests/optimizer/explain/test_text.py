"""Times, durations and points as the explanation sentences print them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from optimizer.document import load_problem
from optimizer.explain.text import clock, minutes, number, points
from tests.optimizer.test_clock import DAYS, _local, week_across_dst


def test_clock_prints_local_time_across_daylight_saving():
    """Europe/Paris: 09:00 local prints 09:00 before and after the change to summer time."""
    problem = load_problem(week_across_dst())
    printed = [
        clock(problem, problem.clock.seconds(datetime.fromisoformat(_local(day, "09:00"))))
        for day in DAYS
    ]
    assert printed == ["Thu 09:00", "Fri 09:00", "Mon 09:00", "Tue 09:00"]  # several days: weekday


def test_clock_without_an_epoch_prints_hours():
    """A problem built without dates prints hours from time 0."""
    problem = load_problem(week_across_dst())
    assert clock(replace(problem, epoch=None, timezone=None), 13_500) == "3.75 h"


def test_numbers_minutes_and_points():
    """Thousands separators, at most two decimals, singular point."""
    assert (number(2500), number(12.75), number(1 / 3)) == ("2,500", "12.75", "0.33")
    assert (minutes(1500), minutes(1530)) == ("25 min", "25.5 min")
    assert (points(1), points(2500)) == ("1 point", "2,500 points")
