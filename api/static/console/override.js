// Manual override: an order dragged on the timeline (or chosen in the form) is sent to
// evaluate with retime; the re-timed plan, its violations and the deltas are shown at once,
// and the dispatcher keeps or undoes the move.

import { call } from "./api.js";
import { esc } from "./format.js";
import { movedPlan, planForApi } from "./model.js";
import { overrideDeltaHtml, violationsHtml } from "./panels.js";
import { $, renderPlan, showError, state, status } from "./page.js";

let drag = null;
let onDragStart = () => {};

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
    onDragStart();
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

export async function tryMove(orderId, targetKey, position) {
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

/** Whether an order is being dragged (no tooltips meanwhile). */
export function isDragging() {
  return drag !== null;
}

/** Wire the timeline's drag and drop, the move form and Keep / Undo. */
export function wireOverride(hideTooltip) {
  onDragStart = hideTooltip;
  wireDrag();
  $("move-form").addEventListener("submit", (e) => {
    e.preventDefault();
    tryMove($("move-order").value, $("move-target").value, Number($("move-position").value) - 1);
  });
  $("override-keep").addEventListener("click", keepOverride);
  $("override-undo").addEventListener("click", undoOverride);
}
