// Re-plan: what happened at "now" (orders started or done, a technician unavailable, an
// urgent order) sent to reoptimize; the new plan is drawn with the diff's orders ringed.

import { ApiError, call } from "./api.js";
import { esc, hhmm, isoAt, ms } from "./format.js";
import { planForApi, pointOf } from "./model.js";
import { diffHtml } from "./panels.js";
import { $, clearError, setPlan, showError, state, status, timeLimit } from "./page.js";

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

/** Wire the re-plan form. */
export function wireReplan() {
  $("replan-form").addEventListener("submit", runReplan);
}
