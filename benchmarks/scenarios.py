"""Field-service scenario benchmark: our solver against a rules-engine baseline and VROOM.

Usage (from the project root)::

    python -m benchmarks.scenarios --sets metro-small,metro-medium,metro-large
        --time-limit 30 --solvers ours,greedy,vroom [--seeds 3] [--json OUT.json]
        [--out DIR] [--gantt SET] [--weights default|yardstick]

For every scenario set, seed and solver: the plan is validated by
:func:`optimizer.check.check_plan`, measured by :func:`optimizer.kpis.compute_kpis`
and costed by :func:`optimizer.objective.plan_cost`, the same three functions
for every solver. ``--seeds N`` generates each set with seeds ``0..N-1`` (seed
0 is the committed document); solvers keep their default search seed.
Sets with crews or dependencies (``crews-links``) are run against the rules
engine only: VROOM cannot express them, so it is skipped there.
``--weights yardstick`` puts :data:`YARDSTICK_WEIGHTS` in every problem (the
dispatch yardstick: priority-weighted unserved orders, lateness capped at
half an order's penalty, travel minutes). After the medians, a second table
gives ours against the best other solver seed by seed. The protocol is in
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.pyvrp_peer import PROBE_INSTANCE, SpeedProbe, speed_probe
from benchmarks.solomon import DEFAULT_DATA, parse_instance
from optimizer import audit_plan
from optimizer.check import check_plan
from optimizer.document import load_problem
from optimizer.domain import Priority
from optimizer.kpis import compute_kpis
from optimizer.objective import plan_cost
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.search.rules.greedy import greedy_plan
from optimizer.solve import solve
from scenarios.generators import SCENARIO_SETS, generate

#: The dispatch yardstick as problem-document weights: unserved P1 10,000 ... P4
#: 300 points (x2 VIP), lateness per minute by priority capped at half the
#: order's unserved penalty, one point per minute of driving, nothing else.
YARDSTICK_WEIGHTS: dict[str, Any] = {
    "travel_per_hour": 60,
    "unassigned_by_priority": {"P1": 10_000, "P2": 3_000, "P3": 1_000, "P4": 300},
    "late_per_minute_by_priority": {"P1": 50, "P2": 20, "P3": 5, "P4": 1},
    "vip_multiplier": 2,
    "non_preferred_technician": 0,
    "reassignment": 0,
    "workload_balance_per_hour": 0,
    "labor_cost": 0,
    "lateness_cap_share": 0.5,
}
WEIGHT_SETS = ("default", "yardstick")

SOLVERS = ("ours", "greedy", "vroom", "ours-warm")
"""``ours-warm`` is our solver started from the greedy plan (greedy time included)."""
DEFAULT_SETS = ("metro-small", "metro-medium", "metro-large", "metro-busy", "week")

#: Keys of one result row, in order (the JSON has one such object per run).
RESULT_KEYS = (
    "scenario", "seed", "solver", "valid", "violations", "orders", "assigned_pct",
    "sla_met_pct", "sla_met_p1_pct", "objective", "travel_h", "workload_cv", "solve_s",
    "dropped_by_priority", "p1_left_with_room", "audit_findings",
)  # fmt: skip


def solver_function(
    name: str, time_limit_s: float, processes: int = 1, search_seed: int = 0
) -> Callable[[Problem], Plan]:
    """The call that runs solver ``name`` (one of :data:`SOLVERS`) on a problem.

    ``processes`` is :attr:`SolveParams.processes` of ``ours`` and ``ours-warm``;
    ``search_seed`` is the search seed of ``ours``.
    """
    if name == "ours":
        params = SolveParams(time_limit_s=time_limit_s, processes=processes, seed=search_seed)
        return lambda problem: solve(problem, params=params)
    if name == "greedy":
        return greedy_plan
    if name == "ours-warm":

        def warm(problem: Problem) -> Plan:
            started = time.perf_counter()
            start = greedy_plan(problem)
            left_s = max(time_limit_s - (time.perf_counter() - started), 0.1)
            params = SolveParams(time_limit_s=left_s, processes=processes)
            return solve(problem, params=params, initial_plan=start)

        return warm
    if name == "vroom":
        from benchmarks.vroom_peer import vroom_plan

        return lambda problem: vroom_plan(problem, time_limit_s=time_limit_s)
    raise ValueError(f"Unknown solver: {name}; expected one of {', '.join(SOLVERS)}.")


def run_one(
    scenario: str,
    seed: int,
    solver: str,
    problem: Problem,
    time_limit_s: float,
    processes: int = 1,
    search_seed: int = 0,
) -> tuple[dict[str, Any], Plan, list[str]]:
    """Run one solver on one problem; returns the result row, the plan and violation texts.

    A run of ``ours`` with a ``search_seed`` other than 0 is named ``ours@<seed>``.
    """
    run = solver_function(solver, time_limit_s, processes, search_seed)
    started = time.perf_counter()
    plan = run(problem)
    solve_s = time.perf_counter() - started
    violations = check_plan(problem, plan)
    kpis = compute_kpis(problem, plan)
    dropped = Counter(
        f"P{int(problem.work_order(u.work_order_id).priority)}" for u in plan.unassigned
    )
    row = {
        "scenario": scenario,
        "seed": seed,
        "solver": f"{solver}@{search_seed}" if search_seed else solver,
        "valid": not violations,
        "violations": len(violations),
        "orders": kpis["orders"],
        "assigned_pct": kpis["assigned_pct"],
        "sla_met_pct": kpis["sla_met_pct"],
        "sla_met_p1_pct": kpis["sla_met_pct_by_priority"].get("P1"),
        "objective": round(plan_cost(problem, plan)["total"], 1),
        "travel_h": round(kpis["travel_s_total"] / 3600, 2),
        "workload_cv": kpis["workload_cv"],
        "solve_s": round(solve_s, 2),
        "dropped_by_priority": dict(sorted(dropped.items())),
        "p1_left_with_room": sum(
            1
            for u in plan.unassigned
            if u.reason.for_want_of_room
            and problem.work_order(u.work_order_id).priority is Priority.P1
        ),
        "audit_findings": len(audit_plan(problem, plan)),
    }
    return row, plan, [f"{v.code}: {v.message}" for v in violations]


def _median(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def results_table(results: Sequence[dict[str, Any]], n_seeds: int) -> Table:
    """One row per (scenario, solver): medians over seeds."""
    title = "Field-service scenarios" + (f" (medians over {n_seeds} seeds)" if n_seeds > 1 else "")
    table = Table(title=title)
    columns = ("scenario", "solver", "valid", "assigned %", "SLA met %", "P1 SLA %",
               "objective", "travel h", "workload CV", "solve s")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="left" if col in ("scenario", "solver") else "right")
    keys = list(dict.fromkeys((r["scenario"], r["solver"]) for r in results))
    for scenario, solver in keys:
        rows = [r for r in results if r["scenario"] == scenario and r["solver"] == solver]
        n_valid = sum(r["valid"] for r in rows)
        table.add_row(
            scenario,
            solver,
            f"{n_valid}/{len(rows)}" if n_valid == len(rows) else f"[red]{n_valid}/{len(rows)}[/]",
            _fmt(_median(rows, "assigned_pct")),
            _fmt(_median(rows, "sla_met_pct")),
            _fmt(_median(rows, "sla_met_p1_pct")),
            _fmt(_median(rows, "objective"), 0),
            _fmt(_median(rows, "travel_h")),
            _fmt(_median(rows, "workload_cv"), 3),
            _fmt(_median(rows, "solve_s")),
        )
    return table


def ratio_table(results: Sequence[dict[str, Any]]) -> Table | None:
    """Ours against the best other solver of the same run, seed by seed (lower is better)."""
    others = {r["solver"] for r in results if not r["solver"].startswith("ours")}
    if "ours" not in {r["solver"] for r in results} or not others:
        return None
    table = Table(title=f"ours / best of {', '.join(sorted(others))} (objective, per seed)")
    for col in ("scenario", "seeds", "median", "worst", "P1 left with room (ours)"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for scenario in dict.fromkeys(r["scenario"] for r in results):
        ratios, p1_left = [], 0
        for seed in sorted({r["seed"] for r in results if r["scenario"] == scenario}):
            rows = {
                r["solver"]: r for r in results if (r["scenario"], r["seed"]) == (scenario, seed)
            }
            best_other = min(rows[o]["objective"] for o in others if o in rows)
            if "ours" in rows and best_other > 0:
                ratios.append(rows["ours"]["objective"] / best_other)
                p1_left += rows["ours"]["p1_left_with_room"]
        if ratios:
            table.add_row(
                scenario,
                str(len(ratios)),
                f"{statistics.median(ratios):.3f}",
                f"{max(ratios):.3f}",
                str(p1_left),
            )
    return table


def stability_table(results: Sequence[dict[str, Any]]) -> Table | None:
    """Ours over its search seeds, day by day: median, worst and worst / median objective."""
    runs = [r for r in results if r["solver"] == "ours" or r["solver"].startswith("ours@")]
    if len({r["solver"] for r in runs}) < 2:
        return None
    table = Table(title="ours over search seeds (objective)")
    for col in ("scenario", "day seed", "search seeds", "median", "worst", "worst / median"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for scenario, seed in dict.fromkeys((r["scenario"], r["seed"]) for r in runs):
        values = [r["objective"] for r in runs if (r["scenario"], r["seed"]) == (scenario, seed)]
        median = statistics.median(values)
        table.add_row(
            scenario,
            str(seed),
            str(len(values)),
            f"{median:,.0f}",
            f"{max(values):,.0f}",
            f"{max(values) / median:.3f}" if median else "—",
        )
    return table


def environment() -> dict[str, Any]:
    """The machine and library versions, recorded with the results."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for package in ("ortools", "pyvrp", "pyvroom", "numpy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        **versions,
    }


