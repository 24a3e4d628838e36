"""Tests of the JSON problem and plan documents: reading, writing and the JSON Schemas."""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.document import (
    DEFAULT_EPOCH,
    load_problem,
    main,
    plan_from_document,
    plan_json_schema,
    plan_to_document,
    problem_json_schema,
    problem_to_document,
    schema_files,
)
from optimizer.domain import (
    GeoPoint,
    MatrixRef,
    PlanarPoint,
    Priority,
    Shift,
    Technician,
    Tier,
    TimeWindow,
    WorkOrder,
)
from optimizer.errors import InputError
from optimizer.plan import (
    PlacedBreak,
    Plan,
    Route,
    SlaStatus,
    SolveStats,
    Stop,
    Unassigned,
    UnassignedReason,
)
from optimizer.problem import Problem
from optimizer.travel import GeodesicTravel, MatrixTravel, PlanarTravel, RoadGraphTravel
from optimizer.weights import Weights

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "scenarios" / "data" / "lyon-small.json"
PARIS_TZ = timezone(timedelta(hours=1))


def _t(hhmm: str) -> str:
    """A datetime on 2026-11-23 in +01:00."""
    return f"2026-11-23T{hhmm}:00+01:00"


def _doc() -> dict[str, Any]:
    """A valid two-technician, two-order document in Lyon with geodesic travel."""
    return {
        "technicians": [
            {
                "id": "T-1",
                "skills": {"hvac": 2},
                "shifts": [
                    {
                        "start": _t("08:00"),
                        "end": _t("17:00"),
                        "breaks": [
                            {
                                "duration_min": 30,
                                "window_start": _t("11:30"),
                                "window_end": _t("14:00"),
                            }
                        ],
                    }
                ],
                "start": {"lat": 45.76, "lon": 4.84},
            },
            {
                "id": "T-2",
                "shifts": [{"start": _t("09:00"), "end": _t("18:00")}],
                "start": {"lat": 45.75, "lon": 4.85},
            },
        ],
        "work_orders": [
            {
                "id": "WO-1",
                "location": {"lat": 45.77, "lon": 4.83},
                "service_min": 45,
                "required_skills": {"hvac": 1},
                "windows": [{"start": _t("08:00"), "end": _t("12:00")}],
            },
            {"id": "WO-2", "location": {"lat": 45.74, "lon": 4.86}, "service_min": 30},
        ],
    }


def _errors(data: Any) -> list[tuple[str, str]]:
    """The (field, message) pairs of the InputError that loading ``data`` raises."""
    with pytest.raises(InputError) as err:
        load_problem(data)
    return [(i.field, i.message) for i in err.value.issues]


def _mutated(path: str, value: Any) -> dict[str, Any]:
    """The base document with the dotted ``path`` (indices as numbers) set to ``value``."""
    doc = _doc()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = doc
    for key in parents:
        node = node[key]
    node[last] = value
    return doc


# --- reading valid documents ----------------------------------------------------------


def test_bundled_example_loads():
    """scenarios/data/lyon-small.json loads cleanly with 3 technicians and 12 work orders."""
    problem = load_problem(EXAMPLE.read_bytes())
    assert len(problem.technicians) == 3
    assert len(problem.work_orders) == 12
    assert problem.epoch == datetime(2026, 11, 23, 7, 30, tzinfo=PARIS_TZ)
    assert isinstance(problem.travel, GeodesicTravel)


def test_bundled_example_has_an_order_nobody_can_do():
    """The example's gas order needs a skill no technician has (it will be unassigned)."""
    problem = load_problem(EXAMPLE.read_text(encoding="utf-8"))
    skills = {s for t in problem.technicians for s in t.skills}
    orphans = [o.id for o in problem.work_orders if not set(o.required_skills) <= skills]
    assert orphans == ["WO-1011"]


def test_times_are_seconds_from_earliest_shift_start():
    """The epoch is the earliest shift start and every datetime becomes seconds from it."""
    problem = load_problem(_doc())
    assert problem.epoch == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS_TZ)
    t1, t2 = problem.technicians
    assert t1.shifts[0].start_s == 0
    assert t1.shifts[0].end_s == 9 * 3600
    assert t1.shifts[0].breaks[0].window == TimeWindow(12600, 21600)
    assert t2.shifts[0] == Shift(3600, 36000)
    assert problem.work_orders[0].windows == (TimeWindow(0, 4 * 3600),)


def test_durations_in_minutes_become_rounded_seconds():
    """service_min and duration_min become round(minutes * 60) seconds."""
    doc = _mutated("work_orders.0.service_min", 1.01)
    doc["technicians"][0]["shifts"][0]["breaks"][0]["duration_min"] = 0.5
    problem = load_problem(doc)
    assert problem.work_orders[0].service_s == 61
    assert problem.technicians[0].shifts[0].breaks[0].duration_s == 30
    assert problem.sla_yellow_threshold_s == 1800


