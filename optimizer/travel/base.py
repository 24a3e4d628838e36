"""The one travel-time interface every travel model implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Location


@dataclass(frozen=True, slots=True)
class TravelMatrices:
    """Square travel matrices over a list of locations.

    ``duration_s[i, j]`` is the driving time in whole seconds, rounded *up*
    so that a plan timed with these integers stays valid in exact
    arithmetic; ``distance_m[i, j]`` is the driving distance in whole metres.
    Both are ``int64`` with a zero diagonal.
    """

    duration_s: NDArray[np.int64]
    distance_m: NDArray[np.int64]


class TravelModel(ABC):
    """How long and how far it is between locations."""

    @abstractmethod
    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the travel matrices between ``locations`` (in that order).

        Raises
        ------
        InputError
            If a location is of a kind this model cannot handle.
        """

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location]) -> TravelMatrices:
        """Travel of each leg ``origins[i]`` -> ``destinations[i]``, as 1-D arrays.

        The same integers as :meth:`matrices` gives for those pairs. This
        default builds the matrices of the distinct locations involved;
        models that can compute a leg on its own (geodesic, planar) do so,
        so that a plan of any size can be checked without a square matrix.

        Raises
        ------
        InputError
            If a location is of a kind this model cannot handle.
        """
        if len(origins) != len(destinations):
            raise ValueError("origins and destinations must have the same length.")
        distinct = list(dict.fromkeys([*origins, *destinations]))
        position = {loc: i for i, loc in enumerate(distinct)}
        full = self.matrices(distinct)
        rows = np.array([position[o] for o in origins], dtype=np.intp)
        cols = np.array([position[d] for d in destinations], dtype=np.intp)
        return TravelMatrices(full.duration_s[rows, cols], full.distance_m[rows, cols])


def scale_durations(duration_s: NDArray[np.int64], speed_factor: float) -> NDArray[np.int64]:
    """Durations for a technician driving ``speed_factor`` times the model's speed.

    Rounded up, like the base durations; ``speed_factor == 1`` returns the
    input unchanged.
    """
    if speed_factor == 1.0:
        return duration_s
    return np.ceil(duration_s / speed_factor).astype(np.int64)
