// The page's one state and its drawing: the working problem and plan, a trial move (pending),
// the session's undo/redo history, what is selected, shown and hidden. Every view is drawn from
// this state, so the form, the drag and the messages never disagree.

import { ApiError, call } from "./api.js";
import { esc, num } from "./format.js";
import { drawMap } from "./map.js";
import { buildModel, planForApi, techName } from "./model.js";
import { detailsHtml, kpiCards, unservedChoices, unservedHtml } from "./panels.js";
import { drawTimeline, resetScroll } from "./timeline.js";

export const $ = (id) => document.getElementById(id);

export const state = {
  config: {},
  problem: null,
  plan: null,
  model: null,
  terms: null,
  dayId: 0, // a new day loaded: views fit themselves again
  source: null, // "scenario <name>", "file <name>", "pasted document"
  highlight: new Set(),
  flagged: new Set(),
  overrides: new Map(), // order id -> {technician_id, codes}: moves kept despite violations
  job: null,
  pending: null, // a trial move: {before, after, orderId, label, violations, valid}
  preview: null, // a what-if variant shown: {name, problem, plan, before}
  history: [], // [{snap, label}] the states before each action
  future: [],
  hidden: new Set(),
  day: null, // the day shown on multi-day horizons (local midnight, ms); null: every day
  dayFor: -1, // the dayId state.day was chosen for
  selectedRoute: null,
  selectedOrder: null,
  slots: [],
  explaining: new Set(),
  filter: { priority: "", reason: "", skill: "" },
  lastDiff: null,
  lastRenderMs: null,
  variants: [],
  whatif: null,
};

export function status(text) {
  $("status").textContent = text;
}

export function showError(exc, context) {
  const box = $("errors");
  if (!(exc instanceof ApiError)) {
    box.innerHTML = `<p class="error">${esc(context)}: ${esc(exc.message || exc)}</p>`;
    return;
  }
  const issues = exc.issues.length
    ? `<ul>${exc.issues.map((i) => `<li><code>${esc(i.field)}</code> ${esc(i.message)}</li>`).join("")}</ul>`
    : "";
  box.innerHTML = `<div class="error"><p>${esc(context)}: ${exc.status ? `HTTP ${exc.status} ` : ""}<code>${esc(exc.code)}</code> ${esc(exc.message)}</p>${issues}</div>`;
  if (exc.status === 401 || exc.status === 403) $("key-box").hidden = false;
  $("view-load").open = true;
}

export function clearError() {
  $("errors").innerHTML = "";
}

export function timeLimit() {
  return Math.max(1, Number($("time-limit").value) || state.config.default_time_limit_s || 5);
}

export function techOptions(selected) {
  return state.problem.technicians
    .map((t) => `<option value="${esc(t.id)}"${t.id === selected ? " selected" : ""}>${esc(t.name || t.id)} (${esc(t.id)})</option>`)
    .join("");
}

/** Order ids pinned to a technician in the working problem. */
export function pinnedOrders() {
  const out = new Map();
  for (const o of state.problem ? state.problem.work_orders : []) if (o.pinned_technician_id) out.set(o.id, o.pinned_technician_id);
  return out;
}

function ui(keepView) {
  return {
    config: state.config,
    dayId: state.dayId,
    highlight: state.highlight,
    flagged: state.flagged,
    pinned: pinnedOrders(),
    overrides: state.overrides,
    hidden: state.hidden,
    selectedRoute: state.selectedRoute,
    selectedOrder: state.selectedOrder,
    slots: state.slots,
    day: state.day,
    keepView,
  };
}

// ---------------------------------------------------------------- history

function snapshot() {
  return { problem: state.problem, plan: state.plan, terms: state.terms, overrides: new Map(state.overrides), highlight: state.highlight, flagged: state.flagged };
}

function restore(snap) {
  state.problem = snap.problem;
  state.plan = snap.plan;
  state.terms = snap.terms;
  state.overrides = new Map(snap.overrides);
  state.highlight = snap.highlight || new Set();
  state.flagged = snap.flagged || new Set();
}

/** Make ``next`` ({problem?, plan?, terms?, overrides?, highlight?, flagged?}) the working state, undoably. */
export function commit(label, next) {
  if (state.problem && state.plan) state.history.push({ snap: snapshot(), label });
  state.future = [];
  state.pending = null;
  restore({ ...snapshot(), ...next });
  syncHistory();
}