def test_datetimes_in_other_offsets_are_the_same_instant():
    """A datetime in UTC is converted by instant, not by wall-clock time."""
    doc = _mutated("work_orders.1.not_before", "2026-11-23T08:00:00Z")
    assert load_problem(doc).work_orders[1].not_before_s == 3600


def test_times_before_the_epoch_are_negative():
    """A not_before earlier than every shift start becomes negative seconds."""
    doc = _mutated("work_orders.1.not_before", _t("07:00"))
    assert load_problem(doc).work_orders[1].not_before_s == -3600


def test_epoch_without_technicians_is_earliest_order_datetime():
    """With no technicians the epoch is the earliest datetime among the work orders."""
    doc = _doc()
    doc["technicians"] = []
    doc["work_orders"][1]["respond_by"] = _t("07:45")
    problem = load_problem(doc)
    assert problem.epoch == datetime(2026, 11, 23, 7, 45, tzinfo=PARIS_TZ)
    assert problem.work_orders[1].respond_by_s == 0


def test_document_without_datetimes_has_no_epoch():
    """A document with no technicians and no datetimes loads with epoch None."""
    problem = load_problem('{"technicians": [], "work_orders": []}')
    assert problem == Problem((), (), GeodesicTravel(), epoch=None)


def test_defaults_of_technician_and_work_order():
    """Omitted optional fields take the domain defaults."""
    problem = load_problem(_doc())
    tech, order = problem.technicians[1], problem.work_orders[1]
    assert tech == Technician(id="T-2", shifts=(Shift(3600, 36000),), start=GeoPoint(45.75, 4.85))
    assert order == WorkOrder(id="WO-2", location=GeoPoint(45.74, 4.86), service_s=1800)
    assert order.priority is Priority.P3
    assert order.tier is Tier.STANDARD


def test_travel_defaults_to_geodesic():
    """A travel object without kind, or no travel at all, is geodesic."""
    assert load_problem(_doc()).travel == GeodesicTravel()
    doc = _doc() | {"travel": {"speed_kmh": 25}}
    assert load_problem(doc).travel == GeodesicTravel(speed_kmh=25, circuity=1.3)


def test_weights_missing_fields_take_defaults():
    """A partial weights object overrides only the fields it gives."""
    doc = _doc() | {"weights": {"travel_per_hour": 90, "unassigned_by_priority": {"P1": 5e5}}}
    weights = load_problem(doc).weights
    default = Weights()
    assert weights == Weights(
        travel_per_hour=90,
        unassigned_by_priority={**default.unassigned_by_priority, 1: 5e5},
    )
    assert load_problem(_doc()).weights is None


def test_planar_locations_with_planar_travel():
    """x/y locations load as PlanarPoint in metres under planar travel."""
    doc = _doc() | {"travel": {"kind": "planar", "speed_mps": 8}}
    for item in doc["technicians"]:
        item["start"] = {"x": 0, "y": 0}
    for i, item in enumerate(doc["work_orders"]):
        item["location"] = {"x": 1000 * (i + 1), "y": -50.5}
    problem = load_problem(doc)
    assert problem.travel == PlanarTravel(speed_mps=8)
    assert problem.work_orders[1].location == PlanarPoint(2000, -50.5)


# --- invalid JSON and document shape -----------------------------------------------


def test_invalid_json_text():
    """Text that is not JSON is reported on field $ with the position."""
    assert _errors('{"technicians": [') == [
        ("$", "Problem document is not valid JSON: Expecting value at line 1 column 18.")
    ]


def test_invalid_utf8_bytes():
    """Bytes that are not UTF-8 are reported on field $."""
    assert _errors(b'{"a": "\xff"}') == [
        ("$", "Problem document is not valid UTF-8: byte 7 cannot be decoded.")
    ]


def test_document_that_is_not_an_object():
    """A JSON array instead of an object is reported on field $."""
    assert _errors("[1, 2]") == [("$", "Problem document must be an object, got [1, 2].")]


def test_unknown_top_level_field():
    """An unknown field at the top level is rejected by name."""
    assert _errors(_doc() | {"vehicles": []}) == [
        ("vehicles", "Problem document: unknown field 'vehicles'.")
    ]


def test_unknown_work_order_field():
    """An unknown field in a work order names the work order and the field."""
    assert _errors(_mutated("work_orders.1.colour", "red")) == [
        ("work_orders[1].colour", "Work order WO-2: unknown field 'colour'.")
    ]


