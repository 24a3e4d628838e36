"""Tests of the travel models in optimizer.travel."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from geopy.distance import geodesic, great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.domain import GeoPoint, MatrixRef, PlanarPoint
from optimizer.errors import InputError
from optimizer.travel import (
    GeodesicTravel,
    MatrixTravel,
    PlanarTravel,
    RoadGraphTravel,
    TravelModel,
    haversine_m,
)

CITY_PAIRS = {
    "london-paris": ((51.5074, -0.1278), (48.8566, 2.3522)),
    "new_york-los_angeles": ((40.7128, -74.0060), (34.0522, -118.2437)),
    "sydney-melbourne": ((-33.8688, 151.2093), (-37.8136, 144.9631)),
    "quito-singapore": ((-0.1807, -78.4678), (1.3521, 103.8198)),
    "oslo-cape_town": ((59.9139, 10.7522), (-33.9249, 18.4241)),
}

LONDON = GeoPoint(51.5074, -0.1278)
PARIS = GeoPoint(48.8566, 2.3522)


# --- geodesic -----------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), CITY_PAIRS.values(), ids=CITY_PAIRS.keys())
def test_haversine_matches_geopy_great_circle(a, b):
    """haversine_m agrees with geopy's great-circle distance within 0.1%."""
    assert haversine_m(*a, *b) == pytest.approx(great_circle(a, b).m, rel=1e-3)


@pytest.mark.parametrize(("a", "b"), CITY_PAIRS.values(), ids=CITY_PAIRS.keys())
def test_haversine_close_to_geopy_ellipsoid_geodesic(a, b):
    """haversine_m agrees with geopy's WGS84 geodesic distance within 0.5%."""
    assert haversine_m(*a, *b) == pytest.approx(geodesic(a, b).m, rel=5e-3)


def test_haversine_broadcasts():
    """haversine_m broadcasts a column against a row into a full matrix."""
    lat = np.array([0.0, 10.0, 20.0])
    lon = np.array([0.0, 5.0, -5.0])
    d = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert d.shape == (3, 3)
    assert d[1, 2] == pytest.approx(float(haversine_m(10.0, 5.0, 20.0, -5.0)))


def test_geodesic_applies_circuity_and_speed():
    """Distance is ceil(haversine * circuity) and duration ceil(that / speed in m/s)."""
    m = GeodesicTravel(speed_kmh=90.0, circuity=1.5).matrices([LONDON, PARIS])
    road_m = float(haversine_m(LONDON.lat, LONDON.lon, PARIS.lat, PARIS.lon)) * 1.5
    assert m.distance_m[0, 1] == math.ceil(road_m)
    assert m.duration_s[0, 1] == math.ceil(road_m / 25.0)  # 90 km/h = 25 m/s
    assert m.duration_s.dtype == np.int64
    assert m.distance_m.dtype == np.int64


def test_geodesic_rounds_durations_up():
    """A fractional exact duration is rounded up, never to nearest."""
    a, b = GeoPoint(0.0, 0.0), GeoPoint(0.0, 0.001)
    exact_s = float(haversine_m(0.0, 0.0, 0.0, 0.001)) * 1.3 / (40.0 / 3.6)
    assert exact_s % 1 < 0.5  # rounding to nearest would go down
    m = GeodesicTravel().matrices([a, b])
    assert m.duration_s[0, 1] == math.ceil(exact_s) > exact_s


def test_geodesic_diagonal_and_repeated_points_are_zero():
    """The diagonal is zero, and so is the time between two copies of a point."""
    m = GeodesicTravel().matrices([LONDON, PARIS, LONDON])
    assert np.all(np.diag(m.duration_s) == 0)
    assert np.all(np.diag(m.distance_m) == 0)
    assert m.duration_s[0, 2] == 0


def test_geodesic_rejects_non_geo_location():
    """A planar point given to the geodesic model raises InputError naming it."""
    with pytest.raises(InputError) as err:
        GeodesicTravel().matrices([LONDON, PlanarPoint(1.0, 2.0)])
    assert err.value.field == "locations[1]"
    assert err.value.message == "GeodesicTravel needs a GeoPoint at location 1, got PlanarPoint."


