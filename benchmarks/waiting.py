"""Waiting in plans: how long technicians wait on site, and how much of it is avoidable.

For every committed scenario (``scenarios/data/*.json`` beside the
``optimizer`` package imported, so the same script measures an older
checkout with ``PYTHONPATH=that/checkout``) it solves the problem and
prints, per scenario: the orders served, total waiting (route work time
less driving and service, breaks excluded), the longest wait at one stop,
the stops waiting more than 30 minutes, and the *avoidable* waiting: at
each stop, the time between the earliest instant its windows, not-before
and hard SLA allow after arrival (and after a break taken there) and its
actual start. Avoidable waits over 30 minutes are the ones issue 15 asks
to remove; waiting before a window opens is not avoidable for that stop.

    python -m benchmarks.waiting --time-limit 10 --seed 0
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import optimizer
from optimizer import SolveParams, check_plan, solve
from optimizer.document import load_problem

THRESHOLD_S = 1800
"""A wait longer than this (30 min) at one stop is counted."""


def _earliest_allowed(order: optimizer.WorkOrder, t_s: int) -> int:
    """Earliest service start at or after ``t_s`` that the order's own rules allow."""
    lo = t_s if order.not_before_s is None else max(t_s, order.not_before_s)
    if not order.windows:
        return lo
    starts = [max(lo, w.start_s) for w in order.windows if max(lo, w.start_s) <= w.end_s]
    return min(starts) if starts else lo


def measure(problem: optimizer.Problem, plan: optimizer.Plan) -> dict[str, float]:
    """Waiting figures of ``plan`` in minutes (see the module docstring)."""
    orders = {o.id: o for o in problem.work_orders}
    total = longest = avoidable = 0
    long_waits = long_avoidable = 0
    for route in plan.routes:
        breaks = sum(b.end_s - b.start_s for b in route.breaks)
        service = sum(s.end_s - s.start_s for s in route.stops)
        travel = sum(s.travel_s for s in route.stops) + route.end_travel_s
        total += (route.end_s - route.start_s - breaks) - travel - service
        for stop in route.stops:
            on_site = [b for b in route.breaks if stop.arrival_s <= b.start_s < stop.start_s]
            free = max([stop.arrival_s, *(b.end_s for b in on_site)])
            earliest = _earliest_allowed(orders[stop.work_order_id], free)
            wait = stop.start_s - stop.arrival_s - sum(b.end_s - b.start_s for b in on_site)
            longest = max(longest, wait)
            long_waits += wait > THRESHOLD_S
            extra = max(0, stop.start_s - earliest)
            avoidable += extra
            long_avoidable += extra > THRESHOLD_S
    return {
        "served": sum(len(r.stops) for r in plan.routes),
        "wait_min": total / 60,
        "longest_min": longest / 60,
        "waits_over_30": long_waits,
        "avoidable_min": avoidable / 60,
        "avoidable_over_30": long_avoidable,
    }


def main(argv: list[str] | None = None) -> int:
    """Solve every committed scenario and print its waiting figures; exit 1 on an invalid plan."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.waiting", description=__doc__)
    parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds per scenario.")
    parser.add_argument("--seed", type=int, default=0, help="Search seed.")
    args = parser.parse_args(argv)
    data = Path(optimizer.__file__).resolve().parents[1] / "scenarios" / "data"
    print(f"optimizer from {Path(optimizer.__file__).parent}")
    header = ("scenario", "served", "wait min", "longest", ">30 min", "avoidable", "avoid>30")
    print("{:<14} {:>6} {:>9} {:>8} {:>7} {:>9} {:>8}".format(*header))
    totals = [0.0, 0.0, 0.0]
    invalid = 0
    for path in sorted(data.glob("*.json")):
        problem = load_problem(path.read_text(encoding="utf-8"))
        plan = solve(problem, params=SolveParams(time_limit_s=args.time_limit, seed=args.seed))
        invalid += bool(check_plan(problem, plan))
        m = measure(problem, plan)
        totals[0] += m["wait_min"]
        totals[1] += m["avoidable_min"]
        totals[2] += m["avoidable_over_30"]
        print(
            f"{path.stem:<14} {m['served']:>6} {m['wait_min']:>9.0f} {m['longest_min']:>8.0f} "
            f"{m['waits_over_30']:>7} {m['avoidable_min']:>9.0f} {m['avoidable_over_30']:>8}"
        )
    print(
        f"total: waiting {totals[0]:.0f} min, avoidable {totals[1]:.0f} min, "
        f"avoidable waits over 30 min {totals[2]:.0f}, invalid plans {invalid}"
    )
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
