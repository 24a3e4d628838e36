// The page's shared state and its drawing of a plan: the views, the cards and the controls
// that list the plan's orders. The features (override, what-if, re-plan) import from here.

import { ApiError, call } from "./api.js";
import { esc, isoAt, num } from "./format.js";
import { mapSvg } from "./map.js";
import { buildModel, planForApi } from "./model.js";
import { kpiCards, unservedHtml } from "./panels.js";
import { timelineHtml } from "./timeline.js";

export const $ = (id) => document.getElementById(id);

export const state = {
  config: {},
  problem: null,
  plan: null,
  model: null,
  terms: null,
  highlight: new Set(),
  flagged: new Set(),
  job: null,
  override: null, // {before: {plan, kpis, objective}, after: {plan, kpis, objective}}
  lastDiff: null,
  lastRenderMs: null,
  variants: [],
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
}

export function clearError() {
  $("errors").innerHTML = "";
}

export function timeLimit() {
  return Math.max(1, Number($("time-limit").value) || state.config.default_time_limit_s || 5);
}

export function techOptions(selected) {
  return state.problem.technicians.map((t) => `<option value="${esc(t.id)}"${t.id === selected ? " selected" : ""}>${esc(t.id)}${t.name ? ` ${esc(t.name)}` : ""}</option>`).join("");
}

export function nowDefault(model) {
  return isoAt(model.t0 + 3 * 3600000, model.offsetMin);
}

// ---------------------------------------------------------------- rendering

export function renderPlan() {
  const started = performance.now();
  const model = buildModel(state.problem, state.plan);
  state.model = model;
  $("kpi-cards").innerHTML = kpiCards(state.plan.kpis || {}, state.terms);
  $("map").innerHTML = mapSvg(model, state.config, state.highlight, state.flagged);
  $("timeline").innerHTML = timelineHtml(model, state.highlight, state.flagged);
  $("unserved").innerHTML = unservedHtml(model);
  fillPlanControls();
  void document.body.offsetHeight; // layout now, inside the measurement
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      setTimeout(() => {
        const elapsed = performance.now() - started;
        state.lastRenderMs = elapsed;
        const stops = model.stopOf.size;
        $("render-time").dataset.ms = elapsed.toFixed(1);
        $("render-time").textContent = `${model.routes.length} routes, ${num(stops)} stops drawn in ${num(elapsed)} ms`;
        resolve(elapsed);
      }, 0);
    });
  });
}

/** Show ``plan`` for the loaded problem, then fetch its objective by term. */
export function setPlan(plan, { fetchTerms = true } = {}) {
  state.plan = plan;
  state.terms = null;
  $("run-replan").disabled = false;
  const k = plan.kpis || {};
  status(`Plan: ${k.assigned ?? "?"} of ${k.orders ?? "?"} orders served, ${plan.unassigned.length} unserved, ${(plan.violations || []).length} violations.`);
  const rendered = renderPlan();
  if (fetchTerms) rendered.then(() => fetchObjectiveTerms());
  return rendered;
}

export async function fetchObjectiveTerms() {
  const plan = state.plan;
  try {
    const out = await call("POST", "v1/plans/evaluate", { problem: state.problem, plan: planForApi(plan) });
    if (state.plan !== plan) return;
    state.terms = out.objective;
    $("kpi-cards").innerHTML = kpiCards(plan.kpis || {}, state.terms);
  } catch {
    // the cards keep their "…": terms are a detail, the plan is shown
  }
}

export function fillPlanControls() {
  const model = state.model;
  const served = [...model.stopOf.keys()];
  const all = [...served, ...model.unassigned.keys()];
  const current = $("move-order").value;
  $("move-order").innerHTML = all.map((id) => `<option${id === current ? " selected" : ""}>${esc(id)}</option>`).join("");
  $("move-target").innerHTML = model.rows
    .map((r) => `<option value="${esc(r.key)}">${esc(r.technicianId)}, shift ${r.shiftIndex + 1}</option>`)
    .join("");
  const options = served.map((id) => `<option>${esc(id)}</option>`).join("");
  $("replan-started").innerHTML = options;
  $("replan-done").innerHTML = options;
  if (!$("replan-now").value || !state.lastDiff) $("replan-now").value = nowDefault(model);
}
