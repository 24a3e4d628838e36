// What the views read: the problem and the plan joined by id, with SLA margins, time bounds,
// days and the shapes other branches add to plans (depot stops, crew stops, overtime).

import { dayStart, ms, offsetOf, routeStyle } from "./format.js";

/** The key of a technician's shift: a timeline row, a drop target, a route. */
export function routeKey(technicianId, shiftIndex) {
  return `${technicianId}#${shiftIndex}`;
}

/** Whether a plan stop is a depot visit (``kind: "depot"``) rather than a work order. */
export function isDepotStop(stop) {
  return stop && stop.kind === "depot";
}

/** Seconds to spare before the tighter SLA deadline (negative: late); null without one. */
export function slaMargin(order, stop) {
  const margins = [];
  if (order.respond_by) margins.push((ms(order.respond_by) - ms(stop.arrival)) / 1000);
  if (order.resolve_by) margins.push((ms(order.resolve_by) - ms(stop.end)) / 1000);
  return margins.length ? Math.min(...margins) : null;
}

/** The order's SLA due time (ms): the earlier of respond_by and resolve_by; Infinity without. */
export function slaDue(order) {
  const dues = [order.respond_by, order.resolve_by].filter(Boolean).map(ms);
  return dues.length ? Math.min(...dues) : Infinity;
}

/** Where an order is: lat/lon, planar x/y or nothing drawable (matrix index). */
export function pointOf(location) {
  if (!location) return null;
  if (typeof location.lat === "number") return { geo: true, a: location.lon, b: location.lat };
  if (typeof location.x === "number") return { geo: false, a: location.x, b: location.y };
  return null;
}

/** "Théo Vincent" or the id when the technician has no name. */
export function techName(tech, id) {
  return (tech && tech.doc.name) || id;
}

/**
 * Join ``problem`` and ``plan``.
 *
 * Returns technicians (with style, name, number), orders, routes (with ``key``), where every
 * served order is (``stopOf``; crew orders are in every member's route: ``stopsOf``), the
 * unassigned by id, the shifts of every technician as rows (with their local ``day``), the
 * days of the horizon, the time bounds (ms) and the problem's UTC offset (minutes).
 */
export function buildModel(problem, plan) {
  const technicians = new Map();
  problem.technicians.forEach((doc, index) => {
    technicians.set(doc.id, { doc, index, ...routeStyle(index) });
  });
  const orders = new Map(problem.work_orders.map((o) => [o.id, o]));
  const depots = new Map((problem.depots || []).map((d) => [d.id, d]));
  const routes = plan.routes.map((route, index) => ({
    ...route,
    index,
    key: routeKey(route.technician_id, route.shift_index),
  }));
  const routeByKey = new Map(routes.map((r) => [r.key, r]));
  const stopOf = new Map();
  const stopsOf = new Map();
  for (const route of routes) {
    let n = 0;
    route.stops.forEach((stop, index) => {
      if (isDepotStop(stop)) return;
      n += 1;
      const at = { route, index, number: n, stop };
      if (!stopOf.has(stop.work_order_id)) stopOf.set(stop.work_order_id, at);
      if (!stopsOf.has(stop.work_order_id)) stopsOf.set(stop.work_order_id, []);
      stopsOf.get(stop.work_order_id).push(at);
    });
  }
  const unassigned = new Map(plan.unassigned.map((u) => [u.work_order_id, u]));
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
    if (offsetMin === null && row.shift) offsetMin = offsetOf(row.shift.start);
  }
  offsetMin = offsetMin ?? 0;
  let t0 = Infinity;
  let t1 = -Infinity;
  const days = new Map();
  for (const row of rows) {
    const bounds = [];
    if (row.shift) bounds.push(ms(row.shift.start), ms(row.shift.end));
    if (row.route) bounds.push(ms(row.route.start), ms(row.route.end));
    for (const b of bounds) {
      t0 = Math.min(t0, b);
      t1 = Math.max(t1, b);
    }
    row.begin = bounds.length ? Math.min(...bounds) : null;
    row.finish = bounds.length ? Math.max(...bounds) : null;
    row.day = row.begin === null ? null : dayStart(row.begin, offsetMin);
    if (row.route) row.route.day = row.day;
    if (row.day !== null) {
      const day = days.get(row.day) || { day: row.day, t0: Infinity, t1: -Infinity };
      day.t0 = Math.min(day.t0, row.begin);
      day.t1 = Math.max(day.t1, row.finish);
      days.set(row.day, day);
    }
  }
  // rows in technician order, each technician's shifts in time order
  rows.sort((a, b) => {
    const ta = technicians.get(a.technicianId);
    const tb = technicians.get(b.technicianId);
    return (ta ? ta.index : 1e9) - (tb ? tb.index : 1e9) || a.shiftIndex - b.shiftIndex;
  });
  if (!Number.isFinite(t0)) {
    t0 = Date.now();
    t1 = t0 + 3600000;
  }
  return {
    problem,
    plan,
    technicians,
    orders,
    depots,
    routes,
    routeByKey,
    stopOf,
    stopsOf,
    unassigned,
    rows,
    days: [...days.values()].sort((a, b) => a.day - b.day),
    t0,
    t1,
    offsetMin,
  };
}

