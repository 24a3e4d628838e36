"""Local clock time: IANA time zones across daylight saving, and validator messages in it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pytest

from optimizer import InputError, SolveParams, check_plan, solve
from optimizer.clock import Clock
from optimizer.document import load_problem, plan_from_document, plan_to_document

# Europe/Paris leaves winter time (+01:00) for summer time (+02:00) on Sunday 29 March 2026.
DAYS = ["2026-03-26", "2026-03-27", "2026-03-30", "2026-03-31"]  # Thu, Fri, Mon, Tue


def _offset(day: str) -> str:
    return "+01:00" if day < "2026-03-29" else "+02:00"


def _local(day: str, hm: str) -> str:
    return f"{day}T{hm}:00{_offset(day)}"


def week_across_dst(timezone: str | None = "Europe/Paris") -> dict[str, Any]:
    """One technician, 08:00-12:00 local on four days across the change, one order a day.

    Each order may only start at 09:00 local on its day (a one-minute window),
    so every service start is known: 09:00 local, whatever the offset.
    """
    document: dict[str, Any] = {
        "technicians": [
            {
                "id": "T-01",
                "skills": {"hvac": 1},
                "shifts": [{"start": _local(d, "08:00"), "end": _local(d, "12:00")} for d in DAYS],
                "start": {"lat": 48.8566, "lon": 2.3522},
            }
        ],
        "work_orders": [
            {
                "id": f"WO-{i}",
                "location": {"lat": 48.86, "lon": 2.36},
                "service_min": 30,
                "required_skills": {"hvac": 1},
                "windows": [{"start": _local(d, "09:00"), "end": _local(d, "09:01")}],
            }
            for i, d in enumerate(DAYS)
        ],
    }
    if timezone is not None:
        document["timezone"] = timezone
    return document


def test_week_across_dst_prints_every_local_time_right():
    """With timezone Europe/Paris every service starts at 09:00 local, +01:00 then +02:00."""
    problem = load_problem(week_across_dst())
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=50))
    assert check_plan(problem, plan) == []
    document = plan_to_document(problem, plan)
    starts = sorted(s["start"] for r in document["routes"] for s in r["stops"])
    assert starts == [_local(d, "09:00") for d in DAYS]
    assert plan_from_document(problem, document) == dataclasses.replace(plan)


def test_without_timezone_the_fixed_offset_is_one_hour_off_after_the_change():
    """Without timezone, times after the change print in the epoch's +01:00: 08:00, not 09:00."""
    problem = load_problem(week_across_dst(timezone=None))
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=50))
    assert check_plan(problem, plan) == []
    starts = sorted(
        s["start"] for r in plan_to_document(problem, plan)["routes"] for s in r["stops"]
    )
    assert starts[-1] == "2026-03-31T08:00:00+01:00"  # the same instant as 09:00+02:00


def test_unknown_timezone_is_an_input_error_naming_the_field():
    """A misspelt zone is refused with the field and an example of a valid name."""
    with pytest.raises(InputError) as caught:
        load_problem(week_across_dst(timezone="Europe/Pariss"))
    assert caught.value.field == "timezone"
    assert caught.value.message == (
        "Problem document: timezone must be an IANA time-zone name such as Europe/Paris, "
        'got "Europe/Pariss".'
    )


def test_clock_labels_local_times_across_the_change():
    """Clock.label and Clock.iso give local wall-clock times on both sides of the change."""
    clock = Clock(datetime.fromisoformat("2026-03-27T08:00:00+01:00"), "Europe/Paris")
    three_days = 3 * 86400 - 3600  # Monday 08:00 local is 71 h later
    assert clock.iso(three_days) == "2026-03-30T08:00:00+02:00"
    assert clock.label(three_days) == "Mon 30 Mar 08:00"
    assert clock.label(three_days + 20) == "Mon 30 Mar 08:00:20"
    assert clock.span(0, 3600) == "Fri 27 Mar 08:00-09:00"
    assert Clock().label(2618) == "2618 s"


def test_validator_messages_speak_local_clock_time():
    """A stop started before arrival is reported in local time with both ids, not in seconds."""
    problem = load_problem(week_across_dst())
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=50))
    assert check_plan(problem, plan) == []
    route = plan.routes[-1]
    stop = route.stops[0]
    early = dataclasses.replace(stop, start_s=stop.arrival_s - 600, end_s=stop.end_s)
    bad = dataclasses.replace(
        plan, routes=(*plan.routes[:-1], dataclasses.replace(route, stops=(early,)))
    )
    messages = [v.message for v in check_plan(problem, bad)]
    expected = (
        f"Work order {stop.work_order_id} of technician T-01 starts at "
        f"{problem.clock.label(stop.arrival_s - 600)}, before arrival at "
        f"{problem.clock.label(stop.arrival_s)}."
    )
    assert expected in messages
    assert " s," not in expected and "Tue 31 Mar" in expected
