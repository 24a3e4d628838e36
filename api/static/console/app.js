// The dispatch console: load a day, solve it (now or as a job), look at it (map, timeline,
// KPIs, unserved work list), move, book, pin, compare variants, re-plan, export; undo and redo
// over the whole session. Every figure comes from the public API; the page computes no plan.

import { ApiError, apiKey, call, setApiKey } from "./api.js";
import { wireBooking } from "./booking.js";
import { esc } from "./format.js";
import { wireExport } from "./export.js";
import { fitAll, fitSelection, mapInfo, revealOrder, setMapHandlers } from "./map.js";
import { routeKey, withOrderChanged } from "./model.js";
import { isDragging, keepMove, tryMove, wireOverride } from "./override.js";
import { detailsHtml } from "./panels.js";
import {
  $, clearError, commit, explainPlan, redo, renderLegend, renderPlan, renderUnserved, resetHistory, selectOrder,
  setPlan, showDay, showError, showTab, state, status, techOptions, timeLimit, undo,
} from "./page.js";
import { fillReplanControls, setUrgentLocation, wireReplan } from "./replan.js";
import { revealRow, setDayHandler, setSpan, timelineInfo, windowsHtml, zoomBy } from "./timeline.js";
import { renderVariants, wireWhatif } from "./whatif.js";

// ---------------------------------------------------------------- loading

function setProblem(problem, plan = null, source = null) {
  state.dayId += 1;
  state.problem = problem;
  state.plan = null;
  state.source = source || state.source;
  state.pending = null;
  state.preview = null;
  state.highlight = new Set();
  state.flagged = new Set();
  state.overrides = new Map();
  state.hidden = new Set();
  state.selectedRoute = null;
  state.selectedOrder = null;
  state.slots = [];
  resetHistory();
  $("override-actions").hidden = true;
  for (const id of ["override-result", "replan-diff", "whatif-result", "booking"]) $(id).innerHTML = "";
  for (const id of ["solve-now", "solve-job", "run-whatif"]) $(id).disabled = false;
  fillProblemControls();
  if (plan) {
    state.plan = plan;
    state.model = null;
    $("run-replan").disabled = false;
    const k = plan.kpis || {};
    status(`Plan loaded: ${k.assigned ?? "?"} of ${k.orders ?? problem.work_orders.length} orders served, ${plan.unassigned.length} unserved.`);
    return renderPlan().then((elapsed) => {
      fillReplanControls();
      return elapsed;
    });
  }
  state.model = null;
  for (const id of ["map", "timeline", "unserved", "kpi-cards", "legend-list"]) $(id).innerHTML = "";
  document.body.classList.remove("has-plan");
  $("view-load").open = true;
  $("run-replan").disabled = true;
  status(`Loaded ${problem.technicians.length} technicians and ${problem.work_orders.length} work orders. Solve to see a plan.`);
  return Promise.resolve(null);
}

function showSource(label) {
  const sel = $("scenario");
  sel.querySelector("option[data-pasted]")?.remove();
  if (label) {
    sel.insertAdjacentHTML("afterbegin", `<option data-pasted value="">${esc(label)}</option>`);
    sel.value = "";
  }
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
  if (doc && doc.problem && doc.technicians === undefined) {
    showSource(`(${source})`);
    setProblem(doc.problem, doc.plan || null, source);
  } else if (doc && Array.isArray(doc.technicians)) {
    showSource(`(${source})`);
    setProblem(doc, null, source);
  } else showError(new Error("expected a problem document (technicians, work_orders) or {problem, plan}"), source);
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
  if (!name) return;
  status(`Loading ${name}…`);
  try {
    const problem = await call("GET", `v1/scenarios/${encodeURIComponent(name)}`);
    clearError();
    showSource(null);
    $("scenario").value = name;
    setProblem(problem, null, `scenario ${name}`);
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
    await setPlan(plan, { label: "solve" });
    fillReplanControls();
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
    showJob(job);
    pollJob(job.id);
  } catch (exc) {
    showError(exc, "Submitting the job");
  }
}

/** The job's status line, read from the job as the API reports it (fields read defensively). */
export function jobLine(job) {
  const p = job.progress && typeof job.progress === "object" ? job.progress : {};
  const parts = [job.status || "unknown"];
  const phase = p.phase || job.phase;
  if (phase) parts.push(String(phase).replace(/_/g, " "));
  if (typeof p.elapsed_s === "number") parts.push(`${Math.round(p.elapsed_s)} s of ${Math.round(job.time_limit_s || 0)} s`);
  if (typeof p.assigned === "number") parts.push(`${p.assigned} served so far`);
  if (p.message) parts.push(String(p.message));
  if (job.cancel_requested && job.status === "running") parts.push("cancelling");
  return parts.join(" · ");
}

function showJob(job) {
  const p = job.progress && typeof job.progress === "object" ? job.progress : {};
  const elapsed = typeof p.elapsed_s === "number" ? p.elapsed_s : 0;
  $("job-progress").value = job.time_limit_s ? Math.min(1, elapsed / job.time_limit_s) : 0;
  $("job-state").textContent = jobLine(job);
  status(`Job ${job.id.slice(0, 8)}: ${jobLine(job)}`);
}

