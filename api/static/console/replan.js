// Re-plan: what happened at "now" (a clock picker inside the plan's horizon: orders started or
// done, a technician unavailable, an urgent order placed by clicking the map, with its skills,
// levels and window from pickers) sent to reoptimize; the new plan is drawn with the diff's
// orders ringed. The same urgent order can be offered booking slots instead.

import { ApiError, call } from "./api.js";
import { esc, fromLocalInput, hhmm, isoAt, localInput, ms } from "./format.js";
import { findSlots } from "./booking.js";
import { clearPick, pickLocation } from "./map.js";
import { planForApi } from "./model.js";
import { diffHtml } from "./panels.js";
import { $, clearError, setPlan, showError, state, status, timeLimit } from "./page.js";
import { timelineInfo } from "./timeline.js";

let urgentLocation = null;

/** Now, within the plan's horizon: today's clock time on the shown day, clamped to the shifts. */
export function nowDefault(model) {
  const info = timelineInfo();
  const day = info.day ?? (model.days.length ? model.days[0].day : model.t0);
  const sinceMidnight = (Date.now() + model.offsetMin * 60000) % 86400000;
  const bounds = model.days.find((d) => d.day === day) || { t0: model.t0, t1: model.t1 };
  return Math.max(bounds.t0, Math.min(bounds.t1, day + sinceMidnight));
}

/** Fill the re-plan form's pickers for the working problem and plan. */
export function fillReplanControls() {
  const model = state.model;
  if (!model) return;
  const min = localInput(model.t0, model.offsetMin);
  const max = localInput(model.t1, model.offsetMin);
  for (const id of ["replan-now", "replan-from"]) {
    $(id).min = min;
    $(id).max = max;
  }
  const now = fromLocalInput($("replan-now").value, model.offsetMin);
  if (Number.isNaN(now) || now < model.t0 || now > model.t1) $("replan-now").value = localInput(nowDefault(model), model.offsetMin);
  const levels = new Map();
  for (const t of state.problem.technicians) for (const [s, l] of Object.entries(t.skills || {})) levels.set(s, Math.max(levels.get(s) || 0, l));
  const current = $("urgent-skills").dataset.for;
  const key = [...levels.keys()].sort().join(",");
  if (current !== key) {
    $("urgent-skills").dataset.for = key;
    $("urgent-skills").innerHTML = [...levels.keys()].sort().map((s) => {
      const options = Array.from({ length: levels.get(s) }, (_, i) => `<option>${i + 1}</option>`).join("");
      return `<span class="skill-pick"><input type="checkbox" id="us-${esc(s)}" data-skill="${esc(s)}"><label for="us-${esc(s)}">${esc(s)}</label>` +
        `<select aria-label="${esc(s)} level" data-level="${esc(s)}">${options}</select></span>`;
    }).join("") || "<small>no skills in this problem</small>";
  }
}

function urgentOrder(model, nowMs) {
  const skills = {};
  document.querySelectorAll("#urgent-skills input[data-skill]:checked").forEach((box) => {
    skills[box.dataset.skill] = Number(document.querySelector(`#urgent-skills select[data-level="${CSS.escape(box.dataset.skill)}"]`).value);
  });
  const order = {
    id: $("urgent-id").value.trim(),
    location: urgentLocation,
    service_min: Number($("urgent-service").value),
    required_skills: skills,
    priority: $("urgent-priority").value,
  };
  const within = Number($("urgent-within").value);
  if (within > 0) order.respond_by = isoAt(nowMs + within * 60000, model.offsetMin);
  const from = $("urgent-win-from").value;
  const to = $("urgent-win-to").value;
  if (from && to) {
    const day = isoAt(nowMs, model.offsetMin).slice(0, 11);
    const off = isoAt(nowMs, model.offsetMin).slice(19);
    order.windows = [{ start: `${day}${from}:00${off}`, end: `${day}${to}:00${off}` }];
  }
  return order;
}