def test_missing_required_field():
    """A missing service_min is reported on its path."""
    doc = _doc()
    del doc["work_orders"][0]["service_min"]
    assert _errors(doc) == [
        ("work_orders[0].service_min", "Work order WO-1: service_min is required.")
    ]


def test_missing_id_names_the_index():
    """Without an id, the entity is named by its index."""
    doc = _doc()
    del doc["technicians"][1]["id"]
    assert _errors(doc) == [("technicians[1].id", "Technician at index 1: id is required.")]


def test_empty_id():
    """An empty id is rejected."""
    assert _errors(_mutated("work_orders.0.id", "")) == [
        ("work_orders[0].id", 'Work order at index 0: id must not be empty, got "".')
    ]


def test_schema_tag_is_allowed():
    """A $schema key (for editors) is accepted and ignored."""
    doc = {"$schema": "./optimizer/schemas/problem.schema.json", **_doc()}
    assert load_problem(doc) == load_problem(_doc())


# --- single-field ranges ---------------------------------------------------------------


def test_negative_service_duration():
    """A negative service_min is reported with the work order id and the value."""
    assert _errors(_mutated("work_orders.1.service_min", -5)) == [
        (
            "work_orders[1].service_min",
            "Work order WO-2: service_min must be greater than or equal to 0, got -5.",
        )
    ]


def test_nan_latitude():
    """A NaN latitude (JSON NaN) is rejected as not finite."""
    text = json.dumps(_mutated("work_orders.0.location.lat", math.nan))
    assert _errors(text) == [
        (
            "work_orders[0].location.lat",
            "Work order WO-1: location.lat must be a finite number, got NaN.",
        )
    ]


def test_latitude_out_of_range():
    """A latitude above 90 is rejected."""
    assert _errors(_mutated("technicians.0.start.lat", 91)) == [
        (
            "technicians[0].start.lat",
            "Technician T-1: start.lat must be less than or equal to 90, got 91.",
        )
    ]


def test_longitude_out_of_range():
    """A longitude below -180 is rejected."""
    assert _errors(_mutated("work_orders.1.location.lon", -180.5)) == [
        (
            "work_orders[1].location.lon",
            "Work order WO-2: location.lon must be greater than or equal to -180, got -180.5.",
        )
    ]


def test_infinite_planar_coordinate():
    """An infinite x coordinate is rejected as not finite."""
    text = json.dumps(_mutated("work_orders.1.location", {"x": math.inf, "y": 0}))
    assert _errors(text) == [
        (
            "work_orders[1].location.x",
            "Work order WO-2: location.x must be a finite number, got Infinity.",
        )
    ]


def test_skill_level_below_one():
    """A skill level of 0 is rejected."""
    assert _errors(_mutated("technicians.0.skills.hvac", 0)) == [
        (
            "technicians[0].skills.hvac",
            "Technician T-1: skills.hvac must be greater than or equal to 1, got 0.",
        )
    ]


def test_skill_level_not_integer():
    """A fractional skill level is rejected."""
    assert _errors(_mutated("work_orders.0.required_skills.hvac", 1.5)) == [
        (
            "work_orders[0].required_skills.hvac",
            "Work order WO-1: required_skills.hvac must be an integer, got 1.5.",
        )
    ]


@pytest.mark.parametrize("level", ["3", 3.0, True])
def test_skill_level_is_strictly_an_integer(level):
    """A level given as a string, a float or a boolean is refused, never coerced."""
    assert _errors(_mutated("technicians.0.skills.hvac", level)) == [
        (
            "technicians[0].skills.hvac",
            f"Technician T-1: skills.hvac must be an integer, got {json.dumps(level)}.",
        )
    ]


def test_negative_part_quantity():
    """A negative part quantity is rejected; a key that is not an identifier is quoted."""
    assert _errors(_mutated("technicians.1.van_stock", {"filter 20x25": -1})) == [
        (
            'technicians[1].van_stock["filter 20x25"]',
            'Technician T-2: van_stock["filter 20x25"] must be greater than or equal to 0, got -1.',
        )
    ]


def test_empty_skill_name():
    """An empty skill name is rejected as a key."""
    assert _errors(_mutated("technicians.0.skills", {"": 1})) == [
        ('technicians[0].skills[""]', 'Technician T-1: skills key must not be empty, got "".')
    ]


def test_zero_speed_factor():
    """A technician speed_factor of 0 is rejected."""
    assert _errors(_mutated("technicians.1.speed_factor", 0)) == [
        (
            "technicians[1].speed_factor",
            "Technician T-2: speed_factor must be greater than or equal to 0.01, got 0.",
        )
    ]


