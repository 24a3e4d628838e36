"""A small Python client of the HTTP API for schedulers: submit a job, wait, fetch the plan.

Only :mod:`httpx` is needed on the client side::

    from api.client import DispatchClient

    with DispatchClient("http://127.0.0.1:8000") as client:
        job = client.submit_job(problem, time_limit_s=30)
        job = client.wait(job["id"], on_progress=lambda j: print(j["status"], j["progress"]))
        plan = client.plan(job["id"])

or ``client.solve(problem, time_limit_s=30)`` for the three steps. Answers
are the API's JSON objects (``JobOut``, ``PlanOut``) as dictionaries. An
error answer raises :class:`DispatchApiError` with the API's code, message
and issues; a full queue (429) or an unavailable job store (503) is retried
after its ``Retry-After``, up to ``retries`` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpx

FINISHED = frozenset({"succeeded", "failed", "cancelled"})
"""Job statuses that do not change any more."""

RETRIED_STATUSES = frozenset({429, 503})
"""Answers retried after their ``Retry-After``: a full queue, a store outage."""


class DispatchApiError(Exception):
    """An error answer of the API.

    Attributes
    ----------
    status
        The HTTP status (422, 404, 429...).
    code
        The API's error code (``input_error``, ``not_found``...).
    message
        Its one-sentence message.
    issues
        For input errors, every ``{"field", "message"}``; else empty.
    """

    def __init__(self, status: int, code: str, message: str, issues: list[dict[str, str]]):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.issues = issues


class JobFailed(DispatchApiError):
    """A job ended ``failed``; ``code`` is its ``error_code`` (``solver_error``...)."""


class DispatchClient:
    """Client of one dispatch server.

    Parameters
    ----------
    base_url
        The server, e.g. ``http://127.0.0.1:8000``.
    api_key
        Sent as ``X-API-Key`` when given.
    timeout_s
        Timeout of each HTTP request in seconds (not of a job).
    retries
        How many times a 429 or 503 answer is retried after its ``Retry-After``.
    transport
        An ``httpx`` transport, e.g. to talk to an app in the same process.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        retries: int = 5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport
        )
        self.retries = retries

    def __enter__(self) -> DispatchClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def submit_job(
        self, problem: Mapping[str, Any], *, time_limit_s: float | None = None, seed: int = 0
    ) -> dict[str, Any]:
        """Queue ``problem`` (a problem document) as a background job; return its ``JobOut``.

        Its ``warnings`` say when the server capped ``time_limit_s`` or a
        skill is unknown. Raises :class:`DispatchApiError` (422 for an
        invalid problem, naming every issue).
        """
        body: dict[str, Any] = {"problem": problem, "seed": seed}
        if time_limit_s is not None:
            body["time_limit_s"] = time_limit_s
        return self._request("POST", "/v1/jobs", json=body)

    def job(self, job_id: str) -> dict[str, Any]:
        """The job's ``JobOut``: status, progress (elapsed, objective, assigned), error."""
        return self._request("GET", f"/v1/jobs/{job_id}")

    def wait(
        self,
        job_id: str,
        *,
        poll_s: float = 1.0,
        timeout_s: float | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll the job until it has finished; return its last ``JobOut``.

        Parameters
        ----------
        job_id
            The job.
        poll_s
            Seconds between polls.
        timeout_s
            Give up (``TimeoutError``) after this many seconds; ``None``: wait.
        on_progress
            Called with the ``JobOut`` after every poll.

        Raises
        ------
        JobFailed
            If the job ended ``failed`` (its ``error_code`` and ``error``).
        TimeoutError
            If ``timeout_s`` passed first.
        """
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if on_progress is not None:
                on_progress(job)
            if job["status"] == "failed":
                raise JobFailed(200, job.get("error_code") or "failed", job.get("error") or "", [])
            if job["status"] in FINISHED:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"Job {job_id} is still {job['status']} after {timeout_s} s.")
            time.sleep(poll_s)

    def plan(self, job_id: str) -> dict[str, Any]:
        """The job's plan (``PlanOut``); a 404 ``DispatchApiError`` while it has none."""
        return self._request("GET", f"/v1/jobs/{job_id}/plan")

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel the job (it keeps its best plan so far); return its ``JobOut``."""
        return self._request("DELETE", f"/v1/jobs/{job_id}")

    def solve(
        self,
        problem: Mapping[str, Any],
        *,
        time_limit_s: float | None = None,
        seed: int = 0,
        poll_s: float = 1.0,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Submit ``problem`` as a job, wait for it and return its plan (``PlanOut``)."""
        job = self.submit_job(problem, time_limit_s=time_limit_s, seed=seed)
        self.wait(job["id"], poll_s=poll_s, on_progress=on_progress)
        return self.plan(job["id"])

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            response = self._http.request(method, path, **kwargs)
            if response.status_code in RETRIED_STATUSES and attempt < self.retries:
                time.sleep(_retry_after_s(response))
                continue
            break
        if response.is_error:
            raise _api_error(response)
        answer: dict[str, Any] = response.json()
        return answer


def _retry_after_s(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def _api_error(response: httpx.Response) -> DispatchApiError:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        issues = list(error.get("issues") or [])
    except (ValueError, KeyError, TypeError):
        code, message, issues = "http_error", response.text[:200], []
    return DispatchApiError(response.status_code, code, message, issues)
