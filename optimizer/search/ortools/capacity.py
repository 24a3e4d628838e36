"""Per-shift capacities: work orders, driving time, spare parts from van stock."""

from __future__ import annotations

from optimizer.search.ortools.context import ORDER_COUNT, PART_PREFIX, TRAVEL, ModelContext

_UNLIMITED = 2**40


def add_travel_dimension(ctx: ModelContext) -> None:
    """Driving time per route, capped by ``max_travel_s_per_shift`` where set."""
    idx = ctx.index
    by_speed = {
        speed: ctx.routing.RegisterTransitMatrix(travel.tolist())
        for speed, travel in idx.travel_s.items()
    }
    ctx.travel_transits = [by_speed[veh.technician.speed_factor] for veh in idx.vehicles]
    limits = [
        veh.technician.max_travel_s_per_shift
        if veh.technician.max_travel_s_per_shift is not None
        else _UNLIMITED
        for veh in idx.vehicles
    ]
    ctx.add_dimension(ctx.travel_transits, 0, limits, TRAVEL)


def needs_travel_dimension(ctx: ModelContext) -> bool:
    """Only build the travel dimension when some technician has a travel limit."""
    return any(veh.technician.max_travel_s_per_shift is not None for veh in ctx.index.vehicles)


def add_order_limit(ctx: ModelContext) -> None:
    """At most ``max_orders_per_shift`` orders per route."""
    limits = [veh.technician.max_orders_per_shift for veh in ctx.index.vehicles]
    if all(limit is None for limit in limits):
        return
    ones = [1] * len(ctx.index.order_of_node) + [0] * (2 * len(ctx.index.vehicles))
    callback = ctx.routing.RegisterUnaryTransitVector(ones)
    capacities = [limit if limit is not None else _UNLIMITED for limit in limits]
    ctx.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, ORDER_COUNT)
    ctx.dimensions[ORDER_COUNT] = ctx.routing.GetDimensionOrDie(ORDER_COUNT)


def add_van_stock(ctx: ModelContext) -> None:
    """Parts used on a route never exceed the van stock (restocked before each shift).

    A dimension is added only for parts whose total demand exceeds the stock
    of some vehicle; eligibility already removed vehicles that cannot supply
    a single order.
    """
    orders = [ctx.problem.work_orders[o] for o in ctx.index.order_of_node]
    parts = sorted({p for order in orders for p in order.parts})
    padding = [0] * (2 * len(ctx.index.vehicles))
    for part in parts:
        demand = [order.parts.get(part, 0) for order in orders]
        stock = [veh.technician.van_stock.get(part, 0) for veh in ctx.index.vehicles]
        if min(stock, default=0) >= sum(demand):
            continue
        callback = ctx.routing.RegisterUnaryTransitVector(demand + padding)
        name = PART_PREFIX + part
        ctx.routing.AddDimensionWithVehicleCapacity(callback, 0, stock, True, name)
        ctx.dimensions[name] = ctx.routing.GetDimensionOrDie(name)
