"""The decomposition on a real two-node Ray cluster: both nodes work, the plan is the local pool's.

Usage (from the project root)::

    python -m benchmarks.ray_cluster [--orders 2500] [--solution-limit 3]
        [--payload-sizes 10000,20000] [--json OUT.json]

:func:`two_node_cluster` starts a Ray cluster of two nodes on this machine:
``ray start --head`` and a second ``ray start --address`` with its own
raylet and object store (one CPU each, so a round's parts are spread over
both), with a token of its own (``RAY_AUTH_MODE=token``), in a temporary
folder; it stops both at the end. Nothing is shared between the nodes but
what Ray ships: each part's :class:`~optimizer.search.decomposition.PartTask`
goes out pickled, its :class:`~optimizer.plan.Plan` comes back.

The benchmark solves the ``nightly`` set at ``--orders`` in parts, once on
the local pool of two processes and once on the cluster, at a fixed seed
and iteration budget (``solution_limit``): it prints each wall time, the
node that solved every part (:func:`solve_part_on_node`), whether the two
plans are equal and valid, and what one part ships at each of
``--payload-sizes`` orders (first round: the part's problem; later rounds:
its problem and its routes; back: its plan).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import pickle
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from optimizer import Problem, SolveParams, check_plan, plan_cost
from optimizer.search import decomposition, pipeline
from optimizer.search.decomposition import PartTask, solve_in_parts
from optimizer.search.executor import LocalExecutor, RayExecutor
from optimizer.search.partition import PART_ORDERS, part_problem, regions

#: Name and namespace of the actor that notes which node solved each part.
NOTES_ACTOR, NAMESPACE = "dispatch-part-nodes", "dispatch-benchmarks"
#: Longest wait for the cluster's two nodes, in seconds.
START_TIMEOUT_S = 120.0


class NodeNotes:
    """A Ray actor: the node id of every part solved (see :func:`solve_part_on_node`)."""

    def __init__(self) -> None:
        self.nodes: list[str] = []

    def add(self, node_id: str) -> None:
        self.nodes.append(node_id)

    def seen(self) -> list[str]:
        return list(self.nodes)


def solve_part_on_node(task: PartTask) -> Any:
    """:func:`optimizer.search.pipeline.solve_part`, noting the node it ran on (a Ray task)."""
    import ray

    plan = pipeline.solve_part(task)
    notes = ray.get_actor(NOTES_ACTOR, namespace=NAMESPACE)
    ray.get(notes.add.remote(ray.get_runtime_context().get_node_id()))
    return plan


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ours(folder: str) -> list[int]:
    """Processes whose command line names ``folder`` (this cluster's, and only them)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if folder.encode() in f.read():
                        out.append(int(entry))
            except OSError:
                continue
    return out


@contextlib.contextmanager
def two_node_cluster(cpus_per_node: int = 1) -> Iterator[Cluster]:
    """A Ray cluster of two nodes on this machine, stopped at the end.

    Both nodes are ``ray start --block`` processes: they are terminated,
    then anything left that names the cluster's folder is killed.
    """
    folder = tempfile.mkdtemp(prefix="dray-", dir="/tmp")  # short: Ray's socket paths
    token = Path(folder, "token")
    token.write_text(secrets.token_hex(32))
    env = {
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": str(token),
        "RAY_USAGE_STATS_ENABLED": "0",
        "PYTHONPATH": os.pathsep.join(p for p in (os.getcwd(), os.environ.get("PYTHONPATH")) if p),
    }
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--block", f"--num-cpus={cpus_per_node}", "--object-store-memory=100000000"]
    common += ["--disable-usage-stats"]
    nodes: list[subprocess.Popen[bytes]] = []
    log = open(Path(folder, "ray-start.log"), "wb")  # noqa: SIM115 - closed below
    try:
        head = ["ray", "start", "--head", f"--port={port}", "--include-dashboard=false"]
        head += [f"--temp-dir={folder}/t", *common]
        full = {**os.environ, **env}
        nodes.append(subprocess.Popen(head, env=full, stdout=log, stderr=log))
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:  # the head listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or nodes[0].poll() is not None:
                raise RuntimeError(f"The Ray head did not start; see {log.name}.")
            time.sleep(0.5)
        worker = ["ray", "start", f"--address={address}", *common]
        nodes.append(subprocess.Popen(worker, env=full, stdout=log, stderr=log))
        yield Cluster(address, env, nodes)
    finally:
        for node in reversed(nodes):
            node.send_signal(signal.SIGTERM)
        for node in reversed(nodes):
            try:
                node.wait(timeout=30)
            except subprocess.TimeoutExpired:
                node.kill()
        for pid in _ours(folder):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Cluster:
    """A running cluster: the head's ``host:port``, the environment its drivers need, its nodes."""

    address: str
    env: dict[str, str]
    nodes: list[subprocess.Popen[bytes]]


def _drive(
    conn: Connection, problem: Problem, params: SolveParams, address: str, part_orders: int
) -> None:
    """The driver (a child process, so that Ray reads the cluster's token at import)."""
    import ray

    from optimizer.search import decomposition

    decomposition.PART_ORDERS = part_orders  # the splits happen here, in the driver

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
    while len([n for n in ray.nodes() if n["Alive"]]) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("The second Ray node did not join.")
        time.sleep(0.5)
    notes = ray.remote(NodeNotes).options(name=NOTES_ACTOR, namespace=NAMESPACE).remote()
    started = time.perf_counter()
    plan = solve_in_parts(
        problem, params, RayExecutor(2, address), solve_part_on_node, time.perf_counter()
    )
    wall_s = time.perf_counter() - started
    conn.send((plan, ray.get(notes.seen.remote()), wall_s))
    conn.close()
    ray.shutdown()


def on_two_nodes(
    problem: Problem, params: SolveParams, cluster: Cluster
) -> tuple[Any, list[str], float]:
    """Solve ``problem`` in parts on ``cluster``: (plan, node of every part solved, wall s)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    saved = {k: os.environ.get(k) for k in cluster.env}
    os.environ.update(cluster.env)  # spawn hands the child this environment
    try:
        args = (send, problem, params, cluster.address, decomposition.PART_ORDERS)
        child = context.Process(target=_drive, args=args)
        child.start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    send.close()
    try:
        plan, nodes, wall_s = receive.recv()
    except EOFError:
        raise RuntimeError("The Ray driver died; see its output above.") from None
    finally:
        child.join(timeout=60)
    return plan, nodes, wall_s


def locally(problem: Problem, params: SolveParams) -> Any:
    """The same solve on the local pool of two processes."""
    return solve_in_parts(
        problem, params, LocalExecutor(2), pipeline.solve_part, time.perf_counter()
    )


def payload_bytes(orders: int, part_s: float = 5.0) -> dict[str, Any]:
    """What one part ships at ``orders`` orders (the ``nightly`` set scaled): pickled bytes.

    ``first_round``: its problem (mean and largest over the parts);
    ``later_round``: one part's problem and routes; ``result``: that part's
    plan (solved for ``part_s`` seconds).
    """
    from benchmarks.scale import nightly_problem

    problem = nightly_problem(orders)
    parts = regions(problem, PART_ORDERS)
    assert parts is not None
    params = SolveParams(time_limit_s=part_s, seed=0, processes=1)
    sizes = [len(pickle.dumps(PartTask(part_problem(problem, p), params, None))) for p in parts]
    first = PartTask(part_problem(problem, parts[0]), params, None)
    plan = pipeline.solve_part(first)
    later = replace(first, start=replace(plan, kpis={}))
    return {
        "orders": orders,
        "parts": len(parts),
        "first_round_mean": round(sum(sizes) / len(sizes)),
        "first_round_max": max(sizes),
        "later_round": len(pickle.dumps(later)),
        "result": len(pickle.dumps(plan)),
        "whole_problem": len(pickle.dumps(problem)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when both plans are valid and equal and both nodes worked."""
    from benchmarks.scale import nightly_problem

    parser = argparse.ArgumentParser(prog="python -m benchmarks.ray_cluster", description=__doc__)
    parser.add_argument("--orders", type=int, default=2500, help="nightly orders (default 2500)")
    parser.add_argument("--solution-limit", type=int, default=3)
    parser.add_argument("--payload-sizes", default="10000,20000", help="'' for none")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    problem = nightly_problem(args.orders)
    # The iteration budget ends every search, not the clock: a generous limit,
    # so that a slow (shared) machine cannot cut a search short and make the
    # two runs differ.
    params = SolveParams(time_limit_s=3600, seed=0, solution_limit=args.solution_limit)
    started = time.perf_counter()
    local = locally(problem, params)
    local_s = time.perf_counter() - started
    with two_node_cluster() as cluster:
        remote, nodes, ray_s = on_two_nodes(problem, params, cluster)
    result: dict[str, Any] = {
        "orders": args.orders,
        "solution_limit": args.solution_limit,
        "local_wall_s": round(local_s, 1),
        "ray_wall_s": round(ray_s, 1),
        "parts_per_node": sorted(Counter(nodes).values()),
        "equal": local.routes == remote.routes,
        "valid": not check_plan(problem, remote) and not check_plan(problem, local),
        "objective": round(plan_cost(problem, remote)["total"], 1),
        "payloads": [payload_bytes(int(n)) for n in args.payload_sizes.split(",") if n.strip()],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    both = len(result["parts_per_node"]) == 2
    return 0 if result["equal"] and result["valid"] and both else 1


if __name__ == "__main__":
    # Ray ships functions by module name: run them from the importable
    # module, not from ``__main__`` (which its workers cannot import).
    from benchmarks.ray_cluster import main as _main

    sys.exit(_main())
