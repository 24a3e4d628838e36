// The timeline: one row per technician shift (named; the id on hover), with travel, waiting,
// service (SLA colour, shape icon and words), breaks, depot visits, crew visits, overtime past
// the shift's end and booking slots, on a time axis that zooms from an hour to the whole
// horizon, with a day picker when the horizon spans several days and rush-hour bands. Only the
// rows in view are laid out, so a 1,000-shift plan draws as fast as a 10-shift one.

import { clock, dayLabel, dayStart, esc, ms, sla } from "./format.js";
import { isDepotStop, techName } from "./model.js";

export const ROW_H = 28;
const LABEL_W = 176;
const HOUR = 3600000;
export const ZOOMS = [
  [HOUR, "1 h"], [2 * HOUR, "2 h"], [4 * HOUR, "4 h"], [8 * HOUR, "8 h"], [12 * HOUR, "12 h"],
  [24 * HOUR, "1 day"], [2 * 24 * HOUR, "2 days"], [7 * 24 * HOUR, "week"],
];
const STEPS = [15, 30, 60, 120, 180, 360, 720, 1440].map((m) => m * 60000);

const tl = {
  container: null,
  model: null,
  ui: null,
  rows: [],
  T0: 0,
  T1: 1,
  span: null, // visible span (ms); null: the whole range
  day: null, // local midnight (ms) of the picked day; null: every day
  px: 1, // pixels per ms
  trackW: 0,
  drawn: "",
};

function visibleRows(model, ui) {
  return model.rows.filter((r) => !ui.hidden.has(r.technicianId) && (tl.day === null || r.day === tl.day));
}

function xOf(t) {
  return (t - tl.T0) * tl.px;
}

function block(cls, from, to, extra = "", label = "") {
  if (!(to > from)) return "";
  const left = xOf(from);
  const width = Math.max(2, (to - from) * tl.px);
  return `<div class="blk ${cls}" style="left:${left.toFixed(1)}px;width:${width.toFixed(1)}px"${extra}>${label}</div>`;
}

function rushBands(model) {
  const bands = model.problem.travel && model.problem.travel.speed_profile && model.problem.travel.speed_profile.bands;
  if (!Array.isArray(bands) || !bands.length) return [];
  const out = [];
  for (let d = dayStart(tl.T0, model.offsetMin); d < tl.T1; d += 24 * HOUR) {
    for (const b of bands) {
      const at = (hhmm) => {
        const m = /^(\d\d):(\d\d)/.exec(hhmm || "");
        return m ? d + (Number(m[1]) * 60 + Number(m[2])) * 60000 : null;
      };
      const from = at(b.start);
      const to = at(b.end);
      if (from === null || to === null || to <= tl.T0 || from >= tl.T1) continue;
      out.push({ from, to, factor: b.factor });
    }
  }
  return out;
}

function axisHtml(model) {
  const minStep = 70 / tl.px;
  const step = STEPS.find((s) => s >= minStep) || 24 * HOUR;
  const offset = model.offsetMin * 60000;
  let ticks = "";
  for (let t = Math.ceil((tl.T0 + offset) / step) * step - offset; t <= tl.T1; t += step) {
    const midnight = (t + offset) % (24 * HOUR) === 0;
    const text = midnight || step >= 24 * HOUR ? `${dayLabel(t, model.offsetMin)}` : clock(t, model.offsetMin);
    ticks += `<span class="tick${midnight ? " day" : ""}" style="left:${xOf(t).toFixed(1)}px">${text}</span>`;
  }
  for (const band of rushBands(model)) {
    ticks += `<span class="rush" style="left:${xOf(band.from).toFixed(1)}px;width:${((band.to - band.from) * tl.px).toFixed(1)}px" title="Rush hour: travel × ${band.factor}">rush ×${band.factor}</span>`;
  }
  return `<div class="tl-axis" aria-hidden="true"><div class="tl-corner">${tl.day === null && model.days.length > 1 ? "All days" : model.days.length ? dayLabel(tl.day ?? model.days[0].day, model.offsetMin) : ""}</div>` +
    `<div class="tl-axis-track" style="width:${tl.trackW}px">${ticks}</div></div>`;
}

function serviceLabel(id, order, width, icon) {
  const name = order && order.name ? order.name : id;
  if (width < 26) return `<span class="sla-icon" aria-hidden="true">${icon}</span>`;
  if (width < 70) return `<span class="sla-icon" aria-hidden="true">${icon}</span>${esc(id.length > 8 ? `…${id.slice(-5)}` : id)}`;
  return `<span class="sla-icon" aria-hidden="true">${icon}</span>${esc(name)}`;
}

