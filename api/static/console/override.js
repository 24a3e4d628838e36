// Manual moves: an order dragged on the timeline, dragged from the unserved list onto a
// technician's row or a route on the map, chosen in the form, or booked into a slot, is sent to
// evaluate with retime. The re-timed plan is shown as a trial (pending) with its violations and
// the deltas; Keep makes it the working plan (one undo step), a move that breaks rules can be
// kept only by ticking "override", and the plan then says so in its warnings.

import { call } from "./api.js";
import { esc } from "./format.js";
import { routeAt } from "./map.js";
import { movedPlan, planForApi, techName } from "./model.js";
import { overrideDeltaHtml, violationsHtml } from "./panels.js";
import { $, commit, fillPlanControls, hideMoveActions, refreshWhole, renderPlan, showError, showTab, state, status, syncHistory } from "./page.js";

let drag = null;
let onDragStart = () => {};

function timelineTarget(x, y) {
  const el = document.elementFromPoint(x, y);
  const row = el && el.closest(".tl-row[data-target]");
  if (!row) return null;
  const blocks = [...row.querySelectorAll(".blk.service")].filter((b) => b.dataset.order !== drag.orderId);
  let position = 0;
  for (const b of blocks) {
    const box = b.getBoundingClientRect();
    if (box.left + box.width / 2 < x) position += 1;
  }
  // positions count work-order stops; the route's stops may hold depot visits too
  const route = state.model.routeByKey.get(row.dataset.target);
  let index = position;
  if (route) {
    let seen = 0;
    index = route.stops.length;
    for (let i = 0; i < route.stops.length; i++) {
      const s = route.stops[i];
      if (s.kind === "depot" || s.work_order_id === drag.orderId) continue;
      if (seen === position) {
        index = i;
        break;
      }
      seen += 1;
    }
    // the moving order's own slot is removed first: shift when it sat before the target
    const own = route.stops.findIndex((s) => s.work_order_id === drag.orderId);
    if (own >= 0 && own < index) index -= 1;
  }
  return { key: row.dataset.target, position: index, row, shown: position };
}

function dropTarget(x, y) {
  const t = timelineTarget(x, y);
  if (t) return t;
  const m = routeAt(x, y, drag.orderId);
  return m ? { key: m.key, position: m.position, row: null, shown: m.position } : null;
}

function clearDropMarks() {
  document.querySelectorAll(".tl-row.drop").forEach((r) => r.classList.remove("drop"));
  $("map").classList.remove("drop-route");
}

function wireDrag() {
  const start = (e, orderId) => {
    if (e.button !== 0 || !state.model || state.preview) return;
    e.preventDefault();
    drag = { orderId, x: e.clientX, y: e.clientY, moved: false };
  };
  $("timeline").addEventListener("pointerdown", (e) => {
    const block = e.target.closest(".blk.service");
    if (block) start(e, block.dataset.order);
  });
  $("unserved").addEventListener("pointerdown", (e) => {
    if (e.target.closest("button")) return;
    const row = e.target.closest(".unserved-row");
    if (row) start(e, row.dataset.order);
  });
  document.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 4) return;
    drag.moved = true;
    onDragStart();
    const ghost = $("drag-ghost");
    ghost.hidden = false;
    ghost.textContent = drag.orderId;
    ghost.style.left = `${e.clientX + 10}px`;
    ghost.style.top = `${e.clientY + 10}px`;
    clearDropMarks();
    const target = dropTarget(e.clientX, e.clientY);
    if (target && target.row) target.row.classList.add("drop");
    else if (target) $("map").classList.add("drop-route");
    ghost.textContent = target ? `${drag.orderId} → ${target.key.split("#")[0]}` : drag.orderId;
  });
  document.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const current = drag;
    $("drag-ghost").hidden = true;
    clearDropMarks();
    onDragStart(); // no tooltip stays after a drop
    if (current.moved) {
      const target = dropTarget(e.clientX, e.clientY);
      drag = null;
      if (target) tryMove([{ orderId: current.orderId, targetKey: target.key, position: target.position }], { shown: target.shown });
    } else {
      drag = null;
    }
  });
}

/** Days with this many stops or more have a move judged on the routes it touches only. */
const LOCAL_FROM = 1500;

function stopCount(plan) {
  return plan.routes.reduce((n, r) => n + r.stops.length, 0);
}

/** Evaluate the edited whole day (retime) and, when not known yet, the objective before. */
async function judgeWhole(problem, base, edited) {
  const [out, beforeOut] = await Promise.all([
    call("POST", "v1/plans/evaluate", { problem, plan: edited, retime: true }),
    base.terms ? null : call("POST", "v1/plans/evaluate", { problem: base.problem, plan: planForApi(base.plan) }),
  ]);
  if (beforeOut) base.terms = beforeOut.objective;
  return { out, beforeKpis: base.plan.kpis, beforeTerms: base.terms, scope: 0 };
}

