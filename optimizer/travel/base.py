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


def scale_durations(duration_s: NDArray[np.int64], speed_factor: float) -> NDArray[np.int64]:
    """Durations for a technician driving ``speed_factor`` times the model's speed.

    Rounded up, like the base durations; ``speed_factor == 1`` returns the
    input unchanged.
    """
    if speed_factor == 1.0:
        return duration_s
    return np.ceil(duration_s / speed_factor).astype(np.int64)
