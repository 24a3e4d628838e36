// The dispatch console: load a day, solve it (now or as a job), look at it (map, timeline,
// KPIs, unserved), compare variants, re-plan after events, and move orders by hand.
// Every figure comes from the public API; the page computes no plan of its own.

import { ApiError, apiKey, call, setApiKey } from "./api.js";
import { esc, hhmm, isoAt, ms, num } from "./format.js";
import { mapSvg } from "./map.js";
import { buildModel, movedPlan, planForApi, pointOf, routeKey } from "./model.js";
import { detailsHtml, diffHtml, kpiCards, overrideDeltaHtml, unservedHtml, violationsHtml, whatifTable } from "./panels.js";
import { timelineHtml, windowsHtml } from "./timeline.js";

const $ = (id) => document.getElementById(id);

const state = {
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

function status(text) {
  $("status").textContent = text;
}

function showError(exc, context) {
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

function clearError() {
  $("errors").innerHTML = "";
}

// ---------------------------------------------------------------- loading

function setProblem(problem, plan = null) {
  state.problem = problem;
  state.override = null;
  state.highlight = new Set();
  state.flagged = new Set();
  $("override-actions").hidden = true;
  $("override-result").innerHTML = "";
  $("replan-diff").innerHTML = "";
  $("whatif-result").innerHTML = "";
  for (const id of ["solve-now", "solve-job", "run-whatif"]) $(id).disabled = false;
  fillProblemControls();
  if (plan) return setPlan(plan);
  state.plan = null;
  state.model = null;
  for (const id of ["map", "timeline", "unserved", "kpi-cards"]) $(id).innerHTML = "";
  $("run-replan").disabled = true;
  status(`Loaded ${problem.technicians.length} technicians and ${problem.work_orders.length} work orders. Solve to see a plan.`);
  return Promise.resolve(null);
}

function readDocument(text, source) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (exc) {
    showError(exc, `${source} is not JSON`);
    return;
  }
  clearError();
  if (doc && doc.problem && doc.technicians === undefined) setProblem(doc.problem, doc.plan || null);
  else if (doc && Array.isArray(doc.technicians)) setProblem(doc);
  else showError(new Error("expected a problem document (technicians, work_orders) or {problem, plan}"), source);
}

async function loadScenarios() {
  try {
    const list = await call("GET", "v1/scenarios");
    $("scenario").innerHTML = list.data
      .map((s) => `<option value="${esc(s.name)}" title="${esc(s.purpose)}">${esc(s.name)} (${s.technicians} × ${s.work_orders})</option>`)
      .join("");
    clearError();
    status("Choose a scenario, upload a problem file or paste a document.");
  } catch (exc) {
    showError(exc, "Listing the scenarios");
    status("The API refused the scenario list; type an API key if the server needs one.");
  }
}

async function loadScenario() {
  const name = $("scenario").value;
  status(`Loading ${name}…`);
  try {
    const problem = await call("GET", `v1/scenarios/${encodeURIComponent(name)}`);
    clearError();
    setProblem(problem);
  } catch (exc) {
    showError(exc, `Loading scenario ${name}`);
  }
}

// ---------------------------------------------------------------- rendering

function renderPlan() {
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
function setPlan(plan, { fetchTerms = true } = {}) {
  state.plan = plan;
  state.terms = null;
  $("run-replan").disabled = false;
  const k = plan.kpis || {};
  status(`Plan: ${k.assigned ?? "?"} of ${k.orders ?? "?"} orders served, ${plan.unassigned.length} unserved, ${(plan.violations || []).length} violations.`);
  const rendered = renderPlan();
  if (fetchTerms) rendered.then(() => fetchObjectiveTerms());
  return rendered;
}

async function fetchObjectiveTerms() {
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

// ---------------------------------------------------------------- solving

function timeLimit() {
  return Math.max(1, Number($("time-limit").value) || state.config.default_time_limit_s || 5);
}

async function solveNow() {
  clearError();
  status(`Solving for up to ${timeLimit()} s…`);
  $("solve-now").disabled = true;
  try {
    const plan = await call("POST", "v1/plans", { problem: state.problem, time_limit_s: timeLimit() });
    state.highlight = new Set();
    state.flagged = new Set();
    await setPlan(plan);
  } catch (exc) {
    showError(exc, "Solving");
    status("The solve was refused.");
  } finally {
    $("solve-now").disabled = false;
  }
}

async function solveJob() {
  clearError();
  try {
    const job = await call("POST", "v1/jobs", { problem: state.problem, time_limit_s: timeLimit() });
    state.job = job;
    $("cancel-job").hidden = false;
    $("job-progress").hidden = false;
    $("job-progress").value = 0;
    status(`Job ${job.id} queued.`);
    pollJob(job.id);
  } catch (exc) {
    showError(exc, "Submitting the job");
  }
}

async function pollJob(id) {
  let job;
  try {
    job = await call("GET", `v1/jobs/${id}`);
  } catch (exc) {
    showError(exc, "Following the job");
    return;
  }
  const elapsed = (job.progress && job.progress.elapsed_s) || 0;
  $("job-progress").value = Math.min(1, elapsed / job.time_limit_s);
  const found = job.progress && job.progress.assigned !== null && job.progress.assigned !== undefined ? `, ${job.progress.assigned} served so far` : "";
  $("job-state").textContent = `${job.status}${found}`;
  if (job.status === "queued" || job.status === "running") {
    setTimeout(() => pollJob(id), 500);
    return;
  }
  $("cancel-job").hidden = true;
  $("job-progress").value = 1;
  state.job = null;
  if (job.status === "failed") {
    showError(new ApiError(500, { error: { code: job.error_code, message: job.error } }), `Job ${id} failed`);
    return;
  }
  if (!job.has_plan) {
    status(`Job ${id} ${job.status} without a plan.`);
    return;
  }
  try {
    const plan = await call("GET", `v1/jobs/${id}/plan`);
    state.highlight = new Set();
    state.flagged = new Set();
    await setPlan(plan);
    status(`Job ${id} ${job.status}: ${$("status").textContent}`);
  } catch (exc) {
    showError(exc, "Fetching the job's plan");
  }
}

async function cancelJob() {
  if (!state.job) return;
  try {
    await call("DELETE", `v1/jobs/${state.job.id}`);
    status(`Cancelling job ${state.job.id}; its best plan so far comes next.`);
  } catch (exc) {
    showError(exc, "Cancelling the job");
  }
}

// ---------------------------------------------------------------- details on hover and focus

let shownWindows = null;

function orderOf(target) {
  const el = target && target.closest ? target.closest("[data-order]") : null;
  return el ? el.dataset.order : null;
}

function showTooltip(orderId, x, y) {
  const tip = $("tooltip");
  tip.innerHTML = detailsHtml(state.model, orderId);
  tip.hidden = false;
  const left = Math.min(x + 14, window.innerWidth - tip.offsetWidth - 8);
  tip.style.left = `${left + window.scrollX}px`;
  tip.style.top = `${y + 14 + window.scrollY}px`;
  const at = state.model.stopOf.get(orderId);
  hideWindows();
  if (at) {
    const row = document.querySelector(`.tl-row[data-target="${CSS.escape(at.route.key)}"] .tl-track`);
    if (row) {
      row.insertAdjacentHTML("afterbegin", windowsHtml(state.model, state.model.orders.get(orderId)));
      shownWindows = row;
    }
  }
}

function hideWindows() {
  if (shownWindows) shownWindows.querySelectorAll(".window").forEach((w) => w.remove());
  shownWindows = null;
}

function hideTooltip() {
  $("tooltip").hidden = true;
  hideWindows();
}

function selectOrder(orderId) {
  $("details").innerHTML = detailsHtml(state.model, orderId);
  $("move-order").value = orderId;
}

function wireDetails(container) {
  container.addEventListener("mouseover", (e) => {
    const id = orderOf(e.target);
    if (id && state.model && !drag) showTooltip(id, e.clientX, e.clientY);
  });
  container.addEventListener("mouseout", (e) => {
    if (orderOf(e.target) && !orderOf(e.relatedTarget)) hideTooltip();
  });
  container.addEventListener("click", (e) => {
    const id = orderOf(e.target);
    if (id && state.model) selectOrder(id);
  });
  container.addEventListener("focusin", (e) => {
    const id = orderOf(e.target);
    if (!id || !state.model) return;
    const box = e.target.getBoundingClientRect();
    showTooltip(id, box.left, box.bottom);
  });
  container.addEventListener("focusout", hideTooltip);
  container.addEventListener("keydown", (e) => {
    const id = orderOf(e.target);
    if (id && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      selectOrder(id);
      $("move-order").focus();
    }
  });
}

// ---------------------------------------------------------------- manual override

let drag = null;

function dropTarget(x, y) {
  const el = document.elementFromPoint(x, y);
  const row = el && el.closest(".tl-row[data-target]");
  if (!row) return null;
  const key = row.dataset.target;
  const blocks = [...row.querySelectorAll(".blk.service")].filter((b) => b.dataset.order !== drag.orderId);
  let position = 0;
  for (const b of blocks) {
    const box = b.getBoundingClientRect();
    if (box.left + box.width / 2 < x) position += 1;
  }
  return { key, position, row };
}

function wireDrag() {
  const timeline = $("timeline");
  timeline.addEventListener("pointerdown", (e) => {
    const block = e.target.closest(".blk.service");
    if (!block || e.button !== 0) return;
    e.preventDefault();
    drag = { orderId: block.dataset.order, x: e.clientX, y: e.clientY, moved: false };
  });
  document.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (!drag.moved && Math.hypot(e.clientX - drag.x, e.clientY - drag.y) < 4) return;
    drag.moved = true;
    hideTooltip();
    const ghost = $("drag-ghost");
    ghost.hidden = false;
    ghost.textContent = drag.orderId;
    ghost.style.left = `${e.clientX + window.scrollX + 8}px`;
    ghost.style.top = `${e.clientY + window.scrollY + 8}px`;
    document.querySelectorAll(".tl-row.drop").forEach((r) => r.classList.remove("drop"));
    const target = dropTarget(e.clientX, e.clientY);
    if (target) target.row.classList.add("drop");
  });
  document.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const current = drag;
    $("drag-ghost").hidden = true;
    document.querySelectorAll(".tl-row.drop").forEach((r) => r.classList.remove("drop"));
    if (current.moved) {
      const target = dropTarget(e.clientX, e.clientY);
      drag = null;
      if (target) tryMove(current.orderId, target.key, target.position);
    } else {
      drag = null;
    }
  });
}