/** Forget the history (a new day is loaded). */
export function resetHistory() {
  state.history = [];
  state.future = [];
  state.pending = null;
  syncHistory();
}

export function syncHistory() {
  const undo = $("undo");
  const redo = $("redo");
  const last = state.pending ? { label: `trial move of ${state.pending.orderId}` } : state.history[state.history.length - 1];
  const next = state.future[state.future.length - 1];
  undo.disabled = !last;
  redo.disabled = !next || Boolean(state.pending);
  undo.title = last ? `Undo: ${last.label} (Ctrl+Z)` : "Nothing to undo";
  redo.title = next ? `Redo: ${next.label} (Ctrl+Shift+Z)` : "Nothing to redo";
  undo.setAttribute("aria-label", undo.title);
  redo.setAttribute("aria-label", redo.title);
  $("history-note").textContent = state.history.length || state.future.length ? `${state.history.length} step(s) back, ${state.future.length} forward` : "";
}

export async function undo() {
  if (state.pending) {
    const before = state.pending.before;
    state.pending = null;
    restore(before);
    hideMoveActions();
    $("override-result").innerHTML = "<p>Trial move undone.</p>";
    syncHistory();
    await renderPlan(true);
    status("Trial move undone.");
    return;
  }
  const entry = state.history.pop();
  if (!entry) return;
  state.future.push({ snap: snapshot(), label: entry.label });
  restore(entry.snap);
  syncHistory();
  await renderPlan(true);
  status(`Undone: ${entry.label}.`);
}

export async function redo() {
  if (state.pending) return;
  const entry = state.future.pop();
  if (!entry) return;
  state.history.push({ snap: snapshot(), label: entry.label });
  restore(entry.snap);
  syncHistory();
  await renderPlan(true);
  status(`Redone: ${entry.label}.`);
}

export function hideMoveActions() {
  $("override-actions").hidden = true;
}

// ---------------------------------------------------------------- rendering

/** Draw the working plan in every view (``keepView``: the map keeps its place). */
export function renderPlan(keepView = false) {
  const started = performance.now();
  const parts = {};
  let mark = started;
  const lap = (name) => {
    const now = performance.now();
    parts[name] = Math.round(now - mark);
    mark = now;
  };
  const model = buildModel(state.problem, state.plan);
  state.model = model;
  if (state.selectedRoute && !model.rows.some((r) => r.key === state.selectedRoute)) state.selectedRoute = null;
  if (state.dayFor !== state.dayId) {
    state.dayFor = state.dayId;
    state.day = model.days.length > 1 ? model.days[0].day : null;
  }
  lap("model");
  $("kpi-cards").innerHTML = kpiCards(model, state.terms);
  lap("cards");
  const u = ui(keepView);
  drawMap($("map"), model, u);
  lap("map");
  drawTimeline($("timeline"), model, u);
  lap("timeline");
  renderUnserved();
  renderLegend();
  state.controlsStale = true;
  const tab = document.querySelector("#side-tabs [aria-selected=true]");
  if (tab && (tab.dataset.tab === "move" || tab.dataset.tab === "replan")) fillPlanControls();
  renderDetails();
  lap("lists");
  state.renderParts = parts;
  $("view-load").open = false;
  $("load-summary-day").textContent = `${state.source || "day"} · ${model.technicians.size} technicians · ${model.orders.size} orders`;
  document.body.classList.add("has-plan");
  $("run-replan").disabled = false;
  void document.body.offsetHeight; // layout now, inside the measurement
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      setTimeout(() => {
        const elapsed = performance.now() - started;
        state.lastRenderMs = elapsed;
        $("render-time").dataset.ms = elapsed.toFixed(1);
        $("render-time").textContent = `${model.routes.length} routes, ${num(model.stopOf.size)} stops drawn in ${num(elapsed)} ms`;
        resolve(elapsed);
      }, 0);
    });
  });
}

