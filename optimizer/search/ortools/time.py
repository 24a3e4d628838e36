"""Time rules: shifts, appointment windows, not-before, SLA deadlines, breaks, work limits."""

from __future__ import annotations

from itertools import pairwise

from optimizer.search.eligibility import start_intervals
from optimizer.search.ortools.context import COST_SCALE, TIME, ModelContext


def add_time_dimension(ctx: ModelContext) -> None:
    """Register per-speed time transits (service at origin + travel) and the dimension."""
    idx = ctx.index
    by_speed: dict[float, int] = {}
    for speed, travel in idx.travel_s.items():
        transit = travel + idx.service_s[:, None]
        by_speed[speed] = ctx.routing.RegisterTransitMatrix(transit.tolist())
    ctx.time_transits = [by_speed[veh.technician.speed_factor] for veh in idx.vehicles]
    horizon = ctx.index.horizon_s
    ctx.add_dimension(ctx.time_transits, horizon, [horizon] * len(idx.vehicles), TIME)


def add_shift_bounds(ctx: ModelContext) -> None:
    """Each route leaves within its shift and returns by its end plus the allowed overtime.

    Overtime (a return past the nominal end) costs the shift's price per
    minute on the end's cumul (a soft upper bound).
    """
    for v, veh in enumerate(ctx.index.vehicles):
        shift = veh.shift
        start = max(shift.start_s, 0)
        ctx.time.CumulVar(ctx.routing.Start(v)).SetRange(start, shift.end_s)
        ctx.time.CumulVar(ctx.routing.End(v)).SetRange(start, shift.latest_end_s)
        if shift.max_overtime_s:
            coefficient = round(ctx.weights.overtime_rate(shift) * COST_SCALE / 60)
            if coefficient > 0:
                ctx.time.SetCumulVarSoftUpperBound(
                    ctx.routing.End(v), max(shift.end_s, 0), coefficient
                )


def add_appointment_windows(ctx: ModelContext) -> None:
    """Service starts inside one of the windows, after not-before, before hard deadlines."""
    horizon = ctx.index.horizon_s
    for node, o in enumerate(ctx.index.order_of_node):
        intervals = [
            (max(a, 0), min(b, horizon))
            for a, b in start_intervals(ctx.problem.work_orders[o])
            if b >= 0 and a <= horizon
        ]
        cumul = ctx.time.CumulVar(ctx.order_index(node))
        if not intervals:  # eligibility filters these out; keep the model sound anyway
            ctx.routing.solver().Add(ctx.routing.ActiveVar(ctx.order_index(node)) == 0)
            continue
        cumul.SetRange(intervals[0][0], intervals[-1][1])
        for (_, gap_start), (gap_end, _) in pairwise(intervals):
            if gap_end - gap_start > 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)


def add_sla_deadlines(ctx: ModelContext) -> None:
    """Soft SLA deadlines: lateness of the service start costs per second."""
    for node, o in enumerate(ctx.index.order_of_node):
        order = ctx.problem.work_orders[o]
        deadline = order.start_deadline_s
        if deadline is None or order.is_sla_hard:
            continue
        coefficient = round(ctx.weights.late_per_minute(order) * COST_SCALE / 60)
        if coefficient > 0:
            ctx.time.SetCumulVarSoftUpperBound(ctx.order_index(node), max(deadline, 0), coefficient)


def add_breaks(ctx: ModelContext) -> None:
    """Breaks inside their windows, never during service; only needed once work reaches them.

    A break is mandatory when the route ends after its window opens; it may
    interrupt driving (OR-Tools adds it to the slack of that leg).
    """
    solver = ctx.routing.solver()
    visit = [0] * ctx.routing.Size()
    for node in range(len(ctx.index.order_of_node)):
        visit[ctx.order_index(node)] = int(ctx.index.service_s[node])
    for v, veh in enumerate(ctx.index.vehicles):
        if not veh.shift.breaks:
            continue
        start = ctx.time.CumulVar(ctx.routing.Start(v))
        end = ctx.time.CumulVar(ctx.routing.End(v))
        horizon = ctx.index.horizon_s
        intervals = []
        for b, brk in enumerate(veh.shift.breaks):
            interval = solver.FixedDurationIntervalVar(
                brk.window.start_s,
                brk.window.end_s - brk.duration_s,
                brk.duration_s,
                True,
                f"break {veh.technician.id}/{veh.shift_index}/{b}",
            )
            solver.Add(interval.PerformedExpr() >= solver.IsGreaterCstVar(end, brk.window.start_s))
            # OR-Tools would let a break sit before departure; keep it inside
            # the route, as a bound on departure where possible: OR-Tools'
            # cumul optimizer honours bounds when it times routes restored
            # from a start plan, while constraints linking the break to the
            # route's start or end made every restored route with a break
            # fail. A break after the last drive is taken on arrival and ends
            # the route (the plan's route end includes it), unless that could
            # push the route past its shift or work limit.
            if brk.window.start_s >= veh.shift.start_s:
                start.SetMax(min(start.Max(), brk.window.start_s))
            else:
                solver.Add(interval.SafeStartExpr(horizon) >= start)
            limited = veh.technician.max_work_s_per_shift is not None
            if limited or brk.window.end_s > veh.shift.end_s:
                solver.Add(interval.SafeEndExpr(0) <= end)
            intervals.append(interval)
        ctx.time.SetBreakIntervalsOfVehicle(intervals, v, visit)
        ctx.breaks[v] = intervals


def add_work_limit(ctx: ModelContext) -> None:
    """Clock time from departure to route end, less breaks, within the technician's limit."""
    solver = ctx.routing.solver()
    for v, veh in enumerate(ctx.index.vehicles):
        limit = veh.technician.max_work_s_per_shift
        if limit is None:
            continue
        span = ctx.time.CumulVar(ctx.routing.End(v)) - ctx.time.CumulVar(ctx.routing.Start(v))
        for interval, brk in zip(ctx.breaks.get(v, []), veh.shift.breaks, strict=False):
            span = span - interval.PerformedExpr() * brk.duration_s
        solver.Add(span <= limit)