async function tryMove(orderId, targetKey, position) {
  if (!state.model) return;
  const base = state.override ? state.override.before : { plan: state.plan, kpis: state.plan.kpis, objective: state.terms };
  const edited = movedPlan(state.model, orderId, targetKey, position);
  $("override-result").innerHTML = `<p>Evaluating ${esc(orderId)} → ${esc(targetKey.replace("#", ", shift "))}…</p>`;
  try {
    const out = await call("POST", "v1/plans/evaluate", { problem: state.problem, plan: edited, retime: true });
    if (!base.objective) {
      base.objective = (await call("POST", "v1/plans/evaluate", { problem: state.problem, plan: planForApi(base.plan) })).objective;
    }
    state.override = { before: base, after: { plan: out.plan, kpis: out.kpis, objective: out.objective }, orderId };
    state.highlight = new Set([orderId]);
    state.flagged = new Set(out.violations.map((v) => v.work_order_id).filter(Boolean));
    state.plan = out.plan;
    state.terms = out.objective;
    await renderPlan();
    $("override-result").innerHTML =
      `<h3>${esc(orderId)} moved to ${esc(targetKey.split("#")[0])} (stop ${position + 1}) ${out.is_valid ? "✓ valid" : `⚠ ${out.violations.length} violation(s)`}</h3>` +
      violationsHtml(out.violations) + overrideDeltaHtml(base, state.override.after);
    $("override-actions").hidden = false;
    status(out.is_valid ? `Move of ${orderId} is valid: keep or undo it.` : `Move of ${orderId} breaks ${out.violations.length} rule(s): keep or undo it.`);
  } catch (exc) {
    $("override-result").innerHTML = "";
    showError(exc, `Evaluating the move of ${orderId}`);
  }
}

