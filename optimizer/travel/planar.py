"""Straight-line travel on a plane (classic VRPTW benchmarks, factory floors)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Location, PlanarPoint
from optimizer.errors import InputError
from optimizer.travel.base import TravelMatrices, TravelModel


def planar_coordinates(locations: Sequence[Location], model: str) -> NDArray[np.float64]:
    """Coordinates of ``locations`` as an ``(n, 2)`` array of ``(x_m, y_m)`` in metres.

    Parameters
    ----------
    locations
        The locations; each must be a :class:`~optimizer.domain.PlanarPoint`
        with finite coordinates.
    model
        Name of the calling travel model, used in error messages.

    Raises
    ------
    InputError
        With field ``locations[i]`` for the first location that is not a
        valid ``PlanarPoint``.
    """
    coords = np.empty((len(locations), 2), dtype=np.float64)
    for i, loc in enumerate(locations):
        if not isinstance(loc, PlanarPoint):
            raise InputError.single(
                f"locations[{i}]",
                f"{model} needs a PlanarPoint at location {i}, got {type(loc).__name__}.",
            )
        if not (math.isfinite(loc.x_m) and math.isfinite(loc.y_m)):
            raise InputError.single(
                f"locations[{i}]",
                f"Invalid planar point at location {i}: ({loc.x_m!r}, {loc.y_m!r}) "
                "must have finite coordinates.",
            )
        coords[i] = (loc.x_m, loc.y_m)
    return coords


def euclidean_m(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """All-pairs Euclidean distances in metres, in double precision.

    Parameters
    ----------
    coords
        ``(n, 2)`` array of ``(x_m, y_m)`` in metres.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` ``float64`` distances, not rounded.
    """
    diff = coords[:, None, :] - coords[None, :, :]
    return np.asarray(np.hypot(diff[..., 0], diff[..., 1]), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class PlanarTravel(TravelModel):
    """Euclidean travel between planar points at a constant speed.

    Rounding up is applied to the exact double-precision values, never to an
    already rounded distance: ``duration_s = ceil(euclid / speed_mps)`` and
    ``distance_m = ceil(euclid)``. Solomon VRPTW instances are loaded with
    coordinates multiplied by 1000, so at the default speed one benchmark
    unit is 1000 s and rounding up costs at most 1/1000 unit per arc.

    Parameters
    ----------
    speed_mps
        Speed in metres per second; positive and finite (default 1, so that
        durations equal distances).

    Raises
    ------
    InputError
        With field ``travel.speed_mps`` if the speed is out of range.
    """

    speed_mps: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_mps) and self.speed_mps > 0):
            raise InputError.single(
                "travel.speed_mps",
                f"Invalid planar speed_mps: {self.speed_mps!r} must be a positive number.",
            )

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the travel matrices between ``locations`` (in that order).

        Parameters
        ----------
        locations
            :class:`~optimizer.domain.PlanarPoint` locations.

        Returns
        -------
        TravelMatrices
            Euclidean distances and durations, each rounded up.

        Raises
        ------
        InputError
            If a location is not a ``PlanarPoint`` or is not finite.
        """
        return self._rounded(euclidean_m(planar_coordinates(locations, "PlanarTravel")))

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrices:
        """Travel of each leg ``origins[i]`` -> ``destinations[i]``, computed leg by leg."""
        if len(origins) != len(destinations):
            raise ValueError("origins and destinations must have the same length.")
        diff = planar_coordinates(origins, "PlanarTravel") - planar_coordinates(
            destinations, "PlanarTravel"
        )
        return self._rounded(np.asarray(np.hypot(diff[:, 0], diff[:, 1]), dtype=np.float64))

    def _rounded(self, euclid: NDArray[np.float64]) -> TravelMatrices:
        """Durations and distances from exact metres, each rounded up."""
        return TravelMatrices(
            duration_s=np.ceil(euclid / self.speed_mps).astype(np.int64),
            distance_m=np.ceil(euclid).astype(np.int64),
        )
