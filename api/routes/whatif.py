"""What-if comparisons: ``POST /v1/whatif`` and trade-off curves ``POST /v1/whatif/tradeoff``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jsonpatch
import jsonpointer
from fastapi import APIRouter

from api.deps import SettingsDep
from api.mapping import (
    edits_to_domain,
    problem_warnings,
    to_domain,
    tradeoff_to_out,
    warnings_to_out,
)
from api.metrics import record_solve
from api.schemas.common import ErrorOut
from api.schemas.tradeoff import TradeoffOut, TradeoffRequest
from api.schemas.whatif import BASE_ROW, PatchOperationIn, VariantIn, WhatIfOut, WhatIfRequest
from api.solve_pool import SolvePoolDep
from api.time_limits import capped_warning
from optimizer import InputError, InputIssue, apply_edits, kpi_deltas, solve_document, tradeoff

router = APIRouter(prefix="/v1/whatif", tags=["whatif"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid input: every issue, each naming its field."},
}
_NEEDS_VALUE = ("add", "replace", "test")
_NEEDS_FROM = ("move", "copy")


@router.post(
    "",
    response_model=WhatIfOut,
    responses=_RESPONSES,
    summary="Compare variants",
)
def compare_variants(
    request: WhatIfRequest, settings: SettingsDep, pool: SolvePoolDep
) -> dict[str, Any]:
    """Solve a base problem and variants of it, and compare their KPIs.

    Each variant changes the base problem document by named `operations`
    (`remove_technician` with its pins, preferences, exclusions and
    dispatches; `add_technician`, a copy of one with a new id; `change_shift`;
    `set_weights`; `add_orders`), then by RFC 6902 JSON Patch operations
    (`patch`) for anything else. The base and every variant are solved in
    parallel worker processes (`DISPATCH_WHATIF_WORKERS` at once), each for
    `time_limit_s` seconds, so a request takes about
    `time_limit_s` x ceil((variants + 1) / workers) seconds.

    The answer has one row per problem, the base first (named `base`):
    assigned %, SLA met % (overall and per priority), total travel and
    distance, workload spread (coefficient of variation), objective points
    and unassigned count, with deltas against the base (variant - base),
    the row's warnings (each reference an operation removed) and, with
    `include_plans`, its plan. `violations` counts the rules the independent
    validator finds broken in that plan (always 0).

    An operation naming a technician or shift that does not exist is a 422
    naming `variants[i].operations[j]`; a patch that cannot be applied names
    `variants[i].patch[j]`; a changed document that is not a valid problem
    is a 422 whose fields start with `variants[i].document.`.
    """
    base = request.base.model_dump(mode="json", by_alias=True, exclude_unset=True)
    to_domain(base, field_prefix="base")
    documents, edit_warnings = _variant_documents(base, request.variants)
    requested_s = request.time_limit_s or settings.default_time_limit_s
    time_limit_s = min(requested_s, settings.max_time_limit_s)
    names = [BASE_ROW, *(v.name for v in request.variants)]
    prefixes = ["base", *(f"variants[{i}].document" for i in range(len(documents)))]
    results = pool.map(
        solve_document,
        [(d, time_limit_s, request.seed, request.include_plans) for d in [base, *documents]],
    )
    for result in results:
        record_solve("whatif", result["status"], result["wall_s"])
    base_kpis = results[0]["kpis"]
    rows = []
    for k, (name, result) in enumerate(zip(names, results, strict=True)):
        row = {
            "name": name,
            "status": result["status"],
            "kpis": result["kpis"],
            "deltas": kpi_deltas(base_kpis, result["kpis"]),
            "violations": result["violations"],
            "warnings": [
                *(edit_warnings[k - 1] if k else []),
                *warnings_to_out(result["warnings"], prefixes[k]),
            ],
        }
        row["plan"] = result["plan"] if request.include_plans else None
        rows.append(row)
    return {"rows": rows, "warnings": capped_warning(request.time_limit_s, settings)}


@router.post(
    "/tradeoff",
    response_model=TradeoffOut,
    responses=_RESPONSES,
    summary="Trade-off curve of one weight",
)
def tradeoff_curve(
    request: TradeoffRequest, settings: SettingsDep, pool: SolvePoolDep
) -> dict[str, Any]:
    """Sweep one weight over a log grid, solve every point, keep the non-dominated ones.

    The weight `sweep` of the problem (or its default) is multiplied by
    `points` factors spread evenly on a log scale from `low` to `high`
    (a per-priority weight as a whole). Each point is solved for
    `time_limit_s` seconds in parallel worker processes
    (`DISPATCH_WHATIF_WORKERS` at once), and measured on two axes, both
    lower-is-better: what the weight prices (`lateness_min` for
    `late_per_minute`, `travel_h` for `travel_per_hour`, `unassigned`,
    `busiest_h`, `non_preferred`, `reassigned`, `labor`) and `against`
    (default `travel_h`). `points` are the points no other point beats on
    one axis without losing on the other, by factor; `dominated` the rest.
    Each point has its plan's measures and KPIs (objective under its own
    weights). A request takes about `time_limit_s` x ceil(points / workers).

    A weight that is 0 in the problem (labour cost by default) cannot be
    swept (422 on `sweep`); nor can an unknown name, an axis equal to the
    swept one (`against`), or `low` above `high`.
    """
    problem = to_domain(request.problem)
    requested_s = request.time_limit_s or settings.default_time_limit_s
    result = pool.run(
        lambda executor: tradeoff(
            problem,
            request.sweep,
            points=request.points,
            low=request.low,
            high=request.high,
            against=request.against,
            time_limit_s=min(requested_s, settings.max_time_limit_s),
            seed=request.seed,
            workers=settings.whatif_workers,
            executor=executor,
        )
    )
    out = tradeoff_to_out(result)
    out["warnings"] = [*problem_warnings(problem), *capped_warning(request.time_limit_s, settings)]
    return out


def _variant_documents(
    base: dict[str, Any], variants: Sequence[VariantIn]
) -> tuple[list[dict[str, Any]], list[list[dict[str, str]]]]:
    """Apply each variant's operations and patch to a copy of ``base`` and check the result.

    Returns
    -------
    tuple
        The variant documents, and per variant the ``WarningOut`` of what
        its operations changed beyond what they name.

    Raises
    ------
    InputError
        Listing, for every variant, a reserved or repeated name, an operation
        that cannot apply (``variants[i].operations[j]``), the first patch
        operation that cannot be applied (``variants[i].patch[j]``) or the
        issues of the changed document (``variants[i].document.*``).
    """
    issues: list[InputIssue] = []
    documents = []
    all_warnings = []
    seen: set[str] = set()
    for i, variant in enumerate(variants):
        if variant.name == BASE_ROW or variant.name in seen:
            why = "is the base row's name" if variant.name == BASE_ROW else "is used twice"
            msg = f"Variant name {variant.name} {why}; variant names must be unique and not base."
            issues.append(InputIssue(f"variants[{i}].name", msg))
        seen.add(variant.name)
        try:
            edited, warnings = apply_edits(
                base, edits_to_domain(variant.operations), field_prefix=f"variants[{i}].operations"
            )
        except InputError as exc:
            issues += exc.issues
            continue
        document: Any = edited
        is_patched = True
        for j, operation in enumerate(variant.patch):
            try:
                document = jsonpatch.apply_patch(document, [_operation(operation)])
            except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
                issues.append(_patch_issue(variant.name, i, j, operation, exc))
                is_patched = False
                break
        if not is_patched:
            continue
        try:
            to_domain(document, field_prefix=f"variants[{i}].document")
        except InputError as exc:
            issues += [_with_hint(issue, variant) for issue in exc.issues]
        documents.append(document)
        all_warnings.append(warnings_to_out(warnings, f"variants[{i}].document"))
    if issues:
        raise InputError(issues)
    return documents, all_warnings


def _with_hint(issue: InputIssue, variant: VariantIn) -> InputIssue:
    """Point a dangling technician reference left by a patch at ``remove_technician``."""
    removes_technician = any(
        op.op == "remove" and op.path.startswith("/technicians/") for op in variant.patch
    )
    if removes_technician and "unknown technician" in issue.message:
        hint = (
            " A JSON Patch remove leaves a technician's references behind; the "
            "remove_technician operation removes them too."
        )
        return InputIssue(issue.field, issue.message.rstrip() + hint)
    return issue


class _MissingMember(jsonpatch.JsonPatchException):
    """An operation lacks the ``value`` or ``from`` member its kind needs."""


def _operation(operation: PatchOperationIn) -> dict[str, Any]:
    """The operation as JSON Patch expects it; ``value``/``from`` only where given."""
    op: dict[str, Any] = {"op": operation.op, "path": operation.path}
    if operation.op in _NEEDS_VALUE:
        if "value" not in operation.model_fields_set:
            raise _MissingMember(f"{operation.op} needs a value")
        op["value"] = operation.value
    if operation.op in _NEEDS_FROM:
        if operation.from_ is None:
            raise _MissingMember(f"{operation.op} needs a from path")
        op["from"] = operation.from_
    return op


def _patch_issue(
    name: str, i: int, j: int, operation: PatchOperationIn, exc: Exception
) -> InputIssue:
    """One sentence on why an operation failed, without echoing the document."""
    if isinstance(exc, jsonpatch.JsonPatchTestFailed):
        reason = f"the value at {operation.path} is not the tested value"
    else:
        reason = re.sub(r" in [\[{].*$", "", str(exc), flags=re.DOTALL).strip()
        if not reason or reason.startswith("'"):
            reason = f"{operation.from_ or operation.path} does not exist in the document"
        reason = reason[:1].lower() + reason[1:]
    target = f"{operation.op} {operation.path}"
    message = f"Variant {name}: patch operation {j} ({target}) cannot be applied: {reason}."
    return InputIssue(f"variants[{i}].patch[{j}]", message)
