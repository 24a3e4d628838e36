"""The dispatch problem: the fleet, the demand, how to travel and what it costs.

:class:`Problem` sits above the domain entities (:mod:`optimizer.domain`),
the travel models (:mod:`optimizer.travel`) and the objective weights
(:mod:`optimizer.weights`), which import none of it: the three form no
import circle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from optimizer.clock import Clock
from optimizer.domain import Depot, SpeedProfile, Technician, WorkOrder
from optimizer.travel.base import TravelModel
from optimizer.travel.profile import SpeedCalendar, speed_calendar
from optimizer.weights import Weights


@dataclass(frozen=True, slots=True)
class Problem:
    """A dispatch problem: who is available, what must be done, how to travel.

    Parameters
    ----------
    technicians, work_orders
        The fleet and the demand; ids are unique within each list.
    travel
        The travel-time model (geodesic, matrix, road graph or planar).
    weights
        Objective weights; ``None`` uses :class:`optimizer.weights.Weights`.
    sla_yellow_threshold_s
        An SLA met with less margin than this is reported yellow (default 30 min).
    epoch
        The instant that time 0 stands for; only used to print times.
    timezone
        IANA time-zone name (``Europe/Paris``) that times are printed in,
        daylight-saving changes included; ``None``: the epoch's fixed offset.
    speed_profile
        Speed bands by time of day of the travel model, on this local
        clock, daily (:mod:`optimizer.travel.profile`); ``None``: driving
        times do not depend on the hour. A technician's own profile
        replaces it.
    depots
        Warehouses where parts and tools are picked up during the day
        (:class:`optimizer.domain.Depot`); none by default.
    """

    technicians: tuple[Technician, ...]
    work_orders: tuple[WorkOrder, ...]
    travel: TravelModel
    weights: Weights | None = None
    sla_yellow_threshold_s: int = 1800
    epoch: datetime | None = None
    timezone: str | None = None
    speed_profile: SpeedProfile | None = None
    depots: tuple[Depot, ...] = ()

    @property
    def clock(self) -> Clock:
        """Seconds from the epoch as local datetimes (:class:`optimizer.clock.Clock`)."""
        return Clock(self.epoch, self.timezone)

    def technician(self, technician_id: str) -> Technician:
        """Return the technician with this id (``KeyError`` if unknown)."""
        for tech in self.technicians:
            if tech.id == technician_id:
                return tech
        raise KeyError(technician_id)

    @property
    def has_links(self) -> bool:
        """Whether some order needs a crew or follows another order."""
        return any(o.crew is not None or o.dependencies for o in self.work_orders)

    def depot(self, depot_id: str) -> Depot:
        """Return the depot with this id (``KeyError`` if unknown)."""
        for depot in self.depots:
            if depot.id == depot_id:
                return depot
        raise KeyError(depot_id)

    def work_order(self, work_order_id: str) -> WorkOrder:
        """Return the work order with this id (``KeyError`` if unknown)."""
        for order in self.work_orders:
            if order.id == work_order_id:
                return order
        raise KeyError(work_order_id)

    def subset(
        self,
        *,
        work_order_ids: set[str] | None = None,
        technician_ids: set[str] | None = None,
    ) -> Problem:
        """Return the part of the problem with only these orders/technicians.

        Useful to solve one region or one dispatcher's team on its own.
        References to technicians left out are dropped from preferences and
        exclusions; an order pinned to a technician left out belongs to
        another team and is left out too. Dependencies on orders left out
        are dropped.
        """
        techs = self.technicians
        orders = self.work_orders
        if work_order_ids is not None:
            orders = tuple(o for o in orders if o.id in work_order_ids)
        if technician_ids is not None:
            techs = tuple(t for t in techs if t.id in technician_ids)
            kept = {t.id for t in techs}
            orders = tuple(
                replace(
                    o,
                    preferred_technician_ids=tuple(
                        t for t in o.preferred_technician_ids if t in kept
                    ),
                    excluded_technician_ids=tuple(
                        t for t in o.excluded_technician_ids if t in kept
                    ),
                    dispatched_technician_id=(
                        o.dispatched_technician_id if o.dispatched_technician_id in kept else None
                    ),
                )
                for o in orders
                if o.pinned_technician_id is None or o.pinned_technician_id in kept
            )
        kept_ids = {o.id for o in orders}
        if any(d.after not in kept_ids for o in orders for d in o.dependencies):
            # a predecessor left out belongs to another part: the link goes with it
            orders = tuple(
                replace(o, dependencies=tuple(d for d in o.dependencies if d.after in kept_ids))
                for o in orders
            )
        return replace(self, technicians=techs, work_orders=orders)

    @property
    def is_time_dependent(self) -> bool:
        """Whether some driving time depends on the hour (a speed profile applies)."""
        return self.speed_profile is not None or any(
            t.speed_profile is not None for t in self.technicians
        )

    def speed_calendars(self) -> dict[str, SpeedCalendar]:
        """The speed bands of each technician driving under a profile, on this problem's clock.

        A technician's own ``speed_profile`` comes first, then the
        problem's; technicians under neither are absent (their driving
        does not depend on the hour). The bands are laid out over every
        shift's day (:func:`optimizer.travel.profile.speed_calendar`).
        """
        if not self.is_time_dependent:
            return {}
        shifts = [s for t in self.technicians for s in t.shifts]
        start = min((s.start_s for s in shifts), default=0)
        end = max((s.latest_end_s for s in shifts), default=0)
        clock = self.clock
        made: dict[int, SpeedCalendar] = {}
        out = {}
        for tech in self.technicians:
            profile = tech.speed_profile or self.speed_profile
            if profile is None:
                continue
            key = id(profile)
            if key not in made:
                made[key] = speed_calendar(profile, clock, start, end)
            out[tech.id] = made[key]
        return out
