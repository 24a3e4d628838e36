// What the views read: the problem and the plan joined by id, with SLA margins and time bounds.

import { colour, ms, offsetOf } from "./format.js";

/** The key of a technician's shift: a timeline row, a drop target, a route. */
export function routeKey(technicianId, shiftIndex) {
  return `${technicianId}#${shiftIndex}`;
}

/** Seconds to spare before the tighter SLA deadline (negative: late); null without one. */
export function slaMargin(order, stop) {
  const margins = [];
  if (order.respond_by) margins.push((ms(order.respond_by) - ms(stop.arrival)) / 1000);
  if (order.resolve_by) margins.push((ms(order.resolve_by) - ms(stop.end)) / 1000);
  return margins.length ? Math.min(...margins) : null;
}

/** Where an order is: lat/lon, planar x/y or nothing drawable (matrix index). */
export function pointOf(location) {
  if (!location) return null;
  if (typeof location.lat === "number") return { geo: true, a: location.lon, b: location.lat };
  if (typeof location.x === "number") return { geo: false, a: location.x, b: location.y };
  return null;
}

/**
 * Join ``problem`` and ``plan``.
 *
 * Returns technicians (with colour), orders, routes (with ``key``), where every served order
 * is (``stopOf``), the unassigned by id, the shifts of every technician as rows, the time
 * bounds of the day (ms) and the problem's UTC offset (minutes).
 */
export function buildModel(problem, plan) {
  const technicians = new Map();
  problem.technicians.forEach((doc, index) => {
    technicians.set(doc.id, { doc, index, colour: colour(index) });
  });
  const orders = new Map(problem.work_orders.map((o) => [o.id, o]));
  const routes = plan.routes.map((route, index) => ({
    ...route,
    index,
    key: routeKey(route.technician_id, route.shift_index),
  }));
  const routeByKey = new Map(routes.map((r) => [r.key, r]));
  const stopOf = new Map();
  for (const route of routes) {
    route.stops.forEach((stop, index) => {
      stopOf.set(stop.work_order_id, { route, index, stop });
    });
  }
  const unassigned = new Map(plan.unassigned.map((u) => [u.work_order_id, u]));
  let t0 = Infinity;
  let t1 = -Infinity;
  let offsetMin = null;
  const rows = [];
  for (const route of routes) {
    const tech = technicians.get(route.technician_id);
    const shift = tech && tech.doc.shifts[route.shift_index];
    rows.push({ key: route.key, technicianId: route.technician_id, shiftIndex: route.shift_index, shift, route });
  }
  for (const [id, tech] of technicians) {
    tech.doc.shifts.forEach((shift, shiftIndex) => {
      const key = routeKey(id, shiftIndex);
      if (!routeByKey.has(key)) rows.push({ key, technicianId: id, shiftIndex, shift, route: null });
    });
  }
  for (const row of rows) {
    const bounds = [];
    if (row.shift) bounds.push(ms(row.shift.start), ms(row.shift.end));
    if (row.route) bounds.push(ms(row.route.start), ms(row.route.end));
    for (const b of bounds) {
      t0 = Math.min(t0, b);
      t1 = Math.max(t1, b);
    }
    if (offsetMin === null && row.shift) offsetMin = offsetOf(row.shift.start);
  }
  if (!Number.isFinite(t0)) {
    t0 = Date.now();
    t1 = t0 + 3600000;
  }
  return {
    problem,
    plan,
    technicians,
    orders,
    routes,
    routeByKey,
    stopOf,
    unassigned,
    rows,
    t0,
    t1,
    offsetMin: offsetMin ?? 0,
  };
}

/** A plan document the API accepts back: output-only fields and extras (fixes) left out. */
export function planForApi(plan) {
  return {
    routes: plan.routes.map((r) => ({
      technician_id: r.technician_id,
      shift_index: r.shift_index,
      start: r.start,
      end: r.end,
      stops: r.stops.map((s) => ({
        work_order_id: s.work_order_id,
        arrival: s.arrival,
        start: s.start,
        end: s.end,
        wait_s: s.wait_s,
        travel_s: s.travel_s,
        distance_m: s.distance_m,
        sla_status: s.sla_status,
      })),
      breaks: r.breaks || [],
      end_travel_s: r.end_travel_s || 0,
      end_distance_m: r.end_distance_m || 0,
    })),
    unassigned: plan.unassigned.map((u) => ({
      work_order_id: u.work_order_id,
      reason: u.reason,
      detail: u.detail || "",
    })),
    kpis: plan.kpis || {},
    stats: plan.stats,
  };
}

/**
 * The plan with ``orderId`` moved to the route ``targetKey`` at ``position`` (0-based): the
 * sequence a dispatcher asks for; its times are stale until the API re-times it.
 */
export function movedPlan(model, orderId, targetKey, position) {
  const plan = planForApi(model.plan);
  let moving = null;
  for (const route of plan.routes) {
    const at = route.stops.findIndex((s) => s.work_order_id === orderId);
    if (at >= 0) moving = route.stops.splice(at, 1)[0];
  }
  plan.unassigned = plan.unassigned.filter((u) => u.work_order_id !== orderId);
  let target = plan.routes.find((r) => routeKey(r.technician_id, r.shift_index) === targetKey);
  if (!target) {
    const row = model.rows.find((r) => r.key === targetKey);
    target = {
      technician_id: row.technicianId,
      shift_index: row.shiftIndex,
      start: row.shift.start,
      end: row.shift.end,
      stops: [],
      breaks: [],
      end_travel_s: 0,
      end_distance_m: 0,
    };
    plan.routes.push(target);
  }
  if (!moving) {
    const t = target.start;
    moving = { work_order_id: orderId, arrival: t, start: t, end: t, wait_s: 0, travel_s: 0, distance_m: 0, sla_status: "none" };
  }
  const index = Math.max(0, Math.min(position, target.stops.length));
  target.stops.splice(index, 0, moving);
  plan.routes = plan.routes.filter((r) => r.stops.length);
  return plan;
}
