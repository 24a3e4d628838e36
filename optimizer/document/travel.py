"""Travel models to and from the ``travel`` object of a problem document.

The four built-in models (:mod:`optimizer.travel`) have one document kind
each: ``geodesic``, ``planar``, ``matrix`` and ``road_graph``. A road graph
is written as ``nodes`` (``{id, lat, lon}`` or ``{id, x, y}``) and ``edges``
(``{from, to, duration_s, length_m, oneway}``, both directions unless
``oneway``). Used by :mod:`optimizer.document`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from optimizer.document.models import (
    GeodesicTravelDoc,
    GeoNodeDoc,
    MatrixTravelDoc,
    PlanarTravelDoc,
    RoadGraphTravelDoc,
    TravelDoc,
)
from optimizer.domain import Location
from optimizer.errors import InputError, InputIssue
from optimizer.travel import (
    GeodesicTravel,
    MatrixTravel,
    PlanarTravel,
    RoadGraphTravel,
    TravelMatrices,
    TravelModel,
)


class UnbuiltTravel(TravelModel):
    """Stands in for a travel model whose document was invalid (skips location checks)."""

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Never usable: the problem carrying it is rejected with the travel issues."""
        raise InputError.single("travel", "The travel model is invalid; see its own errors.")


def _road_graph(doc: RoadGraphTravelDoc) -> tuple[nx.DiGraph, list[InputIssue]]:
    graph = nx.DiGraph()
    issues = []
    first_is_geo = isinstance(doc.nodes[0], GeoNodeDoc)
    for i, node in enumerate(doc.nodes):
        is_geo = isinstance(node, GeoNodeDoc)
        if node.id in graph:
            issues.append(
                InputIssue(f"travel.nodes[{i}].id", f"Duplicate road graph node id: {node.id}.")
            )
        elif is_geo != first_is_geo:
            words = ("lat/lon", "x/y") if is_geo else ("x/y", "lat/lon")
            issues.append(
                InputIssue(
                    f"travel.nodes[{i}]",
                    f"Road graph node {node.id} has {words[0]} coordinates but the first "
                    f"node has {words[1]}; every node must use the same kind.",
                )
            )
            graph.add_node(node.id)
        elif isinstance(node, GeoNodeDoc):
            graph.add_node(node.id, lat=node.lat, lon=node.lon)
        else:
            graph.add_node(node.id, x=node.x, y=node.y)
    for k, edge in enumerate(doc.edges):
        ends = [("from", "starts at", edge.from_), ("to", "ends at", edge.to)]
        unknown = [(key, verb, n) for key, verb, n in ends if n not in graph]
        for key, verb, node_id in unknown:
            issues.append(
                InputIssue(
                    f"travel.edges[{k}].{key}",
                    f"Road graph edge {k} {verb} unknown node {node_id}.",
                )
            )
        pairs = [(edge.from_, edge.to)] + ([] if edge.oneway else [(edge.to, edge.from_)])
        if not unknown and any(graph.has_edge(u, v) for u, v in set(pairs)):
            issues.append(
                InputIssue(
                    f"travel.edges[{k}]",
                    f"Road graph edge {k} repeats the road between {edge.from_} and {edge.to}.",
                )
            )
        elif not unknown:
            for u, v in pairs:
                graph.add_edge(u, v, duration_s=edge.duration_s, length_m=edge.length_m)
    return graph, issues


def travel_from_doc(travel: TravelDoc) -> tuple[TravelModel, list[InputIssue]]:
    """Build the travel model, or return a stand-in and the issues that prevent it.

    Parameters
    ----------
    travel
        The validated ``travel`` object.

    Returns
    -------
    tuple
        The model and an empty list; or an :class:`UnbuiltTravel` and the
        issues (road-graph nodes and edges, or the model's own checks).
    """
    try:
        if isinstance(travel, GeodesicTravelDoc):
            return GeodesicTravel(travel.speed_kmh, travel.circuity), []
        if isinstance(travel, PlanarTravelDoc):
            return PlanarTravel(travel.speed_mps), []
        if isinstance(travel, MatrixTravelDoc):
            return MatrixTravel(travel.durations_s, travel.distances_m), []
        graph, issues = _road_graph(travel)
        if issues:
            return UnbuiltTravel(), issues
        return RoadGraphTravel(graph), []
    except InputError as exc:
        return UnbuiltTravel(), list(exc.issues)


def travel_to_doc(travel: TravelModel) -> dict[str, Any]:
    """Return the ``travel`` object of a document for a built-in travel model.

    Raises
    ------
    TypeError
        If ``travel`` is not one of the four built-in models.
    """
    if isinstance(travel, GeodesicTravel):
        return {"kind": "geodesic", "speed_kmh": travel.speed_kmh, "circuity": travel.circuity}
    if isinstance(travel, PlanarTravel):
        return {"kind": "planar", "speed_mps": travel.speed_mps}
    if isinstance(travel, MatrixTravel):
        distances = travel.distances_m
        return {
            "kind": "matrix",
            "durations_s": np.asarray(travel.durations_s, dtype=np.int64).tolist(),
            "distances_m": None
            if distances is None
            else np.asarray(distances, dtype=np.int64).tolist(),
        }
    if isinstance(travel, RoadGraphTravel):
        return _road_graph_to_doc(travel)
    raise TypeError(f"Cannot write travel model {type(travel).__name__} to a document.")


def _road_graph_to_doc(travel: RoadGraphTravel) -> dict[str, Any]:
    g = travel.graph
    nodes = []
    for node, data in g.nodes.items():
        coords = ("lat", "lon") if "lat" in data and "lon" in data else ("x", "y")
        nodes.append({"id": str(node), **{k: data[k] for k in coords}})
    edges, done = [], set()
    for u, v, data in g.edges(data=True):
        if (u, v) in done:
            continue
        values = (data[travel.duration_attr], data[travel.length_attr])
        back = g.get_edge_data(v, u) if g.is_directed() else data
        oneway = back is None or (back[travel.duration_attr], back[travel.length_attr]) != values
        done |= {(u, v)} if oneway else {(u, v), (v, u)}
        edge = {"from": str(u), "to": str(v), "duration_s": values[0], "length_m": values[1]}
        edges.append({**edge, "oneway": oneway})
    return {"kind": "road_graph", "nodes": nodes, "edges": edges}
