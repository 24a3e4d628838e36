"""Classic VRPTW benchmark: solve Solomon / Homberger instances and compare with the best known.

Usage (from anywhere)::

    python -m benchmarks.vrptw --set solomon --time-limit 10 [--instances R101,C101]
        [--data DIR] [--json OUT.json] [--seeds N]

Each plan is judged twice: by :func:`benchmarks.solomon.check_solution`
(double precision, Solomon conventions) and by :func:`optimizer.check.check_plan`.
The protocol is in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.solomon import Instance, check_solution, parse_instance, route_distance, to_problem
from optimizer.check import check_plan
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.solve import solve

SETS = ("solomon", "homberger_200", "homberger_400")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vrptw"


def plan_routes(plan: Plan) -> list[list[int]]:
    """Customer numbers of each non-empty route of ``plan``, in visiting order."""
    return [[int(s.work_order_id) for s in r.stops] for r in plan.routes if r.stops]


def best_known(bks: dict[str, Any], name: str) -> tuple[float | None, int | None]:
    """Best-known distance and its vehicle count for instance ``name``.

    Solomon instances have a pure-distance entry ``NAME_distance``; otherwise
    (Homberger) ``best_known_cost`` of ``NAME`` is used, which was reached
    minimising vehicles first. ``(None, None)`` when the instance is unknown.
    """
    entry = bks.get(f"{name}_distance") or bks.get(name)
    if entry is None:
        return None, None
    return float(entry["best_known_cost"]), int(entry["solved_with_vehicles"])


def run_one(instance: Instance, time_limit_s: float, seed: int | None) -> dict[str, Any]:
    """Solve one instance once and judge the plan; returns a result row (no BKS yet)."""
    problem = to_problem(instance)
    params = SolveParams(time_limit_s=time_limit_s, seed=seed or 0)
    started = time.perf_counter()
    plan = solve(problem, params=params)
    runtime_s = time.perf_counter() - started
    routes = plan_routes(plan)
    errors = check_solution(instance, routes)
    violations = check_plan(problem, plan)
    return {
        "instance": instance.name,
        "feasible": not errors and not violations,
        "vehicles": len(routes),
        "distance": sum(route_distance(instance, r) for r in routes),
        "runtime_s": runtime_s,
        "routes": routes,
        "_problems": errors + [f"check_plan {v.code}: {v.message}" for v in violations],
    }


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The summary block: instances, feasible runs, mean gap over feasible runs, median runtime."""
    gaps = [r["gap_pct"] for r in results if r["feasible"] and r["gap_pct"] is not None]
    return {
        "instances": len({r["instance"] for r in results}),
        "feasible": sum(1 for r in results if r["feasible"]),
        "mean_gap_pct": statistics.fmean(gaps) if gaps else None,
        "median_runtime_s": statistics.median(r["runtime_s"] for r in results) if results else None,
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(results: Sequence[dict[str, Any]], names: Sequence[str], seeds: int | None) -> Table:
    title = "VRPTW benchmark" + (f" ({seeds} seeds)" if seeds else "")
    table = Table(title=title)
    table.add_column("instance", no_wrap=True)
    table.add_column("feasible")
    table.add_column("vehicles", justify="right")
    table.add_column("distance", justify="right")
    table.add_column("BKS", justify="right")
    table.add_column("gap %" + (" mean [min, max]" if seeds else ""), justify="right", no_wrap=True)
    table.add_column("runtime s", justify="right")
    for name in names:
        rows = [r for r in results if r["instance"] == name]
        n_ok = sum(1 for r in rows if r["feasible"])
        feasible = f"{n_ok}/{len(rows)}" if seeds else ("yes" if n_ok else "[red]NO[/red]")
        bks, bks_v = rows[0]["bks"], rows[0]["bks_vehicles"]
        vehicles = sorted({r["vehicles"] for r in rows})
        gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
        if not gaps:
            gap = "—"
        elif seeds:
            gap = f"{statistics.fmean(gaps):.2f} [{min(gaps):.2f}, {max(gaps):.2f}]"
        else:
            gap = f"{gaps[0]:.2f}"
        table.add_row(
            name,
            feasible,
            "/".join(map(str, vehicles)) + (f" ({bks_v})" if bks_v else ""),
            _fmt(statistics.fmean(r["distance"] for r in rows)),
            _fmt(bks),
            gap,
            _fmt(statistics.median(r["runtime_s"] for r in rows), 1),
        )
    return table


def _select(data_dir: Path, instances: str | None) -> list[Path]:
    files = {p.stem.lower(): p for p in data_dir.glob("*.txt")}
    if not files:
        raise SystemExit(f"No instance files (*.txt) in {data_dir}.")
    if instances is None:
        return [files[k] for k in sorted(files)]
    wanted = [w.strip().lower() for w in instances.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in files]
    if unknown:
        raise SystemExit(f"Unknown instance(s) in {data_dir}: {', '.join(unknown)}.")
    return [files[k] for k in sorted(set(wanted))]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every run is feasible, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vrptw", description=__doc__)
    parser.add_argument("--set", choices=SETS, default="solomon", dest="instance_set")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--instances", help="comma-separated names, e.g. R101,C101")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the vrptw data folder")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--seeds", type=int, help="run seeds 0..N-1 per instance")
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}.")

    data_dir = args.data.resolve()
    bks = json.loads((data_dir / "BKS.json").read_text())
    paths = _select(data_dir / args.instance_set, args.instances)
    seeds: list[int | None] = list(range(args.seeds)) if args.seeds else [None]
    console = Console()
    if not console.is_terminal:  # logs and pipes: wide enough for the seed columns
        console = Console(width=120)
    results: list[dict[str, Any]] = []
    names: list[str] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("solving", total=len(paths) * len(seeds))
        for path in paths:
            instance = parse_instance(path)
            names.append(instance.name)
            bks_distance, bks_vehicles = best_known(bks, instance.name)
            for seed in seeds:
                label = instance.name + (f" seed {seed}" if seed is not None else "")
                progress.update(task, description=label)
                row = run_one(instance, args.time_limit, seed)
                for problem in row.pop("_problems")[:5]:
                    progress.console.print(f"[red]{label}:[/red] {problem}")
                row["bks"], row["bks_vehicles"] = bks_distance, bks_vehicles
                row["gap_pct"] = (
                    100.0 * (row["distance"] - bks_distance) / bks_distance
                    if row["feasible"] and bks_distance
                    else None
                )
                if seed is not None:
                    row["seed"] = seed
                results.append(row)
                progress.advance(task)

    console.print(_table(results, names, args.seeds))
    summary = summarise(results)
    runs = f" ({len(results)} runs)" if args.seeds else ""
    console.print(
        f"instances: {summary['instances']}{runs}  feasible: {summary['feasible']}/{len(results)}"
        f"  mean gap: {_fmt(summary['mean_gap_pct'])} %"
        f"  median runtime: {_fmt(summary['median_runtime_s'], 1)} s"
    )
    if args.json:
        keys = ("instance", "feasible", "vehicles", "distance", "bks", "bks_vehicles",
                "gap_pct", "runtime_s", "routes", "seed")  # fmt: skip
        rows = [{k: r[k] for k in keys if k in r} for r in results]
        args.json.write_text(json.dumps({"results": rows, "summary": summary}, indent=2) + "\n")
    return 0 if summary["feasible"] == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
