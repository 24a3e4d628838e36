"""Server logs: plain text or one JSON object per line, each with the request's id.

``DISPATCH_LOG_FORMAT=json`` (``Settings.log_format``) makes every record of
the server a JSON object (``ts``, ``level``, ``logger``, ``message``,
``request_id`` and the record's extra fields); the default is text.
:class:`AccessLogMiddleware` gives each request an id (the caller's
``X-Request-ID`` when it is a short token, else a new one), returns it in the
``X-Request-ID`` response header, makes it visible to every record logged
while the request runs, and writes one access record per request on the
``api.access`` logger with the method, path, status and latency.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
"""Header that carries the request id, in and out."""

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served, for every record logged meanwhile."""

_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_ACCESS = logging.getLogger("api.access")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

LogFormat = Literal["text", "json"]


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``None`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add ``record.request_id``; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message`` and the access fields."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(log_format: LogFormat = "text", level: str = "info") -> None:
    """Send every server record to standard error in ``log_format``, with request ids.

    Parameters
    ----------
    log_format
        ``text`` or ``json`` (one object per line).
    level
        Least level written (``debug``, ``info``, ``warning``...).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


class AccessLogMiddleware:
    """Give each request an id and write one access record with its latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        rid = given if given and _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            _ACCESS.info(
                "%s %s %s %.1f ms",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None
