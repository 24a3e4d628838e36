"""The ``dispatch`` command line: solve, validate, schema, explain, tradeoff.

Tables take the terminal's width, and every column in full when the output
is piped or written to a file (:func:`full_width_console`); ``solve --json``
prints the plan document instead of tables. Times are printed on the
problem's local clock (its ``timezone``, daylight saving included).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.live import Live
from rich.table import Table

from optimizer import __version__
from optimizer.check import check_plan
from optimizer.cli_explain import add_commands, unassigned_table
from optimizer.document import (
    load_problem,
    plan_from_document,
    plan_json_schema,
    plan_to_document,
    problem_json_schema,
)
from optimizer.errors import DispatchError, DispatchWarning, InputError
from optimizer.explain.unserved import explain_plan
from optimizer.params import EXECUTORS, SolveParams
from optimizer.plan import DepotStop, Plan
from optimizer.problem import Problem
from optimizer.solve import Progress, solve
from optimizer.terminal import full_width_console as full_width_console
from optimizer.validation import find_warnings

EXIT_OK, EXIT_INVALID_PLAN, EXIT_BAD_INPUT = 0, 1, 2
MAX_STOPS_SHOWN = 60  # larger plans: see the JSON written with -o


console = full_width_console()
err_console = full_width_console(stderr=True)


def _clock(problem: Problem, t_s: int) -> str:
    return problem.clock.hm(t_s)


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f}"


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError.single(
            "$", f"Cannot read the {what} file {path}: {exc.strerror}."
        ) from exc
    return text


def _print_errors(error: InputError) -> None:
    err_console.print(f"[bold red]Invalid input ({len(error.issues)} problem(s)):[/]")
    for issue in error.issues:
        err_console.print(f"  [cyan]{issue.field}[/]: {issue.message}", highlight=False)


def _print_warnings(found: Sequence[DispatchWarning]) -> None:
    for warning in found:
        err_console.print(
            f"[yellow]warning[/] [cyan]{warning.field}[/]: {warning.message}", highlight=False
        )


ROUTE_COLUMNS = (
    "technician", "shift", "orders", "leaves", "back", "km",
    "work h", "drive h", "service h", "wait h", "break h",
)  # fmt: skip


def _routes_table(problem: Problem, plan: Plan) -> Table:
    """One row per route; work (clock time less breaks) = drive + service + wait."""
    table = Table(title="Routes (work h = drive + service + wait; breaks apart)")
    for col in ROUTE_COLUMNS:
        table.add_column(col, justify="left" if col == "technician" else "right")
    for r in plan.routes:
        table.add_row(
            r.technician_id,
            str(r.shift_index + 1),
            str(len(r.stops)),
            _clock(problem, r.start_s),
            _clock(problem, r.end_s),
            f"{r.distance_m / 1000:.1f}",
            _hours(r.work_s),
            _hours(r.travel_s),
            _hours(r.service_s),
            _hours(r.wait_s),
            _hours(r.break_s),
        )
    return table


def _stops_table(problem: Problem, plan: Plan) -> Table:
    table = Table(title="Stops")
    for col in (
        "technician",
        "work order",
        "drive min",
        "arrive",
        "wait min",
        "start",
        "end",
        "SLA",
    ):
        table.add_column(col)
    for r in plan.routes:
        rows = [
            (
                s.start_s,
                s.work_order_id,
                f"{s.travel_s / 60:.0f}",
                _clock(problem, s.arrival_s),
                f"{s.wait_s / 60:.0f}",
                _clock(problem, s.start_s),
                _clock(problem, s.end_s),
                s.sla_status.value,
            )
            for s in r.stops
        ]
        rows += [
            (
                b.start_s,
                "(break)",
                "",
                "",
                "",
                _clock(problem, b.start_s),
                _clock(problem, b.end_s),
                "",
            )
            for b in r.breaks
        ]
        rows += [
            (
                d.start_s,
                f"(depot {d.depot_id}: {_loaded(d)})",
                f"{d.travel_s / 60:.0f}",
                _clock(problem, d.arrival_s),
                f"{d.wait_s / 60:.0f}",
                _clock(problem, d.start_s),
                _clock(problem, d.end_s),
                "",
            )
            for d in r.depot_stops
        ]
        for row in sorted(rows):
            table.add_row(r.technician_id, *row[1:])
    return table


def _loaded(stop: DepotStop) -> str:
    """``1 pump-circ-25, pipe-camera``: what a depot stop loaded."""
    items = [f"{q} {p}" for p, q in sorted(stop.loaded_parts.items())] + list(stop.loaded_tools)
    return ", ".join(items) or "nothing"


def _kpi_table(kpis: dict[str, Any]) -> Table:
    table = Table(title="KPIs")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    rows = [
        ("assigned", f"{kpis['assigned']}/{kpis['orders']} ({kpis['assigned_pct']}%)"),
        ("SLA met", f"{kpis['sla_met']}/{kpis['sla_orders']} ({kpis['sla_met_pct']}%)"),
        *((f"SLA met {p}", f"{v}%") for p, v in sorted(kpis["sla_met_pct_by_priority"].items())),
        ("SLA green/yellow/red", "/".join(str(v) for v in kpis["sla_status_counts"].values())),
        ("travel total", f"{kpis['travel_s_total'] / 3600:.2f} h"),
        (
            "service / wait / break",
            " / ".join(
                f"{kpis[k] / 3600:.2f} h"
                for k in ("service_s_total", "wait_s_total", "break_s_total")
            ),
        ),
        ("distance total", f"{kpis['distance_m_total'] / 1000:.1f} km"),
        ("workload spread", f"{kpis['workload_spread_s'] / 60:.0f} min (CV {kpis['workload_cv']})"),
        *(
            [("overtime total", f"{kpis['overtime_s_total'] / 60:.0f} min")]
            if kpis.get("overtime_s_total")
            else []
        ),
        ("objective", f"{kpis['objective']:.1f} points"),
        ("solve", f"{kpis['solve']['status']} in {kpis['solve']['wall_s']} s"),
    ]
    if "depot_stops" in kpis:  # problems with depots
        loading = f"{kpis['depot_s_total'] / 60:.0f} min loading"
        rows.insert(-2, ("depot stops", f"{kpis['depot_stops']} ({loading})"))
    for name, value in rows:
        table.add_row(name, value)
    return table


def _cmd_solve(args: argparse.Namespace) -> int:
    problem = load_problem(_read_json(args.problem, "problem"))
    _print_warnings(find_warnings(problem))
    params = SolveParams(
        time_limit_s=args.time_limit,
        seed=args.seed,
        processes=args.processes,
        executor=args.executor,
        ray_address=args.ray_address,
    )
    params.start_processes()  # workers start before the clock does
    started = time.perf_counter()
    live_console = err_console if args.json else console
    with Live(console=live_console, transient=True, auto_refresh=False) as live:

        def progress(p: Progress) -> None:
            live.update(f"solving… {p.describe(len(problem.work_orders))}", refresh=True)

        live.update(f"solving {len(problem.work_orders)} work orders…", refresh=True)
        plan = solve(problem, params=params, on_progress=progress)
        if plan.unassigned and args.explain_time > 0:
            live.update("looking for fixes of the unserved orders…", refresh=True)
            plan = explain_plan(problem, plan, time_limit_s=args.explain_time)
    violations = check_plan(problem, plan)
    document = plan_to_document(problem, plan)
    if args.output:
        Path(args.output).write_text(json.dumps(document, indent=2) + "\n")
    if args.json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        for v in violations:
            err_console.print(f"[red]violation[/] {v.code}: {v.message}", highlight=False)
        return EXIT_INVALID_PLAN if violations else EXIT_OK
    console.print(_routes_table(problem, plan))
    if len(problem.work_orders) <= MAX_STOPS_SHOWN:
        console.print(_stops_table(problem, plan))
    if plan.unassigned:
        console.print(unassigned_table(plan))
    console.print(_kpi_table(plan.kpis))
    console.print(f"solved in {time.perf_counter() - started:.1f} s")
    if args.output:
        console.print(f"plan written to {args.output}")
    if violations:
        for v in violations:
            err_console.print(f"[red]violation[/] {v.code}: {v.message}", highlight=False)
        return EXIT_INVALID_PLAN
    console.print("[green]plan checked: valid[/]")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    problem = load_problem(_read_json(args.problem, "problem"))
    raw = _read_json(args.plan, "plan")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            "$", f"The plan file is not valid JSON: {exc.msg} at line {exc.lineno}."
        ) from exc
    plan = plan_from_document(problem, data)
    violations = check_plan(problem, plan)
    if not violations:
        console.print("[green]valid[/]")
        return EXIT_OK
    for v in violations:
        console.print(f"[red]{v.code}[/]: {v.message}", highlight=False)
    console.print(f"[red]{len(violations)} violation(s)[/]")
    return EXIT_INVALID_PLAN


def _cmd_schema(args: argparse.Namespace) -> int:
    schema = plan_json_schema() if args.plan else problem_json_schema()
    sys.stdout.write(json.dumps(schema, indent=2) + "\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The ``dispatch`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="dispatch", description="Field-service dispatch optimizer."
    )
    parser.add_argument(
        "--version", action="version", version=f"dispatch (field-dispatch) {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_solve = sub.add_parser("solve", help="Solve a problem document and print a summary.")
    p_solve.add_argument("problem", help="Problem JSON file.")
    p_solve.add_argument("--time-limit", type=float, default=10.0, help="Seconds (default 10).")
    p_solve.add_argument("--seed", type=int, default=0, help="Search seed (default 0).")
    p_solve.add_argument(
        "--processes",
        type=int,
        default=1,
        help="search processes: PyVRP searches sharing their best solution, or parts of a "
        "large problem solved at once (default 1; up to one per CPU core helps).",
    )
    p_solve.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="where the parts of a large problem are solved: local worker processes (default) "
        "or a Ray cluster (pip install '.[ray]').",
    )
    p_solve.add_argument(
        "--ray-address",
        help="Ray cluster address (default: a local cluster of --processes CPUs).",
    )
    p_solve.add_argument(
        "--explain-time",
        type=float,
        default=2.0,
        help="Seconds to look for fixes of the unserved orders after solving (default 2; 0: none).",
    )
    p_solve.add_argument("-o", "--output", help="Write the plan JSON here.")
    p_solve.add_argument(
        "--json",
        action="store_true",
        help="Print the plan document as JSON on standard output instead of tables.",
    )
    p_solve.set_defaults(func=_cmd_solve)
    p_val = sub.add_parser("validate", help="Check a plan against a problem; exit 0 only if valid.")
    p_val.add_argument("problem")
    p_val.add_argument("plan")
    p_val.set_defaults(func=_cmd_validate)
    p_schema = sub.add_parser("schema", help="Print the JSON Schema of the problem document.")
    p_schema.add_argument("--plan", action="store_true", help="Print the plan schema instead.")
    p_schema.set_defaults(func=_cmd_schema)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 invalid plan, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        _print_errors(exc)
        return EXIT_BAD_INPUT
    except (DispatchError, ValueError) as exc:
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
