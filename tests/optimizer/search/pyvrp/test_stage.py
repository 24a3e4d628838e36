"""The relaxed PyVRP stage that gives large field-service days a start."""

from __future__ import annotations

from optimizer.domain import Tier
from optimizer.search.prepare import prepare
from optimizer.search.pyvrp.stage import MAX_PRIZE, _prizes
from tests.factories import order, problem, tech


def test_relaxed_prizes_keep_priority_order_below_the_cap():
    """Prizes are compressed under the cap but still rank P1 VIP > P1 > ... > P4."""
    prob = problem(
        [tech()],
        [order(f"W{p}", priority=p) for p in (1, 2, 3, 4)]
        + [order("V", priority=1, tier=Tier.VIP)],
    )
    inputs = prepare(prob).inputs
    assert inputs is not None
    prizes = _prizes(inputs)
    by_id = dict(zip(inputs.index.order_ids, prizes, strict=True))
    assert by_id["V"] > by_id["W1"] > by_id["W2"] > by_id["W3"] > by_id["W4"] > 0
    assert max(prizes) <= MAX_PRIZE