function keepOverride() {
  state.override = null;
  $("override-actions").hidden = true;
  status("Move kept: the plan on screen is the edited one.");
}

async function undoOverride() {
  if (!state.override) return;
  const before = state.override.before;
  state.override = null;
  state.highlight = new Set();
  state.flagged = new Set();
  state.plan = before.plan;
  state.terms = before.objective;
  $("override-actions").hidden = true;
  $("override-result").innerHTML = "<p>Move undone.</p>";
  await renderPlan();
  status("Move undone.");
}

// ---------------------------------------------------------------- what-if

function techOptions(selected) {
  return state.problem.technicians.map((t) => `<option value="${esc(t.id)}"${t.id === selected ? " selected" : ""}>${esc(t.id)}${t.name ? ` ${esc(t.name)}` : ""}</option>`).join("");
}

function showVariantFields() {
  const kind = $("variant-kind").value;
  document.querySelectorAll("#variant-form .for-tech").forEach((el) => (el.hidden = kind === "set_weights"));
  document.querySelectorAll("#variant-form .for-shift").forEach((el) => (el.hidden = kind !== "change_shift"));
  document.querySelectorAll("#variant-form .for-weight").forEach((el) => (el.hidden = kind !== "set_weights"));
}

function atClock(iso, hhmmValue) {
  return `${iso.slice(0, 11)}${hhmmValue}:00${iso.slice(19)}`;
}

