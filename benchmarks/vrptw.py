"""Classic VRPTW benchmark: solve Solomon / Homberger instances and compare with the best known.

Usage (from anywhere)::

    python -m benchmarks.vrptw --set solomon --time-limit 10 [--solvers ours,pyvrp,vroom]
        [--instances R101,C101] [--data DIR] [--json OUT.json] [--seeds N] [--jobs J]
        [--processes P]

Solvers: ``ours`` (:func:`optimizer.solve.solve`), ``pyvrp`` (plain PyVRP,
:mod:`benchmarks.pyvrp_peer`) and ``vroom`` (pyvroom, :mod:`benchmarks.vroom_peer`,
the ``bench`` extra). Every solver's routes are judged by
:func:`benchmarks.solomon.check_solution` (double precision, Solomon
conventions); the plans of ``ours`` and ``vroom`` also by
:func:`optimizer.check.check_plan`. The protocol is in ``benchmarks/README.md``.

Before solving, a speed probe times a fixed PyVRP search on Solomon RC101
(:func:`benchmarks.pyvrp_peer.speed_probe`); the JSON records it under
``settings.speed_probe``, so that runs of different days can be compared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.pyvrp_peer import PROBE_INSTANCE, pyvrp_solve, speed_probe
from benchmarks.solomon import (
    DEFAULT_DATA,
    Instance,
    check_solution,
    parse_instance,
    route_distance,
    to_problem,
)
from optimizer.check import check_plan
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.solve import solve

SETS = ("solomon", "homberger_200", "homberger_400", "homberger_1000")
SOLVERS = ("ours", "pyvrp", "vroom")


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


#: Keys of one JSON result row, in order; ``seed`` only with ``--seeds`` (never for
#: VROOM, which has none), ``reported_feasible`` (PyVRP's own verdict) only for pyvrp.
RESULT_KEYS = (
    "instance", "solver", "feasible", "vehicles", "distance", "bks", "bks_vehicles",
    "gap_pct", "runtime_s", "routes", "seed", "reported_feasible",
)  # fmt: skip


def run_one(
    instance: Instance,
    time_limit_s: float,
    seed: int | None,
    solver: str = "ours",
    processes: int = 1,
) -> dict[str, Any]:
    """Solve one instance once with ``solver`` and judge the routes.

    Parameters
    ----------
    instance
        The parsed instance.
    time_limit_s
        The solver's time limit in seconds.
    seed
        The seed (``None``: seed 0, and no ``seed`` key in the row); VROOM has none.
    solver
        One of :data:`SOLVERS` (default ``"ours"``).
    processes
        Search processes of ``ours`` (:attr:`SolveParams.processes`); the
        peers run on one core.

    Returns
    -------
    dict
        A result row without the best-known columns, plus ``_problems``: the
        checkers' complaints (empty when feasible).

    Raises
    ------
    ValueError
        If ``solver`` is unknown.
    """
    if solver not in SOLVERS:
        raise ValueError(f"Unknown solver: {solver}; expected one of {', '.join(SOLVERS)}.")
    extra: dict[str, Any] = {}
    if solver == "pyvrp":
        run = pyvrp_solve(instance, time_limit_s=time_limit_s, seed=seed or 0)
        routes, runtime_s = run.routes, run.runtime_s
        problems = check_solution(instance, routes)
        extra["reported_feasible"] = run.is_feasible
    else:
        problem = to_problem(instance)
        started = time.perf_counter()
        if solver == "ours":
            params = SolveParams(time_limit_s=time_limit_s, seed=seed or 0, processes=processes)
            plan = solve(problem, params=params)
        else:
            from benchmarks.vroom_peer import vroom_plan

            plan = vroom_plan(problem, time_limit_s=time_limit_s, exploration_level=5, threads=1)
        runtime_s = time.perf_counter() - started
        routes = plan_routes(plan)
        problems = check_solution(instance, routes)
        problems += [f"check_plan {v.code}: {v.message}" for v in check_plan(problem, plan)]
    row: dict[str, Any] = {
        "instance": instance.name,
        "solver": solver,
        "feasible": not problems,
        "vehicles": len(routes),
        "distance": sum(route_distance(instance, r) for r in routes),
        "runtime_s": runtime_s,
        "routes": routes,
        **extra,
        "_problems": problems,
    }
    if seed is not None:
        row["seed"] = seed
    return row


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The summary block of one solver's rows.

    Keys: ``instances``, ``runs``, ``feasible`` (runs), ``mean_gap_pct``
    (over feasible runs with a best known), ``median_runtime_s`` and
    ``max_runtime_s``. When the rows carry seeds, also the mean over seeds
    of each seed's mean gap, ``seed_mean_gap_pct``, with its smallest and
    largest seed, ``seed_mean_gap_min_pct`` and ``seed_mean_gap_max_pct``.
    """
    gaps = [r["gap_pct"] for r in results if r["feasible"] and r["gap_pct"] is not None]
    runtimes = [r["runtime_s"] for r in results]
    summary: dict[str, Any] = {
        "instances": len({r["instance"] for r in results}),
        "runs": len(results),
        "feasible": sum(1 for r in results if r["feasible"]),
        "mean_gap_pct": statistics.fmean(gaps) if gaps else None,
        "median_runtime_s": statistics.median(runtimes) if runtimes else None,
        "max_runtime_s": max(runtimes) if runtimes else None,
    }
    by_seed: dict[int, list[float]] = {}
    for r in results:
        if "seed" in r and r["feasible"] and r["gap_pct"] is not None:
            by_seed.setdefault(r["seed"], []).append(r["gap_pct"])
    if any("seed" in r for r in results):
        means = [statistics.fmean(g) for _, g in sorted(by_seed.items())]
        summary["seed_mean_gap_pct"] = statistics.fmean(means) if means else None
        summary["seed_mean_gap_min_pct"] = min(means, default=None)
        summary["seed_mean_gap_max_pct"] = max(means, default=None)
    return summary


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _gap_cell(rows: Sequence[dict[str, Any]]) -> str:
    """Gap (mean [min, max] over several runs), with infeasible runs in red."""
    n_ok = sum(1 for r in rows if r["feasible"])
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    if len(rows) == 1:
        return _fmt(gaps[0]) if gaps else ("—" if n_ok else "[red]infeasible[/red]")
    text = f"{statistics.fmean(gaps):.2f} [{min(gaps):.2f}, {max(gaps):.2f}]" if gaps else "—"
    return text if n_ok == len(rows) else f"{text} [red]{n_ok}/{len(rows)} ok[/red]"