def _speed_probe() -> SpeedProbe | None:
    """The speed probe of :mod:`benchmarks.vrptw`, when the Solomon data is beside the project."""
    path = DEFAULT_DATA / "solomon" / f"{PROBE_INSTANCE}.txt"
    return speed_probe(parse_instance(path)) if path.exists() else None


def _parse_list(
    text: str, known: Sequence[str], what: str, parser: argparse.ArgumentParser
) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        parser.error(
            f"unknown {what}: {', '.join(unknown) or '(none)'}; known: {', '.join(known)}."
        )
    return list(dict.fromkeys(names))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every plan is valid, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenarios", description=__doc__)
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS), help="comma-separated set names")
    parser.add_argument(
        "--time-limit", type=float, default=30.0, help="seconds per solve (ours, vroom)"
    )
    parser.add_argument(
        "--solvers",
        default="ours,greedy,vroom",
        help="comma-separated: ours, greedy, vroom, ours-warm (ours from the greedy plan)",
    )
    parser.add_argument("--seeds", type=int, default=1, help="generate each set with seeds 0..N-1")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--out", type=Path, help="write the PNG plots (and results.json) here")
    parser.add_argument(
        "--gantt", help="set whose seed-0 plan by ours is drawn (default: the first)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="search processes per solve of ours (default 1)"
    )
    parser.add_argument(
        "--search-seeds",
        type=int,
        default=1,
        help="run ours with search seeds 0..N-1 on every day (stability table)",
    )
    parser.add_argument(
        "--weights",
        choices=WEIGHT_SETS,
        default="default",
        help="objective weights put in every problem: the project's defaults or the yardstick",
    )
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error(f"--processes must be at least 1, got {args.processes}.")
    sets = _parse_list(args.sets, list(SCENARIO_SETS), "scenario set", parser)
    solvers = _parse_list(args.solvers, SOLVERS, "solver", parser)
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}.")
    if args.search_seeds < 1:
        parser.error(f"--search-seeds must be at least 1, got {args.search_seeds}.")
    if args.time_limit <= 0:
        parser.error(f"--time-limit must be positive, got {args.time_limit}.")
    gantt_set = args.gantt or sets[0]
    if gantt_set not in sets:
        parser.error(f"--gantt {gantt_set} is not one of the sets run: {', '.join(sets)}.")
    if "vroom" in solvers:
        try:
            import vroom  # noqa: F401
        except ImportError:
            parser.error('solver vroom needs pyvroom: pip install -e ".[bench]"')

    console = Console()
    if not console.is_terminal:
        console = Console(width=140)
    results: list[dict[str, Any]] = []
    gantt_input: tuple[Problem, Plan] | None = None
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    )  # fmt: skip
    probe = _speed_probe()
    if probe is not None:
        console.print(
            f"speed probe: {probe.iterations:,} PyVRP iterations on {probe.instance} "
            f"in {probe.seconds:.2f} s (one core, median of 3)"
        )
    SolveParams(processes=args.processes).start_processes()
    with progress:
        runs = [
            (solver, search_seed)
            for solver in solvers
            for search_seed in (range(args.search_seeds) if solver == "ours" else (0,))
        ]
        task = progress.add_task("generating", total=len(sets) * args.seeds * len(runs))
        for name in sets:
            for seed in range(args.seeds):
                document = generate(name, seed=seed)
                if args.weights == "yardstick":
                    document["weights"] = YARDSTICK_WEIGHTS
                problem = load_problem(document)
                for solver, search_seed in runs:
                    if solver == "vroom" and problem.has_links:  # VROOM has no crews or links
                        progress.advance(task)
                        continue
                    progress.update(task, description=f"{name} seed {seed} {solver}")
                    row, plan, problems = run_one(
                        name, seed, solver, problem, args.time_limit, args.processes, search_seed
                    )
                    for text in problems[:5]:
                        progress.console.print(f"[red]{name}/{seed}/{solver}:[/] {text}")
                    results.append(row)
                    if name == gantt_set and seed == 0 and solver == "ours":
                        gantt_input = (problem, plan)
                    progress.advance(task)

    console.print(results_table(results, args.seeds))
    for extra in (ratio_table(results), stability_table(results)):
        if extra is not None:
            console.print(extra)
    invalid = sum(1 for r in results if not r["valid"])
    console.print(f"runs: {len(results)}  valid: {len(results) - invalid}/{len(results)}")
    document = {
        "results": [{k: r[k] for k in RESULT_KEYS} for r in results],
        "summary": {"runs": len(results), "invalid": invalid},
        "settings": {
            "sets": sets, "solvers": solvers, "seeds": args.seeds, "time_limit_s": args.time_limit,
            "processes": args.processes, "weights": args.weights,
            "search_seeds": args.search_seeds,
            "speed_probe": None if probe is None else dataclasses.asdict(probe),
        },
        "environment": environment(),
    }  # fmt: skip
    json_path = args.json or (args.out / "results.json" if args.out else None)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(document, indent=2) + "\n")
        console.print(f"results written to {json_path}")
    if args.out:
        from benchmarks.plots import gantt, kpi_bars

        written = [kpi_bars(results, args.out / "kpis.png")]
        if gantt_input is not None:
            problem, plan = gantt_input
            path = args.out / f"gantt-{gantt_set}.png"
            written.append(gantt(problem, plan, path, f"{gantt_set}, ours"))
        console.print("plots written: " + ", ".join(str(p) for p in written))
    return 0 if invalid == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