function rowHtml(model, ui, row, i) {
  const tech = model.technicians.get(row.technicianId);
  const name = techName(tech, row.technicianId);
  const shiftText = row.shift ? `${dayLabel(ms(row.shift.start), model.offsetMin)} ${row.shift.start.slice(11, 16)}–${row.shift.end.slice(11, 16)}` : "";
  let track = "";
  if (row.shift) track += block("shift", ms(row.shift.start), ms(row.shift.end), ` title="Shift ${row.shiftIndex + 1}: ${esc(shiftText)}"`);
  const route = row.route;
  if (route) {
    const shiftEnd = route.shift_end ? ms(route.shift_end) : row.shift ? ms(row.shift.end) : null;
    if (shiftEnd !== null && ms(route.end) > shiftEnd) {
      const over = route.overtime_s ? Math.round(route.overtime_s / 60) : Math.round((ms(route.end) - shiftEnd) / 60000);
      track += block("overtime", shiftEnd, ms(route.end), ` title="Overtime: ${over} min past the shift's end"`, width(shiftEnd, ms(route.end)) > 50 ? `+${over} min` : "");
    }
    let cursor = ms(route.start);
    route.stops.forEach((stop) => {
      const arrival = ms(stop.arrival);
      const start = ms(stop.start);
      const end = ms(stop.end);
      const travelFrom = Math.max(cursor, arrival - (stop.travel_s || 0) * 1000);
      if (isDepotStop(stop)) {
        track += block("travel", travelFrom, arrival);
        const loaded = stop.loaded ? [...Object.entries(stop.loaded.parts || {}).map(([k, v]) => `${k} ×${v}`), ...(stop.loaded.tools || [])].join(", ") : "";
        track += block("depot", arrival, Math.max(end, arrival + 60000), ` data-depot="${esc(stop.depot_id)}" title="Depot ${esc(stop.depot_id)} ${clock(arrival, model.offsetMin)}–${clock(end, model.offsetMin)}${loaded ? `: loads ${esc(loaded)}` : ""}"`, `<span aria-hidden="true">▣</span> ${esc(stop.depot_id)}`);
        cursor = end;
        return;
      }
      const id = stop.work_order_id;
      const order = model.orders.get(id);
      track += block("travel", travelFrom, arrival, ` data-order="${esc(id)}"`);
      track += block("wait", arrival, start, ` data-order="${esc(id)}"`);
      const status = stop.sla_status || "none";
      const light = sla(status);
      const classes = ["service", `sla-${status}`];
      const moved = ui.highlight.has(id);
      const warn = ui.flagged.has(id);
      const pinned = ui.pinned.has(id);
      const override = ui.overrides.has(id);
      const crew = Array.isArray(stop.crew) && stop.crew.length > 1;
      if (moved) classes.push("moved");
      if (warn) classes.push("violated");
      if (crew) classes.push("crew");
      if (override) classes.push("override");
      if (ui.selectedOrder === id) classes.push("selected");
      const others = crew ? stop.crew.filter((t) => t !== row.technicianId) : [];
      const aria = `${id}${order && order.name ? ` ${order.name}` : ""} ${clock(start, model.offsetMin)} to ${clock(end, model.offsetMin)}, ${light.text}` +
        `${crew ? `, crew with ${others.join(", ")}` : ""}${moved ? ", moved" : ""}${warn ? ", breaks a rule" : ""}${override ? ", kept as an override" : ""}${pinned ? ", pinned" : ""}`;
      const icon = `${override ? "⚑" : warn ? "⚠" : ""}${pinned ? "⚲" : ""}${crew ? "⚯" : ""}${light.icon}`;
      track += block(
        classes.join(" "),
        start,
        end,
        ` data-order="${esc(id)}"${crew ? ` data-crew="${esc(stop.crew.join(" "))}"` : ""} tabindex="0" role="button" aria-label="${esc(aria)}"`,
        serviceLabel(id, order, width(start, end), icon),
      );
      cursor = end;
    });
    for (const b of route.breaks || []) track += block("break", ms(b.start), ms(b.end), ' title="Break"', width(ms(b.start), ms(b.end)) > 34 ? "break" : "");
    track += block("travel home", cursor, ms(route.end));
  }
  for (const slot of ui.slots || []) {
    if (slot.key !== row.key) continue;
    track += block("slot", ms(slot.start), Math.max(ms(slot.end), ms(slot.start) + 60000), ` data-slot="${slot.rank}" title="Booking slot ${slot.rank}: ${clock(ms(slot.start), model.offsetMin)}–${clock(ms(slot.end), model.offsetMin)}"`, `#${slot.rank}`);
  }
  const cls = ["tl-row"];
  if (!route) cls.push("tl-empty");
  if (ui.selectedRoute === row.key) cls.push("selected");
  const label = `<div class="tl-label" title="${esc(row.technicianId)}${tech && tech.doc.name ? ` (${esc(tech.doc.name)})` : ""}, shift ${row.shiftIndex + 1}: ${esc(shiftText)}">` +
    `<span class="swatch" style="--c:${tech ? tech.colour : "#777"}" data-dash="${tech ? tech.dash : ""}"><b>${tech ? tech.label : "?"}</b></span>` +
    `<span class="tl-name">${esc(name)}</span>${tl.day === null && model.days.length > 1 ? `<small>${esc(shiftText.slice(0, 10))}</small>` : ""}</div>`;
  return `<div class="${cls.join(" ")}" style="top:${i * ROW_H}px;width:${LABEL_W + tl.trackW}px" data-target="${esc(row.key)}"${route ? ` data-route="${esc(row.key)}"` : ""} role="group" aria-label="${esc(name)} (${esc(row.technicianId)}), shift ${row.shiftIndex + 1}">` +
    `${label}<div class="tl-track" style="width:${tl.trackW}px">${track}</div></div>`;
}

