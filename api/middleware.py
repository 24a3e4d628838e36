"""HTTP middleware: request metrics, API-key authentication, request body size limit.

Pure ASGI middleware, outermost first:

0. :class:`api.logs.AccessLogMiddleware` gives each request its id
   (``X-Request-ID``) and writes one access record with its latency.
1. :class:`MetricsMiddleware` counts every request (``REQUESTS``) and times it
   (``REQUEST_SECONDS``), labelled by route template (``/v1/jobs/{job_id}``,
   not the concrete path) or ``unmatched``; refused requests count too.
2. :class:`ApiKeyMiddleware`, when ``settings.is_auth_enabled``: the
   ``X-API-Key`` header must hold a read or write key for GET/HEAD/OPTIONS and
   a write key for anything else. The health route and the API documentation
   stay open. A missing or unknown key is a 401, a read key on a write method
   a 403.
3. :class:`BodyLimitMiddleware` answers 413 when ``Content-Length`` exceeds
   ``settings.max_body_bytes``, or when a streamed (chunked) body does; the
   body is read before the application runs, so the app never sees a
   partial one.
4. :class:`ProblemSizeMiddleware` answers 413 when a problem in the body has
   more work orders than ``settings.max_orders`` or more technicians than
   ``settings.max_technicians``, before the documents are validated or
   solved (the solver's memory grows with the square of the locations).

Refusals use the error body of :mod:`api.errors`; nothing here can leak a
traceback (an exception raised further in is answered by the application's
own 500 handler).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.console import CONSOLE_PATHS, CONSOLE_PREFIX
from api.docs import DOCS_PATHS, STATIC_PREFIX
from api.errors import add_openapi_hook, error_response, error_response_doc
from api.logs import AccessLogMiddleware
from api.metrics import REQUEST_SECONDS, REQUESTS
from api.settings import Settings

log = logging.getLogger("api")

API_KEY_HEADER = "X-API-Key"
"""Request header carrying the API key."""

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods a read key may use; every other method needs a write key."""

UNMATCHED = "unmatched"
"""Route label of requests that match no route."""


def route_path(scope: Scope) -> str:
    """The request path without the application's ``root_path`` (what routes match)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :] or "/"
    return path


class RouteTemplates:
    """Find the path template (``/v1/jobs/{job_id}``) of the route a request aims at.

    The router stores the route it picked in ``scope["route"]``. Requests
    refused before routing (401, 403, 413) have none; they are matched here
    against the application's top-level routes and the path templates of its
    OpenAPI schema (which covers routes of included routers, whatever the
    FastAPI version keeps in ``app.routes``).
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._compiled: list[tuple[str, re.Pattern[str]]] | None = None

    def _openapi_templates(self) -> list[tuple[str, re.Pattern[str]]]:
        if self._compiled is None:
            try:
                paths = list(self.app.openapi().get("paths", {}))
            except Exception:  # metrics must never fail a request
                log.exception("cannot read the OpenAPI paths for metrics labels")
                paths = []
            paths.sort(key=lambda p: (p.count("{"), p))  # literal segments win
            self._compiled = [(p, compile_path(p)[0]) for p in paths]
        return self._compiled

    def __call__(self, scope: Scope) -> str:
        """The template, or :data:`UNMATCHED`."""
        route = scope.get("route")
        if route is not None and isinstance(getattr(route, "path", None), str):
            return str(route.path)
        for candidate in self.app.router.routes:
            path = getattr(candidate, "path", None)
            if isinstance(path, str) and candidate.matches(scope)[0] is not Match.NONE:
                return path
        path_only = route_path(scope)
        for template, regex in self._openapi_templates():
            if regex.match(path_only):
                return template
        return UNMATCHED


