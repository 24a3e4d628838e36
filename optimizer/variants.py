"""What-if edits of a problem document: named operations that keep it consistent.

A JSON Patch that removes a technician leaves its pins, preferences,
exclusions and dispatch references behind, and the patched problem is
refused. The edits here change a problem document (parsed JSON, as
:func:`optimizer.document.load_problem` reads it) the way a planner
means them, and report every change they make beyond the one they name
as an :class:`~optimizer.errors.EditWarning`:

- :class:`RemoveTechnician`: the technician and every reference to it;
- :class:`AddTechnician`: a copy of an existing technician under a new id,
  with optional field changes;
- :class:`ChangeShift`: new start, end or breaks of one shift;
- :class:`SetOvertime`: the overtime a technician's shifts allow, and its price;
- :class:`SetWeights`: objective weights merged into the current ones;
- :class:`AddOrders`: more work orders;
- :class:`CloseDepot`: a depot closed for the whole horizon (removed).

:func:`apply_edits` applies a list of them in order. The result is not
validated here: load it with ``load_problem`` to check it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optimizer.errors import EditWarning, InputError, InputIssue


@dataclass(frozen=True, slots=True)
class RemoveTechnician:
    """Remove technician ``technician_id`` and its pins, preferences, exclusions and dispatches.

    An order pinned to it is no longer pinned (anyone qualified may serve
    it); an order dispatched to it is no longer dispatched.
    """

    technician_id: str


@dataclass(frozen=True, slots=True)
class AddTechnician:
    """Add a copy of technician ``copy_of`` with id ``id`` and the fields of ``changes``.

    ``changes`` holds technician document fields (``name``, ``skills``,
    ``shifts``, ``start``, ...) that replace the copied ones; ``id`` cannot
    be among them.
    """

    copy_of: str
    id: str
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChangeShift:
    """Change shift ``shift_index`` (0-based) of technician ``technician_id``.

    ``start``, ``end`` (aware datetimes) and ``breaks`` (break documents)
    replace the shift's own when given; ``None`` keeps them.
    """

    technician_id: str
    shift_index: int = 0
    start: datetime | None = None
    end: datetime | None = None
    breaks: Sequence[Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class SetOvertime:
    """Allow ``max_overtime_min`` of overtime in shift ``shift_index`` of ``technician_id``.

    ``shift_index`` ``None`` changes every shift of the technician;
    ``overtime_per_minute`` sets the shifts' own price per minute (``None``
    keeps it, so the default ``weights.overtime_per_minute`` applies when
    none was set).
    """

    technician_id: str
    max_overtime_min: float
    shift_index: int | None = None
    overtime_per_minute: float | None = None


@dataclass(frozen=True, slots=True)
class SetWeights:
    """Merge ``weights`` (a partial weights document) into the problem's weights.

    Keys given replace the current values; the per-priority tables are
    merged priority by priority, so ``{"unassigned_by_priority": {"P4": 0}}``
    changes P4 alone.
    """

    weights: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AddOrders:
    """Append ``work_orders`` (work-order documents with new ids) to the problem."""

    work_orders: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class CloseDepot:
    """Close depot ``depot_id`` for the whole horizon: no route may load there.

    The depot leaves the problem; orders needing what only it had can no
    longer be served (``missing_parts`` / ``missing_tools``), the others
    fetch elsewhere.
    """

    depot_id: str


Edit = (
    RemoveTechnician
    | AddTechnician
    | ChangeShift
    | SetOvertime
    | SetWeights
    | AddOrders
    | CloseDepot
)
"""One what-if edit."""


def apply_edits(
    document: Mapping[str, Any], edits: Sequence[Edit], *, field_prefix: str = "operations"
) -> tuple[dict[str, Any], list[EditWarning]]:
    """Apply ``edits`` in order to a copy of the problem ``document``.

    Parameters
    ----------
    document
        A problem document (parsed JSON); it is not modified.
    edits
        The edits, applied one after the other.
    field_prefix
        Path of the edit list in the caller's input, for error and warning
        fields (``operations[2]``).

    Returns
    -------
    tuple
        The edited document and the warnings: one per reference an edit
        removed or changed beyond the one it names, its ``field`` a path in
        the edited document (``work_orders[7].preferred_technician_ids``).

    Raises
    ------
    InputError
        Listing every edit that names a technician or shift the document
        (as edited so far) does not have, or adds a technician id that exists.
    """
    result: dict[str, Any] = copy.deepcopy(dict(document))
    result.setdefault("technicians", [])
    result.setdefault("work_orders", [])
    warnings: list[EditWarning] = []
    issues: list[InputIssue] = []
    for j, edit in enumerate(edits):
        where = f"{field_prefix}[{j}]"
        try:
            warnings += _apply(result, edit)
        except _EditRefused as refused:
            issues.append(InputIssue(where, str(refused)))
    if issues:
        raise InputError(issues)
    return result, warnings


class _EditRefused(Exception):
    """An edit that cannot apply to the document; the message is one sentence."""


def _apply(document: dict[str, Any], edit: Edit) -> list[EditWarning]:
    if isinstance(edit, RemoveTechnician):
        return _remove_technician(document, edit)
    if isinstance(edit, AddTechnician):
        _add_technician(document, edit)
    elif isinstance(edit, ChangeShift):
        _change_shift(document, edit)
    elif isinstance(edit, SetOvertime):
        _set_overtime(document, edit)
    elif isinstance(edit, SetWeights):
        _set_weights(document, edit)
    elif isinstance(edit, CloseDepot):
        _close_depot(document, edit)
    else:
        document["work_orders"].extend(copy.deepcopy(dict(o)) for o in edit.work_orders)
    return []


def _technician_index(document: Mapping[str, Any], technician_id: str, what: str) -> int:
    for i, tech in enumerate(document["technicians"]):
        if isinstance(tech, Mapping) and tech.get("id") == technician_id:
            return i
    known = ", ".join(str(t.get("id")) for t in document["technicians"]) or "none"
    raise _EditRefused(
        f"{what}: the problem has no technician {technician_id} (technicians: {known})."
    )


def _remove_technician(document: dict[str, Any], edit: RemoveTechnician) -> list[EditWarning]:
    tid = edit.technician_id
    index = _technician_index(document, tid, f"Cannot remove technician {tid}")
    del document["technicians"][index]
    warnings = []
    for k, order in enumerate(document["work_orders"]):
        if not isinstance(order, dict):
            continue
        oid = order.get("id")
        path = f"work_orders[{k}]"
        if order.get("pinned_technician_id") == tid:
            order["pinned_technician_id"] = None
            message = f"Work order {oid} was pinned to {tid}; it is no longer pinned."
            warnings.append(EditWarning(f"{path}.pinned_technician_id", message))
        if order.get("dispatched_technician_id") == tid:
            order["dispatched_technician_id"] = None
            message = f"Work order {oid} was dispatched to {tid}; it is no longer dispatched."
            warnings.append(EditWarning(f"{path}.dispatched_technician_id", message))
        for key, verb in (
            ("preferred_technician_ids", "preferred"),
            ("excluded_technician_ids", "excluded"),
        ):
            ids = order.get(key)
            if isinstance(ids, list) and tid in ids:
                order[key] = [t for t in ids if t != tid]
                message = f"Work order {oid} {verb} {tid}; {tid} is removed from its {key}."
                warnings.append(EditWarning(f"{path}.{key}", message))
    return warnings


def _add_technician(document: dict[str, Any], edit: AddTechnician) -> None:
    what = f"Cannot add technician {edit.id} as a copy of {edit.copy_of}"
    if "id" in edit.changes:
        raise _EditRefused(f"{what}: its id is given by id, not by changes.")
    if any(isinstance(t, Mapping) and t.get("id") == edit.id for t in document["technicians"]):
        raise _EditRefused(f"{what}: technician {edit.id} already exists.")
    source = document["technicians"][_technician_index(document, edit.copy_of, what)]
    twin = copy.deepcopy(dict(source))
    twin.update(copy.deepcopy(dict(edit.changes)))
    twin["id"] = edit.id
    document["technicians"].append(twin)


def _change_shift(document: dict[str, Any], edit: ChangeShift) -> None:
    tid = edit.technician_id
    what = f"Cannot change shift_index {edit.shift_index} of technician {tid}"
    tech = document["technicians"][_technician_index(document, tid, what)]
    shifts = tech.get("shifts")
    if not isinstance(shifts, list) or not 0 <= edit.shift_index < len(shifts):
        count = len(shifts) if isinstance(shifts, list) else 0
        raise _EditRefused(f"{what}: it has {count} shift(s), numbered from 0.")
    shift = dict(shifts[edit.shift_index])
    if edit.start is not None:
        shift["start"] = edit.start.isoformat()
    if edit.end is not None:
        shift["end"] = edit.end.isoformat()
    if edit.breaks is not None:
        shift["breaks"] = [copy.deepcopy(dict(b)) for b in edit.breaks]
    shifts[edit.shift_index] = shift


def _set_overtime(document: dict[str, Any], edit: SetOvertime) -> None:
    tid = edit.technician_id
    what = f"Cannot set the overtime of technician {tid}"
    tech = document["technicians"][_technician_index(document, tid, what)]
    shifts = tech.get("shifts")
    count = len(shifts) if isinstance(shifts, list) else 0
    if edit.shift_index is None:
        indices = list(range(count))
    elif 0 <= edit.shift_index < count:
        indices = [edit.shift_index]
    else:
        raise _EditRefused(
            f"{what} in shift {edit.shift_index}: it has {count} shift(s), numbered from 0."
        )
    assert isinstance(shifts, list)
    for k in indices:
        shift = dict(shifts[k])
        shift["max_overtime_min"] = edit.max_overtime_min
        if edit.overtime_per_minute is not None:
            shift["overtime_per_minute"] = edit.overtime_per_minute
        shifts[k] = shift


def _set_weights(document: dict[str, Any], edit: SetWeights) -> None:
    weights = dict(document.get("weights") or {})
    for key, value in edit.weights.items():
        current = weights.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            weights[key] = {**current, **value}
        else:
            weights[key] = copy.deepcopy(value)
    document["weights"] = weights


def _close_depot(document: dict[str, Any], edit: CloseDepot) -> None:
    depots = document.get("depots")
    depots = depots if isinstance(depots, list) else []
    for i, depot in enumerate(depots):
        if isinstance(depot, Mapping) and depot.get("id") == edit.depot_id:
            del depots[i]
            return
    known = ", ".join(str(d.get("id")) for d in depots if isinstance(d, Mapping)) or "none"
    raise _EditRefused(
        f"Cannot close depot {edit.depot_id}: the problem has no such depot (depots: {known})."
    )
