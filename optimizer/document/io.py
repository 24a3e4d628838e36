"""JSON problem and plan documents: reading, writing and their JSON Schemas.

A problem document gives durations in minutes and times as ISO-8601
datetimes with a UTC offset. :func:`load_problem` turns it into a
:class:`~optimizer.problem.Problem` whose ``epoch`` is the earliest shift
start (without technicians, the earliest datetime in the document); every
datetime becomes whole seconds from it. Documents written from a problem,
and plan documents, print times as datetimes in the epoch's offset. The
document classes live in :mod:`optimizer.document.models`.

Run ``python -m optimizer.document --write`` to regenerate
``optimizer/schemas/problem.schema.json`` and ``plan.schema.json``;
``--check`` exits with status 1 when they are stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from optimizer.clock import DEFAULT_EPOCH as DEFAULT_EPOCH
from optimizer.clock import Clock
from optimizer.document.errors import PLAN, PROBLEM, JsonInput, parse_json, read_document
from optimizer.document.models import (
    DepotDoc,
    FixDoc,
    GeoPointDoc,
    MatrixRefDoc,
    PlanarPointDoc,
    PlanDoc,
    ProblemDoc,
    SolveStatsDoc,
    SpeedProfileDoc,
    StopDoc,
    TechnicianDoc,
    WorkOrderDoc,
)
from optimizer.document.travel import travel_from_doc, travel_to_doc
from optimizer.domain import (
    Break,
    Crew,
    Dependency,
    Depot,
    GeoPoint,
    Location,
    MatrixRef,
    PlanarPoint,
    Priority,
    Shift,
    SpeedBand,
    SpeedProfile,
    Technician,
    Tier,
    TimeWindow,
    WorkOrder,
)
from optimizer.errors import InputError, InputIssue
from optimizer.plan import (
    DepotStop,
    Fix,
    FixChange,
    PlacedBreak,
    Plan,
    Route,
    SolveStats,
    Stop,
    Unassigned,
)
from optimizer.problem import Problem
from optimizer.validation import validate_problem
from optimizer.weights import Weights

SCHEMA_DIR = Path(__file__).parents[1] / "schemas"
"""Folder of the committed JSON Schemas (``optimizer/schemas``)."""


DERIVED_ROUTE_FIELDS = (
    "travel_s",
    "distance_m",
    "work_s",
    "service_s",
    "wait_s",
    "break_s",
    "depot_s",
)
"""Route totals a plan document carries that follow from its stops and breaks (output-only)."""

OUTPUT_ONLY_PLAN_FIELDS = ("violations", "warnings", "analysis", "kpis", "stats")
"""Top-level fields of a written plan that readers ignore (so does any field they do not know)."""


# --- public API ----------------------------------------------------------------


def load_problem(data: JsonInput) -> Problem:
    """Read and validate a problem document.

    Parameters
    ----------
    data
        The document as a parsed JSON object, or as JSON text (``str`` or
        UTF-8 ``bytes``).

    Returns
    -------
    Problem
        With times in seconds from the earliest shift start (``epoch``),
        durations in whole seconds (``round(minutes * 60)``).

    Raises
    ------
    InputError
        Listing every issue found: invalid JSON (field ``$``), shape and
        range errors (all of them), then the cross-field rules of
        :func:`optimizer.validation.validate_problem` (duplicate ids,
        inverted windows and shifts, unknown references, ...), all in one
        error: when some technicians or work orders have shape errors, the
        rules are checked on the others (:func:`_issues_of_the_sound_part`).
    """
    raw = parse_json(data, PROBLEM)
    try:
        doc = read_document(ProblemDoc, raw, PROBLEM)
    except InputError as shape:
        raise InputError([*shape.issues, *_issues_of_the_sound_part(raw, shape.issues)]) from None
    problem, issues = _to_problem(doc)
    issues += validate_problem(problem)
    if issues:
        raise InputError(issues)
    return problem


_ENTITY = re.compile(r"^(technicians|work_orders)\[(\d+)\]")
_REFERENCE = re.compile(
    r"^work_orders\[(\d+)\]\.(pinned_technician_id|dispatched_technician_id"
    r"|preferred_technician_ids|excluded_technician_ids)(?:\[(\d+)\])?$"
)


def _issues_of_the_sound_part(raw: Any, shape_issues: Sequence[InputIssue]) -> list[InputIssue]:
    """The cross-field issues of a document with shape errors, so that all come at once.

    When every shape error lies inside some technicians or work orders, the
    document without them is read and checked by
    :func:`optimizer.validation.validate_problem`; the issues' fields are
    given back their places in the whole document, and a reference to a
    technician left aside for its own errors is not reported as unknown.
    Any other shape error (the travel section, the weights, a list that is
    not one) leaves nothing sound to check: no issue is added.
    """
    if not isinstance(raw, dict):
        return []
    bad: dict[str, set[int]] = {"technicians": set(), "work_orders": set()}
    for issue in shape_issues:
        found = _ENTITY.match(issue.field)
        if found is None:
            return []
        bad[found[1]].add(int(found[2]))
    kept: dict[str, list[int]] = {}
    rest = dict(raw)
    for key, skipped in bad.items():
        items = raw.get(key)
        if not isinstance(items, list):
            return []
        kept[key] = [i for i in range(len(items)) if i not in skipped]
        rest[key] = [items[i] for i in kept[key]]
    try:
        problem, issues = _to_problem(ProblemDoc.model_validate(rest))
        issues += validate_problem(problem)
    except (ValidationError, InputError, ValueError):
        return []
    set_aside = {
        t["id"]
        for i, t in enumerate(raw["technicians"])
        if i in bad["technicians"] and isinstance(t, dict) and isinstance(t.get("id"), str)
    }

    def placed(field: str) -> str:
        return _ENTITY.sub(lambda m: f"{m[1]}[{kept[m[1]][int(m[2])]}]", field, count=1)

    out = []
    for issue in issues:
        field = placed(issue.field)
        ref = _REFERENCE.match(field)
        if ref is not None and _raw_reference(raw, ref) in set_aside:
            continue
        out.append(InputIssue(field, issue.message))
    return out


def _raw_reference(raw: dict[str, Any], ref: re.Match[str]) -> Any:
    """The technician id a work order's reference field holds in the raw document."""
    value = raw["work_orders"][int(ref[1])].get(ref[2])
    if ref[3] is not None:
        return value[int(ref[3])] if isinstance(value, list) else None
    return value


