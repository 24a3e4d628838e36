"""Travel models: how long and how far it is between locations.

All models implement :class:`TravelModel` and return integer
:class:`TravelMatrices` (seconds rounded up, metres).
"""

from .base import TravelMatrices as TravelMatrices
from .base import TravelModel as TravelModel
from .base import scale_durations as scale_durations
from .geodesic import GeodesicTravel as GeodesicTravel
from .geodesic import haversine_m as haversine_m
from .matrix import MatrixTravel as MatrixTravel
from .planar import PlanarTravel as PlanarTravel
from .road_graph import RoadGraphTravel as RoadGraphTravel
