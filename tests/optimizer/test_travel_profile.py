"""Time-dependent travel (optimizer/travel/profile.py): the formula, FIFO, the local clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.clock import Clock
from optimizer.domain import SpeedBand, SpeedProfile
from optimizer.travel.profile import SpeedCalendar, speed_calendar

HOUR = 3600
RUSH = SpeedProfile((SpeedBand(7 * HOUR + 1800, 9 * HOUR + 1800, 1.5),))


def _calendar(profile: SpeedProfile = RUSH) -> SpeedCalendar:
    return speed_calendar(profile, Clock(), 0, 2 * 86_400)


def test_a_leg_outside_the_bands_takes_its_free_flow_time() -> None:
    """07:00 + 20 min ends before the 07:30 band: 1200 s."""
    assert _calendar().duration_s(7 * HOUR, 1200) == 1200


def test_a_leg_entering_a_band_is_integrated_through_it() -> None:
    """07:20 + 1200 s: 600 s to 07:30, then 600 free-flow s at 1.5 = 900 s; 1500 s in all."""
    assert _calendar().duration_s(7 * HOUR + 1200, 1200) == 1500


def test_a_leg_leaving_a_band_is_rounded_up() -> None:
    """09:16:40 + 1200 s: 800 s to 09:30 cover 533.3 free-flow s, 666.7 s remain: ceil 1466.7."""
    assert _calendar().duration_s(9 * HOUR + 1000, 1200) == 1467


def test_the_latest_departure_arrives_in_time_and_one_second_later_does_not() -> None:
    """To arrive by 08:00 with 1200 free-flow s in the band: leave 07:30 (1800 s)."""
    calendar = _calendar()
    leave = calendar.latest_departure_s(8 * HOUR, 1200)
    assert leave == 7 * HOUR + 1800
    assert leave + 1 + calendar.duration_s(leave + 1, 1200) > 8 * HOUR


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 47), st.integers(1, 12), st.sampled_from([0.5, 0.8, 1.3, 2.0])),
        max_size=4,
    ),
    st.integers(0, 86_400),
    st.integers(0, 7200),
)
def test_leaving_later_never_arrives_earlier(bands, depart_s, free_flow_s) -> None:
    """FIFO: t + duration(t) never decreases, over any bands (half-hour grid) and leg."""
    laid: list[SpeedBand] = []
    end = 0
    for start_half, length_half, factor in sorted(bands):
        start = max(start_half * 1800, end)
        stop = min(start + length_half * 1800, 86_400)
        if stop > start:
            laid.append(SpeedBand(start, stop, factor))
            end = stop
    calendar = _calendar(SpeedProfile(tuple(laid)))
    arrivals = [t + calendar.duration_s(t, free_flow_s) for t in range(depart_s, depart_s + 600, 7)]
    assert arrivals == sorted(arrivals)
    latest = calendar.latest_departure_s(arrivals[-1], free_flow_s)
    assert latest + calendar.duration_s(latest, free_flow_s) <= arrivals[-1]


def test_bands_follow_the_local_clock_across_daylight_saving() -> None:
    """07:30 in Paris is 06:30 UTC in winter and 05:30 UTC in summer (29 March 2026)."""
    epoch = datetime(2026, 3, 27, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))
    clock = Clock(epoch, "Europe/Paris")
    calendar = speed_calendar(RUSH, clock, 0, 4 * 86_400)
    starts = [clock.at(s) for s in calendar.starts]
    assert {(s.hour, s.minute) for s in starts} == {(7, 30)}
    utc_hours = sorted({s.astimezone(ZoneInfo("UTC")).hour for s in starts})
    assert utc_hours == [5, 6]