def problem_to_document(problem: Problem) -> dict[str, Any]:
    """Write ``problem`` as a JSON-ready problem document.

    Parameters
    ----------
    problem
        Any problem; times are printed from ``problem.epoch``, or from
        :data:`DEFAULT_EPOCH` (1970-01-01 UTC) when it is ``None``.

    Returns
    -------
    dict
        A document that :func:`load_problem` reads back into an equal
        problem when ``problem`` was itself read from a document (matrix
        and road-graph travel models compare by identity, so for those only
        the documents compare equal).

    Raises
    ------
    TypeError
        If the travel model is not one of the four built-in ones.
    """
    iso = _Iso(problem.clock)
    doc: dict[str, Any] = {"travel": travel_to_doc(problem.travel)}
    if problem.speed_profile is not None:
        doc["travel"]["speed_profile"] = _speed_profile_to_doc(problem.speed_profile)
    if problem.timezone is not None:
        doc["timezone"] = problem.timezone
    if problem.weights is not None:
        doc["weights"] = _weights_to_doc(problem.weights)
    doc["sla_yellow_threshold_min"] = _minutes(problem.sla_yellow_threshold_s)
    doc["technicians"] = [_technician_to_doc(t, iso) for t in problem.technicians]
    doc["work_orders"] = [_order_to_doc(o, iso) for o in problem.work_orders]
    if problem.depots:
        doc["depots"] = [_depot_to_doc(d, iso) for d in problem.depots]
    return doc


