// Booking: where and when could an order be served? POST /v1/recommendations for an unserved
// order of the day or a new one; its slots are listed and drawn on the timeline, and Book tries
// the slot as a move (evaluate with retime), to keep or undo like any other.

import { call } from "./api.js";
import { dayLabel, delta, esc, hhmm, ms, num, sla } from "./format.js";
import { routeKey, techName, withoutOrder } from "./model.js";
import { tryMove } from "./override.js";
import { $, renderPlan, showError, showTab, state, status } from "./page.js";
import { revealRow, revealTime } from "./timeline.js";

let current = null; // {order, problem (with the order), answer}

/** Ask for booking slots for ``order`` (a work-order document); ``isNew``: not in the problem. */
export async function findSlots(order, isNew = false) {
  if (!state.model) return;
  showTab("order");
  const box = $("booking");
  box.innerHTML = `<p>Finding slots for ${esc(order.id)}…</p>`;
  const base = isNew ? { problem: state.problem, plan: withoutOrder(state.problem, state.plan, order.id).plan } : withoutOrder(state.problem, state.plan, order.id);
  try {
    // the day without the order, re-timed: a valid plan to book into
    const served = state.model.stopOf.has(order.id);
    const plan = served ? (await call("POST", "v1/plans/evaluate", { problem: base.problem, plan: base.plan, retime: true })).plan : base.plan;
    const answer = await call("POST", "v1/recommendations", { problem: base.problem, plan, work_order: order, top_k: 5 });
    current = { order, problem: isNew ? { ...state.problem, work_orders: [...state.problem.work_orders, order] } : state.problem, answer };
    state.slots = answer.recommendations.map((r, i) => ({ key: routeKey(r.technician_id, r.shift_index), start: r.start, end: r.end, rank: i + 1 }));
    box.innerHTML = slotsHtml(order, answer);
    await renderPlan(true);
    if (state.slots.length) {
      revealRow(state.slots[0].key);
      revealTime(ms(state.slots[0].start));
    }
    status(answer.recommendations.length ? `${answer.recommendations.length} booking slot(s) for ${order.id}, drawn on the timeline (#1 is best).` : `No slot for ${order.id}: ${answer.reason || "nobody can take it"}.`);
  } catch (exc) {
    box.innerHTML = "";
    showError(exc, `Booking slots for ${order.id}`);
  }
}

function slotsHtml(order, answer) {
  if (!answer.recommendations.length) return `<p>No slot for ${esc(order.id)}: <code>${esc(answer.reason || "")}</code></p>`;
  const items = answer.recommendations.map((r, i) => {
    const tech = state.model.technicians.get(r.technician_id);
    const light = sla(r.sla_status);
    const d = delta(r.objective_delta, 0, true);
    const moves = r.moves.length ? `<br><small>moves ${r.moves.map((m) => `${esc(m.work_order_id)} → ${esc(m.to_technician_id)}`).join(", ")}</small>` : "";
    return `<li class="slot-item" data-slot="${i + 1}"><b>#${i + 1}</b> ${esc(techName(tech, r.technician_id))} <small>(${esc(r.technician_id)}, shift ${r.shift_index + 1})</small>, ` +
      `${dayLabel(ms(r.start), state.model.offsetMin)} ${hhmm(r.start)}–${hhmm(r.end)} <span class="sla-tag sla-${esc(r.sla_status)}"><span aria-hidden="true">${light.icon}</span> ${light.text}</span> ` +
      `<span class="delta ${d.cls}">${num(r.objective_delta, 0)} points</span>${moves} <button type="button" data-book-slot="${i}">Book #${i + 1}</button></li>`;
  });
  return `<h3>Booking slots for ${esc(order.id)}</h3><ol class="slots">${items.join("")}</ol>`;
}

async function bookSlot(i) {
  const r = current && current.answer.recommendations[i];
  if (!r) return;
  const moves = r.moves.map((m) => {
    const at = state.model.stopOf.get(m.work_order_id);
    return { orderId: m.work_order_id, targetKey: routeKey(m.to_technician_id, m.to_shift_index), position: null, at: at ? ms(at.stop.start) : ms(r.start) };
  });
  moves.push({ orderId: current.order.id, targetKey: routeKey(r.technician_id, r.shift_index), position: null, at: ms(r.start) });
  const problem = current.problem;
  state.slots = [];
  await tryMove([moves[moves.length - 1], ...moves.slice(0, -1)], { label: `book ${current.order.id} with ${r.technician_id} at ${hhmm(r.start)}`, problem });
}

/** Wire the booking buttons (in the unserved list and the booking panel). */
export function wireBooking() {
  $("unserved").addEventListener("click", (e) => {
    const id = e.target.dataset && e.target.dataset.book;
    if (!id) return;
    state.selectedOrder = id;
    findSlots(state.model.orders.get(id));
  });
  $("book-selected").addEventListener("click", () => {
    const id = state.selectedOrder;
    if (id && state.model.orders.has(id)) findSlots(state.model.orders.get(id));
  });
  $("booking").addEventListener("click", (e) => {
    const i = e.target.dataset && e.target.dataset.bookSlot;
    if (i !== undefined) bookSlot(Number(i));
  });
}
