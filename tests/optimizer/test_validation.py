"""Tests of the cross-field rules in optimizer.validation, on domain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest

from optimizer.domain import (
    Break,
    GeoPoint,
    Location,
    MatrixRef,
    PlanarPoint,
    Shift,
    Technician,
    TimeWindow,
    WorkOrder,
)
from optimizer.errors import InputError, InputIssue
from optimizer.problem import Problem
from optimizer.travel import (
    GeodesicTravel,
    MatrixTravel,
    PlanarTravel,
    RoadGraphTravel,
    TravelMatrices,
    TravelModel,
)
from optimizer.validation import ensure_valid, find_warnings, validate_problem

H = 3600
EPOCH = datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=1)))  # 08:00+01:00 is 0


def _tech(tech_id: str = "T1", **kw: object) -> Technician:
    """A technician working 08:00-17:00 (0 to 9 h) from the origin of the plane."""
    kw.setdefault("shifts", (Shift(0, 9 * H),))
    kw.setdefault("start", PlanarPoint(0, 0))
    return Technician(id=tech_id, **kw)  # type: ignore[arg-type]


def _order(order_id: str = "W1", **kw: object) -> WorkOrder:
    """A one-hour work order 1 km east of the origin."""
    kw.setdefault("location", PlanarPoint(1000, 0))
    kw.setdefault("service_s", H)
    return WorkOrder(id=order_id, **kw)  # type: ignore[arg-type]


def _problem(
    techs: Sequence[Technician] = (),
    orders: Sequence[WorkOrder] = (),
    travel: TravelModel | None = None,
    epoch: datetime | None = EPOCH,
) -> Problem:
    """A planar problem whose time 0 is 2026-11-23T08:00:00+01:00."""
    return Problem(tuple(techs), tuple(orders), travel or PlanarTravel(), epoch=epoch)


def _issues(problem: Problem) -> list[tuple[str, str]]:
    """The issues of ``problem`` as (field, message) pairs."""
    return [(i.field, i.message) for i in validate_problem(problem)]


# --- valid problems ---------------------------------------------------------------------


def test_valid_problem_has_no_issues():
    """A well-formed problem gives an empty list and ensure_valid returns quietly."""
    problem = _problem([_tech("T1"), _tech("T2")], [_order("W1"), _order("W2")])
    assert validate_problem(problem) == []
    ensure_valid(problem)


def test_empty_problem_is_valid():
    """A problem with no technicians and no work orders is valid (everything unassigned)."""
    assert validate_problem(_problem()) == []


def test_technician_and_work_order_may_share_an_id():
    """A technician id equal to a work-order id is not a duplicate."""
    assert _issues(_problem([_tech("X-1")], [_order("X-1")])) == []


def test_point_window_is_valid():
    """A window whose start equals its end is a valid appointment instant."""
    order = _order(windows=(TimeWindow(H, H),))
    assert _issues(_problem([_tech()], [order])) == []


def test_finish_by_before_arrive_by_is_not_flagged():
    """resolve_by before respond_by is suspicious but legal, so it is not reported."""
    order = _order(respond_by_s=4 * H, resolve_by_s=3 * H)
    assert _issues(_problem([_tech()], [order])) == []


def test_deadline_equal_to_not_before_is_valid():
    """A respond_by exactly at not_before can still be met."""
    order = _order(not_before_s=2 * H, respond_by_s=2 * H)
    assert _issues(_problem([_tech()], [order])) == []


# --- duplicate ids ------------------------------------------------------------------------


def test_duplicate_technician_id():
    """A repeated technician id is reported on the second occurrence."""
    problem = _problem([_tech("T1"), _tech("T2"), _tech("T1")])
    assert _issues(problem) == [("technicians[2].id", "Duplicate technician id: T1.")]


def test_duplicate_work_order_id():
    """A repeated work-order id is reported on the second occurrence."""
    problem = _problem([_tech()], [_order("WO-17"), _order("WO-17")])
    assert _issues(problem) == [("work_orders[1].id", "Duplicate work order id: WO-17.")]


# --- time windows, shifts and breaks ----------------------------------------------------


def test_window_end_before_start():
    """A reversed window is reported with both ends as ISO datetimes."""
    order = _order("WO-17", windows=(TimeWindow(0, 2 * H), TimeWindow(8 * H, 4 * H)))
    assert _issues(_problem([_tech()], [order])) == [
        (
            "work_orders[0].windows[1]",
            "Invalid time window for work order WO-17: start 2026-11-23T16:00:00+01:00 "
            "is after end 2026-11-23T12:00:00+01:00.",
        )
    ]


def test_window_end_before_start_without_epoch_prints_seconds():
    """Without an epoch, times in messages are printed as seconds."""
    order = _order("WO-17", windows=(TimeWindow(8 * H, 4 * H),))
    assert _issues(_problem([_tech()], [order], epoch=None)) == [
        (
            "work_orders[0].windows[0]",
            "Invalid time window for work order WO-17: start 28800 s is after end 14400 s.",
        )
    ]


def test_shift_ending_before_start():
    """A shift whose end comes before its start is reported."""
    tech = _tech("T-1", shifts=(Shift(0, 9 * H), Shift(9 * H, 2 * H)))
    assert _issues(_problem([tech])) == [
        (
            "technicians[0].shifts[1]",
            "Invalid shift 2 for technician T-1: end 2026-11-23T10:00:00+01:00 "
            "is not after start 2026-11-23T17:00:00+01:00.",
        )
    ]


def test_shift_ending_at_its_start():
    """An empty shift (end equal to start) is reported."""
    tech = _tech("T-1", shifts=(Shift(H, H),))
    assert _issues(_problem([tech])) == [
        (
            "technicians[0].shifts[0]",
            "Invalid shift 1 for technician T-1: end 2026-11-23T09:00:00+01:00 "
            "is not after start 2026-11-23T09:00:00+01:00.",
        )
    ]


def _with_break(brk: Break) -> Technician:
    """A 08:00-17:00 technician with one break."""
    return _tech("T-1", shifts=(Shift(0, 9 * H, (brk,)),))


def test_break_window_end_before_start():
    """A reversed break window is reported."""
    tech = _with_break(Break(1800, TimeWindow(6 * H, 3 * H)))
    assert _issues(_problem([tech])) == [
        (
            "technicians[0].shifts[0].breaks[0]",
            "Invalid break window for technician T-1 in shift 1: "
            "start 2026-11-23T14:00:00+01:00 is after end 2026-11-23T11:00:00+01:00.",
        )
    ]


def test_break_longer_than_its_window():
    """A 45-minute break in a 30-minute window is reported."""
    tech = _with_break(Break(2700, TimeWindow(4 * H, 4 * H + 1800)))
    assert _issues(_problem([tech])) == [
        (
            "technicians[0].shifts[0].breaks[0]",
            "Break of 45 min for technician T-1 in shift 1 is longer than its window "
            "2026-11-23T12:00:00+01:00 to 2026-11-23T12:30:00+01:00.",
        )
    ]


def test_break_window_outside_its_shift():
    """A break window after the end of its shift is reported."""
    tech = _with_break(Break(1800, TimeWindow(10 * H, 11 * H)))
    assert _issues(_problem([tech])) == [
        (
            "technicians[0].shifts[0].breaks[0]",
            "Break of 30 min for technician T-1 does not fit inside shift 1 "
            "(2026-11-23T08:00:00+01:00 to 2026-11-23T17:00:00+01:00): its window is "
            "2026-11-23T18:00:00+01:00 to 2026-11-23T19:00:00+01:00.",
        )
    ]


def test_break_window_overlapping_shift_end_too_little():
    """A window overlapping the shift by less than the break's length is reported."""
    tech = _with_break(Break(1800, TimeWindow(9 * H - 600, 10 * H)))
    [(field, message)] = _issues(_problem([tech]))
    assert field == "technicians[0].shifts[0].breaks[0]"
    assert message.startswith("Break of 30 min for technician T-1 does not fit inside shift 1")