/**
 * Evaluate only the technicians the moves touch (their routes, their orders and the moved
 * ones) as a day of their own, before and after, then put the re-timed routes back into the
 * whole plan. The validator's rules are per route, so its verdict on those routes is the
 * verdict on the move; the KPI and objective deltas are those of the routes touched.
 */
async function judgeLocally(problem, base, edited, moves) {
  const techs = new Set();
  for (const m of moves) {
    techs.add(m.targetKey.split("#")[0]);
    const at = state.model.stopOf.get(m.orderId);
    if (at) techs.add(at.route.technician_id);
  }
  const orders = new Set(moves.map((m) => m.orderId));
  const before = planForApi(base.plan);
  for (const plan of [before, edited]) {
    for (const r of plan.routes) if (techs.has(r.technician_id)) r.stops.forEach((s) => s.work_order_id && orders.add(s.work_order_id));
  }
  const sub = { ...problem, technicians: problem.technicians.filter((t) => techs.has(t.id)), work_orders: problem.work_orders.filter((o) => orders.has(o.id)) };
  const beforeSub = { ...sub, work_orders: sub.work_orders.filter((o) => base.problem.work_orders.some((b) => b.id === o.id)) };
  const reasons = new Map(base.plan.unassigned.map((u) => [u.work_order_id, u]));
  const part = (plan, doc) => {
    const routes = plan.routes.filter((r) => techs.has(r.technician_id));
    const served = new Set(routes.flatMap((r) => r.stops.map((s) => s.work_order_id)));
    const unassigned = doc.work_orders.filter((o) => !served.has(o.id))
      .map((o) => ({ work_order_id: o.id, reason: (reasons.get(o.id) || {}).reason || "capacity_exhausted", detail: (reasons.get(o.id) || {}).detail || "" }));
    return { routes, unassigned, kpis: {}, stats: { status: "evaluated", objective: 0, wall_s: 0 } };
  };
  const [out, beforeOut] = await Promise.all([
    call("POST", "v1/plans/evaluate", { problem: sub, plan: part(edited, sub), retime: true }),
    call("POST", "v1/plans/evaluate", { problem: beforeSub, plan: part(before, beforeSub) }),
  ]);
  const routes = [...edited.routes.filter((r) => !techs.has(r.technician_id)), ...out.plan.routes];
  const subUnserved = new Set(out.plan.unassigned.map((u) => u.work_order_id));
  const unassigned = [...base.plan.unassigned.filter((u) => !orders.has(u.work_order_id)), ...out.plan.unassigned.filter((u) => subUnserved.has(u.work_order_id))];
  const plan = { ...out.plan, routes, unassigned, kpis: base.plan.kpis || {} };
  return { out: { ...out, plan }, beforeKpis: beforeOut.kpis, beforeTerms: beforeOut.objective, scope: out.plan.routes.length };
}

function describe(moves) {
  return moves.map((m) => `${m.orderId} → ${m.targetKey.split("#")[0]}`).join(", ");
}

/**
 * Try ``moves`` ([{orderId, targetKey, position (0-based, null: by time ``at``)}]): evaluate the
 * edited plan with retime and show it as a trial. The form shows the first move.
 */
