"""Great-circle travel: haversine distance times a road circuity, at a fixed speed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optimizer.domain import GeoPoint, Location
from optimizer.errors import InputError
from optimizer.travel.base import TravelMatrices, TravelModel

EARTH_RADIUS_M = 6_371_008.8
"""Mean earth radius in metres (IUGG), the radius of the haversine sphere."""


def haversine_m(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in metres between points given in decimal degrees.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Latitudes and longitudes in degrees; any shapes that numpy can
        broadcast together (scalars included).

    Returns
    -------
    numpy.ndarray
        ``float64`` distances in metres on a sphere of radius
        :data:`EARTH_RADIUS_M`, with the broadcast shape of the inputs.
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def geo_coordinates(locations: Sequence[Location], model: str) -> NDArray[np.float64]:
    """Latitudes and longitudes of ``locations`` as an ``(n, 2)`` array in degrees.

    Parameters
    ----------
    locations
        The locations; each must be a :class:`~optimizer.domain.GeoPoint`
        with a finite latitude in [-90, 90] and longitude in [-180, 180].
    model
        Name of the calling travel model, used in error messages.

    Raises
    ------
    InputError
        With field ``locations[i]`` for the first location that is not a
        valid ``GeoPoint``.
    """
    coords = np.empty((len(locations), 2), dtype=np.float64)
    for i, loc in enumerate(locations):
        if not isinstance(loc, GeoPoint):
            raise InputError.single(
                f"locations[{i}]",
                f"{model} needs a GeoPoint at location {i}, got {type(loc).__name__}.",
            )
        if not (math.isfinite(loc.lat) and -90.0 <= loc.lat <= 90.0):
            raise InputError.single(
                f"locations[{i}].lat",
                f"Invalid latitude at location {i}: {loc.lat!r} is not in [-90, 90].",
            )
        if not (math.isfinite(loc.lon) and -180.0 <= loc.lon <= 180.0):
            raise InputError.single(
                f"locations[{i}].lon",
                f"Invalid longitude at location {i}: {loc.lon!r} is not in [-180, 180].",
            )
        coords[i] = (loc.lat, loc.lon)
    return coords


@dataclass(frozen=True, slots=True)
class GeodesicTravel(TravelModel):
    """Crow-flies travel on the sphere, stretched by a circuity factor.

    The road distance is the haversine distance times ``circuity``, driven
    at a constant ``speed_kmh``. Both matrices are rounded up to whole
    metres and seconds.

    Parameters
    ----------
    speed_kmh
        Average driving speed in km/h; positive and finite (default 40).
    circuity
        Road distance over crow-flies distance; at least 1 (default 1.3,
        a typical urban value).

    Raises
    ------
    InputError
        With field ``travel.speed_kmh`` or ``travel.circuity`` if a
        parameter is out of range.
    """

    speed_kmh: float = 40.0
    circuity: float = 1.3

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise InputError.single(
                "travel.speed_kmh",
                f"Invalid geodesic speed_kmh: {self.speed_kmh!r} must be a positive number.",
            )
        if not (math.isfinite(self.circuity) and self.circuity >= 1.0):
            raise InputError.single(
                "travel.circuity",
                f"Invalid geodesic circuity: {self.circuity!r} must be at least 1.",
            )

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the travel matrices between ``locations`` (in that order).

        Parameters
        ----------
        locations
            :class:`~optimizer.domain.GeoPoint` locations.

        Returns
        -------
        TravelMatrices
            ``distance_m = ceil(haversine * circuity)`` and
            ``duration_s = ceil(haversine * circuity / (speed_kmh / 3.6))``.

        Raises
        ------
        InputError
            If a location is not a ``GeoPoint`` or has out-of-range degrees.
        """
        coords = geo_coordinates(locations, "GeodesicTravel")
        lat, lon = coords[:, 0], coords[:, 1]
        return self._rounded(haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]))

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrices:
        """Travel of each leg ``origins[i]`` -> ``destinations[i]``, computed leg by leg."""
        if len(origins) != len(destinations):
            raise ValueError("origins and destinations must have the same length.")
        a = geo_coordinates(origins, "GeodesicTravel")
        b = geo_coordinates(destinations, "GeodesicTravel")
        return self._rounded(haversine_m(a[:, 0], a[:, 1], b[:, 0], b[:, 1]))

    def _rounded(self, crow_m: NDArray[np.float64]) -> TravelMatrices:
        """Road distance and time from crow-flies metres, each rounded up."""
        road_m = crow_m * self.circuity
        speed_mps = self.speed_kmh / 3.6
        return TravelMatrices(
            duration_s=np.ceil(road_m / speed_mps).astype(np.int64),
            distance_m=np.ceil(road_m).astype(np.int64),
        )
