"""Every exception-to-response mapping, registered in one place.

Error body: ``{"error": {"code": ..., "message": ..., "issues": [{"field", "message"}]}}``.
No response ever carries a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from optimizer import InputError, SolverError

log = logging.getLogger("api")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "input_error",
    429: "queue_full",
}


def error_body(
    code: str, message: str, issues: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The JSON body of every error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if issues:
        body["issues"] = issues
        body["field"] = issues[0]["field"]
    return {"error": body}


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if part in ("body", "query", "path", "header"):
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    issues = []
    for err in exc.errors():
        field = _loc_to_path(tuple(err.get("loc", ())))
        message = str(err.get("msg", "Invalid value.")).rstrip(".") + "."
        if "input" in err and err.get("type") not in ("missing", "json_invalid"):
            message = message[:-1] + f", got {err['input']!r}."[:200]
        issues.append({"field": field, "message": message})
    return JSONResponse(
        status_code=422,
        content=error_body("input_error", issues[0]["message"] if issues else "Invalid input.", issues),
    )


def _input_error(request: Request, exc: InputError) -> JSONResponse:
    issues = [{"field": i.field, "message": i.message} for i in exc.issues]
    return JSONResponse(status_code=422, content=error_body("input_error", exc.message, issues))


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(code, message),
        headers=getattr(exc, "headers", None),
    )


def _solver_error(request: Request, exc: SolverError) -> JSONResponse:
    log.error("solver error on %s: %s", request.url.path, exc)
    return JSONResponse(status_code=500, content=error_body("solver_error", str(exc)))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content=error_body("internal_error", "Internal error."))


def install_error_handlers(app: FastAPI) -> None:
    """Register every mapping on ``app``."""
    app.add_exception_handler(RequestValidationError, _request_validation)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, _input_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(SolverError, _solver_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
