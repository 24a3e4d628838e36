"""Semantic checks on a :class:`~optimizer.problem.Problem`: the rules that span fields.

Shape and single-field ranges (a negative duration, a latitude of 91) are
checked where documents are read, by :mod:`optimizer.document.models`; the
travel models check their own parameters and matrices when built. This
module holds the rules that relate several fields or objects, and runs on
domain objects, so that problems built in Python get the same checks as
problems read from JSON: :func:`optimizer.solve` calls :func:`ensure_valid`.

Field paths use the names and indices of the problem document, for example
``work_orders[3].windows[0]``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

import networkx as nx

from optimizer.domain import (
    GeoPoint,
    Location,
    MatrixRef,
    PlanarPoint,
    Shift,
    SpeedProfile,
    Technician,
    WorkOrder,
)
from optimizer.errors import InputError, InputIssue, UnknownSkillWarning, UnknownToolWarning
from optimizer.link_rules import link_issues
from optimizer.problem import Problem
from optimizer.scaling import scaling_issues
from optimizer.travel import GeodesicTravel, MatrixTravel, PlanarTravel, RoadGraphTravel


def validate_problem(problem: Problem) -> list[InputIssue]:
    """Return every cross-field problem found in ``problem``, in document order.

    Parameters
    ----------
    problem
        The problem to check. A problem without technicians or work orders
        is valid.

    Returns
    -------
    list of InputIssue
        Empty when the problem is valid. Checked: duplicate ids; shifts
        that do not end after they start; break windows that are reversed,
        shorter than their break or outside their shift; reversed
        appointment windows; SLA deadlines before ``not_before``; pinned,
        preferred or excluded technicians that do not exist; a pinned
        technician who is also excluded; crews and dependencies
        (:mod:`optimizer.link_rules`: unknown ids, cycles, a crew larger than
        its qualified technicians, a pin contradicting a same-technician
        link); locations of a kind the travel
        model cannot handle, and matrix indices outside the matrix; speed
        bands that are reversed or overlap; hard territories without a
        territory; weights
        whose scaled costs could overflow the search models' 64-bit integers
        (:func:`optimizer.scaling.scaling_issues`).
    """
    fmt = _TimeFormat(problem)
    issues: list[InputIssue] = []
    issues += _duplicate_ids("technicians", "technician", problem.technicians)
    issues += _duplicate_ids("work_orders", "work order", problem.work_orders)
    if problem.speed_profile is not None:
        issues += _check_speed_profile(
            "travel.speed_profile", problem.speed_profile, "the travel model"
        )
    for i, tech in enumerate(problem.technicians):
        for j, shift in enumerate(tech.shifts):
            issues += _check_shift(f"technicians[{i}].shifts[{j}]", tech, j, shift, fmt)
        if tech.speed_profile is not None:
            issues += _check_speed_profile(
                f"technicians[{i}].speed_profile", tech.speed_profile, f"technician {tech.id}"
            )
        if tech.is_territory_hard and not tech.territories:
            issues.append(
                InputIssue(
                    f"technicians[{i}].territory_hard",
                    f"Technician {tech.id} has hard territories but lists none in territories.",
                )
            )
    known = {t.id for t in problem.technicians}
    for i, order in enumerate(problem.work_orders):
        issues += _check_order_times(f"work_orders[{i}]", order, fmt)
        issues += _check_order_technicians(f"work_orders[{i}]", order, known)
    issues += _check_depots(problem, fmt)
    issues += _check_locations(problem)
    issues += link_issues(problem)
    if not issues:  # the bound reads travel and times: only once they are sound
        issues += scaling_issues(problem)
    return issues


def ensure_valid(problem: Problem) -> None:
    """Raise if :func:`validate_problem` finds anything.

    Parameters
    ----------
    problem
        The problem to check.

    Raises
    ------
    InputError
        Holding every issue found; ``field``/``message`` are the first one's.
    """
    issues = validate_problem(problem)
    if issues:
        raise InputError(issues)


def find_warnings(problem: Problem) -> list[UnknownSkillWarning]:
    """Legal but suspicious input: today, required skills that no technician has.

    Such an order can never be served (``no_qualified_technician``); when the
    name is close to a skill some technician has, it is likely a typo, and
    the warning suggests it (``hvack``: did you mean ``hvac``?).

    Parameters
    ----------
    problem
        A problem that :func:`validate_problem` accepts.

    Returns
    -------
    list of UnknownSkillWarning
        One per work order and unknown skill, in document order; each has
        the ``field`` (``work_orders[3].required_skills.hvack``) and a
        one-sentence ``message``.
    """
    skills = problem_skills(problem)
    known = sorted(skills)
    found = []
    for i, order in enumerate(problem.work_orders):
        for skill in order.required_skills:
            if skill in skills:
                continue
            close = difflib.get_close_matches(skill, known, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]}?" if close else ""
            found.append(
                UnknownSkillWarning(
                    f"work_orders[{i}].required_skills.{skill}",
                    f"Work order {order.id} requires skill {skill}, which no technician has: "
                    f"it cannot be served.{hint}",
                )
            )
    found += _unknown_tools(problem)
    return found


def _unknown_tools(problem: Problem) -> list[UnknownSkillWarning]:
    """Required tools that no technician carries and no depot has (likely typos)."""
    tools = {t for tech in problem.technicians for t in tech.tools}
    tools |= {t for depot in problem.depots for t in depot.tools}
    known = sorted(tools)
    found: list[UnknownSkillWarning] = []
    for i, order in enumerate(problem.work_orders):
        for j, tool in enumerate(order.required_tools):
            if tool in tools:
                continue
            close = difflib.get_close_matches(tool, known, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]}?" if close else ""
            found.append(
                UnknownToolWarning(
                    f"work_orders[{i}].required_tools[{j}]",
                    f"Work order {order.id} requires tool {tool}, which no technician carries "
                    f"and no depot has: it cannot be served.{hint}",
                )
            )
    return found


def _check_depots(problem: Problem, fmt: _TimeFormat) -> Iterator[InputIssue]:
    """Depot ids unique; opening intervals not reversed and long enough for one visit."""
    seen: set[str] = set()
    for i, depot in enumerate(problem.depots):
        if depot.id in seen:
            yield InputIssue(f"depots[{i}].id", f"Duplicate depot id: {depot.id}.")
        seen.add(depot.id)
        for j, win in enumerate(depot.opening):
            if win.end_s < win.start_s:
                yield InputIssue(
                    f"depots[{i}].opening[{j}]",
                    f"Invalid opening interval for depot {depot.id}: start {fmt(win.start_s)} "
                    f"is after end {fmt(win.end_s)}.",
                )
            elif win.end_s - win.start_s < depot.stop_s:
                yield InputIssue(
                    f"depots[{i}].opening[{j}]",
                    f"Opening interval {j} of depot {depot.id} lasts "
                    f"{_minutes(win.end_s - win.start_s)}, shorter than its stop of "
                    f"{_minutes(depot.stop_s)}.",
                )
        for tool in depot.tools:
            if not tool:
                yield InputIssue(f"depots[{i}].tools", f"Depot {depot.id} lists an empty tool id.")


def problem_skills(problem: Problem) -> frozenset[str]:
    """Every skill name some technician of ``problem`` has."""
    return frozenset(skill for tech in problem.technicians for skill in tech.skills)


class _TimeFormat:
    """Prints a time in seconds as an ISO datetime when the problem has an epoch."""

    def __init__(self, problem: Problem) -> None:
        self.epoch = problem.epoch
        self.clock = problem.clock

    def __call__(self, t_s: int) -> str:
        if self.epoch is not None:
            try:
                return self.clock.iso(t_s)
            except OverflowError:
                pass  # beyond year 9999: print the seconds
        return f"{t_s} s"


def _minutes(duration_s: int) -> str:
    return f"{duration_s / 60:g} min"


def _duplicate_ids(
    key: str, label: str, items: Sequence[Technician | WorkOrder]
) -> Iterator[InputIssue]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            yield InputIssue(f"{key}[{i}].id", f"Duplicate {label} id: {item.id}.")
        seen.add(item.id)


def _check_speed_profile(path: str, profile: SpeedProfile, owner: str) -> Iterator[InputIssue]:
    """Each band ends after it starts; bands are in order and do not overlap."""

    def hhmm(seconds: int) -> str:
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    previous_end = 0
    for k, band in enumerate(profile.bands):
        where = f"{path}.bands[{k}]"
        if band.end_s <= band.start_s:
            yield InputIssue(
                where,
                f"Invalid speed band {k} of {owner}: end {hhmm(band.end_s)} is not after "
                f"start {hhmm(band.start_s)}.",
            )
        elif band.start_s < previous_end:
            yield InputIssue(
                where,
                f"Invalid speed band {k} of {owner}: it starts at {hhmm(band.start_s)}, before "
                f"the previous band ends ({hhmm(previous_end)}); bands are listed in order and "
                "do not overlap.",
            )
        previous_end = max(previous_end, band.end_s)


def _check_shift(
    path: str, tech: Technician, index: int, shift: Shift, fmt: _TimeFormat
) -> Iterator[InputIssue]:
    if shift.end_s <= shift.start_s:
        yield InputIssue(
            path,
            f"Invalid shift {index + 1} for technician {tech.id}: end {fmt(shift.end_s)} "
            f"is not after start {fmt(shift.start_s)}.",
        )
        return
    for k, brk in enumerate(shift.breaks):
        where = f"{path}.breaks[{k}]"
        win = brk.window
        if win.end_s < win.start_s:
            yield InputIssue(
                where,
                f"Invalid break window for technician {tech.id} in shift {index + 1}: "
                f"start {fmt(win.start_s)} is after end {fmt(win.end_s)}.",
            )
        elif brk.duration_s > win.end_s - win.start_s:
            yield InputIssue(
                where,
                f"Break of {_minutes(brk.duration_s)} for technician {tech.id} in shift "
                f"{index + 1} is longer than its window {fmt(win.start_s)} to {fmt(win.end_s)}.",
            )
        elif min(win.end_s, shift.end_s) - max(win.start_s, shift.start_s) < brk.duration_s:
            yield InputIssue(
                where,
                f"Break of {_minutes(brk.duration_s)} for technician {tech.id} does not fit "
                f"inside shift {index + 1} ({fmt(shift.start_s)} to {fmt(shift.end_s)}): "
                f"its window is {fmt(win.start_s)} to {fmt(win.end_s)}.",
            )


def _check_order_times(path: str, order: WorkOrder, fmt: _TimeFormat) -> Iterator[InputIssue]:
    for j, win in enumerate(order.windows):
        if win.end_s < win.start_s:
            yield InputIssue(
                f"{path}.windows[{j}]",
                f"Invalid time window for work order {order.id}: start {fmt(win.start_s)} "
                f"is after end {fmt(win.end_s)}.",
            )
    if order.not_before_s is None:
        return
    for name, deadline in (("respond_by", order.respond_by_s), ("resolve_by", order.resolve_by_s)):
        if deadline is not None and deadline < order.not_before_s:
            yield InputIssue(
                f"{path}.{name}",
                f"Work order {order.id}: {name} {fmt(deadline)} is before "
                f"not_before {fmt(order.not_before_s)}.",
            )


def _check_order_technicians(path: str, order: WorkOrder, known: set[str]) -> Iterator[InputIssue]:
    pinned = order.pinned_technician_id
    if pinned is not None:
        if pinned not in known:
            yield InputIssue(
                f"{path}.pinned_technician_id",
                f"Work order {order.id} is pinned to unknown technician {pinned}.",
            )
        elif pinned in order.excluded_technician_ids:
            yield InputIssue(
                f"{path}.pinned_technician_id",
                f"Work order {order.id} is pinned to technician {pinned}, "
                "who is also excluded from it.",
            )
    dispatched = order.dispatched_technician_id
    if dispatched is not None and dispatched not in known:
        yield InputIssue(
            f"{path}.dispatched_technician_id",
            f"Work order {order.id} is dispatched to unknown technician {dispatched}.",
        )
    for name, verb, ids in (
        ("preferred_technician_ids", "prefers", order.preferred_technician_ids),
        ("excluded_technician_ids", "excludes", order.excluded_technician_ids),
    ):
        for j, tech_id in enumerate(ids):
            if tech_id not in known:
                yield InputIssue(
                    f"{path}.{name}[{j}]",
                    f"Work order {order.id} {verb} unknown technician {tech_id}.",
                )


def _locations(problem: Problem) -> Iterator[tuple[str, str, Location]]:
    """Yield ``(field path, owner in words, location)`` for every location."""
    for i, tech in enumerate(problem.technicians):
        yield f"technicians[{i}].start", f"Technician {tech.id} has a start location", tech.start
        if tech.end is not None:
            yield f"technicians[{i}].end", f"Technician {tech.id} has an end location", tech.end
    for i, order in enumerate(problem.work_orders):
        yield f"work_orders[{i}].location", f"Work order {order.id} has a location", order.location
    for i, depot in enumerate(problem.depots):
        yield f"depots[{i}].location", f"Depot {depot.id} has a location", depot.location


_KIND_WORDS = {GeoPoint: "lat/lon", PlanarPoint: "x/y", MatrixRef: "matrix_index"}


def _accepted_kind(problem: Problem) -> tuple[type, str] | None:
    """The location class the travel model takes and the model in words, if known."""
    travel = problem.travel
    if isinstance(travel, GeodesicTravel):
        return GeoPoint, "geodesic travel model"
    if isinstance(travel, PlanarTravel):
        return PlanarPoint, "planar travel model"
    if isinstance(travel, MatrixTravel):
        return MatrixRef, "matrix travel model"
    if isinstance(travel, RoadGraphTravel):
        graph: nx.Graph = travel.graph
        is_geo = all("lat" in d and "lon" in d for d in graph.nodes.values())
        if is_geo:
            return GeoPoint, "road graph (its nodes have lat/lon)"
        return PlanarPoint, "road graph (its nodes have x/y)"
    return None  # a caller's own TravelModel: it checks locations itself


def _check_locations(problem: Problem) -> Iterator[InputIssue]:
    accepted = _accepted_kind(problem)
    if accepted is None:
        return
    kind, model = accepted
    size = len(problem.travel.durations_s) if kind is MatrixRef else 0  # type: ignore[attr-defined]
    for path, owner, loc in _locations(problem):
        if not isinstance(loc, kind):
            yield InputIssue(
                path,
                f"{owner} given as {_KIND_WORDS.get(type(loc), type(loc).__name__)}, "
                f"but the {model} needs {_KIND_WORDS[kind]} locations.",
            )
        elif isinstance(loc, MatrixRef) and not 0 <= loc.index < size:
            yield InputIssue(
                f"{path}.matrix_index",
                f"{owner} at matrix_index {loc.index}, outside the {size}x{size} travel matrix.",
            )
