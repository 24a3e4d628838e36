"""What field-service work looks like: trades, parts, SLA policies, shifts and names.

The figures are plausible for a residential and small-business maintenance
company (heating, plumbing, electrical, appliances, gas), not measured data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from optimizer.domain import Priority, Tier


@dataclass(frozen=True, slots=True)
class Trade:
    """A skill and the work that comes with it.

    Parameters
    ----------
    skill
        Skill name as it appears in problem documents.
    tech_share
        Relative share of technicians whose main trade it is.
    demand_share
        Relative share of work orders needing it.
    service_min
        Typical on-site minutes for a level-2 job.
    parts
        Common spare parts of the trade (vans carry 1-3 of each).
    rare_parts
        Parts only some vans carry, one at most.
    """

    skill: str
    tech_share: float
    demand_share: float
    service_min: int
    parts: tuple[str, ...]
    rare_parts: tuple[str, ...]


TRADES: tuple[Trade, ...] = (
    Trade("hvac", 0.25, 0.30, 60, ("filter-20x25", "capacitor-45uF"), ("thermostat-T6",)),
    Trade("plumbing", 0.25, 0.25, 45, ("valve-15mm", "seal-kit"), ("pump-circ-25",)),
    Trade("electrical", 0.25, 0.25, 45, ("breaker-16A", "socket-2p"), ("rcd-40A",)),
    Trade("appliance", 0.20, 0.15, 40, ("door-seal", "drain-pump"), ("heating-element",)),
    Trade("gas", 0.05, 0.05, 60, ("thermocouple",), ("gas-valve",)),
)
"""The trades, in a fixed order (generation iterates over it)."""

TRADE_BY_SKILL: dict[str, Trade] = {t.skill: t for t in TRADES}

LEVEL_SERVICE_FACTOR = {1: 0.75, 2: 1.0, 3: 1.4}
"""On-site time by required skill level, relative to the trade's typical job."""

ORDER_LEVEL_WEIGHTS = (0.55, 0.35, 0.10)
"""Share of work orders needing level 1, 2 and 3 of their skill."""


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """How long a customer may wait, by priority and tier.

    Parameters
    ----------
    respond_within_min
        Arrive within this many minutes of the report (``respond_by``).
    resolve_business_days
        Finish by ``resolve_by_hour`` on this business day after the report
        (0: the same day); a report after :data:`REPORT_CUTOFF` or on a
        weekend counts from the next business day.
    resolve_by_hour
        Local hour of the resolve-by deadline.
    """

    respond_within_min: int | None = None
    resolve_business_days: int | None = None
    resolve_by_hour: int = 18


SLA_POLICIES: dict[tuple[Priority, Tier], SlaPolicy] = {
    (Priority.P1, Tier.STANDARD): SlaPolicy(respond_within_min=240),
    (Priority.P1, Tier.VIP): SlaPolicy(respond_within_min=120),
    (Priority.P2, Tier.STANDARD): SlaPolicy(resolve_business_days=0),
    (Priority.P2, Tier.VIP): SlaPolicy(resolve_business_days=0, resolve_by_hour=13),
    (Priority.P3, Tier.STANDARD): SlaPolicy(resolve_business_days=2),
    (Priority.P3, Tier.VIP): SlaPolicy(resolve_business_days=1),
    (Priority.P4, Tier.STANDARD): SlaPolicy(resolve_business_days=5),
    (Priority.P4, Tier.VIP): SlaPolicy(resolve_business_days=3),
}
"""P1: respond within 4 h (VIP 2 h); P2: same day (VIP by 13:00); P3: within 2 business
days (VIP 1); P4: within a week, 5 business days (VIP 3)."""

REPORT_CUTOFF = time(16, 0)
"""Reports after this local time count from the next business day."""

PLAN_TIME = time(7, 45)
"""Orders are reported before this time of the first day, when the plan is made."""

AM_WINDOW = (time(8, 0), time(12, 0))
PM_WINDOW = (time(12, 0), time(16, 0))
"""Appointment windows on the service start (local times)."""

SHIFT_PATTERNS: tuple[tuple[time, time, float], ...] = (
    (time(8, 0), time(17, 0), 0.6),
    (time(7, 30), time(16, 30), 0.2),
    (time(9, 0), time(18, 0), 0.2),
)
"""Shift start, end and share of technicians working it."""

LUNCH_MIN = 30
LUNCH_WINDOW = (time(11, 30), time(14, 0))
"""A 30-minute lunch break taken between 11:30 and 14:00."""

FIRST_NAMES = (
    "Amina", "Lucas", "Chloé", "Hugo", "Inès", "Louis", "Léa", "Nathan", "Manon", "Yanis",
    "Camille", "Théo", "Sarah", "Karim", "Julie", "Mehdi", "Emma", "Antoine", "Fatou", "Paul",
    "Zoé", "Rayan", "Clara", "Maxime", "Nora", "Julien", "Lina", "Thomas", "Sofia", "Bastien",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "Benali", "Nguyen", "Haddad", "Diallo", "Rousseau",
    "Blanc", "Guerin", "Muller",
)  # fmt: skip
