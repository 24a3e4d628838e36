"""Solomon-format VRPTW instances: parser, mapping to a dispatch problem, exact checker.

The Solomon text format (also used by the Gehring & Homberger instances) is::

    C101

    VEHICLE
    NUMBER     CAPACITY
      25         200

    CUSTOMER
    CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

        0      40         50          0          0       1236          0
        1      45         68         10        912        967         90

Customer 0 is the depot. Travel time equals Euclidean distance. The
checker here works in double precision on the instance itself and never
looks at the optimizer's integer model, so it is an independent judge of
the benchmark's plans.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from optimizer.domain import (
    PlanarPoint,
    Priority,
    Shift,
    Technician,
    TimeWindow,
    WorkOrder,
)
from optimizer.problem import Problem
from optimizer.travel.planar import PlanarTravel
from optimizer.weights import Weights

#: Points (seconds of travel) for leaving a customer unserved: far above any
#: detour (a 400-customer Homberger square is under 300 units across, i.e.
#: under 3e5 s at scale 1000), so the solver serves every customer it can.
UNSERVED_PENALTY = 1e8

#: The load dimension: vehicle capacity is modelled as van stock of one part.
LOAD_PART = "load"

#: The VRPTW instances beside the project (``../shared/data/vrptw``).
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "vrptw"


@dataclass(frozen=True, slots=True)
class Customer:
    """One row of the customer section; number 0 is the depot.

    Coordinates, times and durations are in the instance's own units
    (travel time equals distance).
    """

    number: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True, slots=True)
class Instance:
    """A VRPTW instance: a fleet of identical vehicles, a depot and customers."""

    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]


def _number(token: str, path: Path, line_no: int) -> float:
    try:
        return float(token)
    except ValueError:
        raise ValueError(
            f"Invalid Solomon file {path}: line {line_no} has non-numeric field {token!r}."
        ) from None


def parse_instance(path: str | Path) -> Instance:
    """Read a Solomon-format instance file.

    Parameters
    ----------
    path
        The ``.txt`` file (Solomon or Gehring & Homberger).

    Returns
    -------
    Instance
        Named after the file's first line (the file stem if that is blank).

    Raises
    ------
    ValueError
        If the vehicle or customer section is missing or malformed.
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    name = lines[0].strip() if lines and lines[0].strip() else path.stem
    vehicles = capacity = None
    rows: list[Customer] = []
    section = ""
    for line_no, raw in enumerate(lines[1:], start=2):
        tokens = raw.split()
        if not tokens:
            continue
        head = tokens[0].upper()
        if head in ("VEHICLE", "CUSTOMER"):
            section = head
            continue
        if not tokens[0].lstrip("+-").replace(".", "", 1).isdigit():
            continue  # a column header
        values = [_number(t, path, line_no) for t in tokens]
        if section == "VEHICLE" and len(values) == 2:
            vehicles, capacity = int(values[0]), int(values[1])
        elif section == "CUSTOMER" and len(values) == 7:
            number, x, y, demand, ready, due, service = values
            rows.append(Customer(int(number), x, y, int(demand), ready, due, service))
        else:
            raise ValueError(
                f"Invalid Solomon file {path}: line {line_no} has {len(values)} fields "
                f"in the {section or 'header'} section."
            )
    if vehicles is None or capacity is None:
        raise ValueError(f"Invalid Solomon file {path}: no VEHICLE section.")
    if not rows or rows[0].number != 0:
        raise ValueError(f"Invalid Solomon file {path}: the first customer must be depot 0.")
    return Instance(name, vehicles, capacity, rows[0], tuple(rows[1:]))


def scaled_up(value: float, scale: int) -> int:
    """``value * scale`` rounded up to an integer (window starts, service times).

    ``round(.., 6)`` first absorbs binary noise (``0.1 * 1000`` is
    ``100.00000000000001``), so an exact product is not pushed up by one.

    Parameters
    ----------
    value
        A time or duration in instance units.
    scale
        Integer units (seconds) per instance unit.

    Returns
    -------
    int
        The smallest integer not below the scaled value.
    """
    return math.ceil(round(value * scale, 6))


def scaled_down(value: float, scale: int) -> int:
    """``value * scale`` rounded down to an integer (window ends); see :func:`scaled_up`.

    Parameters
    ----------
    value
        A time in instance units.
    scale
        Integer units (seconds) per instance unit.

    Returns
    -------
    int
        The largest integer not above the scaled value.
    """
    return math.floor(round(value * scale, 6))