function width(from, to) {
  return (to - from) * tl.px;
}

function layout() {
  const model = tl.model;
  const rows = tl.rows;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const r of rows) {
    if (r.begin === null) continue;
    t0 = Math.min(t0, r.begin);
    t1 = Math.max(t1, r.finish);
  }
  if (!Number.isFinite(t0)) {
    t0 = model.t0;
    t1 = model.t1;
  }
  const pad = Math.max(15 * 60000, (t1 - t0) * 0.01);
  tl.T0 = t0 - pad;
  tl.T1 = t1 + pad;
  const avail = Math.max(200, tl.container.clientWidth - LABEL_W - 2);
  const span = tl.span ? Math.min(tl.span, tl.T1 - tl.T0) : tl.T1 - tl.T0;
  tl.px = avail / span;
  tl.trackW = Math.ceil((tl.T1 - tl.T0) * tl.px);
}

function paint() {
  const c = tl.container;
  const body = c.querySelector(".tl-body");
  if (!body) return;
  const top = Math.max(0, c.scrollTop - ROW_H * 4);
  const first = Math.floor(top / ROW_H);
  const last = Math.min(tl.rows.length, Math.ceil((c.scrollTop + c.clientHeight) / ROW_H) + 4);
  const key = `${first}:${last}`;
  if (key === tl.drawn) return;
  tl.drawn = key;
  let html = "";
  for (let i = first; i < last; i++) html += rowHtml(tl.model, tl.ui, tl.rows[i], i);
  body.innerHTML = html;
}

let scheduled = false;
function onScroll() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    paint();
  });
}

/**
 * Draw ``model``'s timeline into ``container``. ``ui``: {highlight, flagged, pinned, overrides,
 * hidden, selectedRoute, selectedOrder, slots}. Keeps the zoom, the picked day and the scroll.
 */
export function drawTimeline(container, model, ui) {
  const fresh = tl.model === null || tl.dayId !== ui.dayId;
  tl.dayId = ui.dayId;
  tl.day = ui.day ?? null;
  if (tl.day !== null && !model.days.some((d) => d.day === tl.day)) tl.day = null;
  if (fresh) tl.span = defaultSpan(container, model);
  const center = !fresh && tl.container ? tl.T0 + (container.scrollLeft + (container.clientWidth - LABEL_W) / 2) / tl.px : null;
  const scrollTop = fresh ? 0 : container.scrollTop;
  tl.container = container;
  tl.model = model;
  tl.ui = ui;
  tl.rows = visibleRows(model, ui);
  layout();
  let bands = "";
  for (const band of rushBands(model)) bands += `<div class="rush-band" style="left:${(LABEL_W + xOf(band.from)).toFixed(1)}px;width:${((band.to - band.from) * tl.px).toFixed(1)}px"></div>`;
  container.innerHTML = `<div class="tl-inner" style="width:${LABEL_W + tl.trackW}px">${axisHtml(model)}` +
    `<div class="tl-body" style="height:${tl.rows.length * ROW_H}px"></div><div class="tl-bands" style="height:${tl.rows.length * ROW_H}px">${bands}</div></div>`;
  tl.drawn = "";
  container.scrollTop = scrollTop;
  if (center !== null && Number.isFinite(center)) scrollToTime(center);
  else container.scrollLeft = 0;
  paint();
  if (!container.dataset.wired) {
    container.dataset.wired = "1";
    container.addEventListener("scroll", onScroll, { passive: true });
    container.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const box = container.getBoundingClientRect();
      const at = tl.T0 + (container.scrollLeft + e.clientX - box.left - LABEL_W) / tl.px;
      zoomBy(e.deltaY > 0 ? 2 : 0.5, at);
    }, { passive: false });
  }
  syncControls();
}