function addVariant(e) {
  e.preventDefault();
  const kind = $("variant-kind").value;
  const tech = $("variant-tech").value;
  let variant;
  if (kind === "remove_technician") {
    variant = { name: `${tech} off`, operations: [{ op: kind, technician_id: tech }] };
  } else if (kind === "add_technician") {
    let id = `${tech}-copy`;
    for (let n = 2; state.problem.technicians.some((t) => t.id === id); n++) id = `${tech}-copy${n}`;
    variant = { name: `extra ${id}`, operations: [{ op: kind, copy_of: tech, id }] };
  } else if (kind === "change_shift") {
    const shift = state.problem.technicians.find((t) => t.id === tech).shifts[0];
    const start = $("variant-start").value;
    const end = $("variant-end").value;
    variant = {
      name: `${tech} ${start}–${end}`,
      operations: [{ op: kind, technician_id: tech, shift_index: 0, start: atClock(shift.start, start), end: atClock(shift.end, end) }],
    };
  } else {
    const key = $("variant-weight").value;
    const value = Number($("variant-value").value);
    const weights = key.includes(".") ? { [key.split(".")[0]]: { [key.split(".")[1]]: value } } : { [key]: value };
    variant = { name: `${key.replace("unassigned_by_priority.", "unserved ")} = ${value}`, operations: [{ op: kind, weights }] };
  }
  if (state.variants.some((v) => v.name === variant.name)) return;
  state.variants.push(variant);
  renderVariants();
}

function renderVariants() {
  $("variants").innerHTML = state.variants
    .map((v, i) => `<li>${esc(v.name)} <button type="button" data-remove="${i}" aria-label="Remove variant ${esc(v.name)}">✕</button></li>`)
    .join("");
  $("run-whatif").disabled = !state.problem || !state.variants.length;
}

async function runWhatif() {
  clearError();
  $("run-whatif").disabled = true;
  const limit = Math.min(timeLimit(), 5);
  $("whatif-result").innerHTML = `<p>Solving the base and ${state.variants.length} variant(s), ${limit} s each…</p>`;
  try {
    const answer = await call("POST", "v1/whatif", { base: state.problem, variants: state.variants, time_limit_s: limit });
    $("whatif-result").innerHTML = whatifTable(answer);
    status(`What-if: ${answer.rows.length} rows compared.`);
  } catch (exc) {
    $("whatif-result").innerHTML = "";
    showError(exc, "Comparing variants");
  } finally {
    $("run-whatif").disabled = false;
  }
}

// ---------------------------------------------------------------- re-plan

function nowDefault(model) {
  return isoAt(model.t0 + 3 * 3600000, model.offsetMin);
}

async function runReplan(e) {
  e.preventDefault();
  if (!state.model) return;
  clearError();
  const model = state.model;
  const now = $("replan-now").value.trim();
  const nowMs = ms(now);
  if (Number.isNaN(nowMs)) {
    showError(new ApiError(422, { error: { code: "input_error", field: "now", message: `Now must be a datetime with an offset, got ${now}.` } }), "Re-planning");
    return;
  }
  const at = (orderId, key) => {
    const stop = model.stopOf.get(orderId).stop;
    return isoAt(Math.min(ms(stop[key]), nowMs), model.offsetMin);
  };
  const selected = (id) => [...$(id).selectedOptions].map((o) => o.value);
  const events = {
    orders_started: selected("replan-started").map((id) => ({ work_order_id: id, at: at(id, "start") })),
    orders_completed: selected("replan-done").map((id) => ({ work_order_id: id, at: at(id, "end") })),
    technicians_unavailable: $("replan-tech").value ? [{ technician_id: $("replan-tech").value, from: $("replan-from").value.trim() || now }] : [],
    new_orders: [],
  };
  let urgent = null;
  if ($("urgent-add").checked) {
    const geo = state.problem.work_orders.some((o) => pointOf(o.location)?.geo);
    const a = Number($("urgent-lat").value);
    const b = Number($("urgent-lon").value);
    const skill = $("urgent-skill").value;
    urgent = {
      id: $("urgent-id").value.trim(),
      location: geo ? { lat: a, lon: b } : { x: b, y: a },
      service_min: Number($("urgent-service").value),
      required_skills: skill ? { [skill]: 1 } : {},
      priority: $("urgent-priority").value,
      respond_by: isoAt(nowMs + Number($("urgent-within").value) * 60000, model.offsetMin),
    };
    events.new_orders.push(urgent);
  }
  $("run-replan").disabled = true;
  $("replan-diff").innerHTML = `<p>Re-optimising from ${esc(hhmm(now))}…</p>`;
  try {
    const out = await call("POST", "v1/plans/reoptimize", {
      problem: state.problem,
      plan: planForApi(state.plan),
      now,
      events,
      time_limit_s: Math.min(timeLimit(), 5),
    });
    if (urgent) {
      state.problem = { ...state.problem, work_orders: [...state.problem.work_orders, urgent] };
      $("urgent-add").checked = false;
      $("urgent-id").value = urgent.id.replace(/\d*$/, (n) => String(Number(n || 0) + 1));
    }
    state.lastDiff = out.diff;
    state.override = null;
    state.highlight = new Set([...out.diff.moved.map((m) => m.work_order_id), ...out.diff.newly_assigned.map((a) => a.work_order_id)]);
    state.flagged = new Set();
    $("replan-diff").innerHTML = diffHtml(out.diff);
    await setPlan(out.plan);
    status(`Re-planned: ${out.diff.moved.length} moved, ${out.diff.newly_assigned.length} newly served, ${out.diff.newly_unassigned.length} newly unserved (highlighted ↔).`);
  } catch (exc) {
    $("replan-diff").innerHTML = "";
    showError(exc, "Re-planning");
  } finally {
    $("run-replan").disabled = false;
  }
}

