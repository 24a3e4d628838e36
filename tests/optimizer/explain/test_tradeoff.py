"""Trade-off sweeps: a log grid of one weight, each point solved, the non-dominated kept.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import pytest

from optimizer import InputError, Priority, Weights, tradeoff
from optimizer.explain.tradeoff import log_grid, swept_weights
from tests.factories import HOUR, at, order, problem, tech


def _detour_day():
    """A: P4, 6 km east, respond by 08:15; B: 1 km west. A first drives 8 min more, on time.

    A then B: 10 + 11.7 min of driving, A on time. B then A: 1.7 + 11.7 min,
    A starts 09:13, 58 min late. At P4's 1 point a minute the detour (8 points)
    wins; at a tenth of that, lateness (5.8 points) does.
    """
    return problem(
        [tech()],
        [
            order("A", priority=Priority.P4, respond_by_s=8 * HOUR + 900),
            order("B", location=at(-1)),
        ],
        weights=Weights(workload_balance_per_hour=0),
    )


def test_the_grid_is_even_on_a_log_scale():
    """0.1 to 10 in 5 points: 0.1, 0.316, 1, 3.16, 10."""
    assert log_grid(0.1, 10, 5) == [0.1, 0.316, 1.0, 3.16, 10.0]


def test_a_per_priority_weight_is_scaled_as_a_whole():
    """late_per_minute x 2 doubles every priority's rate."""
    scaled = swept_weights(Weights(), "late_per_minute", 2)
    assert scaled.late_per_minute_by_priority == {1: 100, 2: 40, 3: 10, 4: 2}


def test_lateness_against_travel_keeps_both_ends_of_the_curve():
    """Cheap lateness: 58 late minutes for less driving; dear lateness: on time, more driving."""
    result = tradeoff(_detour_day(), "late_per_minute", points=3, low=0.01, high=1, time_limit_s=2)
    assert (result.measure, result.against) == ("lateness_min", "travel_h")
    assert [p.factor for p in result.points] == [0.01, 0.1, 1.0]
    assert result.dominated == ()
    cheap, _, dear = result.points
    assert dear.measures["lateness_min"] == 0
    assert cheap.measures["lateness_min"] == pytest.approx(58.3, abs=0.1)
    assert cheap.measures["travel_h"] < dear.measures["travel_h"]
    assert all(p.violations == 0 for p in result.points)
    assert cheap.value == {1: 0.5, 2: 0.2, 3: 0.05, 4: 0.01}


def test_points_solved_in_processes_match_those_solved_here():
    """Two worker processes give the same points as one process."""
    here = tradeoff(_detour_day(), "late_per_minute", points=2, low=0.01, high=1, time_limit_s=1)
    there = tradeoff(
        _detour_day(), "late_per_minute", points=2, low=0.01, high=1, time_limit_s=1, workers=2
    )
    assert [p.measures for p in there.points] == [p.measures for p in here.points]
    assert [p.violations for p in there.points] == [0, 0]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"sweep": "speed"},
            "sweep",
            "Unknown sweep 'speed': it must be one of late_per_minute, travel_per_hour, "
            "unassigned, workload_balance_per_hour, non_preferred_technician, reassignment, "
            "labor_cost.",
        ),
        (
            {"sweep": "labor_cost"},
            "sweep",
            "The problem's weight labor_cost is 0: a multiple of it sweeps nothing; give it a "
            "value in the problem's weights first.",
        ),
        (
            {"sweep": "travel_per_hour", "low": 5, "high": 2},
            "high",
            "Invalid grid: low 5 and high 2 need 0 < low <= high.",
        ),
        (
            {"sweep": "travel_per_hour", "against": "travel_h"},
            "against",
            "Invalid measure against: 'travel_h' must be one of lateness_min, unassigned, "
            "busiest_h, non_preferred, reassigned, labor.",
        ),
    ],
    ids=["unknown", "zero-base", "reversed", "same-axis"],
)
def test_a_bad_sweep_is_an_input_error_naming_its_field(kwargs, field, message):
    """Each bad request names the field and the rule, before anything is solved."""
    with pytest.raises(InputError) as info:
        tradeoff(problem([tech()], [order("A")]), **kwargs)
    assert (info.value.field, info.value.message) == (field, message)