def test_break_window_partly_outside_shift_but_fitting_is_valid():
    """A window that sticks out of the shift but leaves room for the break is fine."""
    tech = _with_break(Break(1800, TimeWindow(8 * H, 10 * H)))
    assert _issues(_problem([tech])) == []


# --- SLA deadlines ---------------------------------------------------------------------


def test_respond_by_before_not_before():
    """A respond_by deadline before the earliest start is reported."""
    order = _order("WO-3", not_before_s=4 * H, respond_by_s=2 * H)
    assert _issues(_problem([_tech()], [order])) == [
        (
            "work_orders[0].respond_by",
            "Work order WO-3: respond_by 2026-11-23T10:00:00+01:00 is before "
            "not_before 2026-11-23T12:00:00+01:00.",
        )
    ]


def test_resolve_by_before_not_before():
    """A resolve_by deadline before the earliest start is reported."""
    order = _order("WO-3", not_before_s=4 * H, resolve_by_s=3 * H)
    assert _issues(_problem([_tech()], [order])) == [
        (
            "work_orders[0].resolve_by",
            "Work order WO-3: resolve_by 2026-11-23T11:00:00+01:00 is before "
            "not_before 2026-11-23T12:00:00+01:00.",
        )
    ]


# --- technician references ------------------------------------------------------------


