"""The ``dispatch explain`` and ``dispatch tradeoff`` commands, and the fixes table of ``solve``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from optimizer.document import load_problem, plan_from_document, plan_to_document
from optimizer.errors import InputError
from optimizer.explain.analysis import analyse_score
from optimizer.explain.text import number
from optimizer.explain.tradeoff import MEASURES, SWEEPS, Tradeoff, TradeoffPoint, tradeoff
from optimizer.explain.unserved import EXPLAIN_TIME_LIMIT_S, explain_plan
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.terminal import full_width_console

#: Score-analysis entries printed by ``dispatch explain --analysis``.
ENTRIES_SHOWN = 25
#: Measures that count orders (whole numbers on a plot's axis).
_COUNTS = ("unassigned", "non_preferred", "reassigned")

console = full_width_console()


def unassigned_table(plan: Plan) -> Table:
    """Unassigned orders with their reason and, once explained, their fixes."""
    table = Table(title="Unassigned")
    for col in ("work order", "reason", "detail", "fixes"):
        table.add_column(col)
    for u in plan.unassigned:
        if u.fixes is None:
            fixes = ""
        elif not u.fixes:
            fixes = "no single change found"
        else:
            fixes = "\n".join(_fix_line(f.kind.value, f.detail, f.cost_delta) for f in u.fixes)
        table.add_row(u.work_order_id, u.reason.value, u.detail, fixes)
    return table


def _fix_line(kind: str, detail: str, cost_delta: float | None) -> str:
    if cost_delta is None:
        return f"{kind} (unverified): {detail}"
    return (
        f"{kind} ({'+' if cost_delta >= 0 else '−'}{number(abs(round(cost_delta, 1)))} points): "
        f"{detail}"
    )


def analysis_tables(problem: Problem, plan: Plan) -> list[Table]:
    """The score analysis: the largest entries, then the points per technician."""
    analysis = analyse_score(problem, plan)
    entries = Table(title=f"Score analysis: {number(analysis.total)} points")
    for col in ("points", "term", "order", "technician", "how"):
        entries.add_column(col, justify="right" if col == "points" else "left")
    for e in analysis.entries[:ENTRIES_SHOWN]:
        entries.add_row(
            number(e.points), e.term, e.work_order_id or "", e.technician_id or "", e.sentence
        )
    if len(analysis.entries) > ENTRIES_SHOWN:
        entries.caption = f"{len(analysis.entries) - ENTRIES_SHOWN} smaller entries not shown"
    terms = Table(title="Points by term")
    terms.add_column("term")
    terms.add_column("points", justify="right")
    for term, value in analysis.terms.items():
        if value:
            terms.add_row(term, number(value))
    return [entries, terms]


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError.single(
            "$", f"Cannot read the {what} file {path}: {exc.strerror}."
        ) from exc


def _cmd_explain(args: argparse.Namespace) -> int:
    problem = load_problem(_read(args.problem, "problem"))
    raw = _read(args.plan, "plan")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            "$", f"The plan file is not valid JSON: {exc.msg} at line {exc.lineno}."
        ) from exc
    plan = explain_plan(problem, plan_from_document(problem, data), time_limit_s=args.time_limit)
    if plan.unassigned:
        console.print(unassigned_table(plan))
    else:
        console.print("every order is served: nothing to explain")
    if args.analysis:
        for table in analysis_tables(problem, plan):
            console.print(table)
    if args.output:
        document = plan_to_document(problem, plan)
        Path(args.output).write_text(json.dumps(document, indent=2) + "\n")
        console.print(f"explained plan written to {args.output}")
    return 0


def _cmd_tradeoff(args: argparse.Namespace) -> int:
    problem = load_problem(_read(args.problem, "problem"))
    with console.status(f"solving {args.points} points, {args.workers} at a time…"):
        result = tradeoff(
            problem,
            args.sweep,
            points=args.points,
            low=args.low,
            high=args.high,
            against=args.against,
            time_limit_s=args.time_limit,
            seed=args.seed,
            workers=args.workers,
        )
    console.print(_tradeoff_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(_tradeoff_json(result), indent=2) + "\n")
        console.print(f"points written to {args.json}")
    if args.plot:
        plot_tradeoff(result, args.plot, title=f"{Path(args.problem).stem}: {args.sweep}")
        console.print(f"curve drawn in {args.plot}")
    return 0


def _tradeoff_table(result: Tradeoff) -> Table:
    table = Table(title=f"Trade-off: {result.sweep} ({result.measure} against {result.against})")
    for col in ("factor", result.measure, result.against, "assigned %", "objective", "front"):
        table.add_column(col, justify="right")
    front = {id(p) for p in result.points}
    for p in sorted([*result.points, *result.dominated], key=lambda p: p.factor):
        table.add_row(
            f"×{p.factor:g}",
            number(p.measures[result.measure]),
            number(p.measures[result.against]),
            number(p.kpis["assigned_pct"]),
            number(round(p.kpis["objective"], 1)),
            "yes" if id(p) in front else "dominated",
        )
    return table


def _tradeoff_json(result: Tradeoff) -> dict[str, Any]:
    def point(p: TradeoffPoint) -> dict[str, Any]:
        return {
            "factor": p.factor,
            "measures": p.measures,
            "kpis": p.kpis,
            "violations": p.violations,
        }

    return {
        "sweep": result.sweep,
        "measure": result.measure,
        "against": result.against,
        "points": [point(p) for p in result.points],
        "dominated": [point(p) for p in result.dominated],
    }


def plot_tradeoff(result: Tradeoff, path: str, *, title: str = "") -> None:
    """Draw the sweep: the non-dominated points joined, the dominated ones in grey.

    Raises
    ------
    InputError
        If matplotlib is not installed (``pip install '.[bench]'``).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise InputError.single(
            "--plot", "Drawing needs matplotlib: pip install '.[bench]'."
        ) from exc
    x, y = result.measure, result.against
    fig, ax = plt.subplots(figsize=(7, 5))
    front = sorted(result.points, key=lambda p: (p.measures[x], p.measures[y]))
    ax.plot(
        [p.measures[x] for p in front],
        [p.measures[y] for p in front],
        "o-",
        color="tab:blue",
        label="non-dominated",
    )
    if result.dominated:
        ax.plot(
            [p.measures[x] for p in result.dominated],
            [p.measures[y] for p in result.dominated],
            "o",
            color="lightgrey",
            label="dominated",
        )
    same_place: dict[tuple[float, float], list[float]] = {}
    for p in sorted([*result.points, *result.dominated], key=lambda p: p.factor):
        same_place.setdefault((p.measures[x], p.measures[y]), []).append(p.factor)
    for k, (place, factors) in enumerate(sorted(same_place.items())):
        ax.annotate(  # one label per place: factors giving the same plan share it
            ", ".join(f"×{f:g}" for f in factors),
            place,
            textcoords="offset points",
            xytext=(6, 6 if k % 2 == 0 else -12),  # alternate, so that close points stay legible
            fontsize=8,
        )
    for axis, name in ((ax.xaxis, x), (ax.yaxis, y)):
        if name in _COUNTS:
            axis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{x}: {MEASURES[x]}")
    ax.set_ylabel(f"{y}: {MEASURES[y]}")
    ax.set_title(title or f"Trade-off: {result.sweep}")
    ax.margins(x=0.1, y=0.1)  # room for the labels of the outermost points
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def add_commands(sub: Any) -> None:
    """Add ``explain`` and ``tradeoff`` to the ``dispatch`` subcommands ``sub``."""
    p_explain = sub.add_parser(
        "explain", help="What would serve each unserved order of a plan (verified fixes)."
    )
    p_explain.add_argument("problem", help="Problem JSON file.")
    p_explain.add_argument("plan", help="A valid plan of it (JSON).")
    p_explain.add_argument(
        "--time-limit",
        type=float,
        default=EXPLAIN_TIME_LIMIT_S,
        help=f"Seconds to search for fixes (default {EXPLAIN_TIME_LIMIT_S:g}).",
    )
    p_explain.add_argument("--analysis", action="store_true", help="Also print the score analysis.")
    p_explain.add_argument("-o", "--output", help="Write the explained plan JSON here.")
    p_explain.set_defaults(func=_cmd_explain)
    p_trade = sub.add_parser(
        "tradeoff", help="Sweep one weight over a log grid and draw the trade-off curve."
    )
    p_trade.add_argument("problem", help="Problem JSON file.")
    p_trade.add_argument("--sweep", required=True, choices=list(SWEEPS), help="Weight to sweep.")
    p_trade.add_argument("--points", type=int, default=6, help="Grid points (default 6).")
    p_trade.add_argument("--low", type=float, default=0.1, help="Smallest factor (default 0.1).")
    p_trade.add_argument("--high", type=float, default=10.0, help="Largest factor (default 10).")
    p_trade.add_argument(
        "--against",
        choices=list(MEASURES),
        help="Second axis (default travel_h; lateness_min when sweeping travel_per_hour).",
    )
    p_trade.add_argument(
        "--time-limit", type=float, default=10.0, help="Seconds per point (default 10)."
    )
    p_trade.add_argument("--seed", type=int, default=0, help="Search seed (default 0).")
    p_trade.add_argument(
        "--workers", type=int, default=2, help="Points solved at once, one process each (2)."
    )
    p_trade.add_argument("--plot", help="Draw the curve into this PNG file (matplotlib).")
    p_trade.add_argument("--json", help="Write the points here.")
    p_trade.set_defaults(func=_cmd_tradeoff)