def results_table(
    results: Sequence[dict[str, Any]],
    names: Sequence[str],
    solvers: Sequence[str],
    seeds: int | None,
) -> Table:
    """One row per instance; per solver: gap %, vehicles and median runtime."""
    title = "VRPTW benchmark" + (f" ({seeds} seeds)" if seeds else "")
    table = Table(title=title)
    table.add_column("instance", no_wrap=True)
    table.add_column("BKS (veh)", justify="right", no_wrap=True)
    for solver in solvers:
        gap = "gap %" + (r" mean \[min, max]" if seeds and solver != "vroom" else "")
        table.add_column(f"{solver}\n{gap}", justify="right", no_wrap=True)
        table.add_column(f"{solver}\nveh", justify="right")
        table.add_column(f"{solver}\ns", justify="right")
    for name in names:
        rows = [r for r in results if r["instance"] == name]
        bks, bks_v = rows[0]["bks"], rows[0]["bks_vehicles"]
        cells = [name, _fmt(bks) + (f" ({bks_v})" if bks_v else "")]
        for solver in solvers:
            mine = [r for r in rows if r["solver"] == solver]
            cells += [
                _gap_cell(mine),
                "/".join(str(v) for v in sorted({r["vehicles"] for r in mine})),
                _fmt(statistics.median(r["runtime_s"] for r in mine), 1),
            ]
        table.add_row(*cells)
    return table


def summary_line(solver: str, summary: dict[str, Any]) -> str:
    """One console line: feasible runs, mean gap, median and max runtime, seed spread."""
    line = (
        f"{solver:<6} feasible: {summary['feasible']}/{summary['runs']}"
        f"  mean gap: {_fmt(summary['mean_gap_pct'])} %"
        f"  median runtime: {_fmt(summary['median_runtime_s'], 1)} s"
        f"  max runtime: {_fmt(summary['max_runtime_s'], 1)} s"
    )
    if "seed_mean_gap_pct" in summary:
        line += (
            f"  per-seed mean gap: {_fmt(summary['seed_mean_gap_pct'])} %"
            f" [{_fmt(summary['seed_mean_gap_min_pct'])}, {_fmt(summary['seed_mean_gap_max_pct'])}]"
        )
    return line


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


def _solvers(text: str, parser: argparse.ArgumentParser) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SOLVERS]
    if unknown or not names:
        parser.error(
            f"unknown solver: {', '.join(unknown) or '(none)'}; known: {', '.join(SOLVERS)}."
        )
    if "vroom" in names:
        try:
            import vroom  # noqa: F401
        except ImportError:
            parser.error('solver vroom needs pyvroom: pip install -e ".[bench]"')
    return list(dict.fromkeys(names))


Task = tuple[Instance, str, int | None]


