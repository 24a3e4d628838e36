"""The working day's features for generated scenarios: overtime, rush hours, territories.

Opt-in through :class:`~scenarios.params.ScenarioParams` (``overtime_share``,
``rush_hours``, ``territories``); a document built without them is exactly
what it was before. They draw from a random stream of their own (seeded
from the scenario's seed), so switching one on never changes the rest of
the day: the same technicians, orders, windows and parts.
"""

from __future__ import annotations

import math
import random
from typing import Any

from scenarios.geography import Metro
from scenarios.params import ScenarioParams

#: Rush hours of a French metro area on a weekday (local clock): the morning
#: peak makes driving about 40% longer, the evening one 35%.
RUSH_HOURS: tuple[dict[str, Any], ...] = (
    {"start": "07:30", "end": "09:30", "factor": 1.4},
    {"start": "16:30", "end": "19:00", "factor": 1.35},
)
#: Overtime a technician who accepts it may work per shift, in minutes.
OVERTIME_MIN = 60
#: Points per minute of overtime (three times a minute of driving).
OVERTIME_PER_MINUTE = 3.0


def add_working_day(document: dict[str, Any], params: ScenarioParams, metro: Metro) -> None:
    """Add overtime, rush hours and territories to ``document`` as ``params`` ask (in place).

    Parameters
    ----------
    document
        A problem document from :func:`scenarios.build.build_scenario`.
    params
        Its parameters: ``overtime_share`` of the technicians allow
        :data:`OVERTIME_MIN` of overtime per shift at
        :data:`OVERTIME_PER_MINUTE`; ``rush_hours`` gives the travel model
        :data:`RUSH_HOURS`; ``territories`` puts each order and technician
        in the territory of its nearest population centre (preferred; a
        ``hard_territory_share`` of the technicians may not leave theirs).
    metro
        The metro area the document was drawn in.
    """
    rng = random.Random(f"working-day-{params.seed}")
    if params.overtime_share > 0:
        for tech in document["technicians"]:
            if rng.random() < params.overtime_share:
                for shift in tech["shifts"]:
                    shift["max_overtime_min"] = OVERTIME_MIN
                    shift["overtime_per_minute"] = OVERTIME_PER_MINUTE
    if params.rush_hours:
        document["travel"]["speed_profile"] = {"bands": [dict(b) for b in RUSH_HOURS]}
    if params.territories:
        for order in document["work_orders"]:
            order["territory"] = _territory(metro, order["location"])
        for tech in document["technicians"]:
            tech["territories"] = [_territory(metro, tech["start"])]
            if rng.random() < params.hard_territory_share:
                tech["territory_hard"] = True


def _territory(metro: Metro, location: dict[str, Any]) -> str:
    """The name of the population centre nearest to ``location`` (equirectangular distance)."""
    lat, lon = location["lat"], location["lon"]
    scale = math.cos(math.radians(lat))

    def distance(name_lat_lon: tuple[str, float, float]) -> float:
        _, c_lat, c_lon = name_lat_lon
        return (c_lat - lat) ** 2 + ((c_lon - lon) * scale) ** 2

    return min(((c.name, c.lat, c.lon) for c in metro.centres), key=distance)[0]