def test_unknown_pinned_technician():
    """A pin to a technician that does not exist is reported."""
    order = _order("WO-3", pinned_technician_id="T-99")
    assert _issues(_problem([_tech("T-1")], [order])) == [
        (
            "work_orders[0].pinned_technician_id",
            "Work order WO-3 is pinned to unknown technician T-99.",
        )
    ]


def test_pinned_technician_also_excluded():
    """Pinning an order to a technician it also excludes is reported."""
    order = _order("WO-3", pinned_technician_id="T-1", excluded_technician_ids=("T-1",))
    assert _issues(_problem([_tech("T-1")], [order])) == [
        (
            "work_orders[0].pinned_technician_id",
            "Work order WO-3 is pinned to technician T-1, who is also excluded from it.",
        )
    ]


def test_unknown_preferred_technician():
    """A preference for a technician that does not exist is reported at its index."""
    order = _order("WO-3", preferred_technician_ids=("T-1", "T-42"))
    assert _issues(_problem([_tech("T-1")], [order])) == [
        (
            "work_orders[0].preferred_technician_ids[1]",
            "Work order WO-3 prefers unknown technician T-42.",
        )
    ]


def test_unknown_excluded_technician():
    """An exclusion of a technician that does not exist is reported at its index."""
    order = _order("WO-3", excluded_technician_ids=("T-42",))
    assert _issues(_problem([_tech("T-1")], [order])) == [
        (
            "work_orders[0].excluded_technician_ids[0]",
            "Work order WO-3 excludes unknown technician T-42.",
        )
    ]


# --- locations and travel models --------------------------------------------------------


def test_lat_lon_location_with_planar_travel():
    """A GeoPoint work order under planar travel is reported."""
    order = _order("WO-3", location=GeoPoint(45.76, 4.84))
    assert _issues(_problem([_tech()], [order])) == [
        (
            "work_orders[0].location",
            "Work order WO-3 has a location given as lat/lon, but the planar travel model "
            "needs x/y locations.",
        )
    ]


def test_planar_start_with_geodesic_travel():
    """A PlanarPoint technician start under geodesic travel is reported."""
    tech = _tech("T-1", start=PlanarPoint(0, 0))
    assert _issues(_problem([tech], travel=GeodesicTravel())) == [
        (
            "technicians[0].start",
            "Technician T-1 has a start location given as x/y, but the geodesic travel "
            "model needs lat/lon locations.",
        )
    ]


def test_matrix_end_with_geodesic_travel():
    """A MatrixRef technician end under geodesic travel is reported."""
    tech = _tech("T-1", start=GeoPoint(45.7, 4.8), end=MatrixRef(0))
    assert _issues(_problem([tech], travel=GeodesicTravel())) == [
        (
            "technicians[0].end",
            "Technician T-1 has an end location given as matrix_index, but the geodesic "
            "travel model needs lat/lon locations.",
        )
    ]


def test_matrix_index_outside_matrix():
    """A MatrixRef beyond the matrix size is reported on its index."""
    travel = MatrixTravel([[0, 60], [60, 0]])
    tech = _tech("T-1", start=MatrixRef(0))
    order = _order("WO-3", location=MatrixRef(2))
    assert _issues(_problem([tech], [order], travel=travel)) == [
        (
            "work_orders[0].location.matrix_index",
            "Work order WO-3 has a location at matrix_index 2, outside the 2x2 travel matrix.",
        )
    ]


def _graph(**coords: tuple[float, float]) -> RoadGraphTravel:
    """A two-way road graph chaining the given nodes; coordinates are (lat, lon)."""
    g = nx.DiGraph()
    for name, (lat, lon) in coords.items():
        g.add_node(name, lat=lat, lon=lon)
    names = list(coords)
    for u, v in pairwise(names):
        g.add_edge(u, v, duration_s=60, length_m=500)
        g.add_edge(v, u, duration_s=60, length_m=500)
    return RoadGraphTravel(g)


