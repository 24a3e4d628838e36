"""Reading a JSON document: parse errors and pydantic errors as sentences.

Every pydantic error becomes an :class:`~optimizer.errors.InputIssue` whose
``field`` is the document path (``work_orders[3].service_min``) and whose
message names the entity and its id as found in the raw document, the rule
and the bad value, e.g. "Work order WO-17: service_min must be greater than
or equal to 0, got -5.". Used by :mod:`optimizer.document`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from optimizer.errors import InputError, InputIssue

JsonInput = Mapping[str, Any] | str | bytes
"""A document as parsed JSON, or as JSON text (``str`` or UTF-8 ``bytes``)."""

DocT = TypeVar("DocT", bound=BaseModel)


def read_document(model: type[DocT], data: JsonInput, spec: DocSpec) -> DocT:
    """Parse ``data`` and validate it against ``model``.

    Parameters
    ----------
    model
        The pydantic class of the document.
    data
        The document, parsed or as JSON text.
    spec
        How to name the document's entities in messages.

    Returns
    -------
    BaseModel
        The validated document.

    Raises
    ------
    InputError
        With field ``$`` for text that is not JSON, else listing every
        shape or range error found.
    """
    raw = _parse_json(data, spec.root)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_issues(exc, raw, spec)) from None


def parse_json(data: JsonInput, spec: DocSpec) -> Any:
    """``data`` parsed (JSON text or UTF-8 bytes), or as given when already parsed.

    Raises
    ------
    InputError
        Field ``$``: not UTF-8, or not JSON.
    """
    return _parse_json(data, spec.root)


def _parse_json(data: JsonInput, what: str) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError.single(
                "$", f"{what} is not valid UTF-8: byte {exc.start} cannot be decoded."
            ) from None
    if not isinstance(data, str):
        return data
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            "$",
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
        ) from None
    except RecursionError:
        raise InputError.single("$", f"{what} is nested too deeply.") from None


class Entity(NamedTuple):
    """A list of the document whose items are named by an id in messages."""

    label: str  # followed by the id
    index_label: str  # followed by "at index i" when the id is unknown
    id_key: str


class DocSpec(NamedTuple):
    """How messages name a document (``root``), its entities and its sections."""

    root: str
    entities: dict[str, Entity]
    sections: dict[str, str]


PROBLEM = DocSpec(
    "Problem document",
    {
        "technicians": Entity("Technician", "Technician", "id"),
        "work_orders": Entity("Work order", "Work order", "id"),
    },
    {"travel": "Travel model", "weights": "Weights"},
)
PLAN = DocSpec(
    "Plan document",
    {
        "routes": Entity("Route of technician", "Route", "technician_id"),
        "unassigned": Entity(
            "Unassigned entry for work order", "Unassigned entry", "work_order_id"
        ),
    },
    {"stats": "Solve stats"},
)
_TAGS = {"geo", "planar", "matrix", "geodesic", "road_graph"}  # discriminated-union tags
_RULES = {
    "greater_than_equal": "must be greater than or equal to {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be less than or equal to {le}",
    "less_than": "must be less than {lt}",
    "finite_number": "must be a finite number",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "timezone": "must be an IANA time-zone name such as Europe/Paris",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "datetime_type": "must be an ISO-8601 datetime with a UTC offset",
    "datetime_parsing": "must be an ISO-8601 datetime with a UTC offset",
    "datetime_from_date_parsing": "must be an ISO-8601 datetime with a UTC offset",
    "timezone_aware": "must include a UTC offset (a naive datetime is ambiguous)",
    "location_kind": "must be {lat, lon}, {x, y} or {matrix_index}",
    "node_kind": "must be {id, lat, lon} or {id, x, y}",
    "travel_kind": "must be one of geodesic, planar, matrix or road_graph",
}


def json_value(value: Any) -> str:
    """A bad value as it appeared in the JSON, shortened (for messages)."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def rule_phrase(err: Mapping[str, Any]) -> str:
    """What pydantic's error ``err`` says a value must be, as the words after the field name.

    For example "must be greater than or equal to 0" (its context filled
    in); a rule without wording here falls back to pydantic's own message.
    """
    kind = err["type"]
    ctx = {k: _num(v) for k, v in (err.get("ctx") or {}).items()}
    message = str(err.get("msg", "is invalid")).rstrip(".")
    rule = _RULES.get(kind) or message[:1].lower() + message[1:]
    for key, value in ctx.items():
        rule = rule.replace(f"{{{key}}}", str(value))
    if kind == "too_short" and ctx.get("min_length") == 1:
        rule = "must not be empty"
    return rule


def _path(parts: Sequence[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _issues(exc: ValidationError, raw: Any, spec: DocSpec) -> list[InputIssue]:
    issues = []
    for err in exc.errors():
        try:
            issues.append(_issue(err, raw, spec))
        except Exception:  # a wording bug must not hide the user's error behind a traceback
            where = ".".join(str(e) for e in err["loc"]) or "$"
            issues.append(InputIssue(where, f"{spec.root}: {where} is invalid: {err['msg']}."))
    return issues


def _issue(err: ErrorDetails, raw: Any, spec: DocSpec) -> InputIssue:
    """Turn one pydantic error into an issue with a document path and a sentence."""
    kind, value = err["type"], err.get("input")
    parts: list[str | int] = []
    node = raw
    for elem in err["loc"]:
        if isinstance(elem, int):
            parts.append(elem)
            ok = isinstance(node, list) and 0 <= elem < len(node)
            node = node[elem] if ok else None
        elif isinstance(node, dict) and elem in node:
            parts.append(elem)
            node = node[elem]
        elif elem not in _TAGS and elem != "[key]":
            parts.append(elem)
            node = None
    is_key = bool(err["loc"]) and err["loc"][-1] == "[key]"
    if kind == "travel_kind" and isinstance(value, dict):
        parts.append("kind")
        value = value.get("kind")

    entity, rest = spec.root, parts
    head = parts[0] if parts else None
    if head in spec.entities and len(parts) > 1 and isinstance(parts[1], int):
        ent = spec.entities[str(head)]
        item = raw[head][parts[1]] if isinstance(raw[head], list) else None
        ident = item.get(ent.id_key) if isinstance(item, dict) else None
        if isinstance(ident, str) and ident:
            entity = f"{ent.label} {ident}"
        else:
            entity = f"{ent.index_label} at index {parts[1]}"
        rest = parts[2:]
    elif head in spec.sections:
        entity, rest = spec.sections[str(head)], parts[1:]

    field = _path(parts) or "$"
    if kind == "extra_forbidden":
        return InputIssue(field, f"{entity}: unknown field '{_path(rest)}'.")
    if kind == "missing":
        return InputIssue(field, f"{entity}: {_path(rest)} is required.")
    subject = _path(rest[:-1]) + " key" if is_key else _path(rest)
    where = f"{entity}: {subject}" if subject else entity
    return InputIssue(field, f"{where} {rule_phrase(err)}, got {json_value(value)}.")
