"""Latency of ``POST /v1/recommendations`` on the real server: booking into a metro-medium day.

Usage (from the project root)::

    python -m benchmarks.recommend [--set metro-medium] [--requests 30] [--solve-time 30]
        [--top-k 5] [--port 0] [--seed 7] [--json OUT.json] [--no-probe]

Generates the scenario set (default ``metro-medium``: 50 technicians, 500
orders), solves it once with the library (``--solve-time`` seconds), starts
``python -m api.cli serve`` (uvicorn, one process) on a free loopback port,
sends one warm-up request, then ``--requests`` booking requests one after
the other: each a new order made from a seeded random order of the day (its
skills and service time, a location jittered by up to 2 km, no parts, pins
or deadlines) with a morning and an afternoon candidate window. Latency is
measured at the client, from sending the request to having read the whole
response (parsing and checking the 500-order problem and plan included).

Afterwards, outside the timings, every answer is checked with the library:
:func:`optimizer.recommend` gives the verified plans (every one passes
:func:`optimizer.check_plan`), and the best single insertion is found by
brute force (the order at every position of every shift in each window,
timed by the search's timing routine, priced by ``plan_cost``, the best one
checked by the validator); the first recommendation must be no worse.
Before anything, the machine's speed probe of :mod:`benchmarks.vrptw` (3,000
PyVRP iterations on RC101, one core, median of three) is printed and
recorded when the Solomon data is beside the project (``--no-probe``: not).
Target: p50 <= 300 ms. Exit status 1 if any request failed, any plan is
invalid or a first recommendation is worse than the best single insertion;
a missed latency target is reported, not an error.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.mapping import booking_inputs, plan_from_in, to_domain
from api.schemas.recommendations import RecommendationRequest
from benchmarks.api_latency import serve
from benchmarks.pyvrp_peer import PROBE_INSTANCE, speed_probe
from benchmarks.solomon import DEFAULT_DATA, parse_instance
from optimizer import (
    Plan,
    Problem,
    SolveParams,
    WorkOrder,
    check_plan,
    plan_cost,
    recommend,
    solve,
)
from optimizer.document import plan_to_document
from optimizer.search.index import routes_from_plan
from optimizer.search.prepare import prepare
from optimizer.search.timing import timing_of
from optimizer.search.writer import finish_plan, timed_route
from scenarios.generators import generate

TARGET_P50_S = 0.3

console = Console(width=None if sys.stdout.isatty() else 140)


def new_order(rng: random.Random, problem_doc: dict[str, Any], index: int) -> dict[str, Any]:
    """A bookable order like a random one of the day, in a morning and an afternoon window."""
    template = copy.deepcopy(rng.choice(problem_doc["work_orders"]))
    location = template["location"]
    if "lat" in location:
        location["lat"] = round(location["lat"] + rng.uniform(-0.018, 0.018), 5)
        location["lon"] = round(location["lon"] + rng.uniform(-0.025, 0.025), 5)
    day = problem_doc["technicians"][0]["shifts"][0]["start"][:10]
    offset = problem_doc["technicians"][0]["shifts"][0]["start"][19:]
    keep = ("location", "service_min", "required_skills", "priority", "tier")
    order = {k: template[k] for k in keep if k in template}
    order["id"] = f"NEW-{index:03d}"
    order["windows"] = [
        {"start": f"{day}T08:00:00{offset}", "end": f"{day}T12:00:00{offset}"},
        {"start": f"{day}T13:00:00{offset}", "end": f"{day}T17:00:00{offset}"},
    ]
    return order


def best_single_insertion(problem: Problem, plan: Plan, order: WorkOrder) -> float | None:
    """Brute force: the least objective change of inserting ``order`` at one position.

    Every position of every technician-shift in each candidate window is
    timed by the search's timing routine and priced by ``plan_cost``; the
    best plan must pass the validator. ``None`` when none fits.
    """
    base = plan_cost(problem, plan)["total"]
    booked = replace(problem, work_orders=(*problem.work_orders, order))
    best: tuple[float, Plan] | None = None
    for window in order.windows or (None,):
        variant = order if window is None else replace(order, windows=(window,))
        inputs = prepare(replace(problem, work_orders=(*problem.work_orders, variant))).inputs
        if inputs is None or order.id not in inputs.index.order_ids:
            continue
        index = inputs.index
        lanes, rules = timing_of(inputs)
        node = index.order_ids.index(order.id)
        routes = routes_from_plan(index, plan)
        for v in sorted(index.allowed_vehicles[node]):
            nodes = routes[v]
            tech = index.vehicles[v].technician
            for pos in range(len(nodes) + 1):
                seq = [*nodes[:pos], node, *nodes[pos:]]
                used: dict[str, int] = {}
                for n in seq:
                    for part, qty in booked.work_orders[index.order_of_node[n]].parts.items():
                        used[part] = used.get(part, 0) + qty
                if any(tech.van_stock.get(p, 0) < q for p, q in used.items()):
                    continue
                try:
                    route = timed_route(booked, index, v, lanes[v], rules, seq)
                except ValueError:
                    continue
                key = (route.technician_id, route.shift_index)
                others = [r for r in plan.routes if (r.technician_id, r.shift_index) != key]
                candidate = finish_plan(booked, [*others, route], plan.unassigned, plan.stats, 0)
                delta = candidate.stats.objective - base
                if best is None or delta < best[0]:
                    best = (delta, candidate)
    if best is None:
        return None
    assert check_plan(booked, best[1]) == [], "the best single insertion is not valid"
    return best[0]


def _quantile(values: Sequence[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every answer checks out."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recommend", description=__doc__)
    parser.add_argument("--set", default="metro-medium", help="scenario set (metro-medium)")
    parser.add_argument("--requests", type=int, default=30, help="booking requests (30)")
    parser.add_argument("--solve-time", type=float, default=30.0, help="solve budget, s (30)")
    parser.add_argument("--top-k", type=int, default=5, help="recommendations asked (5)")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the new orders (7)")
    parser.add_argument("--json", help="write the rows and the summary here")
    parser.add_argument("--no-probe", action="store_true", help="skip the machine's speed probe")
    args = parser.parse_args(argv)

    probe_path = DEFAULT_DATA / "solomon" / f"{PROBE_INSTANCE}.txt"
    is_probed = probe_path.exists() and not args.no_probe
    probe = speed_probe(parse_instance(probe_path)) if is_probed else None
    if probe is not None:
        console.print(
            f"speed probe: {probe.iterations:,} PyVRP iterations on {probe.instance} "
            f"in {probe.seconds:.2f} s (one core)"
        )
    problem_doc = generate(args.set)
    problem = to_domain(problem_doc)
    console.print(
        f"solving {args.set} ({len(problem.work_orders)} orders) for {args.solve_time:g} s…"
    )
    plan = solve(problem, params=SolveParams(time_limit_s=args.solve_time))
    assert check_plan(problem, plan) == []
    plan_doc = plan_to_document(problem, plan)
    rng = random.Random(args.seed)
    orders = [new_order(rng, problem_doc, i) for i in range(args.requests + 1)]
    latencies: list[float] = []
    answers: list[dict[str, Any]] = []
    failures = 0
    with serve(args.port, 30.0) as base, httpx.Client(base_url=base, timeout=60) as client:
        for i, order in enumerate(orders):
            body = {"problem": problem_doc, "plan": plan_doc, "work_order": order}
            body["top_k"] = args.top_k
            started = time.perf_counter()
            response = client.post("/v1/recommendations", json=body)
            elapsed = time.perf_counter() - started
            if i == 0:
                continue  # warm-up
            if response.status_code != 200:
                failures += 1
                console.print(f"[red]{order['id']}: {response.status_code} {response.text[:200]}")
                continue
            latencies.append(elapsed)
            answers.append(response.json())

    rows, invalid, worse = [], 0, 0
    for order_doc, answer, latency in zip(orders[1:], answers, latencies, strict=False):
        request = RecommendationRequest.model_validate(
            {"problem": problem_doc, "plan": plan_doc, "work_order": order_doc}
        )
        day, day_plan, order = booking_inputs(request.problem, request.plan, request.work_order)
        booking = recommend(day, day_plan, order, top_k=args.top_k)
        invalid += sum(bool(check_plan(booking.problem, r.plan)) for r in booking.recommendations)
        single = best_single_insertion(day, plan_from_in(day, plan_doc), order)
        recs = answer["recommendations"]
        top = recs[0]["objective_delta"] if recs else None
        if single is not None and (top is None or top > single + 1e-6):
            worse += 1
        rows.append(
            {
                "order": order_doc["id"],
                "latency_ms": round(latency * 1000, 1),
                "recommendations": len(recs),
                "top1_delta": None if top is None else round(top, 2),
                "best_single_delta": None if single is None else round(single, 2),
                "top1_moves": len(recs[0]["moves"]) if recs else 0,
                "reason": answer["reason"],
            }
        )

    summary = {
        "set": args.set,
        "requests": len(latencies),
        "failures": failures,
        "invalid_plans": invalid,
        "top1_worse_than_single": worse,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else math.nan,
        "p95_ms": round(_quantile(latencies, 0.95) * 1000, 1) if latencies else math.nan,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else math.nan,
        "target_p50_ms": TARGET_P50_S * 1000,
        "speed_probe_s": None if probe is None else round(probe.seconds, 3),
    }
    console.print(_table(rows))
    met = summary["p50_ms"] <= TARGET_P50_S * 1000
    console.print(
        f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, max {summary['max_ms']} ms "
        f"over {summary['requests']} requests (target p50 <= {TARGET_P50_S * 1000:g} ms: "
        f"{'met' if met else 'missed'}); {failures} failed, {invalid} invalid plans, "
        f"{worse} first recommendations worse than the best single insertion"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")
    return 1 if failures or invalid or worse else 0


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="POST /v1/recommendations")
    columns = ("order", "latency ms", "recs", "top-1 Δ", "best single Δ", "moves", "reason")
    for col in columns:
        table.add_column(col, justify="left" if col in ("order", "reason") else "right")
    for row in rows:
        table.add_row(
            row["order"],
            f"{row['latency_ms']:.0f}",
            str(row["recommendations"]),
            "" if row["top1_delta"] is None else f"{row['top1_delta']:.1f}",
            "" if row["best_single_delta"] is None else f"{row['best_single_delta']:.1f}",
            str(row["top1_moves"]),
            row["reason"] or "",
        )
    return table


if __name__ == "__main__":
    sys.exit(main())
