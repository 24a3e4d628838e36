"""Routes of /v1/jobs, in process: durable background solves in worker processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.jobs.store import JobStore
from api.main import create_app
from api.mapping import plan_from_in, to_domain
from api.settings import Settings
from optimizer import InputError, Plan
from optimizer.document import load_problem
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan, mutated

ClientFactory = Callable[..., TestClient]
TERMINAL = ("succeeded", "failed", "cancelled")


def lyon() -> dict[str, Any]:
    """The bundled lyon-small scenario: 3 technicians, 12 work orders."""
    return get_scenario("lyon-small").load()


def overloaded() -> dict[str, Any]:
    """The bundled overloaded scenario: 10 technicians, 100 orders, a search of several seconds."""
    return get_scenario("overloaded").load()


def wait_for(client: TestClient, job_id: str, done: Any, timeout_s: float = 30) -> dict[str, Any]:
    """Poll the job until ``done(job)`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if done(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} still {job['status']} after {timeout_s} s")


def valid_plan(client: TestClient, job_id: str, problem_doc: dict[str, Any]) -> Plan:
    """The job's plan, checked by the independent validator (``assert_valid_plan``)."""
    response = client.get(f"/v1/jobs/{job_id}/plan")
    assert response.status_code == 200
    assert_valid_plan(problem_doc, response.json())
    return plan_from_in(to_domain(problem_doc), response.json())


def not_found(message: str) -> dict[str, Any]:
    """The exact 404 body."""
    return {"error": {"code": "not_found", "message": message}}


def store_of(client: TestClient) -> JobStore:
    """A second connection to the app's job database."""
    return JobStore(client.app.state.settings.database_url)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def job_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with one job worker process on a temporary SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('jobs') / 'jobs.db'}"
    with TestClient(create_app(Settings(database_url=url, job_workers=1))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def succeeded_job(job_client: TestClient) -> dict[str, Any]:
    """The lyon-small job solved to the end (1 s budget)."""
    response = job_client.post("/v1/jobs", json={"problem": lyon(), "time_limit_s": 1})
    assert response.status_code == 202
    return wait_for(job_client, response.json()["id"], lambda j: j["status"] in TERMINAL)


def test_submit_answers_202_once_the_job_is_committed(
    client: TestClient, tiny_problem: dict[str, Any]
):
    """POST answers 202 with the id and a Location; another connection already sees the job."""
    response = client.post("/v1/jobs", json={"problem": tiny_problem, "seed": 3})
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert (job["status"], job["seed"], job["time_limit_s"], job["progress"]) == (
        "queued",
        3,
        5.0,
        None,
    )
    other = store_of(client)
    stored = other.get(job["id"])
    other.close()
    assert stored is not None and stored.status.value == "queued"


def test_job_succeeds_with_a_valid_plan(job_client: TestClient, succeeded_job: dict[str, Any]):
    """A job runs in a worker to success; its plan passes check_plan; progress is final."""
    assert succeeded_job["status"] == "succeeded"
    assert (succeeded_job["attempt"], succeeded_job["has_plan"]) == (1, True)
    plan = valid_plan(job_client, succeeded_job["id"], lyon())
    assert succeeded_job["progress"]["assigned"] == len(plan.assigned_ids) > 0
    assert succeeded_job["progress"]["objective"] == plan.stats.objective


def test_cancel_stops_a_running_solve_and_keeps_the_best_plan(job_client: TestClient):
    """DELETE on a running 30 s solve: 202, then cancelled with a valid best-so-far plan."""
    response = job_client.post("/v1/jobs", json={"problem": overloaded(), "time_limit_s": 30})
    job_id = response.json()["id"]
    wait_for(job_client, job_id, lambda j: j["progress"] is not None)
    cancel = job_client.delete(f"/v1/jobs/{job_id}")
    assert cancel.status_code == 202
    assert (cancel.json()["status"], cancel.json()["cancel_requested"]) == ("running", True)
    job = wait_for(job_client, job_id, lambda j: j["status"] in TERMINAL, timeout_s=20)
    assert (job["status"], job["has_plan"]) == ("cancelled", True)
    plan = valid_plan(job_client, job_id, overloaded())
    assert len(plan.assigned_ids) == job["progress"]["assigned"] > 0


def _kill_worker(client: TestClient, job_id: str) -> None:
    """SIGKILL the worker process solving ``job_id`` in the app of ``client``."""
    deadline = time.monotonic() + 10
    while job_id not in client.app.state.jobs.busy_workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = client.app.state.jobs.busy_workers()[job_id]
    assert pid in {c.pid for c in multiprocessing.active_children()}
    os.kill(pid, signal.SIGKILL)


def test_bug_14_a_worker_killed_mid_solve_is_retried(job_client: TestClient):
    """SIGKILL of the worker mid-solve: the job is queued again, attempt 2, and succeeds."""
    response = job_client.post("/v1/jobs", json={"problem": overloaded(), "time_limit_s": 3})
    job_id = response.json()["id"]
    wait_for(job_client, job_id, lambda j: j["progress"] is not None)
    _kill_worker(job_client, job_id)
    job = wait_for(job_client, job_id, lambda j: j["status"] in TERMINAL)
    assert (job["status"], job["attempt"], job["error"]) == ("succeeded", 2, None)
    valid_plan(job_client, job_id, overloaded())


def test_bug_14_a_job_that_kills_every_worker_fails_as_worker_crashed(make_client):
    """With DISPATCH_JOB_MAX_ATTEMPTS=2, killing the worker twice fails the job worker_crashed."""
    client = make_client(run_jobs=True, job_workers=1, job_max_attempts=2)
    job = {"problem": overloaded(), "time_limit_s": 30}
    job_id = client.post("/v1/jobs", json=job).json()["id"]
    for attempt in (1, 2):
        wait_for(client, job_id, lambda j, a=attempt: j["attempt"] == a and j["progress"])
        _kill_worker(client, job_id)
    job = wait_for(client, job_id, lambda j: j["status"] in TERMINAL)
    assert (job["status"], job["error_code"], job["attempt"]) == ("failed", "worker_crashed", 2)
    assert job["error"] == (
        f"The worker process solving job {job_id} exited unexpectedly (exit code -9) "
        "on attempt 2, the last of DISPATCH_JOB_MAX_ATTEMPTS=2."
    )
    again = client.post("/v1/jobs", json={"problem": lyon(), "time_limit_s": 1})
    done = wait_for(client, again.json()["id"], lambda j: j["status"] in TERMINAL)
    assert done["status"] == "succeeded"
    valid_plan(client, done["id"], lyon())


def test_cancel_of_a_succeeded_job_is_a_conflict(
    job_client: TestClient, succeeded_job: dict[str, Any]
):
    """DELETE on a succeeded job answers 409 and leaves it as it was."""
    job_id = succeeded_job["id"]
    response = job_client.delete(f"/v1/jobs/{job_id}")
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "conflict",
            "message": f"Job {job_id} has already succeeded; "
            "only a queued or running job can be cancelled.",
        }
    }
    assert job_client.get(f"/v1/jobs/{job_id}").json()["status"] == "succeeded"


def test_cancel_of_a_queued_job_ends_it_at_once(client: TestClient, tiny_problem: dict):
    """DELETE on a queued job answers 200 cancelled; again is a no-op; it has no plan."""
    job_id = client.post("/v1/jobs", json={"problem": tiny_problem}).json()["id"]
    first = client.delete(f"/v1/jobs/{job_id}")
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["has_plan"]) == ("cancelled", False)
    assert client.delete(f"/v1/jobs/{job_id}").status_code == 200
    plan = client.get(f"/v1/jobs/{job_id}/plan")
    assert plan.status_code == 404
    assert plan.json() == not_found(f"Job {job_id} has no plan: it is cancelled.")


def test_plan_of_a_queued_job_is_not_found(client: TestClient, tiny_problem: dict):
    """GET plan while queued answers 404 naming the status."""
    job_id = client.post("/v1/jobs", json={"problem": tiny_problem}).json()["id"]
    response = client.get(f"/v1/jobs/{job_id}/plan")
    assert response.status_code == 404
    assert response.json() == not_found(f"Job {job_id} has no plan: it is queued.")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/jobs/nope"), ("get", "/v1/jobs/nope/plan"), ("delete", "/v1/jobs/nope")],
)
def test_unknown_job_is_not_found(client: TestClient, method: str, path: str):
    """Every route answers 404 with the error body for an unknown id."""
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.json() == not_found("Unknown job id: nope.")


def test_full_queue_answers_429_with_retry_after(make_client: ClientFactory, tiny_problem: dict):
    """With job_queue_size=1 taken, POST is a 429 queue_full with Retry-After; nothing queued."""
    client = make_client(job_queue_size=1)
    first = client.post("/v1/jobs", json={"problem": tiny_problem})
    assert first.status_code == 202
    response = client.post("/v1/jobs", json={"problem": tiny_problem})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json() == {
        "error": {
            "code": "queue_full",
            "message": "The job queue is full: 1 jobs are queued or running; retry in 1 s.",
        }
    }
    assert client.get("/v1/jobs").json()["count"] == 1
    client.delete(f"/v1/jobs/{first.json()['id']}")
    assert client.post("/v1/jobs", json={"problem": tiny_problem}).status_code == 202


def test_retry_after_waits_for_the_first_running_job(
    make_client: ClientFactory, tiny_problem: dict
):
    """Retry-After counts the seconds until the running job reaches its time limit."""
    client = make_client(job_queue_size=1)
    client.post("/v1/jobs", json={"problem": tiny_problem, "time_limit_s": 120})
    store = store_of(client)
    store.claim_next()  # as a worker would
    store.close()
    response = client.post("/v1/jobs", json={"problem": tiny_problem})
    assert response.status_code == 429
    assert 100 < int(response.headers["retry-after"]) <= 120


def test_invalid_problem_answers_422_with_the_core_message(client: TestClient, tiny_problem: dict):
    """A window ending before it starts: 422 with the core's sentence under problem.*; no job."""

    def reverse_window(doc: dict[str, Any]) -> None:
        doc["work_orders"][0]["windows"] = [
            {"start": "2026-11-23T16:00:00+01:00", "end": "2026-11-23T12:00:00+01:00"}
        ]

    bad = mutated(tiny_problem, reverse_window)
    with pytest.raises(InputError) as core:
        load_problem(bad)
    response = client.post("/v1/jobs", json={"problem": bad})
    assert response.status_code == 422
    issue = {"field": f"problem.{core.value.field}", "message": core.value.message}
    assert issue["field"] == "problem.work_orders[0].windows[0]"
    assert response.json() == {
        "error": {
            "code": "input_error",
            "message": core.value.message,
            "field": issue["field"],
            "issues": [issue],
        }
    }
    assert client.get("/v1/jobs").json()["count"] == 0


def test_malformed_problem_answers_422_naming_the_field(client: TestClient, tiny_problem: dict):
    """A negative service time is refused with its path in the body; no job."""
    bad = mutated(tiny_problem, lambda doc: doc["work_orders"][0].update(service_min=-5))
    response = client.post("/v1/jobs", json={"problem": bad})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "problem.work_orders[0].service_min"
    assert client.get("/v1/jobs").json()["count"] == 0


def test_time_limit_defaults_and_is_capped(make_client: ClientFactory, tiny_problem: dict):
    """No time limit gives the default; a larger one is capped at max_job_time_limit_s."""
    client = make_client(default_time_limit_s=4, max_job_time_limit_s=60)
    default = client.post("/v1/jobs", json={"problem": tiny_problem})
    capped = client.post("/v1/jobs", json={"problem": tiny_problem, "time_limit_s": 600})
    assert (default.json()["time_limit_s"], capped.json()["time_limit_s"]) == (4.0, 60.0)


def test_stored_problem_reads_back_as_submitted(client: TestClient):
    """The stored problem document loads into the same problem as the one posted."""
    job_id = client.post("/v1/jobs", json={"problem": lyon()}).json()["id"]
    store = store_of(client)
    stored = store.problem_of(job_id)
    store.close()
    assert stored is not None
    assert load_problem(stored) == load_problem(lyon())


def test_list_filters_by_status_and_paginates(client: TestClient, tiny_problem: dict):
    """GET /v1/jobs filters by status, pages newest first and counts all matches."""
    ids = [client.post("/v1/jobs", json={"problem": tiny_problem}).json()["id"] for _ in range(3)]
    client.delete(f"/v1/jobs/{ids[0]}")
    queued = client.get("/v1/jobs", params={"status": "queued"}).json()
    assert (queued["count"], [j["id"] for j in queued["data"]]) == (2, [ids[2], ids[1]])
    page = client.get("/v1/jobs", params={"limit": 1, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [j["id"] for j in page["data"]] == [ids[1]]
    cancelled = client.get("/v1/jobs", params={"status": "cancelled"}).json()
    assert [j["id"] for j in cancelled["data"]] == [ids[0]]


def test_list_refuses_an_unknown_status(client: TestClient):
    """An unknown status filter is a 422 on the status parameter."""
    response = client.get("/v1/jobs", params={"status": "done"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"


def test_service_reports_counts_and_ping(client: TestClient, tiny_problem: dict):
    """The service behind the routes answers ping and counts every status."""
    client.post("/v1/jobs", json={"problem": tiny_problem})
    service = client.app.state.jobs  # type: ignore[attr-defined]
    assert service.ping() is True
    assert service.counts() == {
        "queued": 1,
        "running": 0,
        "succeeded": 0,
        "failed": 0,
        "cancelled": 0,
    }


def test_bug_huge_page_offset_is_a_422_not_a_database_overflow(job_client: TestClient):
    """An offset beyond a 32-bit integer is rejected as input (the fuzzer found a 500)."""
    response = job_client.get("/v1/jobs", params={"offset": 2**63})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "offset"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            lambda d: d["technicians"][0].update(max_orders_per_shift=2**63),
            "problem.technicians[0].max_orders_per_shift",
        ),
        (lambda d: d.update(weights={"labor_cost": 1e308}), "problem.weights.labor_cost"),
    ],
)
def test_bug_14_out_of_range_problem_is_refused_before_queueing(client: TestClient, edit, field):
    """A job whose numbers would overflow the solver is a 422 at submit; nothing is queued."""
    response = client.post("/v1/jobs", json={"problem": mutated(lyon(), edit)})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert client.get("/v1/jobs").json()["count"] == 0


def test_bug_14_job_seed_fits_both_databases(client: TestClient):
    """A job seed of 2**31 (too large for PostgreSQL's integer) is a 422 naming seed."""
    response = client.post("/v1/jobs", json={"problem": lyon(), "seed": 2**31})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "seed"


def test_plan_of_a_job_with_its_analysis(job_client: TestClient, succeeded_job: dict[str, Any]):
    """?analysis=true adds the score analysis, which adds up to the plan's objective."""
    path = f"/v1/jobs/{succeeded_job['id']}/plan"
    plain = job_client.get(path).json()
    assert "analysis" not in plain
    response = job_client.get(path, params={"analysis": "true"})
    assert response.status_code == 200
    out = response.json()
    analysis = out["analysis"]
    assert analysis["total"] == out["kpis"]["objective"]
    total = sum(Decimal(repr(e["points"])) for e in analysis["entries"])
    assert total == Decimal(repr(analysis["total"]))
    assert {k: v for k, v in out.items() if k != "analysis"} == plain
    valid_plan(job_client, succeeded_job["id"], lyon())
