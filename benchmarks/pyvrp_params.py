"""PyVRP parameter study: plain PyVRP with named parameter sets on classic VRPTW instances.

Our exact stage is PyVRP's iterated local search with its default
parameters; this script measures whether other settings would do better in
a given budget, so that a change of defaults comes with numbers.

Usage (from anywhere)::

    python -m benchmarks.pyvrp_params --set homberger_400 \\
        --instances r1_4_1,r1_4_2,rc1_4_1,rc1_4_2 --time-limit 30 --seeds 4 \\
        --params default,perturb15,history200 [--iterations N] [--jobs J] [--json OUT.json]

Every run is one PyVRP search on one core (data as :func:`benchmarks.pyvrp_peer.build_data`),
judged by :func:`benchmarks.solomon.check_solution`. ``--iterations`` adds an iteration
limit, for comparisons that do not depend on the machine's speed (a setting that makes
iterations cheaper only shows its worth under a time limit). Besides the mean gap the
table gives the mean of the better run of each seed pair (0 and 1, 2 and 3, ...): what
two search processes returning the better of their plans would get.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pyvrp
from pyvrp.search import OPERATORS, NeighbourhoodParams, PerturbationParams
from rich.console import Console
from rich.table import Table

from benchmarks.pyvrp_peer import pyvrp_solve
from benchmarks.solomon import check_solution, parse_instance, route_distance
from benchmarks.vrptw import DEFAULT_DATA, SETS, _select, best_known

#: Named parameter sets: keyword arguments of PyVRP's parameter classes
#: (``ils``: IteratedLocalSearchParams, ``penalty``: PenaltyParams,
#: ``neighbourhood``: NeighbourhoodParams, ``perturbation``: PerturbationParams),
#: and ``operators: {"drop": [...]}``, operators of PyVRP's default list left out;
#: anything not named keeps PyVRP's default.
PARAMETER_SETS: dict[str, dict[str, dict[str, Any]]] = {
    "default": {},
    "history100": {"ils": {"history_length": 100}},
    "history200": {"ils": {"history_length": 200}},
    "history500": {"ils": {"history_length": 500}},
    "perturb5": {"perturbation": {"max_perturbations": 5}},
    "perturb10": {"perturbation": {"max_perturbations": 10}},
    "perturb15": {"perturbation": {"max_perturbations": 15}},
    "perturb20": {"perturbation": {"max_perturbations": 20}},
    "perturb40": {"perturbation": {"max_perturbations": 40}},
    "neighbours30": {"neighbourhood": {"num_neighbours": 30}},
    "neighbours40": {"neighbourhood": {"num_neighbours": 40}},
    "neighbours70": {"neighbourhood": {"num_neighbours": 70}},
    "no_wait_weight": {"neighbourhood": {"weight_wait_time": 0.0}},
    "penalty_updates200": {"penalty": {"solutions_between_updates": 200}},
    "feasible45": {"penalty": {"target_feasible": 0.45}},
    "no_exhaustive": {"ils": {"exhaustive_on_best": False}},
    "no_swap22": {"operators": {"drop": ["Swap22"]}},
    "no_swap21_22": {"operators": {"drop": ["Swap21", "Swap22"]}},
    "no_relocate2_swap21_22": {"operators": {"drop": ["Relocate2", "Swap21", "Swap22"]}},
}


def _combined(*names: str) -> dict[str, dict[str, Any]]:
    """The union of single-change parameter sets (each names another setting)."""
    spec: dict[str, dict[str, Any]] = {}
    for name in names:
        for group, values in PARAMETER_SETS[name].items():
            spec[group] = {**spec.get(group, {}), **values}
    return spec


PARAMETER_SETS.update(
    {
        "_".join(names): _combined(*names)
        for names in (
            ("perturb15", "history200"),
            ("perturb15", "history500"),
            ("perturb10", "history500"),
            ("perturb15", "neighbours30"),
            ("perturb15", "neighbours40"),
            ("perturb10", "neighbours40"),
        )
    }
)


def solve_params(name: str) -> pyvrp.SolveParams:
    """PyVRP's solver parameters of the named set (see :data:`PARAMETER_SETS`)."""
    spec = PARAMETER_SETS[name]
    drop = set(spec.get("operators", {}).get("drop", ()))
    return pyvrp.SolveParams(
        ils=pyvrp.IteratedLocalSearchParams(**spec.get("ils", {})),
        penalty=pyvrp.PenaltyParams(**spec.get("penalty", {})),
        neighbourhood=NeighbourhoodParams(**spec.get("neighbourhood", {})),
        operators=[op for op in OPERATORS if op.__name__ not in drop],
        perturbation=PerturbationParams(**spec.get("perturbation", {})),
    )


