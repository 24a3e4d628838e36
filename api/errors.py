"""Every exception-to-response mapping, registered in one place.

Error body: ``{"error": {"code", "message", "field"?, "issues"?: [{"field", "message"}]}}``
(:class:`api.schemas.common.ErrorOut`). Input errors use the core's wording
whether FastAPI or the core found them: a malformed ``problem`` (``base``
of a what-if) or ``plan`` in a request body is re-read by the core's own
loader, so the HTTP API and ``dispatch solve`` report the same sentences,
with fields prefixed by where the document sits in the body. No response
ever carries a stack trace.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.jobs.service import WorkersFailing
from api.jobs.store import StoreUnavailable
from api.mapping import plan_from_in, to_domain
from api.schemas.common import ErrorOut
from optimizer import InputError, Problem, SolverError
from optimizer.document import json_value, rule_phrase

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

PROBLEM_FIELDS = ("problem", "base")
"""Body fields that hold a problem document."""
PLAN_FIELDS = ("plan",)
"""Body fields that hold a plan document."""

_WHERE = {"body": "Request body", "query": "Query parameter", "path": "Path parameter"}


def error_body(
    code: str, message: str, issues: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The JSON body of every error response.

    Parameters
    ----------
    code
        Stable machine-readable code (``input_error``, ``not_found``...).
    message
        One sentence; for input errors, the first issue's.
    issues
        ``[{"field", "message"}]``; when given, ``field`` is the first one's.
    """
    body: dict[str, Any] = {"code": code, "message": message}
    if issues:
        body["field"] = issues[0]["field"]
        body["issues"] = issues
    return {"error": body}


