"""The crews-links scenario set: crews and chains where the day allows them, plans valid."""

from __future__ import annotations

import pytest

from optimizer import check_plan
from optimizer.document import load_problem
from optimizer.search.rules.greedy import greedy_plan
from scenarios.build import build_scenario
from scenarios.generators import generate, scenario_params


@pytest.mark.parametrize("seed", [0, 1])
def test_crews_links_has_crews_and_chains_on_the_same_day(seed: int) -> None:
    document = generate("crews-links", seed=seed)
    problem = load_problem(document)
    orders = problem.work_orders
    crews = [o for o in orders if o.crew is not None]
    chains = [o for o in orders if o.dependencies]
    assert len(crews) == 12  # 8% of 150
    assert len(chains) == 4  # 4 pairs: 8 of 150 orders
    assert all(not o.parts and o.crew_size in (2, 3) for o in crews)
    day = build_scenario(scenario_params("crews-links", seed))
    assert [o["id"] for o in day["work_orders"]] == [o.id for o in orders]  # the same day
    plan = greedy_plan(problem)
    assert check_plan(problem, plan) == []
