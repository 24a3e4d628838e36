"""Routes with depot visits timed by the one timing routine (:mod:`optimizer.search.timing`).

The loading rule and the depots' stock are :mod:`optimizer.search.depots`'s;
this module joins them to the timing: the order-count limit of a lane does
not count visits, and the cheapest one-order route with a visit (the exact
fit of :mod:`optimizer.search.prepare`, the rules engine's appends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from optimizer.search.depots import DepotSupply, Load, route_loads
from optimizer.search.timing import Lane, OrderRules, time_route


def per_depot(supply: DepotSupply, loads: Sequence[Load]) -> list[dict[str, int]]:
    """Parts taken from each depot by ``loads``, as a list by depot index."""
    by = route_loads(loads)
    return [by.get(d, {}) for d in range(supply.n_depots)]


def visit_lane(lane: Lane, nodes: Sequence[int], first_node: int) -> Lane:
    """``lane`` with its order-count limit raised by the depot visits of ``nodes``."""
    visits = sum(1 for n in nodes if n >= first_node)
    return replace(lane, max_orders=lane.max_orders + visits) if visits else lane


def alone_with_visit(
    supply: DepotSupply, lane: Lane, rules: OrderRules, v: int, node: int
) -> list[int] | None:
    """The cheapest feasible route of order ``node`` alone on ``v``, a visit before it if needed.

    ``None`` when no such route exists (timed by the one timing routine).
    """
    if supply.loads(v, [node]) is not None:
        return [node] if time_route(lane, rules, [node]) is not None else None
    best: tuple[int, list[int]] | None = None
    for d in supply.helpful_depots(v, node):
        nodes = [supply.first_node + d, node]
        loads = supply.loads(v, nodes)
        if loads is None or not supply.within_stock(per_depot(supply, loads)):
            continue
        closing = time_route(visit_lane(lane, nodes, supply.first_node), rules, nodes)
        if closing is not None and (best is None or closing.end_s < best[0]):
            best = (closing.end_s, nodes)
    return best[1] if best is not None else None
