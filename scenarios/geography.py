"""Real metro areas for the scenario generators: bounding boxes, depots, population centres.

Coordinates are WGS84 decimal degrees of real places (town halls, industrial
estates). Work orders are drawn around population centres, weighted by a
rough share of households; technicians live near their depot. Travel is
geodesic with the metro's average driving speed and road circuity.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

KM_PER_DEGREE_LAT = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""


@dataclass(frozen=True, slots=True)
class Place:
    """A named point; ``weight`` is its relative share of demand (centres only)."""

    name: str
    lat: float
    lon: float
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Metro:
    """A metro area: where work happens and how fast vans drive there.

    Parameters
    ----------
    name
        Human name of the area.
    utc_offset_h
        Offset of local time from UTC in late November (no daylight saving).
    lat_min, lat_max, lon_min, lon_max
        Bounding box of every generated location, in degrees.
    depots
        Depots; depot-based technicians start and end there, home-based
        technicians live around them.
    centres
        Population centres that work orders cluster around.
    spread_km
        Standard deviation of the distance of an order from its centre.
    speed_kmh, circuity
        Geodesic travel parameters: average speed and road / crow-flies ratio.
    """

    name: str
    utc_offset_h: int
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float
    depots: tuple[Place, ...]
    centres: tuple[Place, ...]
    spread_km: float
    speed_kmh: float
    circuity: float

    def contains(self, lat: float, lon: float) -> bool:
        """Return whether the point lies inside the bounding box."""
        return self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max


LYON = Metro(
    name="Lyon metropolitan area",
    utc_offset_h=1,
    lat_min=45.64,
    lat_max=45.86,
    lon_min=4.74,
    lon_max=5.04,
    depots=(
        Place("Gerland", 45.7290, 4.8310),
        Place("Villeurbanne", 45.7700, 4.8960),
        Place("Vénissieux", 45.6975, 4.8867),
        Place("Dardilly", 45.8060, 4.7530),
    ),
    centres=(
        Place("Presqu'île", 45.7600, 4.8320, 3.0),
        Place("Part-Dieu", 45.7606, 4.8595, 3.0),
        Place("Villeurbanne", 45.7719, 4.8902, 2.0),
        Place("Croix-Rousse", 45.7780, 4.8270, 1.5),
        Place("Vénissieux", 45.6973, 4.8862, 1.5),
        Place("Vaulx-en-Velin", 45.7786, 4.9214, 1.0),
        Place("Caluire", 45.7953, 4.8461, 1.0),
        Place("Oullins", 45.7145, 4.8075, 1.0),
        Place("Bron", 45.7386, 4.9131, 1.0),
        Place("Saint-Priest", 45.6960, 4.9440, 1.0),
        Place("Écully", 45.7745, 4.7775, 0.7),
        Place("Meyzieu", 45.7667, 5.0036, 0.7),
    ),
    spread_km=2.0,
    speed_kmh=28.0,
    circuity=1.35,
)

PARIS = Metro(
    name="Greater Paris",
    utc_offset_h=1,
    lat_min=48.72,
    lat_max=48.98,
    lon_min=2.12,
    lon_max=2.58,
    depots=(
        Place("Saint-Denis", 48.9362, 2.3574),
        Place("Ivry-sur-Seine", 48.8156, 2.3849),
        Place("Nanterre", 48.8924, 2.2071),
        Place("Montreuil", 48.8638, 2.4485),
        Place("Massy", 48.7309, 2.2714),
    ),
    centres=(
        Place("Paris centre", 48.8566, 2.3522, 6.0),
        Place("Paris 15e", 48.8412, 2.3003, 2.0),
        Place("Paris 18e", 48.8925, 2.3444, 2.0),
        Place("Paris 20e", 48.8638, 2.3985, 2.0),
        Place("Boulogne-Billancourt", 48.8397, 2.2399, 1.0),
        Place("Saint-Denis", 48.9362, 2.3574, 1.0),
        Place("Montreuil", 48.8638, 2.4485, 1.0),
        Place("Argenteuil", 48.9472, 2.2467, 1.0),
        Place("Créteil", 48.7904, 2.4556, 1.0),
        Place("Nanterre", 48.8924, 2.2071, 1.0),
        Place("Vitry-sur-Seine", 48.7875, 2.3928, 1.0),
        Place("Versailles", 48.8049, 2.1304, 0.8),
        Place("Aulnay-sous-Bois", 48.9386, 2.4975, 0.8),
    ),
    spread_km=2.5,
    speed_kmh=22.0,
    circuity=1.4,
)

RHONE_ALPES = Metro(
    name="Auvergne-Rhône-Alpes (Lyon, Grenoble, Saint-Étienne, Clermont-Ferrand, Annecy, Valence)",
    utc_offset_h=1,
    lat_min=44.80,
    lat_max=46.05,
    lon_min=2.95,
    lon_max=6.25,
    depots=(
        Place("Lyon Gerland", 45.7290, 4.8310),
        Place("Villeurbanne", 45.7700, 4.8960),
        Place("Vénissieux", 45.6975, 4.8867),
        Place("Grenoble Sassenage", 45.2050, 5.6650),
        Place("Échirolles", 45.1430, 5.7180),
        Place("Saint-Étienne Molina", 45.4590, 4.4080),
        Place("Clermont-Ferrand Brézet", 45.7880, 3.1330),
        Place("Annecy Seynod", 45.8850, 6.0950),
        Place("Valence Briffaut", 44.9170, 4.9230),
        Place("Chambéry Bissy", 45.5800, 5.8930),
    ),
    centres=(
        Place("Lyon", 45.7600, 4.8400, 8.0),
        Place("Villeurbanne", 45.7719, 4.8902, 2.0),
        Place("Vénissieux", 45.6973, 4.8862, 1.0),
        Place("Grenoble", 45.1885, 5.7245, 4.0),
        Place("Saint-Étienne", 45.4397, 4.3872, 3.0),
        Place("Clermont-Ferrand", 45.7772, 3.0870, 3.0),
        Place("Annecy", 45.8992, 6.1294, 2.0),
        Place("Valence", 44.9334, 4.8924, 1.5),
        Place("Chambéry", 45.5646, 5.9178, 1.5),
        Place("Roanne", 46.0360, 4.0680, 0.8),
        Place("Vienne", 45.5253, 4.8743, 0.7),
        Place("Bourgoin-Jallieu", 45.5860, 5.2740, 0.7),
    ),
    spread_km=3.0,
    speed_kmh=34.0,
    circuity=1.3,
)

METROS: dict[str, Metro] = {"lyon": LYON, "paris": PARIS, "rhone-alpes": RHONE_ALPES}
"""The metro areas a scenario can use, by key."""


def _round(value: float) -> float:
    return round(value, 5)  # about 1 m: stable JSON, no false precision


def point_near(
    rng: random.Random, metro: Metro, lat: float, lon: float, sigma_km: float
) -> tuple[float, float]:
    """Draw a point around ``(lat, lon)`` with a Gaussian spread, inside the metro's box.

    Parameters
    ----------
    rng
        The scenario's random stream.
    metro
        Its bounding box bounds the point (redrawn up to 20 times, then clamped).
    lat, lon
        The centre, in degrees.
    sigma_km
        Standard deviation of the offset along each axis, in km.

    Returns
    -------
    tuple[float, float]
        Latitude and longitude rounded to 5 decimals.
    """
    km_per_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(lat))
    for _ in range(20):
        p_lat = lat + rng.gauss(0.0, sigma_km) / KM_PER_DEGREE_LAT
        p_lon = lon + rng.gauss(0.0, sigma_km) / km_per_lon
        if metro.contains(p_lat, p_lon):
            return _round(p_lat), _round(p_lon)
    p_lat = min(max(p_lat, metro.lat_min), metro.lat_max)
    p_lon = min(max(p_lon, metro.lon_min), metro.lon_max)
    return _round(p_lat), _round(p_lon)


def point_uniform(rng: random.Random, metro: Metro) -> tuple[float, float]:
    """Draw a point uniformly in the metro's bounding box (rounded to 5 decimals)."""
    lat = metro.lat_min + rng.random() * (metro.lat_max - metro.lat_min)
    lon = metro.lon_min + rng.random() * (metro.lon_max - metro.lon_min)
    return _round(lat), _round(lon)


def demand_point(
    rng: random.Random, metro: Metro, uniform_share: float = 0.2
) -> tuple[float, float]:
    """Draw a customer location: around a weighted population centre, or anywhere.

    Parameters
    ----------
    rng
        The scenario's random stream.
    metro
        The area.
    uniform_share
        Share of points drawn uniformly in the box (suburbs, industrial
        estates) rather than around a centre (default 0.2).
    """
    if rng.random() < uniform_share:
        return point_uniform(rng, metro)
    centre = rng.choices(metro.centres, weights=[c.weight for c in metro.centres])[0]
    return point_near(rng, metro, centre.lat, centre.lon, metro.spread_km)
