"""Caller-supplied travel matrices (from OSRM, Valhalla, a routing API, a benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optimizer.domain import Location, MatrixRef
from optimizer.errors import InputError
from optimizer.travel.base import TravelMatrices, TravelModel


def _to_int_matrix(value: ArrayLike, name: str) -> NDArray[np.int64]:
    """Check a square, finite, non-negative, zero-diagonal matrix; round it up to int64."""
    field = f"travel.{name}"
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "O":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError):
        arr = np.asarray(None)
    if arr.dtype.kind not in "iuf":
        raise InputError.single(field, f"Travel matrix {name} must be a numeric square matrix.")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError.single(
            field, f"Travel matrix {name} must be square, got shape {arr.shape}."
        )
    for rule, bad in (
        ("a non-finite", ~np.isfinite(arr)),
        ("a negative", arr < 0),
        ("a non-zero diagonal", np.diag(np.diag(arr) != 0)),
    ):
        if bad.any():
            i, j = (int(k) for k in np.argwhere(bad)[0])
            raise InputError.single(
                field, f"Travel matrix {name} has {rule} entry at [{i}, {j}]: {arr[i, j].item()!r}."
            )
    out = np.ceil(arr).astype(np.int64) if arr.dtype.kind == "f" else arr.astype(np.int64)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class MatrixTravel(TravelModel):
    """Travel read from caller-supplied square matrices.

    Locations are :class:`~optimizer.domain.MatrixRef` rows/columns of the
    matrices. The matrices are checked and converted when the model is
    built; fractional durations or distances are rounded up. Instances
    compare by identity (they hold arrays).

    Parameters
    ----------
    durations_s
        Square matrix of driving times in seconds (nested lists or numpy);
        finite, non-negative, with a zero diagonal. Stored as read-only
        ``int64``.
    distances_m
        Square matrix of driving distances in metres with the shape of
        ``durations_s``, under the same rules; ``None`` (default) means
        distances are unknown and reported as 0.

    Raises
    ------
    InputError
        With field ``travel.durations_s`` or ``travel.distances_m`` if a
        matrix is not square, not numeric, not finite, negative somewhere,
        has a non-zero diagonal, or if the two shapes differ.
    """

    durations_s: ArrayLike
    distances_m: ArrayLike | None = None

    def __post_init__(self) -> None:
        durations = _to_int_matrix(self.durations_s, "durations_s")
        object.__setattr__(self, "durations_s", durations)
        if self.distances_m is None:
            return
        distances = _to_int_matrix(self.distances_m, "distances_m")
        if distances.shape != durations.shape:
            raise InputError.single(
                "travel.distances_m",
                f"Travel matrix distances_m has shape {distances.shape} "
                f"but durations_s has shape {durations.shape}.",
            )
        object.__setattr__(self, "distances_m", distances)

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the travel matrices between ``locations`` (in that order).

        Parameters
        ----------
        locations
            :class:`~optimizer.domain.MatrixRef` locations; several may share
            an index.

        Returns
        -------
        TravelMatrices
            The sub-matrices at the referenced rows and columns.

        Raises
        ------
        InputError
            With field ``locations[i]`` if a location is not a ``MatrixRef``,
            or ``locations[i].index`` if its index is outside the matrix.
        """
        all_durations = np.asarray(self.durations_s, dtype=np.int64)  # no copy: int64 already
        n = all_durations.shape[0]
        index = np.empty(len(locations), dtype=np.intp)
        for i, loc in enumerate(locations):
            if not isinstance(loc, MatrixRef):
                raise InputError.single(
                    f"locations[{i}]",
                    f"MatrixTravel needs a MatrixRef at location {i}, got {type(loc).__name__}.",
                )
            if not 0 <= loc.index < n:
                raise InputError.single(
                    f"locations[{i}].index",
                    f"Matrix index {loc.index!r} of location {i} is outside "
                    f"the {n}x{n} travel matrix.",
                )
            index[i] = loc.index
        rows = np.ix_(index, index)
        durations = all_durations[rows]
        if self.distances_m is None:
            distances = np.zeros_like(durations)
        else:
            distances = np.asarray(self.distances_m, dtype=np.int64)[rows]
        return TravelMatrices(duration_s=durations, distance_m=distances)
