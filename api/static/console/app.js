// The dispatch console: load a day, solve it (now or as a job), look at it (map, timeline,
// KPIs, unserved), compare variants, re-plan after events, and move orders by hand.
// Every figure comes from the public API; the page computes no plan of its own.

import { ApiError, apiKey, call, setApiKey } from "./api.js";
import { esc } from "./format.js";
import { pointOf, routeKey } from "./model.js";
import { detailsHtml } from "./panels.js";
import { windowsHtml } from "./timeline.js";
import { isDragging, tryMove, wireOverride } from "./override.js";
import { $, clearError, renderPlan, setPlan, showError, state, status, techOptions, timeLimit } from "./page.js";
import { wireReplan } from "./replan.js";
import { renderVariants, wireWhatif } from "./whatif.js";

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

// ---------------------------------------------------------------- solving


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
    if (id && state.model && !isDragging()) showTooltip(id, e.clientX, e.clientY);
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
  wireOverride(hideTooltip);
  wireWhatif();
  wireReplan();
  await loadScenarios();
}

// The browser tests read the state and draw documents directly (tests/console).
window.dispatchConsole = { state, setProblem, renderPlan, tryMove, routeKey };

start();