def to_problem(instance: Instance, scale: int = 1000) -> Problem:
    """Map an instance to a dispatch problem whose optimum is the VRPTW optimum.

    One instance unit becomes ``scale`` metres and ``scale`` seconds
    (travel at 1 m/s). The planar travel model rounds every leg *up* to a
    whole second, window starts and service times are rounded up and window
    ends down, so a plan that is valid in integer seconds is valid in exact
    arithmetic (all equal for the integer data of Solomon and Homberger).

    Parameters
    ----------
    instance
        The parsed instance.
    scale
        Seconds (and metres) per instance unit (default 1000).

    Returns
    -------
    Problem
        Technicians ``v1``..``vK`` (one per vehicle) with one shift over the
        depot's window, starting and ending at the depot, van stock
        ``{"load": capacity}``; one P1 work order per customer, id
        ``str(number)``, with parts ``{"load": demand}`` and the customer's
        window. The objective is one point per second of travel, with no
        workload balancing and a :data:`UNSERVED_PENALTY` per dropped order.
    """
    depot = instance.depot
    depot_point = PlanarPoint(depot.x * scale, depot.y * scale)
    shift = Shift(start_s=scaled_up(depot.ready, scale), end_s=scaled_down(depot.due, scale))
    technicians = tuple(
        Technician(
            id=f"v{k}",
            shifts=(shift,),
            start=depot_point,
            end=depot_point,
            van_stock={LOAD_PART: instance.capacity},
        )
        for k in range(1, instance.vehicles + 1)
    )
    work_orders = tuple(
        WorkOrder(
            id=str(c.number),
            location=PlanarPoint(c.x * scale, c.y * scale),
            service_s=scaled_up(c.service, scale),
            priority=Priority.P1,
            windows=(TimeWindow(scaled_up(c.ready, scale), scaled_down(c.due, scale)),),
            parts={LOAD_PART: c.demand},
        )
        for c in instance.customers
    )
    weights = Weights(
        travel_per_hour=3600.0,
        workload_balance_per_hour=0.0,
        unassigned_by_priority=dict.fromkeys((1, 2, 3, 4), UNSERVED_PENALTY),
    )
    return Problem(
        technicians=technicians,
        work_orders=work_orders,
        travel=PlanarTravel(speed_mps=1.0),
        weights=weights,
    )


def _dist(a: Customer, b: Customer) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def route_distance(instance: Instance, route_customer_numbers: Sequence[int]) -> float:
    """Length of depot → c1 → … → ck → depot in double precision (0 if empty).

    Raises
    ------
    KeyError
        If a number is not a customer of the instance.
    """
    if not route_customer_numbers:
        return 0.0
    by_number = {c.number: c for c in instance.customers}
    stops = [instance.depot, *(by_number[n] for n in route_customer_numbers), instance.depot]
    return math.fsum(_dist(a, b) for a, b in itertools.pairwise(stops))


def check_solution(instance: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Check a VRPTW solution in double precision with the Solomon conventions.

    Every vehicle leaves the depot at its ready time; service starts at
    ``max(arrival, ready)`` and must start no later than ``due``; the vehicle
    must be back at the depot by the depot's due time; a route's demand must
    fit the capacity; every customer is served exactly once; non-empty routes
    must not outnumber the vehicles. Comparisons are exact (no tolerance).

    Parameters
    ----------
    instance
        The instance the solution is for.
    routes
        Customer numbers of each route, in visiting order, depot excluded.

    Returns
    -------
    list[str]
        One sentence per violation; empty when the solution is feasible.
    """
    by_number = {c.number: c for c in instance.customers}
    errors: list[str] = []
    served: dict[int, int] = {}
    used = [r for r in routes if r]
    if len(used) > instance.vehicles:
        errors.append(
            f"The solution uses {len(used)} routes, more than the {instance.vehicles} vehicles."
        )
    for r, route in enumerate(routes, start=1):
        unknown = [n for n in route if n not in by_number]
        for n in unknown:
            errors.append(f"Route {r} visits unknown customer {n}.")
        if unknown:
            continue
        for n in route:
            served[n] = served.get(n, 0) + 1
        load = sum(by_number[n].demand for n in route)
        if load > instance.capacity:
            errors.append(
                f"Route {r} carries {load}, over the vehicle capacity {instance.capacity}."
            )
        t = instance.depot.ready
        here = instance.depot
        for n in route:
            c = by_number[n]
            start = max(t + _dist(here, c), c.ready)
            if start > c.due:
                errors.append(
                    f"Route {r} starts customer {n} at {start:.6f}, after its due time {c.due:g}."
                )
            t, here = start + c.service, c
        if route:
            back = t + _dist(here, instance.depot)
            if back > instance.depot.due:
                errors.append(
                    f"Route {r} returns to the depot at {back:.6f}, "
                    f"after its due time {instance.depot.due:g}."
                )
    for c in instance.customers:
        times = served.get(c.number, 0)
        if times == 0:
            errors.append(f"Customer {c.number} is not served.")
        elif times > 1:
            errors.append(f"Customer {c.number} is served {times} times.")
    return errors
