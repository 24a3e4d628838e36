"""Parts of a large problem that never split a crew or a dependency chain.

A decomposed solve (:mod:`optimizer.search.decomposition`) solves parts of
technicians and orders on their own. A crew order served by technicians of
two parts, or a chain of dependent orders spread over two parts, would be
solved twice or with its links cut; :func:`whole_links` merges such parts
(a union of their technicians and orders) so that each crew order and each
chain lies in one part with every technician serving it.
"""

from __future__ import annotations

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.search.partition import Part


def whole_links(
    problem: Problem, parts: list[Part] | None, plan: Plan | None = None
) -> list[Part] | None:
    """``parts`` with the parts that share a crew order or a dependency chain merged.

    ``plan`` is the plan the parts were grouped from (later rounds): the
    technicians serving one crew order then go to one part.
    """
    if parts is None or not problem.has_links:
        return parts
    parent = list(range(len(parts)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    holders: dict[str, list[int]] = {}
    for k, part in enumerate(parts):
        for order_id in part.work_order_ids:
            holders.setdefault(order_id, []).append(k)
    part_of_tech = {t: k for k, part in enumerate(parts) for t in part.technician_ids}
    for route in plan.routes if plan is not None else ():
        for stop in route.stops:
            if stop.crew and route.technician_id in part_of_tech:
                holders.setdefault(stop.work_order_id, []).append(part_of_tech[route.technician_id])
    for ks in holders.values():  # a crew order served by several parts' technicians
        for k in ks[1:]:
            union(ks[0], k)
    for order in problem.work_orders:  # a chain
        for dep in order.dependencies:
            for a in holders.get(order.id, ()):
                for b in holders.get(dep.after, ()):
                    union(a, b)
    merged: dict[int, tuple[set[str], set[str]]] = {}
    for k, part in enumerate(parts):
        techs, orders = merged.setdefault(find(k), (set(), set()))
        techs |= part.technician_ids
        orders |= part.work_order_ids
    return [Part(frozenset(t), frozenset(o)) for t, o in (merged[k] for k in sorted(merged))]
