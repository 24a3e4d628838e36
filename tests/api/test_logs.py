"""Server logs: JSON lines with request ids and an access record with latency (real uvicorn)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx

from api.logs import JsonFormatter, RequestIdFilter, request_id
from tests.api.test_server import _serve


def test_json_logs_carry_the_request_id_and_latency(tmp_path: Path):
    """DISPATCH_LOG_FORMAT=json: each line is JSON; the access record names id, status, latency."""
    env = {"DISPATCH_LOG_FORMAT": "json"}
    with _serve(tmp_path, env_extra=env, log_level="info") as base:
        given = httpx.get(f"{base}/v1/scenarios", headers={"X-Request-ID": "trace-42"})
        fresh = httpx.get(f"{base}/v1/nowhere")
    assert given.headers["X-Request-ID"] == "trace-42"
    assert len(fresh.headers["X-Request-ID"]) == 32
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()]
    access = [e for e in lines if e["logger"] == "api.access"]
    first = next(e for e in access if e["request_id"] == "trace-42")
    assert (first["method"], first["path"], first["status"]) == ("GET", "/v1/scenarios", 200)
    assert first["duration_ms"] >= 0 and first["level"] == "info"
    missing = next(e for e in access if e["request_id"] == fresh.headers["X-Request-ID"])
    assert missing["status"] == 404
    assert any(e["logger"].startswith("uvicorn") for e in lines)  # the server's own records too


def test_json_formatter_writes_extras_and_the_current_request_id():
    """A record logged inside a request gets its id; extra fields become JSON keys."""
    record = logging.LogRecord("api", logging.WARNING, __file__, 1, "slow %s", ("solve",), None)
    record.duration_ms = 12.5
    token = request_id.set("abc")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "slow solve"
    assert (entry["request_id"], entry["duration_ms"], entry["level"]) == ("abc", 12.5, "warning")