def test_zero_break_duration():
    """A break of 0 minutes is rejected."""
    assert _errors(_mutated("technicians.0.shifts.0.breaks.0.duration_min", 0)) == [
        (
            "technicians[0].shifts[0].breaks[0].duration_min",
            "Technician T-1: shifts[0].breaks[0].duration_min must be greater than 0, got 0.",
        )
    ]


def test_huge_duration():
    """A duration too large to convert to seconds is rejected, not overflowed."""
    assert _errors(_mutated("work_orders.0.service_min", 1e308)) == [
        (
            "work_orders[0].service_min",
            "Work order WO-1: service_min must be less than or equal to 1000000, got 1e+308.",
        )
    ]


def test_technician_without_shifts():
    """A technician needs at least one shift."""
    assert _errors(_mutated("technicians.1.shifts", [])) == [
        ("technicians[1].shifts", "Technician T-2: shifts must not be empty, got [].")
    ]


def test_unknown_priority():
    """A priority outside P1-P4 is rejected."""
    assert _errors(_mutated("work_orders.0.priority", "P5")) == [
        (
            "work_orders[0].priority",
            "Work order WO-1: priority must be one of 'P1', 'P2', 'P3' or 'P4', got \"P5\".",
        )
    ]


def test_unknown_tier():
    """A tier other than vip/standard is rejected."""
    assert _errors(_mutated("work_orders.0.tier", "gold")) == [
        (
            "work_orders[0].tier",
            "Work order WO-1: tier must be one of 'vip' or 'standard', got \"gold\".",
        )
    ]


def test_negative_weight_and_unknown_priority_key():
    """Weights must be >= 0 and keyed P1-P4."""
    doc = _doc() | {"weights": {"unassigned_by_priority": {"P1": -1, "P5": 3}}}
    assert _errors(doc) == [
        (
            "weights.unassigned_by_priority.P1",
            "Weights: unassigned_by_priority.P1 must be greater than or equal to 0, got -1.",
        ),
        (
            "weights.unassigned_by_priority.P5",
            "Weights: unknown field 'unassigned_by_priority.P5'.",
        ),
    ]


def test_zero_travel_speed():
    """A geodesic speed of 0 km/h is rejected."""
    assert _errors(_doc() | {"travel": {"kind": "geodesic", "speed_kmh": 0}}) == [
        ("travel.speed_kmh", "Travel model: speed_kmh must be greater than or equal to 0.1, got 0.")
    ]


# --- datetimes ------------------------------------------------------------------------


def test_naive_datetime():
    """A datetime without a UTC offset is rejected."""
    assert _errors(_mutated("technicians.0.shifts.0.start", "2026-11-23T08:00:00")) == [
        (
            "technicians[0].shifts[0].start",
            "Technician T-1: shifts[0].start must include a UTC offset (a naive datetime is "
            'ambiguous), got "2026-11-23T08:00:00".',
        )
    ]


def test_datetime_as_a_number():
    """A Unix timestamp is not accepted as a datetime."""
    assert _errors(_mutated("work_orders.1.respond_by", 1795000000)) == [
        (
            "work_orders[1].respond_by",
            "Work order WO-2: respond_by must be an ISO-8601 datetime with a UTC offset, "
            "got 1795000000.",
        )
    ]


def test_unparseable_datetime():
    """A string that is not a datetime is rejected."""
    assert _errors(_mutated("work_orders.0.windows.0.end", "noon")) == [
        (
            "work_orders[0].windows[0].end",
            "Work order WO-1: windows[0].end must be an ISO-8601 datetime with a UTC offset, "
            'got "noon".',
        )
    ]


# --- travel and location kinds -------------------------------------------------------


def test_unknown_travel_kind():
    """A travel kind outside the four models is reported on travel.kind."""
    assert _errors(_doc() | {"travel": {"kind": "teleport"}}) == [
        (
            "travel.kind",
            "Travel model: kind must be one of geodesic, planar, matrix or road_graph, "
            'got "teleport".',
        )
    ]


def test_location_of_unknown_shape():
    """A location that is neither lat/lon, x/y nor matrix_index is rejected."""
    assert _errors(_mutated("work_orders.0.location", {"address": "1 rue de la Paix"})) == [
        (
            "work_orders[0].location",
            "Work order WO-1: location must be {lat, lon}, {x, y} or {matrix_index}, "
            'got {"address": "1 rue de la Paix"}.',
        )
    ]


def test_location_mixing_lat_and_x():
    """A location with lat and x is a lat/lon location with an unknown field x."""
    assert _errors(_mutated("work_orders.0.location", {"lat": 45.7, "x": 3})) == [
        ("work_orders[0].location.lon", "Work order WO-1: location.lon is required."),
        ("work_orders[0].location.x", "Work order WO-1: unknown field 'location.x'."),
    ]