export function renderUnserved() {
  const model = state.model;
  const choices = unservedChoices(model);
  const fill = (id, values, all) => {
    const el = $(id);
    const current = el.value;
    el.innerHTML = `<option value="">${all}</option>${values.map((v) => `<option>${esc(v)}</option>`).join("")}`;
    el.value = values.includes(current) ? current : "";
  };
  fill("filter-priority", choices.priorities, "any priority");
  fill("filter-reason", choices.reasons, "any reason");
  fill("filter-skill", choices.skills, "any skill");
  state.filter = { priority: $("filter-priority").value, reason: $("filter-reason").value, skill: $("filter-skill").value };
  $("unserved").innerHTML = unservedHtml(model, state.filter, state.explaining);
  $("tab-unserved").textContent = `Unserved (${model.unassigned.size})`;
}

export function renderDetails() {
  const id = state.selectedOrder;
  const model = state.model;
  if (!id || !model || !model.orders.has(id)) {
    $("details").innerHTML = "<p>Click or focus an order (map, timeline, lists) to see its times, windows, SLA margin, skills and parts.</p>";
    $("order-actions").hidden = true;
    return;
  }
  const pinned = pinnedOrders().get(id);
  $("details").innerHTML = detailsHtml(model, id, { pinned });
  $("order-actions").hidden = false;
  const at = model.stopOf.get(id);
  $("pin-tech").innerHTML = techOptions(pinned || (at ? at.route.technician_id : null));
  $("unpin").disabled = !pinned;
  $("lock-here").disabled = !at || pinned === at.route.technician_id;
  $("lock-here").textContent = at ? `Lock to ${techName(model.technicians.get(at.route.technician_id), at.route.technician_id)}` : "Lock to its technician";
}

export function renderLegend() {
  const model = state.model;
  const query = $("legend-search").value.trim().toLowerCase();
  const counts = new Map();
  for (const r of model.routes) counts.set(r.technician_id, (counts.get(r.technician_id) || 0) + r.stops.length);
  const items = [...model.technicians.values()].map((t) => {
    const id = t.doc.id;
    const name = t.doc.name || id;
    const match = !query || name.toLowerCase().includes(query) || id.toLowerCase().includes(query);
    const shown = !state.hidden.has(id);
    const selected = state.selectedRoute && state.selectedRoute.startsWith(`${id}#`);
    const dash = t.dash ? ` stroke-dasharray="${t.dash}"` : "";
    return `<li data-tech="${esc(id)}"${match ? "" : " hidden"}${selected ? ' class="selected"' : ""}>` +
      `<input type="checkbox" id="show-${esc(id)}" data-show="${esc(id)}"${shown ? " checked" : ""}>` +
      `<label for="show-${esc(id)}" title="${esc(id)}"><svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${t.colour}" stroke-width="3"${dash}/></svg>` +
      `<b class="num">${t.label}</b> ${esc(name)} <small>${counts.get(id) || 0}</small></label>` +
      `<button type="button" data-solo="${esc(id)}" aria-label="Show only ${esc(name)}">solo</button></li>`;
  });
  $("legend-list").innerHTML = items.join("");
  $("legend-count").textContent = `${model.technicians.size - state.hidden.size} of ${model.technicians.size} shown`;
}

/** Show ``plan`` for the working problem as a new, undoable step; fetch its terms and fixes. */
export function setPlan(plan, { label = "new plan", fetchTerms = true, explain = true, keepView = false, problem, highlight } = {}) {
  commit(label, { plan, terms: null, overrides: new Map(), highlight: highlight || new Set(), flagged: new Set(), ...(problem ? { problem } : {}) });
  state.slots = [];
  const k = plan.kpis || {};
  status(`Plan: ${k.assigned ?? "?"} of ${k.orders ?? "?"} orders served, ${plan.unassigned.length} unserved, ${(plan.violations || []).length} violations.`);
  const rendered = renderPlan(keepView);
  rendered.then(() => {
    if (fetchTerms) fetchObjectiveTerms();
    if (explain && plan.unassigned.length) explainPlan();
  });
  return rendered;
}

/** Refresh the working plan's KPIs and objective from the API (after a locally judged move). */
export async function refreshWhole() {
  const plan = state.plan;
  try {
    const out = await call("POST", "v1/plans/evaluate", { problem: state.problem, plan: planForApi(plan) });
    if (state.plan !== plan) return;
    plan.kpis = out.kpis;
    state.terms = out.objective;
    $("kpi-cards").innerHTML = kpiCards(state.model, state.terms);
  } catch {
    // the cards keep the figures before the move; the plan on screen is right
  }
}