export async function tryMove(moves, { shown, label, problem } = {}) {
  if (!state.model || !moves.length) return;
  const asked = performance.now();
  const first = moves[0];
  const base = state.pending ? state.pending.before : { problem: state.problem, plan: state.plan, terms: state.terms, overrides: new Map(state.overrides), highlight: state.highlight, flagged: state.flagged };
  // one state: the form says what was dropped, before anything is computed
  state.selectedOrder = first.orderId;
  if (state.controlsStale) fillPlanControls();
  $("move-order").value = first.orderId;
  $("move-target").value = first.targetKey;
  const row = state.model.routeByKey.get(first.targetKey);
  const number = shown ?? (first.position ?? (row ? row.stops.filter((s) => Date.parse(s.start) < first.at).length : 0));
  $("move-position").value = String(number + 1);
  showTab("move");
  $("override-result").innerHTML = `<p>Evaluating ${esc(describe(moves))}…</p>`;
  hideMoveActions();
  const workProblem = problem || base.problem;
  const edited = movedPlan({ ...state.model, plan: base.plan }, moves);
  try {
    let judged = null;
    if (stopCount(base.plan) >= LOCAL_FROM) {
      try {
        judged = await judgeLocally(workProblem, base, edited, moves);
      } catch (exc) {
        console.warn("The move could not be judged on its routes alone; judging the whole day.", exc);
        judged = null; // the sub-day was refused (a reference outside it): judge the whole day
      }
    }
    if (!judged) judged = await judgeWhole(workProblem, base, edited);
    const { out, beforeKpis, beforeTerms, scope } = judged;
    const hard = out.violations || [];
    state.pending = {
      local: Boolean(scope),
      before: base,
      orderId: first.orderId,
      moves,
      label: label || `move ${describe(moves)}`,
      valid: out.is_valid,
      violations: hard,
      problem: workProblem,
      after: { plan: out.plan, kpis: out.kpis, objective: out.objective },
    };
    state.problem = workProblem;
    state.highlight = new Set(moves.map((m) => m.orderId));
    state.flagged = new Set(hard.map((v) => v.work_order_id).filter(Boolean));
    state.plan = out.plan;
    state.terms = scope ? null : out.objective;
    syncHistory();
    const tech = state.model.technicians.get(first.targetKey.split("#")[0]);
    const who = techName(tech, first.targetKey.split("#")[0]);
    $("override-result").innerHTML =
      `<h3>${esc(first.orderId)} → ${esc(who)}, stop ${number + 1}${moves.length > 1 ? ` (+${moves.length - 1} more)` : ""}: ${out.is_valid ? "✓ valid" : `⚠ ${hard.length} violation(s)`}</h3>` +
      violationsHtml(hard) + (scope ? `<p class="legend">Judged on the ${scope} route(s) it touches (a day of ${stopCount(base.plan)} stops); the day's figures follow once kept.</p>` : "") +
      overrideDeltaHtml({ kpis: beforeKpis, objective: beforeTerms }, state.pending.after);
    $("override-actions").hidden = false;
    $("override-keep").disabled = !out.is_valid;
    $("override-confirm").hidden = out.is_valid;
    $("override-confirm-box").checked = false;
    $("override-keep-anyway").disabled = true;
    $("override-keep-anyway").hidden = out.is_valid;
    // the verdict first, then the re-timed plan drawn (a second on a 10,000-stop day)
    state.pending.judgedMs = performance.now() - asked;
    status(out.is_valid ? `Move of ${first.orderId} is valid: keep or undo it.` : `Move of ${first.orderId} breaks ${hard.length} rule(s): undo it, or keep it as an explicit override.`);
    await renderPlan(true);
  } catch (exc) {
    $("override-result").innerHTML = "";
    showError(exc, `Evaluating the move of ${first.orderId}`);
  }
}

/** Keep the trial move: valid, or (``override``) despite its violations, marked in the plan. */
export async function keepMove(override = false) {
  const p = state.pending;
  if (!p) return;
  if (!p.valid && !override) return;
  const overrides = new Map(p.before.overrides);
  const plan = { ...p.after.plan };
  if (!p.valid) {
    const codes = [...new Set(p.violations.map((v) => v.code))];
    for (const m of p.moves) overrides.set(m.orderId, { technician_id: m.targetKey.split("#")[0], codes });
  }
  plan.warnings = overrideWarnings(plan, overrides);
  state.pending = null;
  restoreBefore(p.before);
  commit(p.label + (override ? " (override)" : ""), {
    problem: p.problem,
    plan,
    terms: p.local ? null : p.after.objective,
    overrides,
    highlight: new Set(p.moves.map((m) => m.orderId)),
    flagged: override ? new Set(p.violations.map((v) => v.work_order_id).filter(Boolean)) : new Set(),
  });
  hideMoveActions();
  state.slots = [];
  await renderPlan(true);
  if (p.local) refreshWhole(); // the day's KPIs and objective, in the background
  status(override ? `Kept as an override: ${p.label} breaks ${p.violations.length} rule(s); the plan's warnings say so.` : `Kept: ${p.label}.`);
}

function restoreBefore(before) {
  state.problem = before.problem;
  state.plan = before.plan;
  state.terms = before.terms;
  state.overrides = new Map(before.overrides);
  state.highlight = before.highlight;
  state.flagged = before.flagged;
}

/** The plan's warnings with one ``manual_override`` per order kept despite violations. */
export function overrideWarnings(plan, overrides) {
  const kept = (plan.warnings || []).filter((w) => w.code !== "manual_override");
  for (const [orderId, o] of overrides) {
    let field = null;
    plan.routes.forEach((r, i) => r.stops.forEach((s, j) => {
      if (s.work_order_id === orderId && r.technician_id === o.technician_id) field = `routes[${i}].stops[${j}]`;
    }));
    if (!field) continue;
    kept.push({ code: "manual_override", field, message: `${orderId} was kept on ${o.technician_id} by hand despite ${o.codes.join(", ")}.` });
  }
  return kept;
}

/** Whether an order is being dragged (no tooltips meanwhile). */
export function isDragging() {
  return drag !== null;
}

/** Wire the drags, the move form and Keep / Keep as override. */
export function wireOverride(hideTooltip) {
  onDragStart = hideTooltip;
  wireDrag();
  $("move-form").addEventListener("submit", (e) => {
    e.preventDefault();
    tryMove([{ orderId: $("move-order").value, targetKey: $("move-target").value, position: Number($("move-position").value) - 1 }]);
  });
  $("override-keep").addEventListener("click", () => keepMove(false));
  $("override-confirm-box").addEventListener("change", (e) => {
    $("override-keep-anyway").disabled = !e.target.checked;
  });
  $("override-keep-anyway").addEventListener("click", () => keepMove(true));
}