def test_negative_matrix_index():
    """A negative matrix_index is rejected."""
    assert _errors(_mutated("work_orders.0.location", {"matrix_index": -1})) == [
        (
            "work_orders[0].location.matrix_index",
            "Work order WO-1: location.matrix_index must be greater than or equal to 0, got -1.",
        )
    ]


def test_lat_lon_locations_with_planar_travel():
    """Every lat/lon location under planar travel is reported by the validator."""
    doc = _doc() | {"travel": {"kind": "planar"}}
    doc["technicians"] = doc["technicians"][:1]
    doc["work_orders"] = doc["work_orders"][:1]
    assert _errors(doc) == [
        (
            "technicians[0].start",
            "Technician T-1 has a start location given as lat/lon, but the planar travel "
            "model needs x/y locations.",
        ),
        (
            "work_orders[0].location",
            "Work order WO-1 has a location given as lat/lon, but the planar travel model "
            "needs x/y locations.",
        ),
    ]


def _matrix_doc(durations: Any, distances: Any = None) -> dict[str, Any]:
    """The base document on a travel matrix, with matrix_index locations 0-3."""
    doc = _doc() | {
        "travel": {"kind": "matrix", "durations_s": durations, "distances_m": distances}
    }
    for i, item in enumerate(doc["technicians"]):
        item["start"] = {"matrix_index": i}
    for i, item in enumerate(doc["work_orders"]):
        item["location"] = {"matrix_index": 2 + i}
    return doc


SQUARE_4 = [[0, 60, 120, 180], [60, 0, 60, 120], [120, 60, 0, 60], [180, 120, 60, 0]]


def test_matrix_travel_loads():
    """A matrix document loads into MatrixTravel and matrix_index locations."""
    problem = load_problem(_matrix_doc(SQUARE_4, [[10 * v for v in row] for row in SQUARE_4]))
    assert isinstance(problem.travel, MatrixTravel)
    assert problem.work_orders[1].location == MatrixRef(3)


def test_matrix_not_square():
    """A travel matrix that is not square is reported on travel.durations_s."""
    assert _errors(_matrix_doc([[0, 1, 2], [1, 0, 2]])) == [
        ("travel.durations_s", "Travel matrix durations_s must be square, got shape (2, 3).")
    ]


def test_matrix_distance_shape_mismatch():
    """A distance matrix of another shape than the durations is reported."""
    assert _errors(_matrix_doc(SQUARE_4, [[0, 1], [1, 0]])) == [
        (
            "travel.distances_m",
            "Travel matrix distances_m has shape (2, 2) but durations_s has shape (4, 4).",
        )
    ]


def test_matrix_index_beyond_matrix():
    """A matrix_index beyond the matrix size is reported by the validator."""
    doc = _matrix_doc([[0, 60, 60], [60, 0, 60], [60, 60, 0]])
    assert _errors(doc) == [
        (
            "work_orders[1].location.matrix_index",
            "Work order WO-2 has a location at matrix_index 3, outside the 3x3 travel matrix.",
        )
    ]


