"""SLA traffic lights: green, yellow, red."""

from __future__ import annotations

from optimizer.domain import WorkOrder
from optimizer.plan import SlaStatus


def sla_margin_s(order: WorkOrder, arrival_s: int, end_s: int) -> int | None:
    """Seconds to spare before the tighter SLA deadline (negative when late), or ``None``.

    ``respond_by`` is compared with the arrival, ``resolve_by`` with the end
    of service.
    """
    margins = []
    if order.respond_by_s is not None:
        margins.append(order.respond_by_s - arrival_s)
    if order.resolve_by_s is not None:
        margins.append(order.resolve_by_s - end_s)
    return min(margins) if margins else None


def sla_status(order: WorkOrder, arrival_s: int, end_s: int, yellow_threshold_s: int) -> SlaStatus:
    """Green with ``yellow_threshold_s`` to spare, yellow with less, red when late."""
    margin = sla_margin_s(order, arrival_s, end_s)
    if margin is None:
        return SlaStatus.NONE
    if margin < 0:
        return SlaStatus.RED
    return SlaStatus.YELLOW if margin < yellow_threshold_s else SlaStatus.GREEN
