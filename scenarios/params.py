"""Parameters of a generated scenario; they check themselves when built."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time

from scenarios.catalogue import TRADE_BY_SKILL
from scenarios.geography import METROS

DEFAULT_START_DATE = date(2026, 11, 23)
"""A Monday; the first working day of every scenario unless told otherwise."""


def _invalid(name: str, value: object, rule: str) -> ValueError:
    return ValueError(f"Invalid scenario parameter {name}: {value!r} {rule}.")


@dataclass(frozen=True, slots=True)
class ScenarioParams:
    """What to generate: fleet, demand, mix and horizon.

    Parameters
    ----------
    n_technicians
        Technicians, at least 1 (default 10).
    n_orders
        Work orders, at least 1 (default 50).
    seed
        Seed of the random stream, >= 0 (default 0).
    metro
        Metro-area key of :data:`scenarios.geography.METROS` (default ``"lyon"``).
    n_days
        Working days (Monday to Friday, weekends skipped), 1 to 10 (default 1).
    start_date
        First working day, a weekday (default Monday 2026-11-23).
    depot_based_share
        Share of technicians starting and ending at a depot; the others start
        and end at home (default 0.4).
    priority_mix
        Shares of P1, P2, P3 and P4 among the non-surge orders; they sum to 1
        (default 5/20/45/30 %).
    vip_share
        Share of VIP customers (default 0.1).
    appointment_share
        Share of non-P1 orders booked into an AM or PM window (default 0.4).
    vip_window_min
        When set, every non-P1 VIP order gets an appointment window this many
        minutes wide (15 to 240); ``None`` (default) treats VIPs like others.
    parts_share
        Share of orders needing a spare part from the van (default 0.3).
    service_scale
        Multiplies on-site durations, 0.2 to 3 (default 1: about an hour).
    rare_skill
        The skill that can be made scarce (default ``"gas"``).
    rare_skill_technicians
        When set, exactly this many technicians hold ``rare_skill`` (level 3);
        ``None`` (default) draws it like any other trade.
    rare_skill_order_share
        When set, the share of orders needing ``rare_skill`` at level 2 or more.
    surge_share
        Share of orders that are P1 emergencies reported during the first
        day between ``surge_start`` and ``surge_end`` in one district, each
        released (``not_before``) when reported (default 0).
    surge_start, surge_end
        Local times bounding the surge (default 09:00-11:00).
    n_depots
        Depots where parts and tools are picked up during the day, 0 to 2
        (default 0: none); with depots, some parts are kept only there
        (:mod:`scenarios.depots`).
    tool_share
        Share of orders needing their trade's tool (default 0).
    """

    n_technicians: int = 10
    n_orders: int = 50
    seed: int = 0
    metro: str = "lyon"
    n_days: int = 1
    start_date: date = DEFAULT_START_DATE
    depot_based_share: float = 0.4
    priority_mix: tuple[float, float, float, float] = (0.05, 0.20, 0.45, 0.30)
    vip_share: float = 0.10
    appointment_share: float = 0.40
    vip_window_min: int | None = None
    parts_share: float = 0.30
    service_scale: float = 1.0
    rare_skill: str = "gas"
    rare_skill_technicians: int | None = None
    rare_skill_order_share: float | None = None
    surge_share: float = 0.0
    surge_start: time = time(9, 0)
    surge_end: time = time(11, 0)
    n_depots: int = 0
    tool_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("n_technicians", "n_orders"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _invalid(name, value, "must be an integer of at least 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise _invalid("seed", self.seed, "must be an integer >= 0")
        if self.metro not in METROS:
            raise _invalid("metro", self.metro, f"must be one of {', '.join(sorted(METROS))}")
        if not isinstance(self.n_days, int) or not 1 <= self.n_days <= 10:
            raise _invalid("n_days", self.n_days, "must be an integer from 1 to 10")
        if self.start_date.weekday() >= 5:
            raise _invalid("start_date", self.start_date.isoformat(), "must be a weekday")
        shares = (
            "depot_based_share",
            "vip_share",
            "appointment_share",
            "parts_share",
            "surge_share",
            "rare_skill_order_share",
            "tool_share",
        )
        for name in shares:
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise _invalid(name, value, "must be a share between 0 and 1")
        mix = self.priority_mix
        if len(mix) != 4 or any(not math.isfinite(p) or p < 0 for p in mix):
            raise _invalid("priority_mix", mix, "must be four shares >= 0 (P1, P2, P3, P4)")
        if abs(sum(mix) - 1.0) > 1e-9:
            raise _invalid("priority_mix", mix, "must sum to 1")
        if self.vip_window_min is not None and not 15 <= self.vip_window_min <= 240:
            raise _invalid("vip_window_min", self.vip_window_min, "must be 15 to 240 minutes")
        if not (math.isfinite(self.service_scale) and 0.2 <= self.service_scale <= 3.0):
            raise _invalid("service_scale", self.service_scale, "must be between 0.2 and 3")
        if self.rare_skill not in TRADE_BY_SKILL:
            known = ", ".join(sorted(TRADE_BY_SKILL))
            raise _invalid("rare_skill", self.rare_skill, f"must be one of {known}")
        rare = self.rare_skill_technicians
        if rare is not None and not 1 <= rare <= self.n_technicians:
            raise _invalid(
                "rare_skill_technicians",
                rare,
                f"must be from 1 to n_technicians ({self.n_technicians})",
            )
        if isinstance(self.n_depots, bool) or self.n_depots not in (0, 1, 2):
            raise _invalid("n_depots", self.n_depots, "must be 0, 1 or 2")
        if self.surge_end <= self.surge_start:
            raise _invalid(
                "surge_end",
                self.surge_end.isoformat(),
                f"must be after surge_start {self.surge_start}",
            )
