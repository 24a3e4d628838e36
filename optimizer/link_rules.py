"""Input rules of crews and linked visits (dependencies), part of :mod:`optimizer.validation`.

A crew order needs 2 or 3 technicians at once; its member requirements must
be fillable by as many distinct technicians of the problem (skills, pin,
exclusions). A dependency names a known other order, once, with a maximum
delay no shorter than its minimum; dependencies form no cycle; a
same-technician link joins one-technician orders whose pins and exclusions
allow one technician to serve both. Each rule gives an
:class:`~optimizer.errors.InputIssue` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import permutations

from optimizer.domain import Technician, WorkOrder
from optimizer.errors import InputIssue
from optimizer.problem import Problem

#: Crew sizes allowed.
MIN_CREW, MAX_CREW = 2, 3


def link_issues(problem: Problem) -> list[InputIssue]:
    """Every crew and dependency rule ``problem`` breaks, in document order."""
    issues: list[InputIssue] = []
    orders = problem.work_orders
    if not any(o.crew is not None or o.dependencies for o in orders):
        return issues
    index = {o.id: i for i, o in enumerate(orders)}
    for i, order in enumerate(orders):
        if order.crew is not None:
            issues += _crew_issues(f"work_orders[{i}]", order, problem.technicians)
        issues += _dependency_issues(f"work_orders[{i}]", order, orders, index)
    if not issues:
        issues += _cycle_issues(orders, index)
    return issues


def _qualified(tech: Technician, need: Mapping[str, int], order: WorkOrder) -> bool:
    if tech.id in order.excluded_technician_ids:
        return False
    return all(tech.skills.get(s, 0) >= lvl for s, lvl in need.items())


def crew_candidates(order: WorkOrder, technicians: Sequence[Technician]) -> list[list[str]]:
    """Ids of the technicians qualified for each member requirement of ``order``."""
    return [
        [t.id for t in technicians if _qualified(t, need, order)]
        for need in order.member_requirements()
    ]


def fillable(candidates: list[list[str]], pinned: str | None) -> bool:
    """Whether distinct technicians fill every member (the pinned one among them)."""
    k = len(candidates)
    pool = sorted({t for c in candidates for t in c})
    if len(pool) > 12:  # plenty: keep the few each member needs
        keep = {t for c in candidates for t in c[: k + 1]} | ({pinned} if pinned else set())
        pool = sorted(keep & set(pool))
    for chosen in permutations(pool, k):
        fits = all(t in c for t, c in zip(chosen, candidates, strict=True))
        if fits and (pinned is None or pinned in chosen):
            return True
    return False


def _crew_issues(path: str, order: WorkOrder, techs: Sequence[Technician]) -> Iterator[InputIssue]:
    crew = order.crew
    assert crew is not None
    if not MIN_CREW <= crew.size <= MAX_CREW:
        yield InputIssue(
            f"{path}.crew_size",
            f"Work order {order.id} needs a crew of {crew.size}; a crew has 2 or 3 members.",
        )
        return
    if crew.sync_tolerance_s < 0:
        yield InputIssue(
            f"{path}.crew_sync_tolerance_min",
            f"Work order {order.id} has a negative crew sync tolerance.",
        )
    if order.parts:
        yield InputIssue(
            f"{path}.parts",
            f"Work order {order.id} needs a crew and parts; parts are supported on "
            "one-technician orders only.",
        )
    candidates = crew_candidates(order, techs)
    if not fillable(candidates, order.pinned_technician_id):
        qualified = sorted({t for c in candidates for t in c})
        names = ", ".join(qualified) if qualified else "none"
        pin = order.pinned_technician_id
        pinned = f" including pinned technician {pin}" if pin else ""
        yield InputIssue(
            f"{path}.crew_size",
            f"Work order {order.id} needs a crew of {crew.size}{pinned}, more than the "
            f"technicians qualified for its members ({names}).",
        )


def _dependency_issues(
    path: str, order: WorkOrder, orders: Sequence[WorkOrder], index: Mapping[str, int]
) -> Iterator[InputIssue]:
    seen: set[str] = set()
    for j, dep in enumerate(order.dependencies):
        at = f"{path}.dependencies[{j}]"
        if dep.after not in index:
            yield InputIssue(
                f"{at}.after", f"Work order {order.id} follows unknown work order {dep.after}."
            )
            continue
        if dep.after == order.id:
            yield InputIssue(f"{at}.after", f"Work order {order.id} cannot follow itself.")
            continue
        if dep.after in seen:
            yield InputIssue(
                f"{at}.after", f"Work order {order.id} follows {dep.after} more than once."
            )
            continue
        seen.add(dep.after)
        if dep.min_delay_s < 0:
            yield InputIssue(
                f"{at}.min_delay_min", f"Work order {order.id} has a negative minimum delay."
            )
        if dep.max_delay_s is not None and dep.max_delay_s < dep.min_delay_s:
            yield InputIssue(
                f"{at}.max_delay_min",
                f"Work order {order.id} after {dep.after}: the maximum delay "
                f"{dep.max_delay_s / 60:g} min is shorter than the minimum delay "
                f"{dep.min_delay_s / 60:g} min.",
            )
        if dep.same_technician:
            pred = orders[index[dep.after]]
            yield from _same_technician_issues(f"{at}.same_technician", order, pred)


def _same_technician_issues(path: str, order: WorkOrder, pred: WorkOrder) -> Iterator[InputIssue]:
    if order.crew is not None or pred.crew is not None:
        crew_id = order.id if order.crew is not None else pred.id
        yield InputIssue(
            path,
            f"Work order {order.id} must be served by the technician of {pred.id}, but "
            f"{crew_id} needs a crew; same-technician links join one-technician orders.",
        )
        return
    a, b = pred.pinned_technician_id, order.pinned_technician_id
    if a is not None and b is not None and a != b:
        yield InputIssue(
            path,
            f"Work order {order.id} is pinned to technician {b} but must be served by the "
            f"technician of {pred.id}, which is pinned to {a}.",
        )
        return
    for pin, other in ((a, order), (b, pred)):
        if pin is not None and pin in other.excluded_technician_ids:
            yield InputIssue(
                path,
                f"Work order {order.id} and {pred.id} must share a technician, but "
                f"{other.id} excludes {pin}, to whom the other is pinned.",
            )


def _cycle_issues(orders: Sequence[WorkOrder], index: Mapping[str, int]) -> Iterator[InputIssue]:
    """One issue per cycle found, on the dependency that closes it."""
    state = [0] * len(orders)  # 0 new, 1 on the path, 2 done
    for root in range(len(orders)):
        if state[root]:
            continue
        path: list[int] = []
        stack: list[tuple[int, int]] = [(root, 0)]
        state[root] = 1
        path.append(root)
        while stack:
            i, j = stack[-1]
            deps = orders[i].dependencies
            if j >= len(deps):
                stack.pop()
                path.pop()
                state[i] = 2
                continue
            stack[-1] = (i, j + 1)
            k = index[deps[j].after]
            if state[k] == 1:
                loop = [orders[n].id for n in path[path.index(k) :]]
                chain = " after ".join([*loop, orders[k].id])
                yield InputIssue(
                    f"work_orders[{i}].dependencies[{j}].after",
                    f"The dependencies of work order {orders[i].id} form a cycle: {chain}.",
                )
                return
            if state[k] == 0:
                state[k] = 1
                path.append(k)
                stack.append((k, 0))