def test_road_graph_accepts_lat_lon_locations():
    """A lat/lon road graph accepts GeoPoint locations."""
    travel = _graph(a=(45.70, 4.80), b=(45.71, 4.81))
    tech = _tech(start=GeoPoint(45.70, 4.80))
    order = _order(location=GeoPoint(45.71, 4.81))
    assert _issues(_problem([tech], [order], travel=travel)) == []


def test_lat_lon_road_graph_rejects_planar_locations():
    """A lat/lon road graph cannot place an x/y location."""
    travel = _graph(a=(45.70, 4.80), b=(45.71, 4.81))
    tech = _tech("T-1", start=GeoPoint(45.70, 4.80))
    order = _order("WO-3", location=PlanarPoint(10, 10))
    assert _issues(_problem([tech], [order], travel=travel)) == [
        (
            "work_orders[0].location",
            "Work order WO-3 has a location given as x/y, but the road graph (its nodes have "
            "lat/lon) needs lat/lon locations.",
        )
    ]


class _AnyPlace(TravelModel):
    """A caller's own travel model: everything is one minute away."""

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """One minute between any two distinct locations."""
        n = len(locations)
        minute = np.full((n, n), 60, dtype=np.int64) - 60 * np.eye(n, dtype=np.int64)
        return TravelMatrices(duration_s=minute, distance_m=minute * 10)


def test_custom_travel_model_skips_location_checks():
    """Location kinds are not checked for a travel model the validator does not know."""
    order = _order(location=GeoPoint(1, 1))
    assert _issues(_problem([_tech()], [order], travel=_AnyPlace())) == []


# --- several issues -----------------------------------------------------------------


def test_all_issues_are_reported_in_document_order():
    """Every issue is listed, technicians first, then work orders in order."""
    techs = [_tech("T1"), _tech("T1", shifts=(Shift(H, 0),))]
    orders = [
        _order("W1", windows=(TimeWindow(2 * H, H),)),
        _order("W2", pinned_technician_id="T9"),
    ]
    assert [i.field for i in validate_problem(_problem(techs, orders))] == [
        "technicians[1].id",
        "technicians[1].shifts[0]",
        "work_orders[0].windows[0]",
        "work_orders[1].pinned_technician_id",
    ]


def test_ensure_valid_raises_with_every_issue():
    """ensure_valid raises one InputError holding all issues, the first as field/message."""
    problem = _problem([_tech("T1"), _tech("T1")], [_order("W1"), _order("W1")])
    with pytest.raises(InputError) as err:
        ensure_valid(problem)
    assert err.value.issues == (
        InputIssue("technicians[1].id", "Duplicate technician id: T1."),
        InputIssue("work_orders[1].id", "Duplicate work order id: W1."),
    )
    assert err.value.field == "technicians[1].id"
    assert err.value.message == "Duplicate technician id: T1."


def test_replace_keeps_checks():
    """A variant made with dataclasses.replace is checked like any other problem."""
    problem = _problem([_tech("T1")], [_order("W1")])
    bad = replace(problem, work_orders=(_order("W1", pinned_technician_id="T2"),))
    assert [i.field for i in validate_problem(bad)] == ["work_orders[0].pinned_technician_id"]


def test_unknown_skill_warns_with_a_did_you_mean_suggestion():
    """A required skill no technician has is a warning naming the field and the close name."""
    techs = (Technician("T-1", (Shift(0, 8 * H),), PlanarPoint(0, 0), skills={"hvac": 2}),)
    orders = (
        WorkOrder("WO-1", PlanarPoint(1, 0), 600, required_skills={"hvack": 1}),
        WorkOrder("WO-2", PlanarPoint(1, 0), 600, required_skills={"welding": 1}),
        WorkOrder("WO-3", PlanarPoint(1, 0), 600, required_skills={"hvac": 3}),
    )
    problem = Problem(techs, orders, PlanarTravel())
    assert validate_problem(problem) == []
    found = [(w.code, w.field, w.message) for w in find_warnings(problem)]
    assert found == [
        (
            "unknown_skill",
            "work_orders[0].required_skills.hvack",
            "Work order WO-1 requires skill hvack, which no technician has: it cannot be served. "
            "Did you mean hvac?",
        ),
        (
            "unknown_skill",
            "work_orders[1].required_skills.welding",
            "Work order WO-2 requires skill welding, which no technician has: it cannot be served.",
        ),
    ]