export async function fetchObjectiveTerms() {
  const plan = state.plan;
  try {
    const out = await call("POST", "v1/plans/evaluate", { problem: state.problem, plan: planForApi(plan) });
    if (state.plan !== plan) return;
    state.terms = out.objective;
    $("kpi-cards").innerHTML = kpiCards(state.model, state.terms);
  } catch {
    // the cards keep their "…": terms are a detail, the plan is shown
  }
}

/**
 * Fetch the fixes of the plan's unserved orders (all, or ``only``) from POST /v1/plans/explain,
 * within a short time limit, and put them in the working plan (in place: no new undo step).
 */
export async function explainPlan(only = null) {
  const plan = state.plan;
  const problem = state.problem;
  const ids = only ? [only] : plan.unassigned.map((u) => u.work_order_id);
  ids.forEach((id) => state.explaining.add(id));
  renderUnserved();
  try {
    const limit = Math.min(only ? 3 : 5, state.config.max_time_limit_s || 5);
    const out = await call("POST", "v1/plans/explain", { problem, plan: planForApi(plan), time_limit_s: limit });
    const fixes = new Map(out.unassigned.map((u) => [u.work_order_id, u.fixes]));
    for (const u of plan.unassigned) {
      const f = fixes.get(u.work_order_id);
      if (Array.isArray(f)) u.fixes = f;
      else if (ids.includes(u.work_order_id) && !only) u.fixes = u.fixes ?? undefined;
    }
    const reached = ids.filter((id) => Array.isArray(fixes.get(id))).length;
    $("fixes-note").textContent = `Fixes for ${reached} of ${ids.length} unserved order(s) (explain, ${limit} s).`;
  } catch (exc) {
    $("fixes-note").textContent = `No fixes: ${exc.message}`;
  } finally {
    ids.forEach((id) => state.explaining.delete(id));
    if (state.plan === plan) renderUnserved();
  }
}

/**
 * Fill the selects that list every order and shift (the move form, re-plan's started and done):
 * on a 10,000-order day that is 30,000 options, so it is done when their tab is opened, not at
 * every drawing.
 */
export function fillPlanControls() {
  const model = state.model;
  if (!model) return;
  state.controlsStale = false;
  const served = [...model.stopOf.keys()];
  const all = [...served, ...model.unassigned.keys()];
  const current = state.selectedOrder || $("move-order").value;
  $("move-order").innerHTML = all.map((id) => `<option${id === current ? " selected" : ""}>${esc(id)}</option>`).join("");
  const target = $("move-target").value;
  $("move-target").innerHTML = model.rows
    .map((r) => {
      const t = model.technicians.get(r.technicianId);
      return `<option value="${esc(r.key)}"${r.key === target ? " selected" : ""}>${esc(techName(t, r.technicianId))} (${esc(r.technicianId)}), shift ${r.shiftIndex + 1}</option>`;
    })
    .join("");
  const options = served.map((id) => `<option>${esc(id)}</option>`).join("");
  $("replan-started").innerHTML = options;
  $("replan-done").innerHTML = options;
}

/** Show one day of a multi-day horizon (null: every day) on the timeline and the map. */
export async function showDay(day) {
  state.day = day;
  await renderPlan(true);
  resetScroll();
}

/** Select an order: details, the move form and every view agree. */
export function selectOrder(orderId, { reveal = false } = {}) {
  state.selectedOrder = orderId;
  if (!state.controlsStale && orderId) $("move-order").value = orderId;
  renderDetails();
  document.querySelectorAll(".blk.service.selected").forEach((b) => b.classList.remove("selected"));
  if (orderId) document.querySelectorAll(`.blk.service[data-order="${CSS.escape(orderId)}"]`).forEach((b) => b.classList.add("selected"));
  showTab("order");
  void reveal;
}

export function showTab(name) {
  if ((name === "move" || name === "replan") && state.controlsStale) fillPlanControls();
  document.querySelectorAll("#side-tabs [role=tab]").forEach((tab) => {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${tab.dataset.tab}`).hidden = !on;
  });
}
