"""Scaling benchmark: time, memory and quality of a nightly batch from 1,000 to 20,000 orders.

Usage (from the project root)::

    python -m benchmarks.scale --orders 1000,2000,5000,10000,20000
        --time-limit-per-1k 60 [--executor local|ray] [--workers N]
        [--json OUT.json] [--plot OUT.png] [--no-greedy] [--scenario nightly|nightly-short]

Each size is the ``nightly`` scenario (or its short-staffed variant
``nightly-short``) of :mod:`scenarios.generators` scaled (one technician
per ten orders, Auvergne-Rhône-Alpes, seed 0). Our solver gets
``orders / 1000 * time-limit-per-1k`` seconds and ``--workers`` processes
(parts solved at once) on the chosen executor; the rules engine
(:func:`optimizer.search.rules.greedy.greedy_plan`) runs too, as the
baseline. Every solve runs in a fresh child process, whose process tree
(workers included) is sampled every half second for its resident memory;
``peak RSS`` is the largest sum seen; ``load ratio`` is the work the day
asks for (on site, plus driving at the plan's density) over the fleet's
net shift hours. Every plan is validated by
:func:`optimizer.check_plan` and costed by :func:`optimizer.plan_cost`.

It prints one row per size and the log-log slopes of wall time and peak
memory against orders (1 = linear), and with ``--plot`` draws them.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks.scenarios import environment
from optimizer import Plan, Priority, Problem, SolveParams, check_plan, plan_cost, solve
from optimizer.document import load_problem
from optimizer.search.rules.greedy import greedy_plan
from scenarios.build import build_scenario
from scenarios.generators import SCENARIO_SETS

ORDERS_PER_TECHNICIAN = 10
SAMPLE_S = 0.5


#: Scenario sets ``--scenario`` may name: the nightly batch and its short-staffed variant.
SCENARIOS = ("nightly", "nightly-short")


def nightly_problem(orders: int, seed: int = 0, scenario: str = "nightly") -> Problem:
    """The ``nightly`` set (or another of :data:`SCENARIOS`) scaled to ``orders`` orders.

    One technician per ten orders.
    """
    params = replace(
        SCENARIO_SETS[scenario].params,
        n_orders=orders,
        n_technicians=max(orders // ORDERS_PER_TECHNICIAN, 1),
        seed=seed,
    )
    return load_problem(build_scenario(params))


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and every process descending from it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm", encoding="ascii") as statm:
                rss[int(entry)] = int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def _child(conn: Connection, solver: str, orders: int, params: SolveParams, scenario: str) -> None:
    """Solve in a fresh process; send back the plan and the wall time."""
    problem = nightly_problem(orders, scenario=scenario)
    started = time.perf_counter()
    plan = greedy_plan(problem) if solver == "greedy" else solve(problem, params=params)
    conn.send((plan, time.perf_counter() - started))
    conn.close()
    SolveParams.stop_processes()  # a child joins its children on exit


def measured(
    solver: str, orders: int, params: SolveParams, scenario: str = "nightly"
) -> tuple[Plan, float, int]:
    """Run ``solver`` on the size-``orders`` problem in a child: (plan, wall s, peak RSS bytes)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, solver, orders, params, scenario))
    process.start()
    send.close()
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_bytes(process.pid or 0))
            done.wait(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        plan, wall_s = receive.recv()
    finally:
        done.set()
        sampler.join()
        process.join()
    return plan, wall_s, peak


def load_ratio(problem: Problem, plan: Plan) -> float:
    """Work the day asks for over the technicians' net shift hours (breaks out).

    The work is every order's on-site time plus, per order, the mean driving
    per served order of ``plan``: the time serving them all would take at
    the plan's own driving density (1: exactly the fleet's hours).
    """
    shift_s = sum(
        s.end_s - s.start_s - sum(b.duration_s for b in s.breaks)
        for t in problem.technicians
        for s in t.shifts
    )
    served = sum(len(r.stops) for r in plan.routes)
    travel_s = sum(sum(s.travel_s for s in r.stops) + r.end_travel_s for r in plan.routes)
    per_order = travel_s / served if served else 0.0
    work_s = sum(o.service_s for o in problem.work_orders) + per_order * len(problem.work_orders)
    return work_s / max(shift_s, 1)


def _p1(problem: Problem, plan: Plan) -> tuple[int, int]:
    p1 = [o.id for o in problem.work_orders if o.priority is Priority.P1]
    served = plan.assigned_ids
    return sum(o in served for o in p1), len(p1)


def row(
    problem: Problem, solver: str, plan: Plan, wall_s: float, peak: int, limit_s: float
) -> dict[str, Any]:
    """One result row, the plan validated and costed on the problem it answers."""
    served, p1 = _p1(problem, plan)
    return {
        "orders": len(problem.work_orders),
        "technicians": len(problem.technicians),
        "solver": solver,
        "time_limit_s": limit_s,
        "wall_s": round(wall_s, 1),
        "peak_rss_gb": round(peak / 2**30, 3),
        "valid": not check_plan(problem, plan),
        "objective": round(plan_cost(problem, plan)["total"], 1),
        "assigned_pct": plan.kpis["assigned_pct"],
        "p1_served": served,
        "p1_total": p1,
        "engine": plan.stats.engine,
        "audit_findings": plan.stats.audit_findings,
        "load_ratio": round(load_ratio(problem, plan), 3),
    }


def slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log(ys) against log(xs) (1: linear growth)."""
    pairs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x > 0 and y > 0]
    if len(pairs) < 2:
        return None
    lx, ly = np.array(pairs).T
    return float(np.polyfit(lx, ly, 1)[0])


def table(results: Sequence[dict[str, Any]]) -> Table:
    """One line per size: ours against the rules engine."""
    out = Table(title="Nightly batch by size (ours vs the rules engine)")
    columns = (
        "orders", "techs", "limit s", "wall s", "peak RSS GB", "objective", "rules engine",
        "ratio", "assigned % (rules)", "P1 served (rules)", "valid",
    )  # fmt: skip
    for col in columns:
        out.add_column(col, justify="right")
    for orders in dict.fromkeys(r["orders"] for r in results):
        ours = next(r for r in results if r["orders"] == orders and r["solver"] == "ours")
        rules = next(
            (r for r in results if r["orders"] == orders and r["solver"] == "greedy"), None
        )
        ratio = f"{ours['objective'] / rules['objective']:.3f}" if rules else "—"
        out.add_row(
            f"{orders:,}",
            f"{ours['technicians']:,}",
            f"{ours['time_limit_s']:.0f}",
            f"{ours['wall_s']:.1f}",
            f"{ours['peak_rss_gb']:.2f}",
            f"{ours['objective']:,.0f}",
            f"{rules['objective']:,.0f}" if rules else "—",
            ratio,
            f"{ours['assigned_pct']:.1f}" + (f" ({rules['assigned_pct']:.1f})" if rules else ""),
            f"{ours['p1_served']}/{ours['p1_total']}"
            + (f" ({rules['p1_served']})" if rules else ""),
            "yes" if ours["valid"] and (rules is None or rules["valid"]) else "[red]no[/]",
        )
    return out


def plot(results: Sequence[dict[str, Any]], path: Path) -> Path:
    """Log-log wall time and peak memory of ours against orders, with a linear reference."""
    from benchmarks.plots import _pyplot

    plt = _pyplot()
    ours = [r for r in results if r["solver"] == "ours"]
    xs = [r["orders"] for r in ours]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, label in (
        (axes[0], "wall_s", "wall time (s)"),
        (axes[1], "peak_rss_gb", "peak RSS (GB)"),
    ):
        ys = [r[key] for r in ours]
        ax.loglog(xs, ys, "o-", label="ours")
        if xs and ys[0] > 0:
            ax.loglog(xs, [ys[0] * x / xs[0] for x in xs], ":", color="grey", label="linear")
        fitted = slope(xs, ys)
        ax.set_title(f"{label}, slope {fitted:.2f}" if fitted is not None else label)
        ax.set_xlabel("orders")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("Nightly batch: time and memory against orders (log-log)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every plan is valid, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--orders", default="1000,2000,5000,10000", help="comma-separated sizes")
    parser.add_argument(
        "--time-limit-per-1k", type=float, default=60.0, help="seconds per 1,000 orders"
    )
    parser.add_argument("--executor", choices=("local", "ray"), default="local")
    parser.add_argument("--workers", type=int, default=2, help="search processes (default 2)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--plot", type=Path, help="write the log-log PNG here")
    parser.add_argument("--no-greedy", action="store_true", help="skip the rules engine")
    parser.add_argument(
        "--scenario", choices=SCENARIOS, default="nightly", help="the scenario set scaled"
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(x) for x in args.orders.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--orders must be comma-separated integers, got {args.orders!r}.")
    if not sizes or min(sizes) < 1:
        parser.error(f"--orders must be positive sizes, got {args.orders!r}.")
    if args.time_limit_per_1k <= 0 or args.workers < 1:
        parser.error("--time-limit-per-1k must be positive and --workers at least 1.")
    console = Console(width=160) if not sys.stdout.isatty() else Console()
    results = []
    for orders in sizes:
        problem = nightly_problem(orders, scenario=args.scenario)
        limit_s = orders / 1000 * args.time_limit_per_1k
        params = SolveParams(time_limit_s=limit_s, processes=args.workers, executor=args.executor)
        for solver in ("ours", *(() if args.no_greedy else ("greedy",))):
            console.print(f"{orders:,} orders: {solver} ...")
            plan, wall_s, peak = measured(solver, orders, params, args.scenario)
            results.append(row(problem, solver, plan, wall_s, peak, limit_s))
            console.print(f"  {results[-1]}")
    console.print(table(results))
    ours = [r for r in results if r["solver"] == "ours"]
    xs = [r["orders"] for r in ours]
    for key, label in (("wall_s", "wall time"), ("peak_rss_gb", "peak RSS")):
        fitted = slope(xs, [r[key] for r in ours])
        console.print(f"log-log slope of {label} against orders: {fitted:.2f}" if fitted else "")
    document = {
        "results": results,
        "settings": {
            "orders": sizes, "time_limit_per_1k_s": args.time_limit_per_1k,
            "executor": args.executor, "workers": args.workers, "scenario": args.scenario,
        },
        "environment": environment(),
    }  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        console.print(f"results written to {args.json}")
    if args.plot:
        console.print(f"plot written to {plot(results, args.plot)}")
    return 0 if all(r["valid"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
