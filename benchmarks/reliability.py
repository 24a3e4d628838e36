"""Reliability suite: bad inputs, SIGKILLs, store faults and overload against a real server.

Every check starts ``python -m api.cli serve`` (uvicorn, real worker
processes) on a free loopback port with its own job store, and sends only
loopback traffic. Bounded in count and time; it stops by itself.

Checks (``--checks``, comma-separated; all by default):

- ``bad-input``: the catalogue of :func:`bad_inputs` (over 70 malformed,
  out-of-range or oversized requests); every answer must be a 4xx with a
  JSON error body (a 422 names the field), never a 5xx or a traceback.
- ``server-kill``: jobs submitted, the whole server SIGKILLed mid-solve and
  started again; every accepted job must succeed.
- ``worker-kill``: one busy worker SIGKILLed mid-solve; every job must
  succeed (the killed one on its second attempt).
- ``store-fault``: PostgreSQL cut behind a TCP proxy while a job runs (job
  routes and ``/healthz`` must answer 503, the job must succeed once the
  database is back, without a restart); a SQLite file deleted under the
  server (``/healthz`` 503).
- ``overload``: a burst of job submissions against a small queue; refusals
  must be 429 with ``Retry-After``, and every accepted job must succeed.

Each database check runs on SQLite and, when ``--postgres-url`` (or
``DISPATCH_TEST_POSTGRES_URL``) is given, on PostgreSQL. Usage::

    python -m benchmarks.reliability --json reliability.json
    python -m benchmarks.reliability --checks bad-input,overload --jobs 10
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import delete

from api.jobs.store import JobRow, JobStore
from scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("bad-input", "server-kill", "worker-kill", "store-fault", "overload")
STARTUP_S = 60.0
"""How long a server may take to answer ``/healthz``."""


# --- processes and network --------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Live (non-zombie) processes below ``pid``, read from /proc."""
    parent_of: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent_of[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parent_of.items() if parent in frontier}
        found |= frontier
    return found


def is_job_worker(pid: int) -> bool:
    """Whether ``pid`` is a spawned worker process (not multiprocessing's resource tracker)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class ServerProcess:
    """``python -m api.cli serve`` on a free loopback port, with ``DISPATCH_*`` settings."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        """Start the server and wait until ``/healthz`` answers 200."""
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
        env |= {"PYTHONPATH": str(ROOT), **self.env}
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
        command += ["--log-level", "warning"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy:\n{self.log_path.read_text()[-2000:]}")

    def workers(self) -> list[int]:
        """Pids of the job worker processes."""
        assert self.process is not None
        return sorted(p for p in descendants(self.process.pid) if is_job_worker(p))

    def kill(self) -> None:
        """SIGKILL the server (its workers follow it through PR_SET_PDEATHSIG)."""
        assert self.process is not None
        workers = self.workers()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{p}").exists() for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def running(env: dict[str, str], log_path: Path) -> Iterator[ServerProcess]:
    """A started :class:`ServerProcess`, stopped on exit."""
    server = ServerProcess(env, log_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class TcpProxy:
    """Forward a loopback port to ``target``; :meth:`cut` drops connections and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.is_open = threading.Event()
        self.is_open.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection; new ones are closed at once."""
        self.is_open.clear()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._sockets.clear()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self.is_open.set()

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.cut()
        self.listener.close()

    def url_for(self, url: str) -> str:
        """``url`` (a database URL) rewritten to go through this proxy."""
        parts = urlsplit(url)
        netloc = f"{parts.username}:{parts.password}@127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))


def empty_store(url: str) -> str:
    """Migrate the store at ``url`` and delete every job; return ``url``."""
    store = JobStore(url)
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(delete(JobRow))
    store.close()
    return url


# --- results ----------------------------------------------------------------------------


@dataclass
class CheckResult:
    """The figures of one check on one database."""

    check: str
    database: str
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0


def _problem() -> dict[str, Any]:
    return get_scenario("lyon-small").load()


def _submit(base: str, problem: dict[str, Any], time_limit_s: float) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/jobs", json={"problem": problem, "time_limit_s": time_limit_s}, timeout=30
    )


def _wait_jobs(
    base: str, ids: list[str], done: Callable[[list[dict[str, Any]]], bool], timeout_s: float
) -> list[dict[str, Any]]:
    """Poll the jobs until ``done``; answers other than 200 (a recovering server) are retried."""
    deadline = time.monotonic() + timeout_s
    jobs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            answers = [httpx.get(f"{base}/v1/jobs/{i}", timeout=10) for i in ids]
            if all(a.status_code == 200 for a in answers):
                jobs = [a.json() for a in answers]
                if done(jobs):
                    return jobs
        time.sleep(0.25)
    return jobs


def _checked_plans(base: str, ids: list[str], problem: dict[str, Any]) -> int:
    """How many of the jobs' plans pass ``optimizer.check_plan``."""
    from api.mapping import plan_from_in, to_domain
    from optimizer import check_plan

    domain = to_domain(problem)
    valid = 0
    for job_id in ids:
        answer = httpx.get(f"{base}/v1/jobs/{job_id}/plan", timeout=10)
        if answer.status_code == 200:
            plan = plan_from_in(domain, answer.json())
            valid += check_plan(domain, plan) == []
    return valid


