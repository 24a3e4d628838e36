"""PNG plots of the scenario benchmark: KPI bars per solver, and a per-technician Gantt chart.

matplotlib is an optional benchmark dependency (``pip install -e ".[bench]"``);
it is imported lazily, with the non-interactive Agg backend.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from optimizer.domain import Priority, Tier
from optimizer.plan import Plan
from optimizer.problem import Problem

#: Panels of the KPI figure: result key, title, whether higher is better.
KPI_PANELS: tuple[tuple[str, str, bool], ...] = (
    ("assigned_pct", "assigned %", True),
    ("sla_met_pct", "SLA met %", True),
    ("sla_met_p1_pct", "P1 SLA met %", True),
    ("objective", "objective (points, log)", False),
    ("travel_h", "travel hours", False),
    ("workload_cv", "workload CV", False),
    ("solve_s", "solve time s", False),
)

SOLVER_COLOURS = {
    "ours": "#1f77b4",
    "greedy": "#7f7f7f",
    "vroom": "#ff7f0e",
    "ours-warm": "#9ecae1",
}
PRIORITY_COLOURS = {
    Priority.P1: "#d62728",
    Priority.P2: "#ff7f0e",
    Priority.P3: "#1f77b4",
    Priority.P4: "#2ca02c",
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def kpi_bars(results: Sequence[dict[str, Any]], path: Path) -> Path:
    """Draw one bar panel per KPI: scenarios on the x axis, one bar per solver.

    Parameters
    ----------
    results
        Rows of :func:`benchmarks.scenarios.run_one` (several seeds allowed:
        the bar is the median, the whisker spans min to max).
    path
        The PNG to write.

    Returns
    -------
    Path
        ``path``.
    """
    plt = _pyplot()
    scenarios = list(dict.fromkeys(r["scenario"] for r in results))
    solvers = list(dict.fromkeys(r["solver"] for r in results))
    fig, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    width = 0.8 / max(len(solvers), 1)
    for ax, (key, title, higher) in zip(axes.flat, KPI_PANELS, strict=False):
        for j, solver in enumerate(solvers):
            xs, mids, lows, highs = [], [], [], []
            for i, scenario in enumerate(scenarios):
                values = [
                    r[key]
                    for r in results
                    if r["scenario"] == scenario and r["solver"] == solver and r[key] is not None
                ]
                if not values:
                    continue
                mid = statistics.median(values)
                xs.append(i + (j - (len(solvers) - 1) / 2) * width)
                mids.append(mid)
                lows.append(mid - min(values))
                highs.append(max(values) - mid)
            ax.bar(
                xs,
                mids,
                width,
                yerr=[lows, highs] if any(lows) or any(highs) else None,
                label=solver,
                color=SOLVER_COLOURS.get(solver),
                capsize=2,
            )
        ax.set_title(title + (" ↑" if higher else " ↓"))
        ax.set_xticks(range(len(scenarios)), scenarios, rotation=20, fontsize=8)
        if key == "objective":
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    legend_ax = axes.flat[-1]
    legend_ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend_ax.legend(handles, labels, loc="center", title="solver", fontsize=11)
    invalid = sum(1 for r in results if not r["valid"])
    legend_ax.text(0.5, 0.1, f"{len(results)} runs, {invalid} invalid", ha="center")
    fig.suptitle("Field-service scenarios: KPIs per solver (↑ higher is better, ↓ lower)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _when(problem: Problem, t_s: int) -> datetime:
    epoch = problem.epoch or datetime(1970, 1, 1, tzinfo=UTC)
    return (epoch + timedelta(seconds=t_s)).replace(tzinfo=None)  # local wall clock


def gantt(problem: Problem, plan: Plan, path: Path, title: str) -> Path:
    """Draw the plan as one lane per technician-shift: driving, waiting, service, breaks.

    Service bars are coloured by priority (VIP orders edged in black), driving
    is grey, waiting light grey, breaks hatched. Times are the problem's
    local wall clock.

    Parameters
    ----------
    problem, plan
        The problem and the plan to draw.
    path
        The PNG to write.
    title
        Figure title.

    Returns
    -------
    Path
        ``path``.
    """
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    routes = sorted(plan.routes, key=lambda r: (r.technician_id, r.shift_index))
    fig, ax = plt.subplots(figsize=(14, 1.2 + 0.32 * max(len(routes), 1)))
    day = 1.0 / 86400.0

    def bar(y: int, start_s: int, end_s: int, **style: Any) -> None:
        if end_s > start_s:
            x = mdates.date2num(_when(problem, start_s))
            ax.broken_barh([(x, (end_s - start_s) * day)], (y - 0.38, 0.76), **style)

    for y, route in enumerate(routes):
        depart = route.start_s
        for stop in route.stops:
            order = problem.work_order(stop.work_order_id)
            bar(y, depart, stop.arrival_s, facecolors="#9e9e9e")
            bar(y, stop.arrival_s, stop.start_s, facecolors="#e6e6e6")
            is_vip = order.tier is Tier.VIP
            bar(
                y,
                stop.start_s,
                stop.end_s,
                facecolors=PRIORITY_COLOURS[order.priority],
                edgecolors="black" if is_vip else "white",
                linewidth=1.2 if is_vip else 0.4,
            )
            depart = stop.end_s
        bar(y, depart, depart + route.end_travel_s, facecolors="#9e9e9e")
        for brk in route.breaks:
            bar(y, brk.start_s, brk.end_s, facecolors="white", edgecolors="black", hatch="///")
    ax.set_yticks(range(len(routes)), [f"{r.technician_id}/{r.shift_index}" for r in routes])
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M"))
    ax.grid(axis="x", alpha=0.3)
    legend = [
        Patch(facecolor=c, label=f"service {p.name}") for p, c in PRIORITY_COLOURS.items()
    ] + [
        Patch(facecolor="white", edgecolor="black", linewidth=1.2, label="VIP"),
        Patch(facecolor="#9e9e9e", label="driving"),
        Patch(facecolor="#e6e6e6", label="waiting"),
        Patch(facecolor="white", edgecolor="black", hatch="///", label="break"),
    ]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=8, fontsize=8)
    k = plan.kpis
    ax.set_title(
        f"{title}: {k.get('assigned', '?')}/{k.get('orders', '?')} assigned, "
        f"SLA met {k.get('sla_met_pct', '?')}%"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