def error_response(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An error response whose code follows from the HTTP ``status``."""
    code = _CODES.get(status, "internal_error" if status >= 500 else "http_error")
    return JSONResponse(status_code=status, content=error_body(code, message), headers=headers)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _generic_issue(err: Mapping[str, Any]) -> dict[str, str]:
    """A pydantic error outside the problem and plan documents, in the core's wording."""
    loc = tuple(err.get("loc", ()))
    source, rest = (loc[0], loc[1:]) if loc and loc[0] in _WHERE else ("body", loc)
    field = _path(rest) or "$"
    kind = err.get("type", "")
    where = _WHERE.get(source, "Request")
    if kind == "json_invalid":
        reason = str(err.get("ctx", {}).get("error", "malformed JSON"))
        position = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
        return {"field": "$", "message": f"Request body is not valid JSON: {reason}{position}."}
    if not rest and source == "body":
        if kind == "missing":
            return {"field": "$", "message": "Request body is required: send a JSON object."}
        return {
            "field": "$",
            "message": f"Request body must be a JSON object, got {json_value(err.get('input'))}.",
        }
    subject = f"{where}: {field}" if source == "body" else f"{where} {field}"
    if kind == "missing":
        return {"field": field, "message": f"{subject} is required."}
    if kind == "extra_forbidden":
        return {"field": field, "message": f"{where}: unknown field '{field}'."}
    rule = rule_phrase(err)
    return {"field": field, "message": f"{subject} {rule}, got {json_value(err.get('input'))}."}


def _document_issues(body: Mapping[str, Any], key: str) -> list[dict[str, str]]:
    """Issues the core's loader finds in the document at ``body[key]``, fields prefixed."""
    raw = body[key]
    if isinstance(raw, str | bytes):
        return []  # the loader would parse a string as JSON text: not what was sent
    try:
        if key in PLAN_FIELDS:
            plan_from_in(_shape_only_problem(), raw, field_prefix=key)
        else:
            to_domain(raw, field_prefix=key)
    except InputError as exc:
        return [{"field": i.field, "message": i.message} for i in exc.issues]
    return []


def _shape_only_problem() -> Problem:
    """An empty problem: reading a plan's shape needs one only for its epoch."""
    return to_domain({"technicians": [], "work_orders": []})


def request_issues(exc: RequestValidationError) -> list[dict[str, str]]:
    """Every issue of a request that failed FastAPI's validation, in the core's wording."""
    errors = list(exc.errors())
    body = exc.body if isinstance(exc.body, Mapping) else None
    issues: list[dict[str, str]] = []
    from_loader: dict[str, list[dict[str, str]]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        key = loc[1] if len(loc) > 1 and loc[0] == "body" else None
        is_document = isinstance(key, str) and (key in PROBLEM_FIELDS or key in PLAN_FIELDS)
        if body is not None and isinstance(key, str) and is_document and key in body:
            if key not in from_loader:
                from_loader[key] = _document_issues(body, key)
                issues += from_loader[key]
            if from_loader[key]:
                continue  # the loader's sentences replace pydantic's for this document
        issues.append(_generic_issue(err))
    return issues


def _request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    if isinstance(exc.body, bytes | bytearray) and exc.body:
        given = request.headers.get("content-type", "none")
        return error_response(415, f"Content-Type must be application/json, got {given}.")
    issues = request_issues(exc) or [{"field": "$", "message": "Invalid request."}]
    for issue in issues:
        issue["message"] = _sentence(issue["message"])
    return JSONResponse(
        status_code=422, content=error_body("input_error", issues[0]["message"], issues)
    )


def _input_error(request: Request, exc: InputError) -> JSONResponse:
    issues = [{"field": i.field, "message": _sentence(i.message)} for i in exc.issues]
    return JSONResponse(
        status_code=422, content=error_body("input_error", issues[0]["message"], issues)
    )


class _LongInteger:
    """Stands for an integer too long to read while looking for where it is."""


def _long_integer_field(body: bytes | None) -> str | None:
    """The path (``problem.work_orders[3].service_min``) of the first over-long integer."""
    if not body:
        return None
    digits = sys.get_int_max_str_digits()
    marker = _LongInteger()

    def parse_int(text: str) -> object:
        return marker if len(text.lstrip("-")) > digits else int(text)

    try:
        document = json.loads(body, parse_int=parse_int)
    except (ValueError, RecursionError):
        return None
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        node, path = stack.pop()
        if node is marker:
            return path or "$"
        if isinstance(node, dict):
            stack += [(v, f"{path}.{k}" if path else str(k)) for k, v in reversed(node.items())]
        elif isinstance(node, list):
            stack += [(v, f"{path}[{i}]") for i, v in reversed(list(enumerate(node)))]
    return None


def _unreadable_body(exc: StarletteHTTPException, body: bytes | None = None) -> JSONResponse | None:
    """FastAPI's 400 for a body it could not decode is, to clients, invalid JSON: a 422.

    An integer too long to read is reported on its field when ``body`` (the
    raw request body) shows where it is.
    """
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, ValueError | RecursionError):
        return None
    if isinstance(cause, RecursionError):
        message = (
            "Request body nests objects and arrays too deeply: "
            f"at most about {sys.getrecursionlimit()} levels can be read."
        )
    elif "integer string conversion" in str(cause):
        digits = sys.get_int_max_str_digits()
        field = _long_integer_field(body)
        if field is not None:
            message = f"{field} is an integer of more than {digits} digits: too long to read."
            issues = [{"field": field, "message": message}]
            return JSONResponse(status_code=422, content=error_body("input_error", message, issues))
        message = f"Request body has an integer of more than {digits} digits: too long to read."
    elif isinstance(cause, UnicodeDecodeError):
        message = f"Request body is not valid JSON: byte {cause.start} is not UTF-8 text."
    else:
        reason = str(cause).rstrip(".") or "malformed JSON"
        message = f"Request body is not valid JSON: {reason}."
    issues = [{"field": "$", "message": message}]
    return JSONResponse(status_code=422, content=error_body("input_error", message, issues))


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = getattr(request, "_body", None)  # what FastAPI read, kept by Starlette
    unreadable = _unreadable_body(exc, body if isinstance(body, bytes) else None)
    if unreadable is not None:
        return unreadable
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else ""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if not message or message == phrase:
        path = request.url.path
        if status == 404:
            message = f"No route matches {request.method} {path}."
        elif status == 405:
            message = f"Method {request.method} is not allowed on {path}."
        else:
            message = phrase or "Request failed."
    return error_response(status, _sentence(message), headers=getattr(exc, "headers", None))


def _solver_error(request: Request, exc: SolverError) -> JSONResponse:
    log.error("solver error on %s: %s", request.url.path, exc)
    return JSONResponse(
        status_code=500, content=error_body("solver_error", _sentence(str(exc) or "Solver error."))
    )


def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A job-store outage (database down, read-only, file replaced): 503 with ``Retry-After``."""
    log.error("job store unavailable on %s %s: %s", request.method, request.url.path, exc)
    retry_after_s = getattr(request.app.state.settings, "store_retry_after_s", 5)
    message = (
        str(exc)
        if isinstance(exc, StoreUnavailable)
        else "The job store is unavailable; nothing was changed. Retry later."
    )
    return JSONResponse(
        status_code=503,
        content=error_body("store_unavailable", message),
        headers={"Retry-After": str(retry_after_s)},
    )


def _workers_failing(request: Request, exc: Exception) -> JSONResponse:
    """No job worker can start: 503 ``workers_failing`` with ``Retry-After``."""
    log.error("job refused on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        status_code=503,
        content=error_body("workers_failing", str(exc)),
        headers={"Retry-After": str(getattr(exc, "retry_after_s", 5))},
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content=error_body("internal_error", "Internal error."))


# --- OpenAPI -----------------------------------------------------------------------


def add_openapi_hook(app: FastAPI, hook: Callable[[dict[str, Any]], None]) -> None:
    """Run ``hook`` on the OpenAPI schema of ``app`` once, when it is first generated."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = base()
        hook(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def ensure_error_schema(schema: dict[str, Any]) -> dict[str, str]:
    """Add ``ErrorOut`` (and its parts) to ``components.schemas``; return a ``$ref`` to it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        generated = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in generated.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["ErrorOut"] = generated
    return {"$ref": "#/components/schemas/ErrorOut"}


def error_response_doc(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An OpenAPI response object whose body is ``ErrorOut``."""
    ref = ensure_error_schema(schema)
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _document_errors(schema: dict[str, Any]) -> None:
    """Replace FastAPI's default 422 body with ``ErrorOut``; document the 500."""
    default_ref = "#/components/schemas/HTTPValidationError"
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            current = responses.get("422", {}).get("content", {}).get("application/json", {})
            if current.get("schema", {}).get("$ref") == default_ref:
                responses["422"] = error_response_doc(
                    schema, "Invalid input: every issue, each naming its field."
                )
            responses.setdefault("500", error_response_doc(schema, "Internal error."))
            if "jobs" in operation.get("tags", []):
                responses.setdefault(
                    "503",
                    error_response_doc(
                        schema,
                        "The job store is unavailable (code `store_unavailable`), or no "
                        "job worker can start (code `workers_failing`); retry after "
                        "`Retry-After` s.",
                    ),
                )
    text = json.dumps(schema.get("paths", {}))
    components = schema.get("components", {}).get("schemas", {})
    if default_ref not in text:
        components.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError" not in json.dumps(components):
            components.pop("ValidationError", None)


def install_error_handlers(app: FastAPI) -> None:
    """Register every mapping on ``app`` and document the error body in its OpenAPI schema."""
    app.add_exception_handler(RequestValidationError, _request_validation)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, _input_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(SolverError, _solver_error)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyError, _store_unavailable)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(WorkersFailing, _workers_failing)
    app.add_exception_handler(Exception, _unexpected)
    add_openapi_hook(app, _document_errors)
