"""Why overloaded nightly days gain less over the rules engine: the decomposition's levers.

Usage (from the project root)::

    python -m benchmarks.overload_levers --orders 4000 --time-limit-per-1k 30
        [--scenario nightly-short] [--levers base,no-audit,...] [--json OUT.json]

Each lever is a setting of the decomposition
(:mod:`optimizer.search.decomposition`, :mod:`optimizer.search.partition`)
made in this process, where the parts are cut and judged (the parts
themselves are solved by the worker processes as always):

- ``base``: as shipped;
- ``no-audit``: without the global audit across parts;
- ``audit-4pct``: the global audit gets 4% of the budget (instead of 10%);
- ``big-parts``: parts of 800 orders (twice the technicians per part);
- ``small-parts``: parts of 200 orders (half the technicians per part);
- ``rounds-3``, ``rounds-10``: 3 or 10 later rounds instead of 6;

For each it solves the scenario (:func:`benchmarks.scale.nightly_problem`)
with 2 processes and prints the objective against the rules engine's, the
orders and P1s served, the audit findings, the objective's terms and the
orders left out per priority. Every plan is validated by
:func:`optimizer.check_plan`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.scale import SCENARIOS, load_ratio, nightly_problem
from optimizer import Plan, Problem, SolveParams, check_plan, plan_cost, solve
from optimizer.search import decomposition, partition
from optimizer.search.rules.greedy import greedy_plan


def _set(module: Any, name: str, value: Any) -> Callable[[], None]:
    old = getattr(module, name)
    setattr(module, name, value)
    return lambda: setattr(module, name, old)


#: Lever name -> a function making the setting and returning its undo.
LEVERS: dict[str, Callable[[], Callable[[], None]]] = {
    "base": lambda: lambda: None,
    "no-audit": lambda: _set(decomposition, "GLOBAL_AUDIT_SHARE", 0.0),
    "audit-4pct": lambda: _set(decomposition, "GLOBAL_AUDIT_SHARE", 0.04),
    "big-parts": lambda: _set(decomposition, "PART_ORDERS", 2 * partition.PART_ORDERS),
    "small-parts": lambda: _set(decomposition, "PART_ORDERS", partition.PART_ORDERS // 2),
    "rounds-3": lambda: _set(decomposition, "LATER_ROUNDS", 3),
    "rounds-10": lambda: _set(decomposition, "LATER_ROUNDS", 10),
}


def summary(problem: Problem, plan: Plan) -> dict[str, Any]:
    """Objective terms, orders and P1 served, orders left out per priority."""
    terms = plan_cost(problem, plan)
    priority = {o.id: o.priority.name for o in problem.work_orders}
    left = Counter(priority[u.work_order_id] for u in plan.unassigned)
    return {
        "valid": not check_plan(problem, plan),
        "objective": round(terms["total"], 1),
        "terms": {k: round(v, 1) for k, v in terms.items() if k != "total"},
        "served": len(plan.assigned_ids),
        "left_out": dict(sorted(left.items())),
        "audit_findings": plan.stats.audit_findings,
        "engine": plan.stats.engine,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run every lever; 0 when every plan is valid."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overload_levers")
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--time-limit-per-1k", type=float, default=30.0)
    parser.add_argument("--scenario", choices=SCENARIOS, default="nightly-short")
    parser.add_argument("--levers", default="base,no-audit")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    levers = [x for x in args.levers.split(",") if x]
    unknown = [x for x in levers if x not in LEVERS]
    if unknown:
        parser.error(f"--levers: unknown {', '.join(unknown)}; known: {', '.join(LEVERS)}.")
    problem = nightly_problem(args.orders, scenario=args.scenario)
    limit_s = args.orders / 1000 * args.time_limit_per_1k
    rules = greedy_plan(problem)
    p1 = {o.id for o in problem.work_orders if o.priority.name == "P1"}
    out: dict[str, Any] = {
        "scenario": args.scenario,
        "orders": args.orders,
        "time_limit_s": limit_s,
        "rules": summary(problem, rules),
        "levers": {},
    }
    print(json.dumps(out["rules"]), flush=True)
    for lever in levers:
        undo = LEVERS[lever]()
        try:
            started = time.perf_counter()
            plan = solve(problem, params=SolveParams(time_limit_s=limit_s, processes=2))
            wall_s = time.perf_counter() - started
        finally:
            undo()
        row = summary(problem, plan)
        row["wall_s"] = round(wall_s, 1)
        row["ratio"] = round(row["objective"] / out["rules"]["objective"], 3)
        row["load_ratio"] = round(load_ratio(problem, plan), 3)
        row["p1_rules_serve_we_do_not"] = len((rules.assigned_ids - plan.assigned_ids) & p1)
        out["levers"][lever] = row
        print(lever, json.dumps(row), flush=True)
    SolveParams.stop_processes()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0 if all(r["valid"] for r in out["levers"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
