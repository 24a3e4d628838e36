"""Booking recommendations: where and when a new order fits (``POST /v1/recommendations``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import SettingsDep
from api.mapping import booking_inputs, booking_to_out
from api.schemas.common import ErrorOut
from api.schemas.recommendations import RecommendationRequest, RecommendationsOut
from optimizer import recommend

router = APIRouter(prefix="/v1/recommendations", tags=["recommendations"])

#: Seconds for the search with moves when a request gives none.
DEFAULT_TIME_LIMIT_S = 0.15

_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid input: every issue, each naming its field."},
}


@router.post(
    "",
    response_model=RecommendationsOut,
    responses=_RESPONSES,
    summary="Slots to book a new order into a plan",
)
def recommend_slots(request: RecommendationRequest, settings: SettingsDep) -> dict[str, Any]:
    """The best slots to offer a customer, best first, each verified by the validator.

    For each candidate window of `work_order` (its `windows`; none: any time
    its not-before and deadlines allow), the order is priced at every
    position of every route that may serve it, then, within `time_limit_s`,
    with one order of a route moved to another technician to make room.
    The `top_k` best (one per technician-shift and window) are written into
    the plan and kept only if the validator accepts it; `objective_delta` is
    the plan's objective with the order minus without it (points), and
    `moves` the orders given to another technician. The first is never worse
    than the best single insertion.

    No solving happens and no solver slot is taken: answers take a fraction
    of a second (a 50-technician, 500-order day: see `benchmarks/recommend.py`).
    When nobody can take the order, `recommendations` is empty and `reason`
    says why. Issues about the new order name `work_order`; a plan the
    validator rejects is a 422 on `plan`.
    """
    problem, plan, order = booking_inputs(request.problem, request.plan, request.work_order)
    limit_s = min(request.time_limit_s or DEFAULT_TIME_LIMIT_S, settings.max_time_limit_s)
    booking = recommend(problem, plan, order, top_k=request.top_k, time_limit_s=limit_s)
    return booking_to_out(booking)