def run_one(
    path: Path, name: str, seed: int, time_limit_s: float, iterations: int | None, bks: float | None
) -> dict[str, Any]:
    """One PyVRP run of parameter set ``name`` on the instance at ``path``, judged against
    the best-known distance ``bks``."""
    instance = parse_instance(path)
    run = pyvrp_solve(
        instance,
        time_limit_s=time_limit_s,
        seed=seed,
        params=solve_params(name),
        max_iterations=iterations,
    )
    feasible = not check_solution(instance, run.routes)
    distance = sum(route_distance(instance, r) for r in run.routes)
    return {
        "instance": instance.name,
        "params": name,
        "seed": seed,
        "feasible": feasible,
        "vehicles": len(run.routes),
        "distance": distance,
        "gap_pct": 100 * (distance - bks) / bks if feasible and bks else None,
        "iterations": run.iterations,
        "runtime_s": run.runtime_s,
    }


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Runs, feasible runs, mean gap, mean gap of the better run of each seed pair, iterations."""
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    pairs: dict[tuple[str, int], list[float]] = {}
    for r in rows:
        if r["gap_pct"] is not None:
            pairs.setdefault((r["instance"], r["seed"] // 2), []).append(r["gap_pct"])
    best_of_two = [min(g) for g in pairs.values() if len(g) == 2]
    return {
        "runs": len(rows),
        "feasible": sum(1 for r in rows if r["feasible"]),
        "mean_gap_pct": statistics.fmean(gaps) if gaps else None,
        "best_of_two_gap_pct": statistics.fmean(best_of_two) if best_of_two else None,
        "mean_iterations": statistics.fmean(r["iterations"] for r in rows) if rows else None,
    }


def summary_table(summaries: dict[str, dict[str, Any]], title: str) -> Table:
    """One row per parameter set."""
    table = Table(title=title)
    for column in ("params", "runs", "feasible", "mean gap %", "best of 2 %", "iterations"):
        first = column == "params"
        table.add_column(column, justify="left" if first else "right", no_wrap=first)
    for name, s in summaries.items():
        table.add_row(
            name,
            str(s["runs"]),
            str(s["feasible"]),
            "—" if s["mean_gap_pct"] is None else f"{s['mean_gap_pct']:.3f}",
            "—" if s["best_of_two_gap_pct"] is None else f"{s['best_of_two_gap_pct']:.3f}",
            "—" if s["mean_iterations"] is None else f"{s['mean_iterations']:,.0f}",
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study; print the table (and write the rows with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pyvrp_params", description=__doc__)
    parser.add_argument("--set", choices=SETS, default="homberger_400", dest="instance_set")
    parser.add_argument("--instances", help="comma-separated names, e.g. r1_4_1,rc1_4_2")
    parser.add_argument("--params", default="default", help="comma-separated parameter sets")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--iterations", type=int, help="also stop each run after N iterations")
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1 per instance")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the vrptw data folder")
    parser.add_argument("--json", type=Path, help="write the rows and summaries here")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.params.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARAMETER_SETS]
    if unknown or not names:
        parser.error(
            f"unknown parameter set: {', '.join(unknown) or '(none)'}; "
            f"known: {', '.join(PARAMETER_SETS)}."
        )
    for flag, value in (("--seeds", args.seeds), ("--jobs", args.jobs)):
        if value < 1:
            parser.error(f"{flag} must be at least 1, got {value}.")
    if args.iterations is not None and args.iterations < 1:
        parser.error(f"--iterations must be at least 1, got {args.iterations}.")
    paths = _select(args.data / args.instance_set, args.instances)
    bks_table = json.loads((args.data / "BKS.json").read_text())
    bks = {path: best_known(bks_table, parse_instance(path).name)[0] for path in paths}
    tasks = [
        (path, name, seed, args.time_limit, args.iterations, bks[path])
        for name in names
        for seed in range(args.seeds)
        for path in paths
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
        rows = list(pool.map(run_one, *zip(*tasks, strict=True)))
    summaries = {n: summarise([r for r in rows if r["params"] == n]) for n in names}
    limit = f"{args.time_limit:g} s" + (
        f", {args.iterations:,} iterations" if args.iterations else ""
    )
    title = f"PyVRP parameter sets: {args.instance_set}, {len(paths)} instances, {limit}"
    Console().print(summary_table(summaries, f"{title}, {args.seeds} seeds"))
    if args.json:
        settings = {k: v for k, v in vars(args).items() if k not in ("json", "data")}
        document = {"settings": settings, "summaries": summaries, "rows": rows}
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