def plan_to_document(problem: Problem, plan: Plan) -> dict[str, Any]:
    """Write ``plan`` as a JSON-ready plan document.

    Parameters
    ----------
    problem
        The problem solved; its ``epoch`` (default :data:`DEFAULT_EPOCH`)
        turns seconds into datetimes.
    plan
        The plan. ``kpis`` is copied as is and must already be JSON-ready.

    Returns
    -------
    dict
        ``routes`` (with the derived totals of :data:`DERIVED_ROUTE_FIELDS`:
        driving, distance, work, and work split into service, waiting and
        breaks), ``unassigned``, ``kpis`` and ``stats``.
    """
    iso = _Iso(problem.clock)
    return {
        "routes": [_route_to_doc(r, iso, _shift_of(problem, r)) for r in plan.routes],
        "unassigned": [_unassigned_to_doc(u) for u in plan.unassigned],
        "kpis": dict(plan.kpis),
        "stats": {
            "status": plan.stats.status,
            "objective": plan.stats.objective,
            "first_solution_s": plan.stats.first_solution_s,
            "wall_s": plan.stats.wall_s,
            "solutions": plan.stats.solutions,
            "engine": plan.stats.engine,
            "audit_findings": plan.stats.audit_findings,
        },
    }


def plan_from_document(problem: Problem, data: JsonInput) -> Plan:
    """Read a plan document written for ``problem``.

    Only the document's shape is checked; whether the plan is feasible (its
    times, waits, skills, ...) is for :func:`optimizer.check.check_plan`.
    Output-only fields are ignored: the API's ``violations``, ``warnings``
    and ``analysis``, the route totals (:data:`DERIVED_ROUTE_FIELDS`) and any
    field the reader does not know, so every plan this package or the API
    writes is read back as it is. ``kpis`` and ``stats`` are kept when given
    (``stats`` defaults to an ``evaluated`` plan's).

    Parameters
    ----------
    problem
        The problem the plan is for; its ``epoch`` (default
        :data:`DEFAULT_EPOCH`) turns datetimes into seconds.
    data
        The plan document, parsed or as JSON text.

    Returns
    -------
    Plan
        Equal to ``p`` when ``data`` is ``plan_to_document(problem, p)``.

    Raises
    ------
    InputError
        Listing every issue found in the document.
    """
    doc = read_document(PlanDoc, data, PLAN)
    secs = _Seconds(problem.clock)
    stop_issues = _stop_kind_issues(doc)
    if stop_issues:
        raise InputError(stop_issues)
    routes = tuple(
        Route(
            technician_id=r.technician_id,
            shift_index=r.shift_index,
            start_s=secs(r.start),
            end_s=secs(r.end),
            stops=tuple(
                Stop(
                    work_order_id=s.work_order_id or "",
                    arrival_s=secs(s.arrival),
                    start_s=secs(s.start),
                    end_s=secs(s.end),
                    wait_s=s.wait_s,
                    travel_s=s.travel_s,
                    distance_m=s.distance_m,
                    sla_status=s.sla_status,
                    crew=tuple(s.crew or ()),
                )
                for s in r.stops
                if s.kind == "work_order"
            ),
            breaks=tuple(PlacedBreak(secs(b.start), secs(b.end)) for b in r.breaks),
            end_travel_s=r.end_travel_s,
            end_distance_m=r.end_distance_m,
            depot_stops=_depot_stops(r.stops, secs),
        )
        for r in doc.routes
    )
    stats = doc.stats or SolveStatsDoc(status="evaluated", objective=0.0, wall_s=0.0, engine="none")
    return Plan(
        routes=routes,
        unassigned=tuple(
            Unassigned(
                u.work_order_id,
                u.reason,
                u.detail,
                None if u.fixes is None else tuple(_fix(f) for f in u.fixes),
            )
            for u in doc.unassigned
        ),
        stats=SolveStats(
            status=stats.status,
            objective=stats.objective,
            first_solution_s=stats.first_solution_s,
            wall_s=stats.wall_s,
            solutions=stats.solutions,
            engine=stats.engine,
            audit_findings=stats.audit_findings,
        ),
        kpis=dict(doc.kpis),
    )