class MetricsMiddleware:
    """Count and time every HTTP request by route template, method and status."""

    def __init__(self, app: ASGIApp, templates: RouteTemplates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = self.templates(scope)
            REQUESTS.labels(route=route, method=scope["method"], status=str(status)).inc()
            REQUEST_SECONDS.labels(route=route).observe(time.perf_counter() - started)


class ApiKeyMiddleware:
    """Require an API key of the right scope in ``X-API-Key``."""

    def __init__(
        self,
        app: ASGIApp,
        read_keys: Iterable[str],
        write_keys: Iterable[str],
        open_paths: Iterable[str],
    ) -> None:
        self.app = app
        self.read_keys = tuple(k.encode() for k in read_keys)
        self.write_keys = tuple(k.encode() for k in write_keys)
        self.open_paths = frozenset(open_paths)

    @staticmethod
    def _is_one_of(key: bytes, keys: tuple[bytes, ...]) -> bool:
        # compare_digest with every key: the time taken does not depend on which one matches
        return any([hmac.compare_digest(key, k) for k in keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if (
            scope["type"] != "http"
            or path in self.open_paths
            or path.startswith((STATIC_PREFIX, CONSOLE_PREFIX))
        ):
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"x-api-key")
        method = scope["method"]
        response = None
        if not key:
            response = error_response(
                401, f"Missing API key: send it in the {API_KEY_HEADER} header."
            )
        elif self._is_one_of(key, self.write_keys):
            pass
        elif not self._is_one_of(key, self.read_keys):
            response = error_response(401, f"Invalid API key in the {API_KEY_HEADER} header.")
        elif method not in READ_METHODS:
            response = error_response(
                403,
                f"This API key may only read: {method} {route_path(scope)} needs a write key.",
            )
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with a 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, size: int | None) -> Any:
        given = f" of {size} bytes" if size is not None else ""
        return error_response(
            413, f"Request body{given} is larger than the limit of {self.max_bytes} bytes."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is None and _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body
            return
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(int(length))(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(None)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


MIN_ORDER_BYTES = 40
"""Fewest bytes a work order or technician takes in JSON: shorter bodies are not parsed."""


def _count(document: Any, key: str) -> int:
    items = document.get(key) if isinstance(document, dict) else None
    return len(items) if isinstance(items, list) else 0


class ProblemSizeMiddleware:
    """Refuse problems above ``max_orders`` work orders or ``max_technicians`` technicians (413).

    The buffered body (see :class:`BodyLimitMiddleware`) is parsed as JSON
    only when it is long enough to hold more than either limit; the problem
    is ``problem`` (``base`` for what-ifs) and, for re-optimization, the new
    orders in ``events.new_orders`` count too. A body that is not JSON is
    left to the application, which reports it.
    """

    def __init__(self, app: ASGIApp, max_orders: int, max_technicians: int) -> None:
        self.app = app
        self.max_orders = max_orders
        self.max_technicians = max_technicians
        self.min_bytes = MIN_ORDER_BYTES * min(max_orders, max_technicians)

    def _refusal(self, body: bytes) -> Any:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        for key in ("problem", "base"):
            problem = data.get(key)
            orders = _count(problem, "work_orders")
            if key == "problem":
                orders += _count(data.get("events"), "new_orders")
            technicians = _count(problem, "technicians")
            for count, limit, what, env in (
                (orders, self.max_orders, "work orders", "DISPATCH_MAX_ORDERS"),
                (technicians, self.max_technicians, "technicians", "DISPATCH_MAX_TECHNICIANS"),
            ):
                if count > limit:
                    return error_response(
                        413,
                        f"The {key} has {count} {what}, more than this server's limit of "
                        f"{limit} ({env}): split it into smaller problems.",
                    )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"") if message["type"] == "http.request" else b""
        refusal = None
        if len(body) > self.min_bytes and not message.get("more_body", False):
            refusal = self._refusal(body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return message
            return await receive()

        await self.app(scope, replay, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def open_paths(app: FastAPI) -> set[str]:
    """Paths that never need a key: the health route, the API documentation and the console.

    The documentation's assets, under ``api.docs.STATIC_PREFIX``, and the
    console's, under ``api.console.CONSOLE_PREFIX``, are open too: the
    console's page asks for the key and sends it with its API calls.
    """
    urls = (app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url)
    return {"/healthz", *DOCS_PATHS, *CONSOLE_PATHS, *(url for url in urls if url)}


def _document_refusals(settings: Settings, unguarded: set[str]) -> Any:
    """OpenAPI hook: the 413 of every body, the key scheme and 401/403 when auth is on."""

    def hook(schema: dict[str, Any]) -> None:
        if settings.is_auth_enabled:
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["ApiKey"] = {
                "type": "apiKey",
                "in": "header",
                "name": API_KEY_HEADER,
                "description": "A read key (GET, HEAD) or a write key (every method).",
            }
        too_large = (
            f"Request body larger than {settings.max_body_bytes} bytes, or a problem with more "
            f"than {settings.max_orders} work orders or {settings.max_technicians} technicians."
        )
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                if "requestBody" in operation:
                    responses.setdefault("413", error_response_doc(schema, too_large))
                if settings.is_auth_enabled and path not in unguarded:
                    operation["security"] = [{"ApiKey": []}]
                    responses.setdefault(
                        "401", error_response_doc(schema, "Missing or unknown API key.")
                    )
                    responses.setdefault(
                        "403", error_response_doc(schema, "A read key used for a write method.")
                    )

    return hook


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Install metrics, API-key authentication and the body size limit on ``app``.

    Parameters
    ----------
    app
        The application; its documentation URLs stay open.
    settings
        ``read_api_keys``/``write_api_keys`` (authentication is on when any
        is set) and ``max_body_bytes``.
    """
    unguarded = open_paths(app)
    # add_middleware puts the last one added outermost
    app.add_middleware(
        ProblemSizeMiddleware,
        max_orders=settings.max_orders,
        max_technicians=settings.max_technicians,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.is_auth_enabled:
        app.add_middleware(
            ApiKeyMiddleware,
            read_keys=settings.read_api_keys,
            write_keys=settings.write_api_keys,
            open_paths=unguarded,
        )
    app.add_middleware(MetricsMiddleware, templates=RouteTemplates(app))
    app.add_middleware(AccessLogMiddleware)
    add_openapi_hook(app, _document_refusals(settings, unguarded))