/** The first zoom of a day: the whole of it when its hours get 80 px or more, else 8 h. */
function defaultSpan(container, model) {
  const avail = Math.max(200, container.clientWidth - LABEL_W - 2);
  const day = model.days.length > 1 ? model.days[0] : { t0: model.t0, t1: model.t1 };
  const hours = (day.t1 - day.t0) / HOUR;
  return avail / hours >= 80 && model.days.length < 2 ? null : model.days.length > 1 && avail / hours >= 80 ? 24 * HOUR : 8 * HOUR;
}

function scrollToTime(center) {
  const c = tl.container;
  c.scrollLeft = Math.max(0, xOf(center) - (c.clientWidth - LABEL_W) / 2);
}

function redraw(center) {
  drawTimeline(tl.container, tl.model, tl.ui);
  if (center !== undefined) scrollToTime(center);
}

function currentCenter() {
  const c = tl.container;
  return tl.T0 + (c.scrollLeft + (c.clientWidth - LABEL_W) / 2) / tl.px;
}

/** Show ``span`` ms across the track (null: the whole range), centred where it was or ``at``. */
export function setSpan(span, at) {
  if (!tl.model) return;
  const center = at ?? currentCenter();
  tl.span = span;
  redraw(center);
}

/** Zoom by ``factor`` (2: show twice as long), around ``at`` (ms) or the centre. */
export function zoomBy(factor, at) {
  if (!tl.model) return;
  const whole = tl.T1 - tl.T0;
  const span = Math.max(HOUR / 2, Math.min(whole, (tl.span ? Math.min(tl.span, whole) : whole) * factor));
  setSpan(span >= whole ? null : span, at);
}

let onDay = () => {};

/** Who changes the shown day (the page: the map follows the day too). */
export function setDayHandler(fn) {
  onDay = fn;
}

/** Start the rows at the top and the axis at the left (a new day is shown). */
export function resetScroll() {
  if (!tl.container) return;
  tl.container.scrollTop = 0;
  tl.container.scrollLeft = 0;
  tl.drawn = "";
  paint();
}

/** Scroll the row ``key`` into view (switching to its day when a day is picked). */
export function revealRow(key) {
  if (!tl.model) return;
  const row = tl.model.rows.find((r) => r.key === key);
  if (row && tl.day !== null && row.day !== tl.day) onDay(row.day);
  const i = tl.rows.findIndex((r) => r.key === key);
  if (i < 0) return;
  const c = tl.container;
  if (i * ROW_H < c.scrollTop || (i + 1) * ROW_H > c.scrollTop + c.clientHeight - ROW_H) c.scrollTop = Math.max(0, i * ROW_H - c.clientHeight / 3);
  paint();
}

/** Scroll to an instant (ms), keeping the row. */
export function revealTime(t) {
  if (tl.model) scrollToTime(t);
}

function syncControls() {
  const daySel = document.getElementById("tl-day");
  const model = tl.model;
  if (daySel) {
    daySel.parentElement.hidden = model.days.length < 2;
    const options = [`<option value="">All ${model.days.length} days</option>`, ...model.days.map((d) => `<option value="${d.day}">${dayLabel(d.day + 12 * HOUR, model.offsetMin)}</option>`)];
    daySel.innerHTML = options.join("");
    daySel.value = tl.day === null ? "" : String(tl.day);
  }
  const zoomSel = document.getElementById("tl-zoom");
  if (zoomSel) {
    const whole = tl.T1 - tl.T0;
    const options = ZOOMS.filter(([s]) => s < whole).map(([s, label]) => `<option value="${s}">${label}</option>`);
    options.push('<option value="">whole range</option>');
    zoomSel.innerHTML = options.join("");
    const span = tl.span && tl.span < whole ? tl.span : null;
    const match = ZOOMS.find(([s]) => s === span);
    zoomSel.value = match ? String(span) : "";
    if (span && !match) zoomSel.insertAdjacentHTML("afterbegin", `<option value="${span}" selected>${Math.round(span / 60000)} min</option>`);
  }
}

/** Where the timeline stands, for the browser tests. */
export function timelineInfo() {
  const c = tl.container;
  return {
    rows: tl.rows.length,
    rendered: c ? c.querySelectorAll(".tl-row").length : 0,
    span: tl.span,
    whole: tl.T1 - tl.T0,
    day: tl.day,
    pxPerHour: tl.px * HOUR,
    from: c ? tl.T0 + c.scrollLeft / tl.px : null,
  };
}

/** Markup of an order's windows on a row (shown while its block is hovered). */
export function windowsHtml(order) {
  return (order.windows || []).map((w) => block("window", ms(w.start), ms(w.end), ' aria-hidden="true"')).join("");
}

/** The time (ms) under a client x on the track of a row; null outside. */
export function timeAt(clientX) {
  const track = tl.container && tl.container.querySelector(".tl-track");
  if (!track) return null;
  const box = track.getBoundingClientRect();
  return tl.T0 + (clientX - box.left) / tl.px;
}