def problem_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the problem document."""
    return _schema(ProblemDoc, "Dispatch problem")


def plan_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the plan document."""
    return _schema(PlanDoc, "Dispatch plan")


def schema_files() -> dict[Path, str]:
    """Return the committed schema paths and the text each one should hold."""
    return {
        SCHEMA_DIR / "problem.schema.json": _json_text(problem_json_schema()),
        SCHEMA_DIR / "plan.schema.json": _json_text(plan_json_schema()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write (``--write``) or check (``--check``) the committed JSON Schemas.

    Returns
    -------
    int
        0 on success; 1 when ``--check`` finds a stale or missing file.
    """
    parser = argparse.ArgumentParser(
        prog="python -m optimizer.document",
        description="Write or check the JSON Schemas of the problem and plan documents.",
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write optimizer/schemas/*.json")
    mode.add_argument("--check", action="store_true", help="fail if they are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in schema_files().items():
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path}\n")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            sys.stdout.write(f"stale {path}: run python -m optimizer.document --write\n")
    return 1 if stale else 0


# --- document -> domain ------------------------------------------------------------


class _Seconds:
    """Datetime to whole seconds from the epoch."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, when: datetime) -> int:
        return self.clock.seconds(when)

    def opt(self, when: datetime | None) -> int | None:
        return None if when is None else self(when)


def _seconds(minutes: float) -> int:
    return round(minutes * 60)


def _epoch_of(doc: ProblemDoc) -> datetime | None:
    instants = [s.start for t in doc.technicians for s in t.shifts]
    if not instants:
        for o in doc.work_orders:
            instants += [w.start for w in o.windows] + [w.end for w in o.windows]
            instants += [d for d in (o.respond_by, o.resolve_by, o.not_before) if d]
    return min(instants, default=None)


def _location(doc: GeoPointDoc | PlanarPointDoc | MatrixRefDoc) -> Location:
    if isinstance(doc, GeoPointDoc):
        return GeoPoint(doc.lat, doc.lon)
    if isinstance(doc, PlanarPointDoc):
        return PlanarPoint(doc.x, doc.y)
    return MatrixRef(doc.matrix_index)


def _technician(doc: TechnicianDoc, secs: _Seconds) -> Technician:
    def opt_s(minutes: float | None) -> int | None:
        return None if minutes is None else _seconds(minutes)

    shifts = tuple(
        Shift(
            secs(s.start),
            secs(s.end),
            tuple(
                Break(
                    _seconds(b.duration_min), TimeWindow(secs(b.window_start), secs(b.window_end))
                )
                for b in s.breaks
            ),
            max_overtime_s=_seconds(s.max_overtime_min),
            overtime_per_minute=s.overtime_per_minute,
        )
        for s in doc.shifts
    )
    return Technician(
        id=doc.id,
        shifts=shifts,
        start=_location(doc.start),
        name=doc.name,
        skills=dict(doc.skills),
        end=None if doc.end is None else _location(doc.end),
        max_orders_per_shift=doc.max_orders_per_shift,
        max_work_s_per_shift=opt_s(doc.max_work_min_per_shift),
        max_travel_s_per_shift=opt_s(doc.max_travel_min_per_shift),
        van_stock=dict(doc.van_stock),
        cost_per_hour=doc.cost_per_hour,
        speed_factor=doc.speed_factor,
        speed_profile=_speed_profile(doc.speed_profile),
        tools=tuple(doc.tools),
        territories=tuple(doc.territories),
        is_territory_hard=doc.territory_hard,
    )


def _work_order(doc: WorkOrderDoc, secs: _Seconds) -> WorkOrder:
    return WorkOrder(
        id=doc.id,
        location=_location(doc.location),
        service_s=_seconds(doc.service_min),
        required_skills=dict(doc.required_skills),
        priority=Priority[doc.priority],
        tier=Tier(doc.tier),
        windows=tuple(TimeWindow(secs(w.start), secs(w.end)) for w in doc.windows),
        respond_by_s=secs.opt(doc.respond_by),
        resolve_by_s=secs.opt(doc.resolve_by),
        is_sla_hard=doc.sla_hard,
        parts=dict(doc.parts),
        pinned_technician_id=doc.pinned_technician_id,
        preferred_technician_ids=tuple(doc.preferred_technician_ids),
        excluded_technician_ids=tuple(doc.excluded_technician_ids),
        not_before_s=secs.opt(doc.not_before),
        dispatched_technician_id=doc.dispatched_technician_id,
        crew=_crew(doc),
        dependencies=tuple(
            Dependency(
                after=d.after,
                min_delay_s=_seconds(d.min_delay_min),
                max_delay_s=None if d.max_delay_min is None else _seconds(d.max_delay_min),
                same_technician=d.same_technician,
                same_day=d.same_day,
            )
            for d in doc.dependencies
        ),
        territory=doc.territory,
        required_tools=tuple(doc.required_tools),
    )


def _crew_issues(doc: ProblemDoc) -> list[InputIssue]:
    """A member list must have one requirement per member of the crew."""
    issues = []
    for i, order in enumerate(doc.work_orders):
        members = order.crew_member_skills
        if members is None:
            continue
        size = order.crew_size
        if size is None or len(members) != size:
            given = "no crew_size" if size is None else f"crew_size {size}"
            issues.append(
                InputIssue(
                    f"work_orders[{i}].crew_member_skills",
                    f"Work order {order.id} lists {len(members)} crew member requirements "
                    f"but has {given}; give one requirement per member.",
                )
            )
    return issues


def _crew(doc: WorkOrderDoc) -> Crew | None:
    """The crew of an order document (a member list of the wrong length is an issue)."""
    size, members = doc.crew_size, doc.crew_member_skills
    if size is None:
        return None
    if members is None or len(members) != size:
        members = [{} for _ in range(size)]
    return Crew(
        member_skills=tuple(dict(m) for m in members),
        sync_tolerance_s=_seconds(doc.crew_sync_tolerance_min),
    )


def _depot(doc: DepotDoc, secs: _Seconds) -> Depot:
    return Depot(
        id=doc.id,
        location=_location(doc.location),
        opening=tuple(TimeWindow(secs(w.start), secs(w.end)) for w in doc.opening),
        stop_s=_seconds(doc.stop_min),
        stock=dict(doc.stock),
        is_stock_unlimited=doc.stock_unlimited,
        tools=tuple(doc.tools),
    )


def _to_problem(doc: ProblemDoc) -> tuple[Problem, list[InputIssue]]:
    epoch = _epoch_of(doc)
    secs = _Seconds(Clock(epoch))
    travel, issues = travel_from_doc(doc.travel)
    issues += _crew_issues(doc)
    weights = None
    if (w := doc.weights) is not None:
        weights = Weights(
            travel_per_hour=w.travel_per_hour,
            unassigned_by_priority=_by_priority(w.unassigned_by_priority),
            late_per_minute_by_priority=_by_priority(w.late_per_minute_by_priority),
            vip_multiplier=w.vip_multiplier,
            non_preferred_technician=w.non_preferred_technician,
            reassignment=w.reassignment,
            workload_balance_per_hour=w.workload_balance_per_hour,
            labor_cost=w.labor_cost,
            lateness_cap_share=w.lateness_cap_share,
            overtime_per_minute=w.overtime_per_minute,
            outside_territory=w.outside_territory,
            working_time_per_hour=w.working_time_per_hour,
        )
    problem = Problem(
        technicians=tuple(_technician(t, secs) for t in doc.technicians),
        work_orders=tuple(_work_order(o, secs) for o in doc.work_orders),
        travel=travel,
        weights=weights,
        sla_yellow_threshold_s=_seconds(doc.sla_yellow_threshold_min),
        epoch=epoch,
        timezone=doc.timezone,
        speed_profile=_speed_profile(doc.travel.speed_profile),
        depots=tuple(_depot(d, secs) for d in doc.depots),
    )
    return problem, issues


def _clock_s(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _speed_profile(doc: SpeedProfileDoc | None) -> SpeedProfile | None:
    if doc is None:
        return None
    return SpeedProfile(
        tuple(SpeedBand(_clock_s(b.start), _clock_s(b.end), b.factor) for b in doc.bands)
    )


def _speed_profile_to_doc(profile: SpeedProfile) -> dict[str, Any]:
    def hhmm(seconds: int) -> str:
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    return {
        "bands": [
            {"start": hhmm(b.start_s), "end": hhmm(b.end_s), "factor": b.factor}
            for b in profile.bands
        ]
    }


def _by_priority(doc: BaseModel) -> dict[int, float]:
    return {p.value: getattr(doc, p.name) for p in Priority}


# --- domain -> document ------------------------------------------------------------


class _Iso:
    """Whole seconds from the epoch to an ISO-8601 datetime in the problem's local time."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self, t_s: int) -> str:
        return self.clock.iso(t_s)

    def opt(self, t_s: int | None) -> str | None:
        return None if t_s is None else self(t_s)


def _minutes(duration_s: int) -> int | float:
    return duration_s // 60 if duration_s % 60 == 0 else duration_s / 60


def _location_to_doc(loc: Location) -> dict[str, Any]:
    if isinstance(loc, GeoPoint):
        return {"lat": loc.lat, "lon": loc.lon}
    if isinstance(loc, PlanarPoint):
        return {"x": loc.x_m, "y": loc.y_m}
    return {"matrix_index": loc.index}


def _weights_to_doc(w: Weights) -> dict[str, Any]:
    return {
        "travel_per_hour": w.travel_per_hour,
        "unassigned_by_priority": {f"P{p}": v for p, v in sorted(w.unassigned_by_priority.items())},
        "late_per_minute_by_priority": {
            f"P{p}": v for p, v in sorted(w.late_per_minute_by_priority.items())
        },
        "vip_multiplier": w.vip_multiplier,
        "non_preferred_technician": w.non_preferred_technician,
        "reassignment": w.reassignment,
        "workload_balance_per_hour": w.workload_balance_per_hour,
        "labor_cost": w.labor_cost,
        "lateness_cap_share": w.lateness_cap_share,
        "overtime_per_minute": w.overtime_per_minute,
        "outside_territory": w.outside_territory,
        "working_time_per_hour": w.working_time_per_hour,
    }


def _technician_to_doc(t: Technician, iso: _Iso) -> dict[str, Any]:
    def opt_min(duration_s: int | None) -> int | float | None:
        return None if duration_s is None else _minutes(duration_s)

    return {
        "id": t.id,
        "name": t.name,
        "skills": dict(t.skills),
        "shifts": [_shift_to_doc(s, iso) for s in t.shifts],
        "start": _location_to_doc(t.start),
        "end": None if t.end is None else _location_to_doc(t.end),
        "max_orders_per_shift": t.max_orders_per_shift,
        "max_work_min_per_shift": opt_min(t.max_work_s_per_shift),
        "max_travel_min_per_shift": opt_min(t.max_travel_s_per_shift),
        "van_stock": dict(t.van_stock),
        "cost_per_hour": t.cost_per_hour,
        "speed_factor": t.speed_factor,
        **({"tools": list(t.tools)} if t.tools else {}),
        **({"territories": list(t.territories)} if t.territories else {}),
        **(
            {"speed_profile": _speed_profile_to_doc(t.speed_profile)}
            if t.speed_profile is not None
            else {}
        ),
        **({"territory_hard": True} if t.is_territory_hard else {}),
    }


def _shift_to_doc(s: Shift, iso: _Iso) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "start": iso(s.start_s),
        "end": iso(s.end_s),
        "breaks": [
            {
                "duration_min": _minutes(b.duration_s),
                "window_start": iso(b.window.start_s),
                "window_end": iso(b.window.end_s),
            }
            for b in s.breaks
        ],
    }
    if s.max_overtime_s:
        doc["max_overtime_min"] = _minutes(s.max_overtime_s)
    if s.overtime_per_minute is not None:
        doc["overtime_per_minute"] = s.overtime_per_minute
    return doc


def _order_to_doc(o: WorkOrder, iso: _Iso) -> dict[str, Any]:
    return {
        "id": o.id,
        "location": _location_to_doc(o.location),
        "service_min": _minutes(o.service_s),
        "required_skills": dict(o.required_skills),
        "priority": Priority(o.priority).name,
        "tier": Tier(o.tier).value,
        "windows": [{"start": iso(w.start_s), "end": iso(w.end_s)} for w in o.windows],
        "respond_by": iso.opt(o.respond_by_s),
        "resolve_by": iso.opt(o.resolve_by_s),
        "sla_hard": o.is_sla_hard,
        "parts": dict(o.parts),
        "pinned_technician_id": o.pinned_technician_id,
        "preferred_technician_ids": list(o.preferred_technician_ids),
        "excluded_technician_ids": list(o.excluded_technician_ids),
        "not_before": iso.opt(o.not_before_s),
        "dispatched_technician_id": o.dispatched_technician_id,
        **_links_to_doc(o),
        **({"territory": o.territory} if o.territory is not None else {}),
        **({"required_tools": list(o.required_tools)} if o.required_tools else {}),
    }


def _depot_to_doc(d: Depot, iso: _Iso) -> dict[str, Any]:
    return {
        "id": d.id,
        "location": _location_to_doc(d.location),
        "opening": [{"start": iso(w.start_s), "end": iso(w.end_s)} for w in d.opening],
        "stop_min": _minutes(d.stop_s),
        "stock": dict(d.stock),
        "stock_unlimited": d.is_stock_unlimited,
        "tools": list(d.tools),
    }


def _links_to_doc(o: WorkOrder) -> dict[str, Any]:
    """The crew and dependency fields, only when set (older documents stay as they were)."""
    doc: dict[str, Any] = {}
    if o.crew is not None:
        doc["crew_size"] = o.crew.size
        if any(o.crew.member_skills):
            doc["crew_member_skills"] = [dict(m) for m in o.crew.member_skills]
        doc["crew_sync_tolerance_min"] = _minutes(o.crew.sync_tolerance_s)
    if o.dependencies:
        doc["dependencies"] = [
            {
                "after": d.after,
                "min_delay_min": _minutes(d.min_delay_s),
                "max_delay_min": None if d.max_delay_s is None else _minutes(d.max_delay_s),
                "same_technician": d.same_technician,
                "same_day": d.same_day,
            }
            for d in o.dependencies
        ]
    return doc


def _unassigned_to_doc(u: Unassigned) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "work_order_id": u.work_order_id,
        "reason": u.reason.value,
        "detail": u.detail,
    }
    if u.fixes is not None:
        doc["fixes"] = [_fix_to_doc(f) for f in u.fixes]
    return doc


def _fix_to_doc(f: Fix) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": f.kind.value,
        "detail": f.detail,
        "cost_delta": f.cost_delta,
        "verified": f.verified,
        "change": {
            k: dict(v) if isinstance(v, Mapping) else v
            for k in _CHANGE_FIELDS
            if (v := getattr(f.change, k)) is not None and v != {}
        },
    }
    if f.also is not None:
        doc["also"] = _fix_to_doc(f.also)
    return doc


_CHANGE_FIELDS = (
    "technician_id",
    "shift_index",
    "work_order_id",
    "window_index",
    "side",
    "minutes",
    "skills",
    "parts",
    "depot_id",
    "territory",
)


def _fix(doc: FixDoc) -> Fix:
    c = doc.change
    change = FixChange(
        technician_id=c.technician_id,
        shift_index=c.shift_index,
        work_order_id=c.work_order_id,
        window_index=c.window_index,
        side=c.side,
        minutes=c.minutes,
        skills=dict(c.skills),
        parts=dict(c.parts),
        depot_id=c.depot_id,
        territory=c.territory,
    )
    also = None if doc.also is None else _fix(doc.also)
    return Fix(doc.kind, doc.detail, doc.cost_delta, doc.verified, change, also)


def _shift_of(problem: Problem, route: Route) -> Shift | None:
    """The shift ``route`` works in, or ``None`` when the plan names no such shift."""
    tech = next((t for t in problem.technicians if t.id == route.technician_id), None)
    if tech is None or not 0 <= route.shift_index < len(tech.shifts):
        return None
    return tech.shifts[route.shift_index]


def _route_to_doc(r: Route, iso: _Iso, shift: Shift | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "technician_id": r.technician_id,
        "shift_index": r.shift_index,
        "start": iso(r.start_s),
        "end": iso(r.end_s),
        "stops": [_stop_to_doc(s, iso) for s in r.visits()],
        "breaks": [{"start": iso(b.start_s), "end": iso(b.end_s)} for b in r.breaks],
        "end_travel_s": r.end_travel_s,
        "end_distance_m": r.end_distance_m,
        "travel_s": r.travel_s,
        "distance_m": r.distance_m,
        "work_s": r.work_s,
        "service_s": r.service_s,
        "wait_s": r.wait_s,
        "break_s": r.break_s,
        **({"depot_s": r.depot_s} if r.depot_stops else {}),
    }
    if shift is not None:
        doc["shift_end"] = iso(shift.end_s)
        doc["overtime_s"] = shift.overtime_s(r.end_s)
    return doc


def _stop_to_doc(s: Stop | DepotStop, iso: _Iso) -> dict[str, Any]:
    if isinstance(s, DepotStop):
        return {
            "kind": "depot",
            "depot_id": s.depot_id,
            "arrival": iso(s.arrival_s),
            "start": iso(s.start_s),
            "end": iso(s.end_s),
            "wait_s": s.wait_s,
            "travel_s": s.travel_s,
            "distance_m": s.distance_m,
            "loaded": {"parts": dict(s.loaded_parts), "tools": list(s.loaded_tools)},
        }
    return {
        "work_order_id": s.work_order_id,
        "arrival": iso(s.arrival_s),
        "start": iso(s.start_s),
        "end": iso(s.end_s),
        "wait_s": s.wait_s,
        "travel_s": s.travel_s,
        "distance_m": s.distance_m,
        "sla_status": s.sla_status.value,
        **({"crew": list(s.crew)} if s.crew else {}),
    }


def _stop_kind_issues(doc: PlanDoc) -> list[InputIssue]:
    """A work-order stop names its order; a depot stop its depot."""
    issues = []
    for i, r in enumerate(doc.routes):
        for j, s in enumerate(r.stops):
            path = f"routes[{i}].stops[{j}]"
            if s.kind == "work_order" and s.work_order_id is None:
                issues.append(
                    InputIssue(f"{path}.work_order_id", "A work-order stop needs a work_order_id.")
                )
            if s.kind == "depot" and s.depot_id is None:
                issues.append(InputIssue(f"{path}.depot_id", "A depot stop needs a depot_id."))
    return issues


def _depot_stops(stops: Sequence[StopDoc], secs: _Seconds) -> tuple[DepotStop, ...]:
    """The depot stops of a route document, each after the work-order stops before it."""
    out = []
    orders = 0
    for s in stops:
        if s.kind == "work_order":
            orders += 1
            continue
        loaded = s.loaded
        out.append(
            DepotStop(
                depot_id=s.depot_id or "",
                after=orders,
                arrival_s=secs(s.arrival),
                start_s=secs(s.start),
                end_s=secs(s.end),
                wait_s=s.wait_s,
                travel_s=s.travel_s,
                distance_m=s.distance_m,
                loaded_parts=dict(loaded.parts) if loaded else {},
                loaded_tools=tuple(loaded.tools) if loaded else (),
            )
        )
    return tuple(out)


# --- JSON Schema ---------------------------------------------------------------------


def _schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    schema["title"] = title
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