async function pollJob(id) {
  let job;
  try {
    job = await call("GET", `v1/jobs/${id}`);
  } catch (exc) {
    showError(exc, "Following the job");
    return;
  }
  showJob(job);
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
    await setPlan(plan, { label: `job ${job.status}` });
    fillReplanControls();
    status(`Job ${id.slice(0, 8)} ${job.status}: ${$("status").textContent}`);
  } catch (exc) {
    showError(exc, "Fetching the job's plan");
  }
}

async function cancelJob() {
  if (!state.job) return;
  try {
    await call("DELETE", `v1/jobs/${state.job.id}`);
    status(`Cancelling job ${state.job.id.slice(0, 8)}; its best plan so far comes next.`);
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
  const top = y + 14 + tip.offsetHeight > window.innerHeight ? y - tip.offsetHeight - 10 : y + 14;
  tip.style.left = `${Math.max(4, left)}px`;
  tip.style.top = `${Math.max(4, top)}px`;
  hideWindows();
  const at = state.model.stopOf.get(orderId);
  if (at) {
    const row = document.querySelector(`.tl-row[data-target="${CSS.escape(at.route.key)}"] .tl-track`);
    if (row) {
      row.insertAdjacentHTML("afterbegin", windowsHtml(state.model.orders.get(orderId)));
      shownWindows = row;
    }
  }
  document.querySelectorAll(`.blk.service[data-order="${CSS.escape(orderId)}"]`).forEach((b) => b.classList.add("linked"));
}

function hideWindows() {
  if (shownWindows) shownWindows.querySelectorAll(".window").forEach((w) => w.remove());
  shownWindows = null;
  document.querySelectorAll(".blk.linked").forEach((b) => b.classList.remove("linked"));
}

function hideTooltip() {
  $("tooltip").hidden = true;
  hideWindows();
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
    if (e.target.closest("button")) return;
    const id = orderOf(e.target);
    if (id && state.model) selectOrder(id);
  });
  container.addEventListener("focusin", (e) => {
    const id = orderOf(e.target) || orderOf(e.target.firstElementChild);
    if (!id || !state.model) return;
    const box = e.target.getBoundingClientRect();
    showTooltip(id, box.left, box.bottom);
  });
  container.addEventListener("focusout", hideTooltip);
  container.addEventListener("keydown", (e) => {
    const id = orderOf(e.target) || orderOf(e.target.firstElementChild);
    if (id && (e.key === "Enter" || e.key === " ") && !e.target.closest("button:not(.leaflet-marker-icon)")) {
      e.preventDefault();
      selectOrder(id);
      showTab("move");
      $("move-order").focus();
    }
  });
}

// ---------------------------------------------------------------- legend, routes, pins

function selectRoute(key) {
  state.selectedRoute = state.selectedRoute === key ? null : key;
  renderPlan(true).then(() => {
    if (state.selectedRoute) {
      revealRow(state.selectedRoute);
      fitSelection(null);
    }
  });
}

function wireLegend() {
  $("legend-search").addEventListener("input", () => renderLegend());
  $("legend-list").addEventListener("change", (e) => {
    const id = e.target.dataset.show;
    if (!id) return;
    if (e.target.checked) state.hidden.delete(id);
    else state.hidden.add(id);
    renderPlan(true);
  });
  $("legend-list").addEventListener("click", (e) => {
    const solo = e.target.dataset.solo;
    if (solo) {
      const only = state.hidden.size === state.model.technicians.size - 1 && !state.hidden.has(solo);
      state.hidden = only ? new Set() : new Set([...state.model.technicians.keys()].filter((t) => t !== solo));
      state.selectedRoute = only ? null : (state.model.routes.find((r) => r.technician_id === solo) || {}).key || null;
      renderPlan(true).then(() => fitSelection(null));
      return;
    }
    const li = e.target.closest("li[data-tech]");
    if (li && e.target.tagName !== "INPUT" && e.target.tagName !== "LABEL" && !e.target.closest("label")) {
      const route = state.model.routes.find((r) => r.technician_id === li.dataset.tech);
      if (route) selectRoute(route.key);
    }
  });
  $("legend-all").addEventListener("click", () => {
    state.hidden = new Set();
    state.selectedRoute = null;
    renderPlan(true);
  });
  $("legend-toggle").addEventListener("click", () => {
    const open = $("legend").classList.toggle("collapsed");
    $("legend-toggle").setAttribute("aria-expanded", open ? "false" : "true");
  });
}

async function pin(orderId, techId, label) {
  const problem = withOrderChanged(state.problem, orderId, { pinned_technician_id: techId });
  commit(label, { problem });
  await renderPlan(true);
  status(`${label}: the next solve or re-plan respects it.`);
}