// ---------------------------------------------------------------- form contents

function fillProblemControls() {
  const problem = state.problem;
  $("variant-tech").innerHTML = techOptions();
  $("replan-tech").innerHTML = `<option value="">nobody</option>${techOptions()}`;
  const skills = new Set();
  problem.technicians.forEach((t) => Object.keys(t.skills || {}).forEach((s) => skills.add(s)));
  $("urgent-skill").innerHTML = `<option value="">none</option>${[...skills].sort().map((s) => `<option>${esc(s)}</option>`).join("")}`;
  const points = problem.work_orders.map((o) => pointOf(o.location)).filter(Boolean);
  if (points.length) {
    $("urgent-lat").value = (points.reduce((s, p) => s + p.b, 0) / points.length).toFixed(5);
    $("urgent-lon").value = (points.reduce((s, p) => s + p.a, 0) / points.length).toFixed(5);
  }
  state.variants = [];
  renderVariants();
}

function fillPlanControls() {
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

// ---------------------------------------------------------------- start

async function start() {
  try {
    const response = await fetch("console/config.json");
    state.config = await response.json();
  } catch {
    state.config = {};
  }
  if (state.config.default_time_limit_s) $("time-limit").value = Math.min(5, state.config.default_time_limit_s);
  if (state.config.max_time_limit_s) $("time-limit").max = state.config.max_time_limit_s;
  $("key-box").hidden = !state.config.auth_required && !apiKey();
  $("api-key").value = apiKey();
  $("api-key").addEventListener("change", () => {
    setApiKey($("api-key").value.trim());
    loadScenarios();
  });
  $("load-scenario").addEventListener("click", loadScenario);
  $("problem-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (file) readDocument(await file.text(), file.name);
  });
  $("load-paste").addEventListener("click", () => readDocument($("paste").value, "The pasted document"));
  $("solve-now").addEventListener("click", solveNow);
  $("solve-job").addEventListener("click", solveJob);
  $("cancel-job").addEventListener("click", cancelJob);
  for (const id of ["map", "timeline", "unserved", "replan-diff"]) wireDetails($(id));
  wireDrag();
  $("move-form").addEventListener("submit", (e) => {
    e.preventDefault();
    tryMove($("move-order").value, $("move-target").value, Number($("move-position").value) - 1);
  });
  $("override-keep").addEventListener("click", keepOverride);
  $("override-undo").addEventListener("click", undoOverride);
  $("variant-kind").addEventListener("change", showVariantFields);
  $("variant-form").addEventListener("submit", addVariant);
  $("variants").addEventListener("click", (e) => {
    const i = e.target.dataset.remove;
    if (i !== undefined) {
      state.variants.splice(Number(i), 1);
      renderVariants();
    }
  });
  $("run-whatif").addEventListener("click", runWhatif);
  $("replan-form").addEventListener("submit", runReplan);
  await loadScenarios();
}

// The browser tests and the screenshots script read the state and render documents directly.
window.dispatchConsole = { state, setProblem, renderPlan, tryMove, routeKey };

start();
