// The timeline: one row per technician shift, with travel, waiting, service and break blocks
// on the day's axis, the shift's bounds shaded, SLA icons on every service block.

import { clock, esc, ms, SLA } from "./format.js";

function pct(model, t) {
  return (((t - model.t0) / (model.t1 - model.t0)) * 100).toFixed(3);
}

function block(model, cls, from, to, extra = "", label = "") {
  if (!(to > from)) return "";
  return `<div class="blk ${cls}" style="left:${pct(model, from)}%;width:${(((to - from) / (model.t1 - model.t0)) * 100).toFixed(3)}%"${extra}>${label}</div>`;
}

function axis(model) {
  const span = model.t1 - model.t0;
  const hour = 3600000;
  const step = span > 30 * hour ? 6 * hour : span > 14 * hour ? 2 * hour : hour;
  const offset = model.offsetMin * 60000;
  let t = Math.ceil((model.t0 + offset) / step) * step - offset;
  let ticks = "";
  for (; t <= model.t1; t += step) {
    ticks += `<span class="tick" style="left:${pct(model, t)}%">${clock(t, model.offsetMin)}</span>`;
  }
  return `<div class="tl-row tl-axis" aria-hidden="true"><div class="tl-label"></div><div class="tl-track">${ticks}</div></div>`;
}

/**
 * The timeline's markup. Rows of plan routes carry ``data-route``; shifts without work are
 * rows too (``tl-empty``), so that an order can be dragged onto them; every row is a drop
 * target (``data-target``). ``highlight`` and ``flagged`` are Sets of order ids (moved by a
 * re-plan or by hand; breaking a rule).
 */
export function timelineHtml(model, highlight, flagged) {
  let html = axis(model);
  for (const row of model.rows) {
    const tech = model.technicians.get(row.technicianId);
    const colour = tech ? tech.colour : "#777";
    const name = tech && tech.doc.name ? ` ${tech.doc.name}` : "";
    const shiftLabel = row.shift ? `${row.shift.start.slice(5, 10)} ${row.shift.start.slice(11, 16)}–${row.shift.end.slice(11, 16)}` : "";
    let track = "";
    if (row.shift) {
      track += block(model, "shift", ms(row.shift.start), ms(row.shift.end), ` title="Shift ${shiftLabel}"`);
    }
    const route = row.route;
    if (route) {
      let cursor = ms(route.start);
      for (const stop of route.stops) {
        const arrival = ms(stop.arrival);
        const start = ms(stop.start);
        const end = ms(stop.end);
        const id = stop.work_order_id;
        const travelFrom = Math.max(cursor, arrival - stop.travel_s * 1000);
        track += block(model, "travel", travelFrom, arrival, ` data-order="${esc(id)}"`);
        track += block(model, "wait", arrival, start, ` data-order="${esc(id)}"`);
        const status = stop.sla_status || "none";
        const sla = SLA[status] || SLA.none;
        const moved = highlight && highlight.has(id) ? " moved" : "";
        const warn = flagged && flagged.has(id) ? " violated" : "";
        const aria = `${id} ${clock(start, model.offsetMin)} to ${clock(end, model.offsetMin)}, ${sla.text}${moved ? ", moved" : ""}${warn ? ", breaks a rule" : ""}`;
        track += block(
          model,
          `service sla-${status}${moved}${warn}`,
          start,
          end,
          ` data-order="${esc(id)}" tabindex="0" role="button" aria-label="${esc(aria)}"`,
          `<span class="sla-icon" aria-hidden="true">${warn ? "⚠" : ""}${sla.icon}</span>${esc(id)}`,
        );
        cursor = end;
      }
      for (const b of route.breaks || []) track += block(model, "break", ms(b.start), ms(b.end),  ' title="Break"', "break");
      track += block(model, "travel home", cursor, ms(route.end));
    }
    const rowAttrs = route ? ` data-route="${esc(row.key)}"` : "";
    html += `<div class="tl-row${route ? "" : " tl-empty"}" data-target="${esc(row.key)}"${rowAttrs} role="group" aria-label="${esc(row.technicianId + name)}, shift ${row.shiftIndex + 1}">` +
      `<div class="tl-label"><span class="swatch" style="background:${colour}"></span><b>${esc(row.technicianId)}</b><small>${esc(shiftLabel)}</small></div>` +
      `<div class="tl-track">${track}</div></div>`;
  }
  return html;
}

/** Markup of an order's windows on a row (shown while its block is hovered). */
export function windowsHtml(model, order) {
  return (order.windows || [])
    .map((w) => block(model, "window", ms(w.start), ms(w.end), ' aria-hidden="true"'))
    .join("");
}
