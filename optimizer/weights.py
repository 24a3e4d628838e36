"""Objective weights: what a minute of travel, of lateness or a dropped order costs.

All weights are in *points*, the unit of the objective. Defaults are chosen
so that serving an order always beats dropping it unless it would need many
hours of travel, P1 before P2 before P3 before P4, and VIP before standard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from optimizer.domain import Shift, Tier, WorkOrder


def _by_priority(p1: float, p2: float, p3: float, p4: float) -> dict[int, float]:
    return {1: p1, 2: p2, 3: p3, 4: p4}


@dataclass(frozen=True, slots=True)
class Weights:
    """Objective weights, every one overridable per request.

    Parameters
    ----------
    travel_per_hour
        Points per hour of driving (default 60, one point a minute).
    unassigned_by_priority
        Points for leaving an order unserved, by priority 1-4
        (default P1 100000, P2 30000, P3 10000, P4 3000).
    late_per_minute_by_priority
        Points per minute of lateness past a soft SLA deadline, by priority
        (default P1 50, P2 20, P3 5, P4 1).
    vip_multiplier
        Multiplies the unassigned and lateness penalties of VIP orders
        (default 2).
    non_preferred_technician
        Points when an order with preferred technicians goes to another one
        (default 30).
    reassignment
        Points for moving an order already dispatched to a technician to
        another one when re-planning (default 100).
    workload_balance_per_hour
        Points per hour of the busiest shift's working time; spreads work
        evenly (default 10).
    labor_cost
        Multiplies each technician's ``cost_per_hour`` applied to the
        route's clock time, departure to end, breaks included (default 0:
        labour cost is reported, not optimised).
    working_time_per_hour
        Points per hour of working time: departure to return, waiting
        included, breaks excluded (``Route.work_s``). Default 0: not
        optimised. When positive, departures are optimised too: a route
        leaves as late as its stops allow (see
        :mod:`optimizer.search.timing`), which also lowers the labour cost.
    overtime_per_minute
        Points per minute a route ends past its shift's nominal end, for
        shifts that allow overtime and set no price of their own (default 2:
        twice a minute of driving).
    outside_territory
        Points when an order with a territory is served by a technician
        whose (preferred, not hard) territories do not include it
        (default 20).
    lateness_cap_share
        An order's lateness costs at most this share of its unserved
        penalty (default 0.5, between 0 and 1), so serving an order late
        always beats leaving it unserved.
    """

    travel_per_hour: float = 60.0
    unassigned_by_priority: dict[int, float] = field(
        default_factory=lambda: _by_priority(100_000, 30_000, 10_000, 3_000)
    )
    late_per_minute_by_priority: dict[int, float] = field(
        default_factory=lambda: _by_priority(50, 20, 5, 1)
    )
    vip_multiplier: float = 2.0
    non_preferred_technician: float = 30.0
    reassignment: float = 100.0
    workload_balance_per_hour: float = 10.0
    labor_cost: float = 0.0
    lateness_cap_share: float = 0.5
    overtime_per_minute: float = 2.0
    outside_territory: float = 20.0
    working_time_per_hour: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            values = value.values() if isinstance(value, dict) else [value]
            for v in values:
                if not math.isfinite(v) or v < 0:
                    raise ValueError(
                        f"Invalid weight {f.name}: {v!r} must be a finite number >= 0."
                    )
        if self.lateness_cap_share > 1:
            raise ValueError(
                f"Invalid weight lateness_cap_share: {self.lateness_cap_share!r} must be at most 1."
            )
        for name in ("unassigned_by_priority", "late_per_minute_by_priority"):
            keys = set(getattr(self, name))
            if keys != {1, 2, 3, 4}:
                raise ValueError(
                    f"Invalid weight {name}: needs priorities 1-4, got {sorted(keys)}."
                )

    def _tier_factor(self, order: WorkOrder) -> float:
        return self.vip_multiplier if order.tier is Tier.VIP else 1.0

    def unassigned_penalty(self, order: WorkOrder) -> float:
        """Points for leaving ``order`` unserved."""
        return self.unassigned_by_priority[int(order.priority)] * self._tier_factor(order)

    def late_per_minute(self, order: WorkOrder) -> float:
        """Points per minute ``order`` is late past its soft SLA deadline."""
        return self.late_per_minute_by_priority[int(order.priority)] * self._tier_factor(order)

    def lateness_cap(self, order: WorkOrder) -> float:
        """Most points the lateness of ``order`` can cost: a share of its unserved penalty."""
        return self.lateness_cap_share * self.unassigned_penalty(order)

    def lateness_cost(self, order: WorkOrder, late_s: int) -> float:
        """Points for starting ``order`` ``late_s`` seconds after its soft SLA deadline.

        Per minute by priority and tier, capped at :meth:`lateness_cap`; 0
        when ``late_s <= 0``.
        """
        if late_s <= 0:
            return 0.0
        return min(late_s / 60 * self.late_per_minute(order), self.lateness_cap(order))

    def overtime_rate(self, shift: Shift) -> float:
        """Points per minute of overtime of ``shift``: its own price, else the default."""
        own = shift.overtime_per_minute
        return self.overtime_per_minute if own is None else own

    def overtime_cost(self, shift: Shift, route_end_s: int) -> float:
        """Points for a route of ``shift`` ending at ``route_end_s`` (0 without overtime)."""
        over_s = shift.overtime_s(route_end_s)
        return over_s / 60 * self.overtime_rate(shift) if over_s else 0.0


DEFAULT_WEIGHTS = Weights()