def run_all(
    tasks: Sequence[Task],
    time_limit_s: float,
    jobs: int,
    on_done: Callable[[Task, dict[str, Any]], None],
    on_start: Callable[[Task], None] | None = None,
    processes: int = 1,
) -> list[dict[str, Any]]:
    """Run every ``(instance, solver, seed)`` task; rows come back in task order.

    With ``jobs > 1`` the tasks run in that many spawned worker processes;
    ``on_done`` is called as each finishes, ``on_start`` before each task
    only when ``jobs == 1``. ``ours`` searches in ``processes`` processes
    (their pool is started before the first task).
    """
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    if jobs == 1:
        SolveParams(processes=processes).start_processes()
        for i, task in enumerate(tasks):
            instance, solver, seed = task
            if on_start is not None:
                on_start(task)
            row = run_one(instance, time_limit_s, seed, solver, processes)
            rows[i] = row
            on_done(task, row)
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=SolveParams(processes=processes).start_processes,
        ) as pool:
            futures = {
                pool.submit(run_one, instance, time_limit_s, seed, solver, processes): i
                for i, (instance, solver, seed) in enumerate(tasks)
            }
            for future in as_completed(futures):
                i = futures[future]
                row = rows[i] = future.result()
                on_done(tasks[i], row)
    return [r for r in rows if r is not None]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every run is feasible, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vrptw", description=__doc__)
    parser.add_argument("--set", choices=SETS, default="solomon", dest="instance_set")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--solvers", default="ours", help="comma-separated: ours, pyvrp, vroom")
    parser.add_argument("--instances", help="comma-separated names, e.g. R101,C101")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the vrptw data folder")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--seeds", type=int, help="run seeds 0..N-1 per instance (not VROOM)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes (default 1); runtimes are contended when J exceeds the free cores",
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="search processes per solve of ours (default: usable cores // jobs)",
    )
    args = parser.parse_args(argv)
    if args.processes is not None and args.processes < 1:
        parser.error(f"--processes must be at least 1, got {args.processes}.")
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}.")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}.")
    if args.time_limit <= 0:
        parser.error(f"--time-limit must be positive, got {args.time_limit}.")
    solvers = _solvers(args.solvers, parser)
    processes = args.processes or max(SolveParams.usable_cores() // args.jobs, 1)

    data_dir = args.data.resolve()
    bks = json.loads((data_dir / "BKS.json").read_text())
    instances = [parse_instance(p) for p in _select(data_dir / args.instance_set, args.instances)]
    names = [i.name for i in instances]
    seeds: list[int | None] = list(range(args.seeds)) if args.seeds else [None]
    tasks: list[Task] = [
        (instance, solver, seed)
        for instance in instances
        for solver in solvers
        for seed in (seeds if solver != "vroom" else [None])  # VROOM has no seed
    ]
    console = Console()
    if not console.is_terminal:  # logs and pipes: wide enough for three solvers with seeds
        console = Console(width=160)
    probe_path = data_dir / "solomon" / f"{PROBE_INSTANCE}.txt"
    probe = speed_probe(parse_instance(probe_path)) if probe_path.exists() else None
    if probe is not None:
        console.print(
            f"speed probe: {probe.iterations:,} PyVRP iterations on {probe.instance} "
            f"in {probe.seconds:.2f} s (one core, median of 3)"
        )
    if args.jobs > 1:
        console.print(
            f"{args.jobs} worker processes on {os.cpu_count()} CPUs: runtimes are contended "
            "when the workers outnumber the free cores."
        )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    description = "solving" if args.jobs == 1 else f"solving in {args.jobs} processes"
    bar = progress.add_task(description, total=len(tasks))

    def label(task: Task) -> str:
        instance, solver, seed = task
        return f"{instance.name} {solver}" + (f" seed {seed}" if seed is not None else "")

    def on_done(task: Task, row: dict[str, Any]) -> None:
        for problem in row["_problems"][:5]:
            progress.console.print(f"[red]{label(task)}:[/red] {problem}")
        progress.advance(bar)

    with progress:
        results = run_all(
            tasks,
            args.time_limit,
            args.jobs,
            on_done,
            on_start=lambda task: progress.update(bar, description=label(task)),
            processes=processes,
        )
    for row in results:
        del row["_problems"]
        row["bks"], row["bks_vehicles"] = best_known(bks, row["instance"])
        row["gap_pct"] = (
            100.0 * (row["distance"] - row["bks"]) / row["bks"]
            if row["feasible"] and row["bks"]
            else None
        )

    console.print(results_table(results, names, solvers, args.seeds))
    summary = {s: summarise([r for r in results if r["solver"] == s]) for s in solvers}
    console.print(
        f"instances: {len(names)}  time limit: {args.time_limit:g} s  jobs: {args.jobs}  "
        f"search processes of ours: {processes}"
    )
    for solver in solvers:
        console.print(summary_line(solver, summary[solver]))
    if args.json:
        document = {
            "results": [{k: r[k] for k in RESULT_KEYS if k in r} for r in results],
            "summary": summary,
            "settings": {
                "set": args.instance_set, "solvers": solvers, "time_limit_s": args.time_limit,
                "seeds": args.seeds, "jobs": args.jobs, "processes": processes,
                "speed_probe": None if probe is None else dataclasses.asdict(probe),
            },
        }  # fmt: skip
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0 if all(r["feasible"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