// the page's own fields, and the route totals the API derives from the stops (checked when
// sent back, so left out: an edited route's totals would be stale)
const ROUTE_OUTPUT = new Set(["index", "key", "travel_s", "distance_m", "work_s", "service_s", "wait_s", "break_s", "overtime_s", "working_s"]);

/**
 * A plan document the API accepts back: the routes and stops as the API gave them (depot and
 * crew stops included), the unassigned without their fixes (stale after any change).
 */
export function planForApi(plan) {
  return {
    routes: plan.routes.map((r) => {
      const route = {};
      for (const [k, v] of Object.entries(r)) if (!ROUTE_OUTPUT.has(k)) route[k] = v;
      route.stops = r.stops.map((s) => ({ ...s }));
      route.breaks = r.breaks || [];
      route.end_travel_s = r.end_travel_s || 0;
      route.end_distance_m = r.end_distance_m || 0;
      return route;
    }),
    unassigned: plan.unassigned.map((u) => ({
      work_order_id: u.work_order_id,
      reason: u.reason,
      detail: u.detail || "",
    })),
    kpis: plan.kpis || {},
    stats: plan.stats || { status: "evaluated", objective: 0, wall_s: 0 },
  };
}

/**
 * The plan with each ``{orderId, targetKey, position}`` applied in turn (position 0-based;
 * null: by time, before the first stop starting later than ``at``): the sequences a dispatcher
 * asks for; their times are stale until the API re-times them.
 */
export function movedPlan(model, moves) {
  const plan = planForApi(model.plan);
  for (const { orderId, targetKey, position, at } of moves) {
    let moving = null;
    for (const route of plan.routes) {
      const i = route.stops.findIndex((s) => !isDepotStop(s) && s.work_order_id === orderId);
      if (i >= 0) moving = route.stops.splice(i, 1)[0];
    }
    plan.unassigned = plan.unassigned.filter((u) => u.work_order_id !== orderId);
    let target = plan.routes.find((r) => routeKey(r.technician_id, r.shift_index) === targetKey);
    if (!target) {
      const row = model.rows.find((r) => r.key === targetKey);
      target = {
        technician_id: row.technicianId,
        shift_index: row.shiftIndex,
        start: row.shift.start,
        end: row.shift.start,
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
    let index = position;
    if (index === null || index === undefined) {
      index = target.stops.findIndex((s) => ms(s.start) > at);
      if (index < 0) index = target.stops.length;
    }
    index = Math.max(0, Math.min(index, target.stops.length));
    target.stops.splice(index, 0, moving);
  }
  plan.routes = plan.routes.filter((r) => r.stops.some((s) => !isDepotStop(s)));
  return plan;
}

/** The problem without work order ``orderId`` and the plan without it (booking asks so). */
export function withoutOrder(problem, plan, orderId) {
  const p = planForApi(plan);
  p.unassigned = p.unassigned.filter((u) => u.work_order_id !== orderId);
  for (const r of p.routes) r.stops = r.stops.filter((s) => isDepotStop(s) || s.work_order_id !== orderId);
  p.routes = p.routes.filter((r) => r.stops.some((s) => !isDepotStop(s)));
  return { problem: { ...problem, work_orders: problem.work_orders.filter((o) => o.id !== orderId) }, plan: p };
}

/** The problem with work order ``orderId`` changed by ``change`` (a shallow merge). */
export function withOrderChanged(problem, orderId, change) {
  return {
    ...problem,
    work_orders: problem.work_orders.map((o) => (o.id === orderId ? { ...o, ...change } : o)),
  };
}