def _ended(jobs: list[dict[str, Any]]) -> bool:
    return bool(jobs) and all(j["status"] in ("succeeded", "failed", "cancelled") for j in jobs)


# --- bad input ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One malformed request: ``body`` is JSON-encoded unless it is ``bytes``."""

    name: str
    method: str
    path: str
    body: Any = None
    content_type: str = "application/json"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting the dotted ``path`` (list indices as numbers) to ``value``."""
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]

    def edit(doc: dict[str, Any]) -> None:
        node: Any = doc
        for key in keys[:-1]:
            if isinstance(key, str) and key not in node:
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value

    return edit


def _edited(base: dict[str, Any], *edits: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for edit in edits:
        edit(doc)
    return doc


DAY = "2026-11-23T{}:00+01:00"

# Problem-document edits of lyon-small: each makes it invalid in one field.
DOCUMENT_EDITS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("max_orders_per_shift 2^63", _set("technicians.0.max_orders_per_shift", 2**63)),
    ("van_stock 2^63", _set("technicians.0.van_stock", {"filter": 2**63})),
    ("vip_multiplier 1e12", _set("weights.vip_multiplier", 1e12)),
    ("unassigned P2 1e16", _set("weights.unassigned_by_priority.P2", 1e16)),
    ("late P1 1e308", _set("weights.late_per_minute_by_priority.P1", 1e308)),
    ("non_preferred 1e308", _set("weights.non_preferred_technician", 1e308)),
    ("workload_balance 1e308", _set("weights.workload_balance_per_hour", 1e308)),
    ("labor_cost 1e308", _set("weights.labor_cost", 1e308)),
    ("travel_per_hour 1e308", _set("weights.travel_per_hour", 1e308)),
    ("cost_per_hour 1e308", _set("technicians.0.cost_per_hour", 1e308)),
    ("reassignment -1", _set("weights.reassignment", -1)),
    ("unassigned P5", _set("weights.unassigned_by_priority.P5", 1)),
    ("speed_factor 0", _set("technicians.0.speed_factor", 0)),
    ("speed_factor 1e-300", _set("technicians.0.speed_factor", 1e-300)),
    ("speed_factor 1e300", _set("technicians.0.speed_factor", 1e300)),
    ("speed_kmh -5", _set("travel", {"kind": "geodesic", "speed_kmh": -5})),
    ("circuity 0.5", _set("travel", {"kind": "geodesic", "circuity": 0.5})),
    ("circuity 1e300", _set("travel", {"kind": "geodesic", "circuity": 1e300})),
    ("travel kind teleport", _set("travel", {"kind": "teleport"})),
    ("service_min -5", _set("work_orders.0.service_min", -5)),
    ("service_min 1e9", _set("work_orders.0.service_min", 1e9)),
    ("service_min text", _set("work_orders.0.service_min", "abc")),
    ("service_min missing", lambda d: d["work_orders"][0].pop("service_min")),
    ("priority P9", _set("work_orders.0.priority", "P9")),
    ("tier gold", _set("work_orders.0.tier", "gold")),
    (
        "window reversed",
        _set("work_orders.0.windows", [{"start": DAY.format("12:00"), "end": DAY.format("08:00")}]),
    ),
    ("naive shift start", _set("technicians.0.shifts.0.start", "2026-11-23T08:00:00")),
    ("unix shift start", _set("technicians.0.shifts.0.start", 1795000000)),
    ("shift ends before start", _set("technicians.0.shifts.0.end", DAY.format("07:00"))),
    ("shifts empty", _set("technicians.0.shifts", [])),
    (
        "break duration 0",
        _set(
            "technicians.0.shifts.0.breaks",
            [
                {
                    "duration_min": 0,
                    "window_start": DAY.format("11:30"),
                    "window_end": DAY.format("14:00"),
                }
            ],
        ),
    ),
    (
        "break outside shift",
        _set(
            "technicians.0.shifts.0.breaks",
            [
                {
                    "duration_min": 30,
                    "window_start": DAY.format("20:00"),
                    "window_end": DAY.format("21:00"),
                }
            ],
        ),
    ),
    ("lat 91", _set("work_orders.0.location", {"lat": 91, "lon": 4.8})),
    ("lon text", _set("work_orders.0.location", {"lat": 45, "lon": "x"})),
    ("location empty", _set("work_orders.0.location", {})),
    ("planar location on geodesic travel", _set("work_orders.0.location", {"x": 1, "y": 2})),
    ("skill level 0", _set("work_orders.0.required_skills", {"hvac": 0})),
    ("skill level 2^70", _set("work_orders.0.required_skills", {"hvac": 2**70})),
    ("parts -1", _set("work_orders.0.parts", {"filter": -1})),
    ("parts 2^63", _set("work_orders.0.parts", {"filter": 2**63})),
    ("duplicate order id", lambda d: d["work_orders"].append(copy.deepcopy(d["work_orders"][0]))),
    (
        "duplicate technician id",
        lambda d: d["technicians"].append(copy.deepcopy(d["technicians"][0])),
    ),
    ("pinned unknown", _set("work_orders.0.pinned_technician_id", "nobody")),
    ("excluded unknown", _set("work_orders.0.excluded_technician_ids", ["nobody"])),
    ("preferred unknown", _set("work_orders.0.preferred_technician_ids", ["nobody"])),
    ("dispatched unknown", _set("work_orders.0.dispatched_technician_id", "nobody")),
    ("empty id", _set("work_orders.0.id", "")),
    (
        "respond_by before not_before",
        lambda d: d["work_orders"][0].update(
            not_before=DAY.format("12:00"), respond_by=DAY.format("09:00")
        ),
    ),
    ("unknown order field", _set("work_orders.0.colour", "red")),
    ("unknown problem field", _set("deadline", 3)),
    ("technicians not a list", _set("technicians", {"T": 1})),
    ("work_orders missing", lambda d: d.pop("work_orders")),
    ("sla threshold -1", _set("sla_yellow_threshold_min", -1)),
    ("max_work_min -1", _set("technicians.0.max_work_min_per_shift", -1)),
    ("max_travel_min 1e12", _set("technicians.0.max_travel_min_per_shift", 1e12)),
    ("matrix not square", _set("travel", {"kind": "matrix", "durations_s": [[0, 1]]})),
    ("matrix value 1e300", _set("travel", {"kind": "matrix", "durations_s": [[0, 1e300], [1, 0]]})),
    ("planar speed 0", _set("travel", {"kind": "planar", "speed_mps": 0})),
    (
        "road graph edge to unknown node",
        _set(
            "travel",
            {
                "kind": "road_graph",
                "nodes": [{"id": "a", "lat": 45.7, "lon": 4.8}],
                "edges": [{"from": "a", "to": "b", "duration_s": 1, "length_m": 1}],
            },
        ),
    ),
    (
        "road graph edge 1e300 s",
        _set(
            "travel",
            {
                "kind": "road_graph",
                "nodes": [
                    {"id": "a", "lat": 45.7, "lon": 4.8},
                    {"id": "b", "lat": 45.8, "lon": 4.9},
                ],
                "edges": [{"from": "a", "to": "b", "duration_s": 1e300, "length_m": 1}],
            },
        ),
    ),
    (
        "weights too large for a year",
        lambda d: d.update(
            weights={
                "late_per_minute_by_priority": {"P1": 1e9, "P2": 1e9, "P3": 1e9, "P4": 1e9},
                "vip_multiplier": 1000,
            },
            technicians=[
                {
                    **d["technicians"][0],
                    "shifts": [{"start": DAY.format("08:00"), "end": "2027-11-23T17:00:00+01:00"}],
                },
                *d["technicians"][1:],
            ],
        ),
    ),
]


def bad_inputs() -> list[BadInput]:
    """The catalogue: every request here must be answered 4xx with a JSON error body."""
    base = _problem()
    cases = [
        BadInput(f"plans: {name}", "POST", "/v1/plans", {"problem": _edited(base, edit)})
        for name, edit in DOCUMENT_EDITS
    ]
    cases += [
        BadInput(f"jobs: {name}", "POST", "/v1/jobs", {"problem": _edited(base, edit)})
        for name, edit in DOCUMENT_EDITS[:12]
    ]
    tiny = {"technicians": [], "work_orders": []}
    orders = [
        {"id": f"W{i}", "location": {"x": i, "y": 0}, "service_min": 5} for i in range(50_000)
    ]
    plan = {"routes": [], "unassigned": [], "stats": {"status": "x", "objective": 0, "wall_s": 0}}
    cases += [
        BadInput(
            "plans: vip_multiplier NaN",
            "POST",
            "/v1/plans",
            json.dumps({"problem": _edited(base, _set("weights.vip_multiplier", 2))})
            .replace('"vip_multiplier": 2', '"vip_multiplier": NaN')
            .encode(),
        ),
        BadInput(
            "plans: travel_per_hour Infinity",
            "POST",
            "/v1/plans",
            json.dumps({"problem": _edited(base, _set("weights.travel_per_hour", 7))})
            .replace('"travel_per_hour": 7', '"travel_per_hour": Infinity')
            .encode(),
        ),
        BadInput("plans: seed 2^31", "POST", "/v1/plans", {"problem": tiny, "seed": 2**31}),
        BadInput("jobs: seed -1", "POST", "/v1/jobs", {"problem": tiny, "seed": -1}),
        BadInput("jobs: seed 2^63", "POST", "/v1/jobs", {"problem": tiny, "seed": 2**63}),
        BadInput(
            "plans: time_limit_s 0", "POST", "/v1/plans", {"problem": tiny, "time_limit_s": 0}
        ),
        BadInput(
            "jobs: time_limit_s 1e308", "POST", "/v1/jobs", {"problem": tiny, "time_limit_s": 1e308}
        ),
        BadInput(
            "plans: time_limit_s text",
            "POST",
            "/v1/plans",
            {"problem": tiny, "time_limit_s": "fast"},
        ),
        BadInput("plans: unknown field", "POST", "/v1/plans", {"problem": tiny, "colour": 1}),
        BadInput("plans: body is a list", "POST", "/v1/plans", [1, 2]),
        BadInput("plans: not JSON", "POST", "/v1/plans", b'{"problem": '),
        BadInput("plans: empty body", "POST", "/v1/plans", b""),
        BadInput("plans: JSON 10,000 deep", "POST", "/v1/plans", b"[" * 10_000 + b"]" * 10_000),
        BadInput(
            "jobs: integer of 5,000 digits",
            "POST",
            "/v1/jobs",
            b'{"problem": {"technicians": [], "work_orders": []}, "seed": ' + b"7" * 5000 + b"}",
        ),
        BadInput("plans: not UTF-8", "POST", "/v1/plans", b'{"problem": "\xff\xfe"}'),
        BadInput("plans: text/plain", "POST", "/v1/plans", b"{}", content_type="text/plain"),
        BadInput(
            "plans: 50,000 orders",
            "POST",
            "/v1/plans",
            {"problem": {"technicians": [], "work_orders": orders}, "time_limit_s": 1},
        ),
        BadInput(
            "jobs: 50,000 orders",
            "POST",
            "/v1/jobs",
            {"problem": {"technicians": [], "work_orders": orders}},
        ),
        BadInput(
            "jobs: body over 10 MB", "POST", "/v1/jobs", b'{"x": "' + b"a" * 10_500_000 + b'"}'
        ),
        BadInput(
            "evaluate: route totals contradict stops",
            "POST",
            "/v1/plans/evaluate",
            {
                "problem": base,
                "plan": {
                    **plan,
                    "routes": [
                        {
                            "technician_id": base["technicians"][0]["id"],
                            "shift_index": 0,
                            "start": DAY.format("08:00"),
                            "end": DAY.format("09:00"),
                            "stops": [],
                            "travel_s": 5,
                        }
                    ],
                },
            },
        ),
        BadInput(
            "reoptimize: naive now",
            "POST",
            "/v1/plans/reoptimize",
            {"problem": base, "plan": plan, "now": "2026-11-23T10:00:00"},
        ),
        BadInput(
            "whatif: bad patch path",
            "POST",
            "/v1/whatif",
            {
                "base": base,
                "variants": [{"name": "v", "patch": [{"op": "remove", "path": "/technicians/99"}]}],
            },
        ),
        BadInput(
            "whatif: duplicate variant names",
            "POST",
            "/v1/whatif",
            {"base": base, "variants": [{"name": "v", "patch": []}, {"name": "v", "patch": []}]},
        ),
        BadInput("jobs list: limit 0", "GET", "/v1/jobs?limit=0"),
        BadInput("jobs list: status bogus", "GET", "/v1/jobs?status=bogus"),
        BadInput("jobs list: offset -1", "GET", "/v1/jobs?offset=-1"),
        BadInput("jobs list: offset 2^63", "GET", f"/v1/jobs?offset={2**63}"),
    ]
    return cases


def check_bad_input(workdir: Path) -> CheckResult:
    """Send the catalogue to one server; count answers by status and every failure."""
    started = time.monotonic()
    cases = bad_inputs()
    env = {
        "DISPATCH_DATABASE_URL": f"sqlite:///{workdir / 'bad-input.db'}",
        "DISPATCH_RUN_JOBS": "false",
    }
    by_status: dict[str, int] = {}
    failures: list[str] = []
    with running(env, workdir / "bad-input.log") as server:
        for case in cases:
            content = (
                case.body
                if isinstance(case.body, bytes)
                else (None if case.body is None else json.dumps(case.body).encode())
            )
            answer = httpx.request(
                case.method,
                f"{server.base}{case.path}",
                content=content,
                timeout=60,
                headers={"content-type": case.content_type} if content is not None else {},
            )
            by_status[str(answer.status_code)] = by_status.get(str(answer.status_code), 0) + 1
            problem = _bad_answer(answer)
            if problem:
                failures.append(f"{case.name}: {problem}")
        tracebacks = server.log_text().count("Traceback")
    return CheckResult(
        "bad-input",
        "sqlite",
        not failures,
        {
            "cases": len(cases),
            "by_status": dict(sorted(by_status.items())),
            "5xx": sum(n for s, n in by_status.items() if s.startswith("5")),
            "tracebacks_in_log": tracebacks,
        },
        failures,
        time.monotonic() - started,
    )


def _bad_answer(answer: httpx.Response) -> str | None:
    """Why ``answer`` is not a proper refusal, or ``None``."""
    if not 400 <= answer.status_code < 500:
        return f"status {answer.status_code}"
    if "Traceback" in answer.text:
        return "a traceback in the body"
    try:
        error = answer.json()["error"]
    except (ValueError, KeyError, TypeError):
        return "no JSON error body"
    if not error.get("code") or not error.get("message"):
        return f"error body without code or message: {error}"
    if answer.status_code == 422 and not error.get("field"):
        return f"422 without a field: {error}"
    return None


# --- crashes ------------------------------------------------------------------------------


def _db_env(url: str, **extra: str) -> dict[str, str]:
    return {"DISPATCH_DATABASE_URL": url, "DISPATCH_JOB_WORKERS": "2", **extra}


def check_server_kill(database: str, url: str, workdir: Path, jobs: int) -> CheckResult:
    """Submit ``jobs`` jobs, SIGKILL the server mid-solve, restart it: every job must succeed."""
    started = time.monotonic()
    problem = _problem()
    log = workdir / f"server-kill-{database}.log"
    server = ServerProcess(_db_env(empty_store(url)), log)
    failures: list[str] = []
    try:
        server.start()
        ids = [_submit(server.base, problem, 2).json()["id"] for _ in range(jobs)]
        _wait_jobs(server.base, ids, lambda js: any(j["status"] == "running" for j in js), 30)
        server.kill()
        server.start()
        final = _wait_jobs(server.base, ids, _ended, 60 + 3 * jobs)
        plans = _checked_plans(server.base, ids, problem)
    finally:
        server.stop()
    succeeded = sum(j["status"] == "succeeded" for j in final)
    if succeeded != jobs:
        failures.append(f"{jobs - succeeded} of {jobs} accepted jobs did not succeed")
    if plans != jobs:
        failures.append(f"{jobs - plans} plans failed check_plan")
    return CheckResult(
        "server-kill",
        database,
        not failures,
        {
            "accepted": jobs,
            "succeeded": succeeded,
            "lost": jobs - succeeded,
            "valid_plans": plans,
            "retried": sum(j["attempt"] > 1 for j in final),
        },
        failures,
        time.monotonic() - started,
    )


def check_worker_kill(database: str, url: str, workdir: Path, jobs: int) -> CheckResult:
    """SIGKILL one busy worker mid-solve: every job must succeed, the killed one retried."""
    started = time.monotonic()
    problem = _problem()
    failures: list[str] = []
    env = _db_env(empty_store(url))
    with running(env, workdir / f"worker-kill-{database}.log") as server:
        ids = [_submit(server.base, problem, 2).json()["id"] for _ in range(jobs)]
        _wait_jobs(
            server.base,
            ids,
            lambda js: (
                sum(j["status"] == "running" for j in js) == 2 and any(j["progress"] for j in js)
            ),
            30,
        )
        workers = server.workers()
        os.kill(workers[0], signal.SIGKILL)
        final = _wait_jobs(server.base, ids, _ended, 60 + 3 * jobs)
        plans = _checked_plans(server.base, ids, problem)
    succeeded = sum(j["status"] == "succeeded" for j in final)
    retried = sum(j["attempt"] > 1 for j in final)
    if succeeded != jobs:
        failures.append(f"{jobs - succeeded} of {jobs} accepted jobs did not succeed")
    if retried < 1:
        failures.append("no job was retried after the worker was killed")
    if plans != jobs:
        failures.append(f"{jobs - plans} plans failed check_plan")
    return CheckResult(
        "worker-kill",
        database,
        not failures,
        {
            "accepted": jobs,
            "succeeded": succeeded,
            "lost": jobs - succeeded,
            "retried": retried,
            "valid_plans": plans,
        },
        failures,
        time.monotonic() - started,
    )


# --- budgets of long jobs: checkpoints, kills, progress and cancel ------------------------------


def sized(name: str, orders: int, technicians: int) -> dict[str, Any]:
    """Scenario set ``name`` at another size (same generator and seed)."""
    from dataclasses import replace

    from scenarios.generators import SCENARIO_SETS, scenario_params

    params = replace(scenario_params(name), n_orders=orders, n_technicians=technicians)
    return SCENARIO_SETS[name].build(params)


def _job(base: str, job_id: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/v1/jobs/{job_id}", timeout=30).json())


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()


def _objective(base: str, job_id: str) -> float:
    return float(
        httpx.get(f"{base}/v1/jobs/{job_id}/plan", timeout=60).json()["stats"]["objective"]
    )


def check_job_budget(
    problem: dict[str, Any],
    label: str,
    workdir: Path,
    *,
    time_limit_s: float,
    checkpoint_s: float | None,
    kill_at: float | None,
    memory_mb: int | None = None,
) -> CheckResult:
    """One job of ``time_limit_s``, its worker SIGKILLed at ``kill_at`` of the limit (or not),
    against the same job uninterrupted at the same seed, one worker, SQLite.

    Figures: the job's end after its first start (``end_s``, target limit x 1.1 + 30 s), its
    objective over the uninterrupted one's (``ratio``, target <= 1.1), the time it reports
    against the time its attempts really ran (``reported_s``, ``real_s``, within 5%), and the
    uninterrupted job's true time against its limit (``spent_share``, >= 0.95).
    """
    started = time.monotonic()
    failures: list[str] = []
    extra = {"DISPATCH_JOB_WORKERS": "1", "DISPATCH_MAX_JOB_TIME_LIMIT_S": str(time_limit_s)}
    if memory_mb is not None:
        extra["DISPATCH_WORKER_MEMORY_MB"] = str(memory_mb)
    store = f"sqlite:///{workdir / f'budget-{label}.db'}"
    figures: dict[str, Any] = {"limit_s": time_limit_s, "checkpoint_s": checkpoint_s}
    # the reference: the same job, never checkpointed, never killed
    reference = _db_env(store, DISPATCH_JOB_CHECKPOINT_S="1e9", **extra)
    with running(reference, workdir / f"budget-{label}-reference.log") as server:
        whole_id = _submit(server.base, problem, time_limit_s).json()["id"]
        whole = _wait_jobs(server.base, [whole_id], _ended, 4 * time_limit_s + 120)[0]
    if checkpoint_s is not None:
        extra["DISPATCH_JOB_CHECKPOINT_S"] = str(checkpoint_s)
    with running(_db_env(store, **extra), workdir / f"budget-{label}.log") as server:
        if whole.get("status") != "succeeded":
            failures.append(f"the uninterrupted job ended {whole.get('status')}: {whole}")
            return CheckResult("job-budget", label, False, figures, failures, 0.0)
        whole_real = _seconds(whole["finished_at"]) - _seconds(whole["started_at"])
        figures["spent_share"] = round(whole_real / time_limit_s, 3)
        figures["whole_reported_s"] = whole["progress"]["elapsed_s"]
        figures["whole_real_s"] = round(whole_real, 2)
        if whole_real < 0.95 * time_limit_s:
            failures.append(f"the uninterrupted job ran {whole_real:.1f} s of {time_limit_s} s")
        if abs(whole["progress"]["elapsed_s"] - whole_real) > 0.05 * whole_real:
            failures.append(f"reported {whole['progress']['elapsed_s']:.1f} s of {whole_real:.1f}")
        job_id = _submit(server.base, problem, time_limit_s).json()["id"]
        first_start = None
        killed_after = 0.0
        if kill_at is not None:
            job = _wait_jobs(
                server.base,
                [job_id],
                lambda js: (
                    bool(js[0].get("progress"))
                    and js[0]["progress"]["elapsed_s"] >= kill_at * time_limit_s
                ),
                4 * time_limit_s + 120,
            )[0]
            first_start = _seconds(job["started_at"])
            os.kill(server.workers()[0], signal.SIGKILL)
            killed_after = time.time() - first_start
        final = _wait_jobs(server.base, [job_id], _ended, 4 * time_limit_s + 180)[0]
        if final.get("status") != "succeeded":
            failures.append(f"the job ended {final.get('status')}: {final.get('error')}")
            return CheckResult("job-budget", label, False, figures, failures, 0.0)
        last_start, end = _seconds(final["started_at"]), _seconds(final["finished_at"])
        real = killed_after + (end - last_start)
        end_s = end - (first_start or last_start)
        ratio = _objective(server.base, job_id) / max(_objective(server.base, whole_id), 1e-9)
        figures |= {
            "kill_at": kill_at,
            "attempts": final["attempt"],
            "end_s": round(end_s, 1),
            "ratio": round(ratio, 3),
            "reported_s": final["progress"]["elapsed_s"],
            "real_s": round(real, 2),
            "valid_plans": _checked_plans(server.base, [whole_id, job_id], problem),
        }
        if kill_at is not None and final["attempt"] < 2:
            failures.append("the job was not retried after its worker was killed")
        if end_s > 1.1 * time_limit_s + 30:
            failures.append(f"ended {end_s:.0f} s after its start, limit {time_limit_s} s")
        if ratio > 1.1:
            failures.append(f"objective {ratio:.2f}x the uninterrupted job's")
        if abs(final["progress"]["elapsed_s"] - real) > 0.05 * real + 1.0:
            failures.append(f"reported {final['progress']['elapsed_s']:.1f} s of {real:.1f} s")
        if figures["valid_plans"] != 2:
            failures.append("a plan failed check_plan")
    return CheckResult(
        "job-budget", label, not failures, figures, failures, time.monotonic() - started
    )


def check_large_job_progress(
    problem: dict[str, Any], label: str, workdir: Path, *, time_limit_s: float
) -> CheckResult:
    """A large job watched from the API: its first progress (target <= 1 s after it starts),
    its first best plan (target within 60 s), and cancels at 1 s, at 60 s and mid-round, each
    ending the job (target <= 2 s) with a valid plan."""
    started = time.monotonic()
    failures: list[str] = []
    figures: dict[str, Any] = {}
    env = _db_env(f"sqlite:///{workdir / f'large-{label}.db'}", DISPATCH_JOB_WORKERS="1")
    cases: list[tuple[str, Callable[[float, dict[str, Any]], bool]]] = [
        ("cancel_at_1s", lambda t, j: t >= 1.0),
        ("cancel_at_60s", lambda t, j: t >= 60.0),
        (
            "cancel_mid_round",
            lambda t, j: (
                (j.get("progress") or {}).get("phase") == "parts"
                and ((j.get("progress") or {}).get("part") or 0) >= 1
                and ((j.get("progress") or {}).get("round") or 0) >= 2
            ),
        ),
    ]
    with running(env, workdir / f"large-{label}.log") as server:
        for name, when in cases:
            job_id = _submit(server.base, problem, time_limit_s).json()["id"]
            first_progress = first_plan = cancelled = None
            run_start = None
            while True:
                job = _job(server.base, job_id)
                now = time.time()
                if job["started_at"] and run_start is None:
                    run_start = _seconds(job["started_at"])
                progress = job.get("progress") or {}
                if run_start is not None and progress and first_progress is None:
                    first_progress = now - run_start
                if progress.get("objective") is not None and first_plan is None and run_start:
                    first_plan = now - run_start
                if run_start and cancelled is None and when(now - run_start, job):
                    httpx.delete(f"{server.base}/v1/jobs/{job_id}", timeout=30)
                    cancelled = time.time()
                if job["status"] in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(0.1)
            ended_s = _seconds(job["finished_at"]) - cancelled if cancelled else None
            figures[name] = {
                "status": job["status"],
                "first_progress_s": None if first_progress is None else round(first_progress, 2),
                "first_plan_s": None if first_plan is None else round(first_plan, 1),
                "cancel_to_end_s": None if ended_s is None else round(ended_s, 2),
                "valid_plan": _checked_plans(server.base, [job_id], problem) == 1,
            }
            if first_progress is None or first_progress > 1.0:
                failures.append(f"{name}: first progress after {first_progress} s")
            if job["status"] != "cancelled" or not figures[name]["valid_plan"]:
                failures.append(f"{name}: ended {job['status']} without a valid plan")
            if ended_s is not None and ended_s > 2.0:
                failures.append(f"{name}: ended {ended_s:.1f} s after the cancel")
    return CheckResult(
        "large-job", label, not failures, figures, failures, time.monotonic() - started
    )


# --- store faults -------------------------------------------------------------------------


def _is_store_503(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 503
        and "Retry-After" in answer.headers
        and answer.json().get("error", {}).get("code") == "store_unavailable"
    )


def check_postgres_outage(url: str, workdir: Path, outage_s: float) -> CheckResult:
    """PostgreSQL cut for ``outage_s`` while a job runs: 503s, then recovery without restart."""
    started = time.monotonic()
    problem = _problem()
    failures: list[str] = []
    parts = urlsplit(empty_store(url))
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    figures: dict[str, Any] = {}
    try:
        with running(_db_env(proxy.url_for(url)), workdir / "store-fault-pg.log") as server:
            job_id = _submit(server.base, problem, 3).json()["id"]
            _wait_jobs(server.base, [job_id], lambda js: js[0]["status"] == "running", 30)
            proxy.cut()
            cut_at = time.monotonic()
            answers = [
                httpx.get(f"{server.base}/v1/jobs/{job_id}", timeout=30),
                httpx.get(f"{server.base}/v1/jobs", timeout=30),
                httpx.post(f"{server.base}/v1/jobs", json={"problem": problem}, timeout=30),
                httpx.delete(f"{server.base}/v1/jobs/{job_id}", timeout=30),
            ]
            health = httpx.get(f"{server.base}/healthz", timeout=30).status_code
            time.sleep(max(0.0, outage_s - (time.monotonic() - cut_at)))
            proxy.restore()
            restored_at = time.monotonic()
            healthy = _wait_until(
                lambda: httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200, 60
            )
            final = _wait_jobs(server.base, [job_id], _ended, 90)
            status = final[0]["status"] if final else "unknown"
            figures = {
                "job_routes_503": sum(_is_store_503(a) for a in answers),
                "job_routes_5xx_other": sum(
                    a.status_code >= 500 and not _is_store_503(a) for a in answers
                ),
                "healthz_during": health,
                "healthy_again_s": round(time.monotonic() - restored_at, 1) if healthy else None,
                "job_after": status,
                "valid_plans": _checked_plans(server.base, [job_id], problem),
            }
    finally:
        proxy.close()
    if figures.get("job_routes_503") != 4:
        failures.append(f"job routes during the outage: {figures}")
    if figures.get("healthz_during") != 503:
        failures.append("/healthz was not 503 during the outage")
    if figures.get("job_after") != "succeeded" or figures.get("valid_plans") != 1:
        failures.append(f"the job running through the outage ended {figures.get('job_after')}")
    return CheckResult(
        "store-fault: postgres outage",
        "postgresql",
        not failures,
        figures,
        failures,
        time.monotonic() - started,
    )


def check_sqlite_deleted(workdir: Path) -> CheckResult:
    """The SQLite file deleted under a running server: /healthz and job routes 503."""
    started = time.monotonic()
    db = workdir / "deleted.db"
    with running(
        _db_env(f"sqlite:///{db}", DISPATCH_RUN_JOBS="false"), workdir / "store-fault-sqlite.log"
    ) as server:
        before = httpx.get(f"{server.base}/healthz").status_code
        db.unlink()
        health = httpx.get(f"{server.base}/healthz")
        submit = httpx.post(f"{server.base}/v1/jobs", json={"problem": _problem()})
    figures = {
        "healthz_before": before,
        "healthz_after": health.status_code,
        "healthz_detail": health.json().get("detail"),
        "submit_after": submit.status_code,
    }
    failures = [] if (health.status_code, submit.status_code) == (503, 503) else [str(figures)]
    return CheckResult(
        "store-fault: sqlite file deleted",
        "sqlite",
        not failures,
        figures,
        failures,
        time.monotonic() - started,
    )


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if condition():
                return True
        time.sleep(0.2)
    return False


# --- overload -----------------------------------------------------------------------------


def check_overload(database: str, url: str, workdir: Path, burst: int) -> CheckResult:
    """``burst`` concurrent submissions against a queue of 4: 202s and 429s, no 5xx, none lost."""
    started = time.monotonic()
    problem = _problem()
    env = _db_env(empty_store(url), DISPATCH_JOB_QUEUE_SIZE="4")
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    with running(env, workdir / f"overload-{database}.log") as server:

        def send() -> None:
            answer = _submit(server.base, problem, 1)
            with lock:
                answers.append(answer)

        threads = [threading.Thread(target=send) for _ in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        accepted = [a.json()["id"] for a in answers if a.status_code == 202]
        refused = [a for a in answers if a.status_code == 429]
        final = _wait_jobs(server.base, accepted, _ended, 60 + 3 * len(accepted))
        plans = _checked_plans(server.base, accepted, problem)
    succeeded = sum(j["status"] == "succeeded" for j in final)
    figures = {
        "requests": burst,
        "accepted_202": len(accepted),
        "refused_429": len(refused),
        "429_with_retry_after": sum("Retry-After" in a.headers for a in refused),
        "5xx": sum(a.status_code >= 500 for a in answers),
        "accepted_succeeded": succeeded,
        "valid_plans": plans,
    }
    failures = []
    if figures["5xx"] or len(accepted) + len(refused) != burst:
        failures.append(f"answers other than 202/429: {figures}")
    if figures["429_with_retry_after"] != len(refused) or not refused:
        failures.append("429s without Retry-After, or no 429 at all")
    if succeeded != len(accepted) or plans != len(accepted):
        failures.append(f"{len(accepted) - succeeded} accepted jobs did not succeed")
    return CheckResult(
        "overload", database, not failures, figures, failures, time.monotonic() - started
    )


# --- runner -------------------------------------------------------------------------------


def run(
    checks: list[str],
    postgres_url: str | None,
    workdir: Path,
    jobs: int,
    burst: int,
    outage_s: float,
) -> list[CheckResult]:
    """Run ``checks`` and return their results (printing one line each as it ends)."""
    databases = [("sqlite", f"sqlite:///{workdir / 'jobs.db'}")]
    if postgres_url:
        databases.append(("postgresql", postgres_url))
    plan: list[Callable[[], CheckResult]] = []
    if "bad-input" in checks:
        plan.append(lambda: check_bad_input(workdir))
    for database, url in databases:
        if "server-kill" in checks:
            plan.append(lambda d=database, u=url: check_server_kill(d, u, workdir, jobs))
        if "worker-kill" in checks:
            plan.append(lambda d=database, u=url: check_worker_kill(d, u, workdir, jobs))
        if "overload" in checks:
            plan.append(lambda d=database, u=url: check_overload(d, u, workdir, burst))
    if "store-fault" in checks:
        plan.append(lambda: check_sqlite_deleted(workdir))
        if postgres_url:
            plan.append(lambda: check_postgres_outage(postgres_url, workdir, outage_s))
    results = []
    for step in plan:
        result = step()
        results.append(result)
        mark = "ok  " if result.passed else "FAIL"
        print(
            f"{mark} {result.check:<32} {result.database:<10} {result.wall_s:6.1f} s  "
            f"{json.dumps(result.figures)}",
            flush=True,
        )
        for failure in result.failures[:20]:
            print(f"       {failure}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: run the suite, print a line per check and a summary; exit 1 on a failure."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reliability", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--checks",
        default=",".join(CHECKS),
        help=f"Comma-separated checks (default all: {', '.join(CHECKS)}).",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DISPATCH_TEST_POSTGRES_URL"),
        help="PostgreSQL for the database checks (default "
        "$DISPATCH_TEST_POSTGRES_URL; none: SQLite only). Its jobs are deleted.",
    )
    parser.add_argument("--jobs", type=int, default=10, help="Jobs per SIGKILL check (10).")
    parser.add_argument("--burst", type=int, default=24, help="Requests of the overload burst.")
    parser.add_argument("--outage-s", type=float, default=6.0, help="PostgreSQL outage (6 s).")
    parser.add_argument("--json", help="Write the results here.")
    args = parser.parse_args(argv)
    checks = [c.strip() for c in args.checks.split(",") if c.strip()]
    unknown = sorted(set(checks) - set(CHECKS))
    if unknown:
        parser.error(f"unknown checks: {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
    with tempfile.TemporaryDirectory(prefix="dispatch-reliability-") as folder:
        started = time.monotonic()
        results = run(checks, args.postgres_url, Path(folder), args.jobs, args.burst, args.outage_s)
        wall_s = time.monotonic() - started
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed in {wall_s:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