def _road_doc(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """The base document on a road graph."""
    return _doc() | {"travel": {"kind": "road_graph", "nodes": nodes, "edges": edges}}


NODES = [
    {"id": "a", "lat": 45.76, "lon": 4.84},
    {"id": "b", "lat": 45.75, "lon": 4.85},
    {"id": "c", "lat": 45.77, "lon": 4.83},
]
EDGES = [
    {"from": "a", "to": "b", "duration_s": 120, "length_m": 1500},
    {"from": "b", "to": "c", "duration_s": 200, "length_m": 2500, "oneway": True},
    {"from": "c", "to": "a", "duration_s": 90, "length_m": 1100, "oneway": True},
]


def test_road_graph_loads():
    """A road graph document builds a directed graph, two-way unless oneway."""
    problem = load_problem(_road_doc(NODES, EDGES))
    assert isinstance(problem.travel, RoadGraphTravel)
    graph = problem.travel.graph
    assert sorted(graph.edges) == [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]
    assert graph.nodes["a"] == {"lat": 45.76, "lon": 4.84}


def test_road_graph_bad_nodes_and_edges():
    """Duplicate nodes, mixed node kinds, unknown edge ends and repeated roads are reported."""
    nodes = [*NODES, {"id": "a", "lat": 1, "lon": 1}, {"id": "p", "x": 0, "y": 0}]
    edges = [*EDGES, {"from": "b", "to": "z", "duration_s": 1, "length_m": 1}]
    edges.append({"from": "b", "to": "a", "duration_s": 1, "length_m": 1, "oneway": True})
    assert _errors(_road_doc(nodes, edges)) == [
        ("travel.nodes[3].id", "Duplicate road graph node id: a."),
        (
            "travel.nodes[4]",
            "Road graph node p has x/y coordinates but the first node has lat/lon; every "
            "node must use the same kind.",
        ),
        ("travel.edges[3].to", "Road graph edge 3 ends at unknown node z."),
        ("travel.edges[4]", "Road graph edge 4 repeats the road between b and a."),
    ]


def test_road_graph_needs_nodes():
    """A road graph without nodes is rejected."""
    assert _errors(_road_doc([], [])) == [
        ("travel.nodes", "Travel model: nodes must not be empty, got [].")
    ]


# --- cross-field rules through load_problem ---------------------------------------------


def test_duplicate_ids_in_document():
    """Duplicate technician and work-order ids are reported with document paths."""
    doc = _mutated("work_orders.1.id", "WO-1")
    doc["technicians"][1]["id"] = "T-1"
    assert _errors(doc) == [
        ("technicians[1].id", "Duplicate technician id: T-1."),
        ("work_orders[1].id", "Duplicate work order id: WO-1."),
    ]


def test_window_end_before_start_in_document():
    """A reversed window prints the datetimes in the document's offset."""
    doc = _mutated("work_orders.0.windows.0", {"start": _t("16:00"), "end": _t("12:00")})
    assert _errors(doc) == [
        (
            "work_orders[0].windows[0]",
            "Invalid time window for work order WO-1: start 2026-11-23T16:00:00+01:00 is "
            "after end 2026-11-23T12:00:00+01:00.",
        )
    ]


def test_shift_ending_before_start_in_document():
    """A shift that ends before it starts is reported."""
    doc = _mutated("technicians.1.shifts.0.end", _t("07:00"))
    assert _errors(doc) == [
        (
            "technicians[1].shifts[0]",
            "Invalid shift 1 for technician T-2: end 2026-11-23T07:00:00+01:00 is not after "
            "start 2026-11-23T09:00:00+01:00.",
        )
    ]


def test_deadline_before_not_before_in_document():
    """A respond_by before not_before is reported."""
    doc = _mutated("work_orders.1.not_before", _t("12:00"))
    doc["work_orders"][1]["respond_by"] = _t("10:00")
    assert _errors(doc) == [
        (
            "work_orders[1].respond_by",
            "Work order WO-2: respond_by 2026-11-23T10:00:00+01:00 is before not_before "
            "2026-11-23T12:00:00+01:00.",
        )
    ]


def test_unknown_pinned_technician_in_document():
    """A pin to an unknown technician is reported."""
    assert _errors(_mutated("work_orders.0.pinned_technician_id", "T-99")) == [
        (
            "work_orders[0].pinned_technician_id",
            "Work order WO-1 is pinned to unknown technician T-99.",
        )
    ]


# --- several errors at once --------------------------------------------------------------


def test_all_shape_errors_are_reported_at_once():
    """Every shape and range error of a document is reported together, in order."""
    doc = _mutated("work_orders.1.service_min", -5)
    doc["technicians"][0]["skills"]["hvac"] = 0
    doc["work_orders"][0]["location"]["lat"] = 100
    doc["work_orders"][0]["priority"] = "urgent"
    assert [field for field, _ in _errors(doc)] == [
        "technicians[0].skills.hvac",
        "work_orders[0].location.lat",
        "work_orders[0].priority",
        "work_orders[1].service_min",
    ]


def test_travel_and_cross_field_errors_are_reported_together():
    """A bad travel matrix and a cross-field error are reported in one InputError."""
    doc = _matrix_doc([[0, 1, 2], [1, 0, 2]])
    doc["work_orders"][0]["pinned_technician_id"] = "T-99"
    assert [field for field, _ in _errors(doc)] == [
        "travel.durations_s",
        "work_orders[0].pinned_technician_id",
    ]


def test_input_error_exposes_first_issue():
    """The raised InputError carries the first issue as field and message."""
    with pytest.raises(InputError) as err:
        load_problem(_mutated("work_orders.1.service_min", -5))
    assert err.value.field == "work_orders[1].service_min"
    assert err.value.message.startswith("Work order WO-2: service_min")


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``node``."""
    out = [prefix] if prefix else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        out += _paths(child, (*prefix, key))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_corruption_gives_input_error_or_problem(data):
    """Replacing any value of a valid document never raises anything but InputError."""
    doc = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    path = data.draw(st.sampled_from(_paths(doc)))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = data.draw(_JSON_VALUES)
    try:
        load_problem(doc)
    except InputError as err:
        assert all(i.message.endswith(".") for i in err.issues)


# --- writing problems, round trips -----------------------------------------------------


def test_example_round_trip():
    """load_problem(problem_to_document(p)) == p for the bundled example, also as JSON text."""
    problem = load_problem(EXAMPLE.read_bytes())
    doc = problem_to_document(problem)
    assert load_problem(doc) == problem
    assert load_problem(json.dumps(doc)) == problem


def test_round_trip_keeps_fractional_minutes_and_other_offsets():
    """Fractional minutes and UTC-given datetimes survive a round trip."""
    doc = _mutated("work_orders.0.service_min", 12.5)
    doc["work_orders"][1]["resolve_by"] = "2026-11-23T15:00:00Z"
    doc["weights"] = {"vip_multiplier": 3}
    problem = load_problem(doc)
    written = problem_to_document(problem)
    assert written["work_orders"][0]["service_min"] == 12.5
    assert written["work_orders"][1]["resolve_by"] == "2026-11-23T16:00:00+01:00"
    assert load_problem(written) == problem


def test_matrix_document_round_trip():
    """A matrix problem writes back the same matrices (models compare by identity)."""
    doc = _matrix_doc(SQUARE_4, None)
    written = problem_to_document(load_problem(doc))
    assert written["travel"] == {"kind": "matrix", "durations_s": SQUARE_4, "distances_m": None}
    assert problem_to_document(load_problem(written)) == written


def test_road_graph_document_round_trip():
    """A road-graph problem writes back the same nodes and roads."""
    written = problem_to_document(load_problem(_road_doc(NODES, EDGES)))
    assert written["travel"]["nodes"] == NODES
    assert [(e["from"], e["to"], e["oneway"]) for e in written["travel"]["edges"]] == [
        ("a", "b", False),
        ("b", "c", True),
        ("c", "a", True),
    ]
    assert problem_to_document(load_problem(written)) == written


def test_problem_without_epoch_is_written_from_1970():
    """A Python-built problem without epoch is written with times from 1970-01-01 UTC."""
    problem = Problem(
        (Technician("T1", (Shift(3600, 7200),), PlanarPoint(0, 0)),),
        (),
        PlanarTravel(),
    )
    doc = problem_to_document(problem)
    assert doc["technicians"][0]["shifts"][0]["start"] == "1970-01-01T01:00:00+00:00"
    assert load_problem(doc).epoch == DEFAULT_EPOCH + timedelta(hours=1)


# --- plans ------------------------------------------------------------------------------


def _plan() -> Plan:
    """A hand-made plan: one route with two stops and a break, one unassigned order."""
    stops = (
        Stop("WO-1", 600, 600, 3300, 0, 600, 5000, SlaStatus.GREEN),
        Stop("WO-2", 3500, 3600, 5400, 100, 200, 1500, SlaStatus.NONE),
    )
    route = Route("T-1", 0, 0, 9000, stops, (PlacedBreak(5400, 7200),), 1800, 9000)
    return Plan(
        routes=(route,),
        unassigned=(Unassigned("WO-3", UnassignedReason.NO_QUALIFIED_TECHNICIAN, "No gas."),),
        stats=SolveStats("feasible", 1234.5, 0.01, 1.5, 3, "ortools"),
        kpis={"sla_met_pct": 100.0, "served": 2},
    )


def test_plan_document_fields():
    """The plan document prints ISO datetimes in the epoch's offset and route totals."""
    problem = load_problem(_doc())
    doc = plan_to_document(problem, _plan())
    route = doc["routes"][0]
    assert route["start"] == "2026-11-23T08:00:00+01:00"
    assert route["stops"][1] == {
        "work_order_id": "WO-2",
        "arrival": "2026-11-23T08:58:20+01:00",
        "start": "2026-11-23T09:00:00+01:00",
        "end": "2026-11-23T09:30:00+01:00",
        "wait_s": 100,
        "travel_s": 200,
        "distance_m": 1500,
        "sla_status": "none",
    }
    assert (route["travel_s"], route["distance_m"], route["work_s"]) == (2600, 15500, 7200)
    assert doc["unassigned"] == [
        {"work_order_id": "WO-3", "reason": "no_qualified_technician", "detail": "No gas."}
    ]
    assert doc["stats"] == {
        "status": "feasible",
        "objective": 1234.5,
        "first_solution_s": 0.01,
        "wall_s": 1.5,
        "solutions": 3,
        "engine": "ortools",
        "audit_findings": None,
    }


def test_plan_round_trip():
    """plan_from_document(plan_to_document(p)) == p, also through JSON text."""
    problem = load_problem(_doc())
    plan = _plan()
    doc = plan_to_document(problem, plan)
    assert plan_from_document(problem, doc) == plan
    assert plan_from_document(problem, json.dumps(doc).encode()) == plan


def test_plan_totals_may_be_omitted():
    """Route totals are optional on input."""
    problem = load_problem(_doc())
    doc = plan_to_document(problem, _plan())
    for key in ("travel_s", "distance_m", "work_s"):
        del doc["routes"][0][key]
    assert plan_from_document(problem, doc) == _plan()


def test_plan_output_only_fields_are_ignored():
    """Route totals, KPIs, stats and fields a reader does not know are output-only: ignored.

    A stale total (a hand-edited stop) does not make the plan unreadable; its
    times are the validator's to judge.
    """
    problem = load_problem(_doc())
    doc = plan_to_document(problem, _plan())
    doc["routes"][0]["travel_s"] = 1
    doc["routes"][0]["shift_end"] = "2026-01-05T17:00:00+00:00"
    doc["routes"][0]["stops"][0]["kind"] = "work_order"
    doc["violations"] = [{"code": "x", "message": "y"}]
    doc["warnings"] = []
    doc["analysis"] = {"total": 0}
    assert plan_from_document(problem, doc) == _plan()
    del doc["stats"], doc["kpis"]
    plan = plan_from_document(problem, doc)
    assert (plan.routes, plan.unassigned) == (_plan().routes, _plan().unassigned)
    assert plan.stats.status == "evaluated"


def test_plan_unknown_reason():
    """An unassigned reason outside the enum is reported with the order id."""
    problem = load_problem(_doc())
    doc = plan_to_document(problem, _plan())
    doc["unassigned"][0]["reason"] = "bad_luck"
    with pytest.raises(InputError) as err:
        plan_from_document(problem, doc)
    assert err.value.field == "unassigned[0].reason"
    assert err.value.message.startswith(
        "Unassigned entry for work order WO-3: reason must be one of 'no_qualified_technician'"
    )


def test_plan_invalid_json():
    """A plan that is not JSON is reported on field $."""
    with pytest.raises(InputError) as err:
        plan_from_document(load_problem(_doc()), "{")
    assert (err.value.field, err.value.message) == (
        "$",
        "Plan document is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1 column 2.",
    )


# --- JSON Schemas -------------------------------------------------------------------------


def test_committed_schemas_match_generated():
    """optimizer/schemas/*.json equal what python -m optimizer.document --write writes."""
    for path, text in schema_files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale"
    assert main(["--check"]) == 0


def test_schemas_describe_the_documents():
    """The schemas are draft 2020-12 objects listing the top-level fields."""
    problem, plan = problem_json_schema(), plan_json_schema()
    assert problem["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"travel", "weights", "technicians", "work_orders"} <= set(problem["properties"])
    assert {"routes", "unassigned", "kpis", "stats"} <= set(plan["properties"])


def test_example_and_plan_validate_against_schemas():
    """The bundled example and a written plan validate against the JSON Schemas."""
    problem_doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.validate(problem_doc, problem_json_schema())
    plan_doc = plan_to_document(load_problem(problem_doc), _plan())
    jsonschema.validate(plan_doc, plan_json_schema())


def test_shape_and_cross_field_errors_come_together():
    """Schema errors and the cross-field rules of the sound entities, in one error.

    WO-1's service time is not a number and T-1's skills are not an object
    (shape); the third order repeats WO-2's id (duplicate), T-2's shift ends
    before it starts and WO-2's window is inverted (inverted), and the third
    order is pinned to a technician nobody has (unknown reference). WO-2
    excludes T-1, set aside for its own error: not reported as unknown.
    """
    doc = _doc()
    doc["technicians"][0]["skills"] = "many"
    doc["technicians"][1]["shifts"][0] = {"start": _t("18:00"), "end": _t("09:00")}
    doc["work_orders"][0]["service_min"] = "long"
    doc["work_orders"][1]["windows"] = [{"start": _t("12:00"), "end": _t("08:00")}]
    doc["work_orders"][1]["excluded_technician_ids"] = ["T-1"]
    doc["work_orders"].append(
        {"id": "WO-2", "location": {"lat": 45.7, "lon": 4.8}, "service_min": 10}
    )
    doc["work_orders"][2]["pinned_technician_id"] = "T-9"
    fields = [field for field, _ in _errors(doc)]
    assert fields == [
        "technicians[0].skills",
        "work_orders[0].service_min",
        "work_orders[2].id",
        "technicians[1].shifts[0]",
        "work_orders[1].windows[0]",
        "work_orders[2].pinned_technician_id",
    ]


def test_a_shape_error_outside_the_entities_adds_no_cross_field_guess():
    """A travel section of the wrong shape: only the shape errors (nothing sound to check)."""
    doc = _doc()
    doc["travel"] = {"kind": "teleport"}
    doc["work_orders"].append(dict(doc["work_orders"][1]))
    fields = [field for field, _ in _errors(doc)]
    assert fields and all(f.startswith("travel") for f in fields)
