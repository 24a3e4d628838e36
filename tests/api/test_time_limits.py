"""Time limits too short for a first plan of a problem solved in parts: a warning, not a surprise."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.time_limits import BELOW_MINIMUM, below_minimum_warning
from optimizer.document import load_problem
from optimizer.search.pipeline import least_time_limit_s
from scenarios.build import build_scenario
from scenarios.generators import SCENARIO_SETS


@pytest.fixture(scope="module")
def large():
    """The nightly region at 3,000 orders and 300 technicians: solved in parts."""
    params = replace(SCENARIO_SETS["nightly"].params, n_orders=3000, n_technicians=300)
    return load_problem(build_scenario(params))


def test_a_problem_solved_whole_meets_any_limit():
    """Up to 2,500 orders there is no floor: no warning even at 0.1 s."""
    small = load_problem(build_scenario(SCENARIO_SETS["metro-small"].params))
    assert least_time_limit_s(small, 1) == 0.0
    assert below_minimum_warning(0.1, small, 1) == []


def test_a_large_problem_has_a_floor_that_shrinks_with_processes(large):
    """3,000 orders: 2 s per 1,000 orders per process, plus 1 s."""
    assert least_time_limit_s(large, 1) == pytest.approx(7.0)
    assert least_time_limit_s(large, 2) == pytest.approx(4.0)


def test_below_the_floor_the_answer_says_how_long_it_takes(large):
    """1 s for 3,000 orders: one warning naming the field, the size and the floor."""
    (warning,) = below_minimum_warning(1.0, large, 2)
    assert warning["code"] == BELOW_MINIMUM
    assert warning["field"] == "time_limit_s"
    assert "3,000 orders" in warning["message"] and "about 4 s" in warning["message"]
    assert below_minimum_warning(4.0, large, 2) == []