function wireOrderActions() {
  $("pin").addEventListener("click", () => pin(state.selectedOrder, $("pin-tech").value, `pin ${state.selectedOrder} to ${$("pin-tech").value}`));
  $("lock-here").addEventListener("click", () => {
    const at = state.model.stopOf.get(state.selectedOrder);
    if (at) pin(state.selectedOrder, at.route.technician_id, `lock ${state.selectedOrder} to ${at.route.technician_id}`);
  });
  $("unpin").addEventListener("click", () => pin(state.selectedOrder, null, `unpin ${state.selectedOrder}`));
  $("fit-order").addEventListener("click", async () => {
    await revealOrder(state.selectedOrder);
    fitSelection(state.selectedOrder);
    const at = state.model.stopOf.get(state.selectedOrder);
    if (at) revealRow(at.route.key);
  });
}

// ---------------------------------------------------------------- layout: tabs, panes

function wireTabs() {
  const tabs = [...document.querySelectorAll("#side-tabs [role=tab]")];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
    tab.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      showTab(next.dataset.tab);
      next.focus();
    });
  });
}

function wireSplitter(id, prop, axis, min, max) {
  const bar = $(id);
  const root = document.documentElement;
  const set = (px) => {
    root.style.setProperty(prop, `${Math.max(min, Math.min(max(), px))}px`);
    bar.setAttribute("aria-valuenow", String(Math.round(px)));
    if (window.dispatchMap) window.dispatchMap.invalidateSize({ pan: false });
  };
  const current = () => parseFloat(getComputedStyle(root).getPropertyValue(prop)) || 0;
  bar.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    bar.setPointerCapture(e.pointerId);
    const start = axis === "x" ? e.clientX : e.clientY;
    const from = current();
    const move = (ev) => set(from + (axis === "x" ? start - ev.clientX : ev.clientY - start));
    const up = () => {
      bar.removeEventListener("pointermove", move);
      bar.removeEventListener("pointerup", up);
      if (state.model) renderPlan(true);
    };
    bar.addEventListener("pointermove", move);
    bar.addEventListener("pointerup", up);
  });
  bar.addEventListener("keydown", (e) => {
    const delta = { ArrowLeft: 24, ArrowRight: -24, ArrowUp: -24, ArrowDown: 24 }[e.key];
    if (delta === undefined) return;
    e.preventDefault();
    set(current() + (axis === "x" ? delta : delta));
    if (state.model) renderPlan(true);
  });
}

function wireTimelineControls() {
  $("tl-day").addEventListener("change", () => showDay($("tl-day").value === "" ? null : Number($("tl-day").value)));
  setDayHandler((day) => showDay(day));
  $("tl-zoom").addEventListener("change", () => setSpan($("tl-zoom").value === "" ? null : Number($("tl-zoom").value)));
  $("tl-in").addEventListener("click", () => zoomBy(0.5));
  $("tl-out").addEventListener("click", () => zoomBy(2));
}

// ---------------------------------------------------------------- form contents

function fillProblemControls() {
  $("variant-tech").innerHTML = techOptions();
  $("replan-tech").innerHTML = `<option value="">nobody</option>${techOptions()}`;
  $("export-tech").innerHTML = `<option value="">every technician</option>${techOptions()}`;
  state.variants = [];
  state.whatif = null;
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
    if (file) readDocument(await file.text(), `file ${file.name}`);
  });
  $("load-paste").addEventListener("click", () => readDocument($("paste").value, "pasted document"));
  $("solve-now").addEventListener("click", solveNow);
  $("solve-job").addEventListener("click", solveJob);
  $("cancel-job").addEventListener("click", cancelJob);
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  document.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z" || e.target.matches("input, textarea, select")) return;
    e.preventDefault();
    if (e.shiftKey) redo();
    else undo();
  });
  for (const id of ["map", "timeline", "unserved", "replan-diff", "override-result"]) wireDetails($(id));
  $("unserved").addEventListener("click", (e) => {
    const id = e.target.dataset && e.target.dataset.fixes;
    if (id) explainPlan(id);
  });
  for (const id of ["filter-priority", "filter-reason", "filter-skill"]) $(id).addEventListener("change", renderUnserved);
  setMapHandlers({ selectOrder: (id) => selectOrder(id), selectRoute, selectedOrder: () => state.selectedOrder });
  wireOverride(hideTooltip);
  wireBooking();
  wireWhatif();
  wireReplan();
  wireExport();
  wireLegend();
  wireOrderActions();
  wireTabs();
  wireTimelineControls();
  wireSplitter("split-side", "--side-w", "x", 280, () => window.innerWidth * 0.6);
  wireSplitter("split-map", "--map-h", "y", 120, () => window.innerHeight - 200);
  window.addEventListener("resize", () => state.model && renderPlan(true));
  await loadScenarios();
}

// The browser tests read the state and draw documents directly (tests/console).
window.dispatchConsole = {
  state, setProblem, renderPlan, tryMove, keepMove, routeKey, mapInfo, timelineInfo, revealOrder, undo, redo,
  setUrgentLocation, jobLine, setSpan, showDay, selectOrder, fitAll,
};

start();