def test_geodesic_rejects_out_of_range_latitude():
    """A latitude outside [-90, 90] raises InputError on that latitude."""
    with pytest.raises(InputError) as err:
        GeodesicTravel().matrices([GeoPoint(91.0, 0.0)])
    assert err.value.field == "locations[0].lat"
    assert err.value.message == "Invalid latitude at location 0: 91.0 is not in [-90, 90]."


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"speed_kmh": 0.0},
            "travel.speed_kmh",
            "Invalid geodesic speed_kmh: 0.0 must be a positive number.",
        ),
        (
            {"speed_kmh": math.inf},
            "travel.speed_kmh",
            "Invalid geodesic speed_kmh: inf must be a positive number.",
        ),
        (
            {"circuity": 0.9},
            "travel.circuity",
            "Invalid geodesic circuity: 0.9 must be at least 1.",
        ),
    ],
)
def test_geodesic_rejects_bad_parameters(kwargs, field, message):
    """A non-positive speed or a circuity below 1 raises InputError."""
    with pytest.raises(InputError) as err:
        GeodesicTravel(**kwargs)
    assert (err.value.field, err.value.message) == (field, message)


geo_points = st.builds(
    GeoPoint,
    lat=st.floats(-85.0, 85.0, allow_nan=False),
    lon=st.floats(-180.0, 180.0, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(points=st.lists(geo_points, min_size=3, max_size=6))
def test_geodesic_is_symmetric_and_metric(points):
    """Geodesic durations are symmetric and obey the triangle inequality up to +2 s."""
    d = GeodesicTravel(speed_kmh=50.0).matrices(points).duration_s
    assert np.array_equal(d, d.T)
    via = d[:, :, None] + d[None, :, :]  # via[i, j, k] = d[i, j] + d[j, k]
    assert np.all(d[:, None, :] <= via + 2)


# --- planar -------------------------------------------------------------------------------


def test_planar_three_four_five():
    """A 3-4-5 triangle gives exact integer distances and scaled durations."""
    m = PlanarTravel(speed_mps=2.0).matrices([PlanarPoint(0.0, 0.0), PlanarPoint(3.0, 4.0)])
    assert m.distance_m.tolist() == [[0, 5], [5, 0]]
    assert m.duration_s.tolist() == [[0, 3], [3, 0]]  # ceil(5 / 2)


def test_planar_rounds_up_the_exact_value():
    """Durations are ceil(euclid / speed), not ceil(ceil(euclid) / speed)."""
    m = PlanarTravel(speed_mps=0.5).matrices([PlanarPoint(0.0, 0.0), PlanarPoint(10.2, 0.0)])
    assert m.distance_m[0, 1] == 11
    assert m.duration_s[0, 1] == 21  # ceil(20.4); rounding the distance first gives 22


def test_planar_solomon_scaled_coordinates():
    """Coordinates scaled by 1000 give the benchmark distance in thousandths, rounded up."""
    m = PlanarTravel().matrices([PlanarPoint(35_000.0, 35_000.0), PlanarPoint(41_000.0, 49_000.0)])
    exact = math.hypot(6_000.0, 14_000.0)  # 15231.546...
    assert m.duration_s[0, 1] == m.distance_m[0, 1] == math.ceil(exact) == 15_232


def test_planar_rejects_geo_location():
    """A GeoPoint given to the planar model raises InputError naming it."""
    with pytest.raises(InputError) as err:
        PlanarTravel().matrices([GeoPoint(0.0, 0.0)])
    assert err.value.field == "locations[0]"
    assert err.value.message == "PlanarTravel needs a PlanarPoint at location 0, got GeoPoint."


def test_planar_rejects_non_positive_speed():
    """A zero speed raises InputError on travel.speed_mps."""
    with pytest.raises(InputError) as err:
        PlanarTravel(speed_mps=0.0)
    assert err.value.field == "travel.speed_mps"
    assert err.value.message == "Invalid planar speed_mps: 0.0 must be a positive number."


# --- matrix -------------------------------------------------------------------------------

DURATIONS = [[0, 10, 20], [11, 0, 30], [21, 31, 0]]


def test_matrix_selects_referenced_rows_and_columns():
    """Locations pick rows/columns by index, repeats allowed; distances default to 0."""
    m = MatrixTravel(DURATIONS).matrices([MatrixRef(2), MatrixRef(0), MatrixRef(2)])
    assert m.duration_s.tolist() == [[0, 21, 0], [20, 0, 20], [0, 21, 0]]
    assert m.distance_m.tolist() == [[0, 0, 0]] * 3
    assert m.duration_s.dtype == m.distance_m.dtype == np.int64


def test_matrix_rounds_float_entries_up_and_keeps_distances():
    """Fractional durations and distances are rounded up to int64."""
    travel = MatrixTravel(np.array([[0.0, 1.2], [0.01, 0.0]]), [[0, 100.5], [99, 0]])
    m = travel.matrices([MatrixRef(0), MatrixRef(1)])
    assert m.duration_s.tolist() == [[0, 2], [1, 0]]
    assert m.distance_m.tolist() == [[0, 101], [99, 0]]
    assert not travel.durations_s.flags.writeable


@pytest.mark.parametrize(
    ("durations", "distances", "field", "message"),
    [
        (
            [[0, 1, 2], [1, 0, 3]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s must be square, got shape (2, 3).",
        ),
        (
            [[0, 1], [1]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s must be a numeric square matrix.",
        ),
        (
            [["a"]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s must be a numeric square matrix.",
        ),
        (
            [[0, -5], [1, 0]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s has a negative entry at [0, 1]: -5.",
        ),
        (
            [[0, 1], [math.nan, 0]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s has a non-finite entry at [1, 0]: nan.",
        ),
        (
            [[0, 1], [1, 7]],
            None,
            "travel.durations_s",
            "Travel matrix durations_s has a non-zero diagonal entry at [1, 1]: 7.",
        ),
        (
            [[0, 1], [1, 0]],
            [[0, -1.5], [1, 0]],
            "travel.distances_m",
            "Travel matrix distances_m has a negative entry at [0, 1]: -1.5.",
        ),
        (
            [[0, 1], [1, 0]],
            [[0]],
            "travel.distances_m",
            "Travel matrix distances_m has shape (1, 1) but durations_s has shape (2, 2).",
        ),
    ],
)
def test_matrix_rejects_invalid_matrices(durations, distances, field, message):
    """A malformed matrix raises InputError naming the matrix and the rule broken."""
    with pytest.raises(InputError) as err:
        MatrixTravel(durations, distances)
    assert (err.value.field, err.value.message) == (field, message)


def test_matrix_rejects_index_out_of_range():
    """A MatrixRef past the matrix raises InputError on that location's index."""
    with pytest.raises(InputError) as err:
        MatrixTravel(DURATIONS).matrices([MatrixRef(0), MatrixRef(3)])
    assert err.value.field == "locations[1].index"
    assert err.value.message == "Matrix index 3 of location 1 is outside the 3x3 travel matrix."


def test_matrix_rejects_non_matrix_location():
    """A GeoPoint given to the matrix model raises InputError naming it."""
    with pytest.raises(InputError) as err:
        MatrixTravel(DURATIONS).matrices([GeoPoint(0.0, 0.0)])
    assert err.value.field == "locations[0]"
    assert err.value.message == "MatrixTravel needs a MatrixRef at location 0, got GeoPoint."


# --- road graph ---------------------------------------------------------------------------


def _road(u, v, duration_s, length_m):
    """Edge attributes in the default names."""
    return (u, v, {"duration_s": duration_s, "length_m": length_m})


@pytest.fixture
def town():
    """Planar graph A-B-D (short, slow lane) and A-C-D (long, fast ring road), plus E off C.

    Coordinates in metres: A(0, 0), B(500, 0), C(500, 800), D(1000, 0), E(500, 1500).
    """
    g = nx.Graph()
    for name, (x, y) in {
        "A": (0, 0),
        "B": (500, 0),
        "C": (500, 800),
        "D": (1000, 0),
        "E": (500, 1500),
    }.items():
        g.add_node(name, x=float(x), y=float(y))
    g.add_edges_from(
        [
            _road("A", "B", 100, 500),
            _road("B", "D", 100, 500),  # 200 s, 1000 m
            _road("A", "C", 40, 950),
            _road("C", "D", 40.5, 950),  # 80.5 s, 1900 m
            _road("C", "E", 60, 700),
        ]
    )
    return g


def test_road_graph_uses_fastest_path_and_its_length(town):
    """Duration follows the fastest path, and distance is that path's length, not the shortest."""
    m = RoadGraphTravel(town).matrices([PlanarPoint(0.0, 0.0), PlanarPoint(1000.0, 0.0)])
    assert m.duration_s.tolist() == [[0, 81], [81, 0]]  # ceil(40 + 40.5)
    assert m.distance_m.tolist() == [[0, 1900], [1900, 0]]


def test_road_graph_snaps_to_nearest_node(town):
    """Points are snapped to their nearest node, with no access leg added."""
    travel = RoadGraphTravel(town)
    points = [PlanarPoint(480.0, 40.0), PlanarPoint(510.0, 1400.0), PlanarPoint(490.0, 10.0)]
    assert travel.snap(points) == ["B", "E", "B"]
    m = travel.matrices(points)
    assert m.duration_s[0, 1] == 200  # B-A-C-E: 100 + 40 + 60 beats B-D-C-E: 100 + 40.5 + 60
    assert m.duration_s[0, 2] == 0


def test_road_graph_snaps_geo_points_by_haversine():
    """On a lat/lon graph, GeoPoints snap to the node nearest on the sphere."""
    g = nx.DiGraph()
    g.add_node("north", lat=60.0, lon=0.0)
    g.add_node("east", lat=59.0, lon=1.5)
    g.add_edges_from([_road("north", "east", 600, 10_000), _road("east", "north", 900, 12_000)])
    # Naive degree distance would pick "north" (dlat 0.9 < dlon 1.3); on the sphere a
    # degree of longitude at 59N is only ~57 km, so "east" is nearer.
    travel = RoadGraphTravel(g)
    assert travel.snap([GeoPoint(59.1, 0.2)]) == ["east"]
    m = travel.matrices([GeoPoint(60.0, 0.0), GeoPoint(59.0, 1.5)])
    assert m.duration_s.tolist() == [[0, 600], [900, 0]]  # one-way streets
    assert m.distance_m.tolist() == [[0, 10_000], [12_000, 0]]


def test_road_graph_unreachable_pair_raises(town):
    """A location that cannot reach another raises InputError naming both locations."""
    town.add_node("Z", x=5000.0, y=0.0)
    with pytest.raises(InputError) as err:
        RoadGraphTravel(town).matrices([PlanarPoint(0.0, 0.0), PlanarPoint(4900.0, 0.0)])
    assert err.value.field == "travel.graph"
    assert err.value.message == (
        "No road path from location 0 to location 1: graph node 'A' cannot reach node 'Z'."
    )


def test_road_graph_runs_dijkstra_once_per_distinct_node(town, monkeypatch):
    """Dijkstra runs once per distinct snapped node, however many locations share it."""
    sources = []
    real = nx.dijkstra_predecessor_and_distance

    def spy(graph, source, **kwargs):
        sources.append(source)
        return real(graph, source, **kwargs)

    monkeypatch.setattr(nx, "dijkstra_predecessor_and_distance", spy)
    points = [
        PlanarPoint(0.0, 0.0),
        PlanarPoint(10.0, 0.0),
        PlanarPoint(990.0, 0.0),
        PlanarPoint(0.0, 5.0),
    ]
    m = RoadGraphTravel(town).matrices(points)
    assert sorted(sources) == ["A", "D"]
    assert m.duration_s[1, 2] == 81


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda g: g.add_node("F"), "Road graph node 'F' needs finite lat/lon or x/y coordinates."),
        (
            lambda g: g.add_edge("A", "E", duration_s=-1, length_m=5),
            "Road graph edge ('A', 'E') needs a non-negative finite duration_s, got -1.",
        ),
        (
            lambda g: g.add_edge("A", "E", duration_s=9),
            "Road graph edge ('A', 'E') needs a non-negative finite length_m, got None.",
        ),
    ],
)
def test_road_graph_rejects_invalid_graph(town, build, message):
    """A node without coordinates or an edge without valid attributes raises InputError."""
    build(town)
    with pytest.raises(InputError) as err:
        RoadGraphTravel(town)
    assert (err.value.field, err.value.message) == ("travel.graph", message)


def test_road_graph_rejects_location_of_wrong_kind(town):
    """A GeoPoint on an x/y graph raises InputError naming the location."""
    with pytest.raises(InputError) as err:
        RoadGraphTravel(town).matrices([GeoPoint(0.0, 0.0)])
    assert err.value.field == "locations[0]"
    assert err.value.message == (
        "RoadGraphTravel on an x/y graph needs a PlanarPoint at location 0, got GeoPoint."
    )


@pytest.mark.parametrize(
    "travel",
    [GeodesicTravel(), PlanarTravel(), MatrixTravel([[0]])],
    ids=["geodesic", "planar", "matrix"],
)
def test_every_model_accepts_no_locations(travel):
    """An empty location list gives empty 0x0 matrices."""
    assert isinstance(travel, TravelModel)
    assert travel.matrices([]).duration_s.shape == (0, 0)
