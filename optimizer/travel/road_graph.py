"""Travel along a road network: snap to the nearest node, then fastest paths by Dijkstra."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from numbers import Real

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Location
from optimizer.errors import InputError
from optimizer.travel.base import TravelMatrices, TravelModel
from optimizer.travel.geodesic import geo_coordinates, haversine_m
from optimizer.travel.planar import planar_coordinates

_SNAP_BLOCK = 1 << 20
"""Point-to-node distances computed at once while snapping (bounds memory)."""


@dataclass(frozen=True, slots=True, eq=False)
class RoadGraphTravel(TravelModel):
    """Fastest-path travel on a road graph.

    Each location is snapped to its nearest graph node (haversine for
    :class:`~optimizer.domain.GeoPoint`, Euclidean for
    :class:`~optimizer.domain.PlanarPoint`); no access leg is added, so two
    locations snapped to the same node are 0 s apart. Durations are shortest
    paths by ``duration_attr``; distances are the sums of ``length_attr``
    along those same paths (ties between equally fast paths are broken by
    networkx). Dijkstra (``networkx.dijkstra_predecessor_and_distance``,
    which unlike ``single_source_dijkstra`` does not copy a path per node)
    runs once per distinct snapped node. The graph is read when the model is
    built and must not be changed afterwards.

    Parameters
    ----------
    graph
        ``networkx.Graph`` or ``DiGraph`` (not a multigraph). Every node has
        ``lat``/``lon`` in degrees, or else every node has ``x``/``y`` in
        metres (note that OSMnx stores degrees in ``x``/``y``: add
        ``lat``/``lon`` to such graphs).
    duration_attr
        Edge attribute holding the traversal time in seconds (default
        ``"duration_s"``); non-negative and finite on every edge.
    length_attr
        Edge attribute holding the length in metres (default ``"length_m"``);
        non-negative and finite on every edge.

    Raises
    ------
    InputError
        With field ``travel.graph`` if the graph is empty, a multigraph, or
        has a node without coordinates or an edge without valid attributes.
    """

    graph: nx.Graph | nx.DiGraph
    duration_attr: str = "duration_s"
    length_attr: str = "length_m"
    _nodes: tuple[Hashable, ...] = field(init=False, repr=False)
    _coords: NDArray[np.float64] = field(init=False, repr=False)
    _is_geo: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        g = self.graph
        if isinstance(g, nx.MultiGraph) or g.number_of_nodes() == 0:
            raise InputError.single(
                "travel.graph", "Road graph must be a non-empty networkx Graph or DiGraph."
            )
        nodes = tuple(g.nodes)
        is_geo = all("lat" in d and "lon" in d for d in g.nodes.values())
        keys = ("lat", "lon") if is_geo else ("x", "y")
        for node, data in g.nodes.items():
            if not all(isinstance(data.get(k), Real) and math.isfinite(data[k]) for k in keys):
                raise InputError.single(
                    "travel.graph",
                    f"Road graph node {node!r} needs finite lat/lon or x/y coordinates.",
                )
        for u, v, data in g.edges(data=True):
            for attr in (self.duration_attr, self.length_attr):
                value = data.get(attr)
                if not (isinstance(value, Real) and math.isfinite(value) and float(value) >= 0):
                    raise InputError.single(
                        "travel.graph",
                        f"Road graph edge ({u!r}, {v!r}) needs a non-negative finite "
                        f"{attr}, got {value!r}.",
                    )
        coords = np.array([[g.nodes[n][k] for k in keys] for n in nodes], dtype=np.float64)
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_coords", coords)
        object.__setattr__(self, "_is_geo", is_geo)

    def snap(self, locations: Sequence[Location]) -> list[Hashable]:
        """Return the graph node nearest to each location (no access leg is timed).

        Parameters
        ----------
        locations
            ``GeoPoint`` locations for a lat/lon graph, ``PlanarPoint`` for x/y.

        Returns
        -------
        list
            One node id per location, in order.

        Raises
        ------
        InputError
            With field ``locations[i]`` if a location is of the wrong kind.
        """
        return [self._nodes[k] for k in self._nearest(locations)]

    def _nearest(self, locations: Sequence[Location]) -> NDArray[np.intp]:
        """Position in ``self._nodes`` of each location's nearest node, in blocks."""
        if self._is_geo:
            points = geo_coordinates(locations, "RoadGraphTravel on a lat/lon graph")
        else:
            points = planar_coordinates(locations, "RoadGraphTravel on an x/y graph")
        nodes = self._coords
        nearest = np.empty(len(points), dtype=np.intp)
        step = max(1, _SNAP_BLOCK // len(nodes))
        for lo in range(0, len(points), step):
            p = points[lo : lo + step, None, :]
            if self._is_geo:
                gap = haversine_m(p[..., 0], p[..., 1], nodes[None, :, 0], nodes[None, :, 1])
            else:
                gap = np.hypot(p[..., 0] - nodes[None, :, 0], p[..., 1] - nodes[None, :, 1])
            nearest[lo : lo + step] = np.argmin(gap, axis=1)
        return nearest

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the travel matrices between ``locations`` (in that order).

        Returns
        -------
        TravelMatrices
            Fastest-path durations and their lengths, each rounded up.

        Raises
        ------
        InputError
            With field ``locations[i]`` if a location is of the wrong kind, or
            ``travel.graph`` if some location cannot reach another.
        """
        uniq, inverse = np.unique(self._nearest(locations), return_inverse=True)
        times = np.zeros((len(uniq), len(uniq)))
        lengths = np.zeros((len(uniq), len(uniq)))
        for a, src in enumerate(uniq):
            source = self._nodes[src]
            pred, best = nx.dijkstra_predecessor_and_distance(
                self.graph, source, weight=self.duration_attr
            )
            known: dict[Hashable, float] = {source: 0.0}
            for b, tgt in enumerate(uniq):
                node = self._nodes[tgt]
                if node not in best:
                    i, j = int(np.argmax(inverse == a)), int(np.argmax(inverse == b))
                    raise InputError.single(
                        "travel.graph",
                        f"No road path from location {i} to location {j}: "
                        f"graph node {source!r} cannot reach node {node!r}.",
                    )
                times[a, b] = best[node]
                lengths[a, b] = self._length_to(node, pred, known)
        rows = np.ix_(inverse, inverse)
        return TravelMatrices(
            duration_s=np.ceil(times[rows]).astype(np.int64),
            distance_m=np.ceil(lengths[rows]).astype(np.int64),
        )

    def _length_to(
        self, node: Hashable, pred: dict[Hashable, list[Hashable]], known: dict[Hashable, float]
    ) -> float:
        """Length of the fastest path to ``node``; ``known`` memoises the path tree."""
        trail = []
        while node not in known:
            trail.append(node)
            node = pred[node][0]
        total = known[node]
        for v in reversed(trail):
            total += self.graph.edges[pred[v][0], v][self.length_attr]
            known[v] = total
        return total
