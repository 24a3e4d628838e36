"""HTTP latency of ``POST /v1/plans`` on the real server, sequential and concurrent.

Usage (from the project root)::

    python -m benchmarks.api_latency [--requests 50] [--concurrency 8] [--time-limit 1]
        [--port 0] [--seed 7] [--json OUT.json]

Starts ``python -m api.cli serve`` (uvicorn, one process) on a free loopback
port with a throw-away SQLite job store, generates a seeded problem of 10
technicians and 50 work orders around Paris (skills with levels, appointment
windows, lunch breaks, SLA deadlines, priorities, VIPs, van stock), sends one
warm-up request, then ``--requests`` requests one after the other and
``--requests`` more from ``--concurrency`` threads. Latency is measured at
the client, from sending the request to having read the whole response;
``solve`` is the server's solve time (``stats.wall_s``) and ``wait+http`` the
rest: waiting for a solver slot (the server runs one solve per CPU at a
time), parsing, validation, the plan check and the transfer.
Every returned plan is checked afterwards with :func:`optimizer.check_plan`
(outside the timings). Targets for a 1 s time limit: p50 <= 1.5 s and
p95 <= 2.5 s. Exit status 1 if any request failed or any plan is invalid;
a missed target is reported, not an error (this is a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.mapping import plan_from_in, to_domain
from optimizer import check_plan

ROOT = Path(__file__).resolve().parents[1]
TARGET_P50_S = 1.5
TARGET_P95_S = 2.5
STARTUP_S = 90.0

console = Console(width=None if sys.stdout.isatty() else 140)

# --- a seeded, realistic problem (private to this benchmark) ------------------------------

_CITY = (48.8566, 2.3522)  # Paris, Hôtel de Ville
_DAY = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))  # a Monday, CET
_SKILLS = ("hvac", "plumbing", "electrical", "appliance")
_PARTS = ("filter-20x25", "capacitor-45uF", "thermostat-T6", "valve-15mm", "fuse-10A")


def _at(hour: float) -> str:
    return (_DAY + timedelta(hours=hour)).isoformat()


def _near(rng: random.Random, radius_km: float) -> dict[str, float]:
    """A point uniformly spread over a disc of ``radius_km`` around the city centre."""
    r_km = radius_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    lat = _CITY[0] + r_km * math.cos(theta) / 111.32
    lon = _CITY[1] + r_km * math.sin(theta) / (111.32 * math.cos(math.radians(_CITY[0])))
    return {"lat": round(lat, 5), "lon": round(lon, 5)}


def _technician(rng: random.Random, index: int) -> dict[str, Any]:
    skills = {s: rng.choice((1, 2, 2, 3)) for s in rng.sample(_SKILLS, rng.choice((2, 2, 3)))}
    start_h = rng.choice((7.5, 8.0, 8.0, 8.5))
    home = _near(rng, 15.0)
    return {
        "id": f"T-{index:02d}",
        "name": f"Technician {index:02d}",
        "skills": skills,
        "shifts": [
            {
                "start": _at(start_h),
                "end": _at(start_h + 9),
                "breaks": [{"duration_min": 30, "window_start": _at(11.5), "window_end": _at(14)}],
            }
        ],
        "start": home,
        "end": home,
        "max_orders_per_shift": 8,
        "van_stock": {p: rng.randint(0, 3) for p in rng.sample(_PARTS, 3)},
        "cost_per_hour": rng.choice((38.0, 42.0, 48.0)),
    }


def _work_order(
    rng: random.Random, index: int, technicians: list[dict[str, Any]]
) -> dict[str, Any]:
    tech = rng.choice(technicians)  # someone can do it (unless parts run out)
    skill = rng.choice(sorted(tech["skills"]))
    order: dict[str, Any] = {
        "id": f"WO-{2000 + index}",
        "location": _near(rng, 12.0),
        "service_min": rng.choice((30, 45, 45, 60, 60, 90, 120)),
        "required_skills": {skill: rng.randint(1, tech["skills"][skill])},
        "priority": rng.choices(("P1", "P2", "P3", "P4"), weights=(5, 20, 50, 25))[0],
        "tier": "vip" if rng.random() < 0.1 else "standard",
    }
    window = rng.random()
    if window < 0.25:
        order["windows"] = [{"start": _at(8), "end": _at(12)}]
    elif window < 0.45:
        order["windows"] = [{"start": _at(13), "end": _at(17)}]
    if rng.random() < 0.2:
        order["resolve_by"] = _at(rng.choice((12, 15, 17)))
    elif order["priority"] == "P1":
        order["respond_by"] = _at(rng.choice((10, 11)))
    if rng.random() < 0.15:
        order["parts"] = {rng.choice(_PARTS): 1}
    return order


def make_problem(seed: int, technicians: int = 10, work_orders: int = 50) -> dict[str, Any]:
    """A seeded problem document: ``technicians`` x ``work_orders`` around Paris."""
    rng = random.Random(seed)
    techs = [_technician(rng, i + 1) for i in range(technicians)]
    orders = [_work_order(rng, i + 1, techs) for i in range(work_orders)]
    return {
        "travel": {"kind": "geodesic", "speed_kmh": 28, "circuity": 1.35},
        "technicians": techs,
        "work_orders": orders,
    }


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(port: int, max_time_limit_s: float) -> Iterator[str]:
    """Run ``python -m api.cli serve`` on ``port`` (0: a free one); yield its base URL."""
    port = port or _free_port()
    with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
        env |= {
            "DISPATCH_DATABASE_URL": f"sqlite:///{folder}/bench.db",
            "DISPATCH_RUN_JOBS": "false",
            "DISPATCH_MAX_TIME_LIMIT_S": str(max(max_time_limit_s, 30.0)),  # 30: the default
            "PYTHONPATH": str(ROOT),
        }
        log_path = Path(folder) / "server.log"
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*command, "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited:\n{log_path.read_text()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not healthy after {STARTUP_S} s")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Run:
    """The requests of one mode."""

    mode: str
    concurrency: int
    latencies_s: list[float] = field(default_factory=list)
    solve_wall_s: list[float] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0


def _post(
    client: httpx.Client, base: str, body: dict[str, Any], run: Run, lock: threading.Lock
) -> None:
    started = time.perf_counter()
    try:
        response = client.post(f"{base}/v1/plans", json=body)
        latency = time.perf_counter() - started
    except httpx.HTTPError as exc:
        with lock:
            run.errors.append(f"{type(exc).__name__}: {exc}")
        return
    with lock:
        if response.status_code != 200:
            run.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            return
        out = response.json()
        run.latencies_s.append(latency)
        run.solve_wall_s.append(float(out["stats"]["wall_s"]))
        run.plans.append(out)


def measure(
    base: str,
    problem: dict[str, Any],
    *,
    requests: int,
    concurrency: int,
    time_limit_s: float,
    mode: str,
) -> Run:
    """Send ``requests`` solves of ``problem`` (seeds 1..N) from ``concurrency`` threads."""
    run = Run(mode, concurrency)
    lock = threading.Lock()
    local = threading.local()
    clients: list[httpx.Client] = []
    timeout = httpx.Timeout(time_limit_s * 10 + 30)

    def one(seed: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=timeout)
            with lock:
                clients.append(client)
        body = {"problem": problem, "time_limit_s": time_limit_s, "seed": seed}
        _post(client, base, body, run, lock)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(1, requests + 1)))
    run.elapsed_s = time.perf_counter() - started
    for client in clients:
        client.close()
    return run


def _quantile(values: Sequence[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _invalid_plans(problem_doc: dict[str, Any], plans: list[dict[str, Any]]) -> int:
    problem = to_domain(problem_doc)
    bad = 0
    for out in plans:
        if out["violations"] or check_plan(problem, plan_from_in(problem, out)):
            bad += 1
    return bad


def summarise(run: Run, problem_doc: dict[str, Any]) -> dict[str, Any]:
    """One result row: latency percentiles, server solve time, plan quality and validity."""
    lat = sorted(run.latencies_s)
    assigned = [p["kpis"]["assigned"] for p in run.plans]
    row: dict[str, Any] = {
        "mode": run.mode,
        "concurrency": run.concurrency,
        "ok": len(lat),
        "errors": len(run.errors),
        "invalid_plans": _invalid_plans(problem_doc, run.plans),
        "throughput_rps": round(len(lat) / run.elapsed_s, 2) if run.elapsed_s else 0.0,
    }
    if lat:
        overhead = sorted(a - b for a, b in zip(run.latencies_s, run.solve_wall_s, strict=True))
        row |= {
            "p50_s": round(statistics.median(lat), 3),
            "p95_s": round(_quantile(lat, 0.95), 3),
            "max_s": round(lat[-1], 3),
            "solve_wall_p50_s": round(statistics.median(run.solve_wall_s), 3),
            "overhead_p50_s": round(statistics.median(overhead), 3),
            "assigned_mean": round(statistics.fmean(assigned), 1),
        }
    return row


def _table(rows: list[dict[str, Any]], requests: int, time_limit_s: float) -> Table:
    table = Table(
        title=f"POST /v1/plans, 10 technicians x 50 work orders, time limit {time_limit_s:g} s"
    )
    columns: tuple[str, ...] = (
        "mode",
        "threads",
        "ok",
        "p50 s",
        "p95 s",
        "max s",
        "solve p50 s",
        "wait+http p50 s",
    )
    columns += ("req/s", "assigned", "invalid", "errors")
    for col in columns:
        table.add_column(col, justify="left" if col == "mode" else "right")
    for row in rows:
        table.add_row(
            row["mode"],
            str(row["concurrency"]),
            f"{row['ok']}/{requests}",
            f"{row.get('p50_s', float('nan')):.3f}",
            f"{row.get('p95_s', float('nan')):.3f}",
            f"{row.get('max_s', float('nan')):.3f}",
            f"{row.get('solve_wall_p50_s', float('nan')):.3f}",
            f"{row.get('overhead_p50_s', float('nan')):.3f}",
            f"{row['throughput_rps']:.2f}",
            f"{row.get('assigned_mean', float('nan')):.1f}/50",
            str(row["invalid_plans"]),
            str(row["errors"]),
        )
    return table


def _verdict(row: dict[str, Any]) -> str:
    """The row's percentiles against the targets, in words."""
    parts = []
    for name, target in (("p50", TARGET_P50_S), ("p95", TARGET_P95_S)):
        value = row[f"{name}_s"]
        parts.append(f"{name} {value:.3f} s {'<=' if value <= target else '>'} {target} s")
    met = row["p50_s"] <= TARGET_P50_S and row["p95_s"] <= TARGET_P95_S
    return f"{row['mode']:<11} targets {'met' if met else 'MISSED'}: {'; '.join(parts)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when every request succeeded with a valid plan."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=50, help="requests per mode (default 50)")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="threads of the concurrent mode (default 8)"
    )
    parser.add_argument(
        "--time-limit", type=float, default=1.0, help="time_limit_s of each request (default 1)"
    )
    parser.add_argument("--port", type=int, default=0, help="server port (default 0: a free one)")
    parser.add_argument(
        "--seed", type=int, default=7, help="seed of the generated problem (default 7)"
    )
    parser.add_argument("--json", type=Path, help="also write the result rows to this file")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.time_limit <= 0:
        parser.error("--requests and --concurrency must be >= 1 and --time-limit > 0")

    problem = make_problem(args.seed)
    to_domain(problem)  # the generated document must be valid before anything is timed
    with console.status("starting the server"), serve(args.port, args.time_limit) as base:
        console.print(f"server at {base}; warm-up request")
        measure(
            base, problem, requests=1, concurrency=1, time_limit_s=args.time_limit, mode="warm-up"
        )
        runs = []
        for mode, concurrency in (("sequential", 1), ("concurrent", args.concurrency)):
            with console.status(f"{mode}: {args.requests} requests, {concurrency} at a time"):
                runs.append(
                    measure(
                        base,
                        problem,
                        requests=args.requests,
                        concurrency=concurrency,
                        time_limit_s=args.time_limit,
                        mode=mode,
                    )
                )
    rows = [summarise(run, problem) for run in runs]
    console.print(_table(rows, args.requests, args.time_limit))
    for row in rows:
        if "p50_s" in row:
            console.print(_verdict(row))
    for run in runs:
        for error in run.errors[:5]:
            console.print(f"[red]{run.mode}: {error}[/]")
    if args.json:
        meta = {
            "requests": args.requests,
            "time_limit_s": args.time_limit,
            "seed": args.seed,
            "cpus": os.cpu_count(),
        }
        args.json.write_text(
            json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n", encoding="utf-8"
        )
    failed = any(row["errors"] or row["invalid_plans"] for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