function inputError(field, message) {
  showError(new ApiError(422, { error: { code: "input_error", field, message } }), "Re-planning");
}

async function runReplan(e) {
  e.preventDefault();
  if (!state.model) return;
  clearError();
  const model = state.model;
  const nowMs = fromLocalInput($("replan-now").value, model.offsetMin);
  if (Number.isNaN(nowMs)) return inputError("now", "Pick the time of the re-plan.");
  const now = isoAt(nowMs, model.offsetMin);
  const at = (orderId, key) => {
    const stop = model.stopOf.get(orderId).stop;
    return isoAt(Math.min(ms(stop[key]), nowMs), model.offsetMin);
  };
  const selected = (id) => [...$(id).selectedOptions].map((o) => o.value);
  const fromMs = fromLocalInput($("replan-from").value, model.offsetMin);
  const events = {
    orders_started: selected("replan-started").map((id) => ({ work_order_id: id, at: at(id, "start") })),
    orders_completed: selected("replan-done").map((id) => ({ work_order_id: id, at: at(id, "end") })),
    technicians_unavailable: $("replan-tech").value ? [{ technician_id: $("replan-tech").value, from: Number.isNaN(fromMs) ? now : isoAt(fromMs, model.offsetMin) }] : [],
    new_orders: [],
  };
  let urgent = null;
  if ($("urgent-add").checked) {
    if (!urgentLocation) return inputError("events.new_orders[0].location", "Click “Place on the map”, then the map, to say where the urgent order is.");
    urgent = urgentOrder(model, nowMs);
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
    const problem = urgent ? { ...state.problem, work_orders: [...state.problem.work_orders, urgent] } : state.problem;
    if (urgent) {
      $("urgent-add").checked = false;
      $("urgent-id").value = urgent.id.replace(/\d*$/, (n) => String(Number(n || 0) + 1));
      urgentLocation = null;
      $("urgent-where").textContent = "not placed";
      clearPick();
    }
    state.lastDiff = out.diff;
    $("replan-diff").innerHTML = diffHtml(out.diff);
    const highlight = new Set([...out.diff.moved.map((m) => m.work_order_id), ...out.diff.newly_assigned.map((a) => a.work_order_id)]);
    await setPlan(out.plan, { label: `re-plan at ${hhmm(now)}`, problem, keepView: true, highlight });
    status(`Re-planned at ${hhmm(now)}: ${out.diff.moved.length} moved, ${out.diff.newly_assigned.length} newly served, ${out.diff.newly_unassigned.length} newly unserved (ringed).`);
  } catch (exc) {
    $("replan-diff").innerHTML = "";
    showError(exc, "Re-planning");
  } finally {
    $("run-replan").disabled = false;
  }
}

/** Wire the re-plan form, the map picker and the urgent order's booking. */
export function wireReplan() {
  $("replan-form").addEventListener("submit", runReplan);
  $("urgent-place").addEventListener("click", () => {
    if (!pickLocation((location) => {
      urgentLocation = location;
      $("urgent-add").checked = true;
      $("urgent-where").textContent = location.lat !== undefined ? `${location.lat}, ${location.lon}` : `x ${location.x}, y ${location.y}`;
      status("Urgent order placed; choose its skills, priority and window, then Re-optimise or Find booking slots.");
    })) {
      inputError("events.new_orders[0].location", "This problem has no map: it cannot take a new location.");
      return;
    }
    status("Click the map where the urgent order is.");
  });
  $("urgent-book").addEventListener("click", () => {
    if (!state.model) return;
    if (!urgentLocation) return inputError("work_order.location", "Click “Place on the map”, then the map, to say where the order is.");
    const nowMs = fromLocalInput($("replan-now").value, state.model.offsetMin);
    findSlots(urgentOrder(state.model, Number.isNaN(nowMs) ? state.model.t0 : nowMs), true);
  });
}

/** For the browser tests: place the urgent order without a mouse. */
export function setUrgentLocation(location) {
  urgentLocation = location;
  $("urgent-where").textContent = JSON.stringify(location);
}
