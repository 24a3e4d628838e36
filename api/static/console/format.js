// Formatting helpers shared by the console's views: times, durations, SLA signals, colours.

/** Escape text for HTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Milliseconds since the epoch of an ISO-8601 datetime with offset. */
export function ms(iso) {
  return Date.parse(iso);
}

/** The UTC offset of an ISO-8601 datetime in minutes ("+01:00" → 60; "Z" → 0). */
export function offsetOf(iso) {
  const m = /([+-])(\d\d):?(\d\d)$/.exec(iso || "");
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** "HH:MM" of an instant in the problem's offset (minutes). */
export function clock(epochMs, offsetMin) {
  const d = new Date(epochMs + offsetMin * 60000);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mon 23 Nov" of an instant in the problem's offset. */
export function dayLabel(epochMs, offsetMin) {
  const d = new Date(epochMs + offsetMin * 60000);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Local midnight (epoch ms) of the day holding ``epochMs`` in the problem's offset. */
export function dayStart(epochMs, offsetMin) {
  const off = offsetMin * 60000;
  return Math.floor((epochMs + off) / 86400000) * 86400000 - off;
}

/** "HH:MM" read from an ISO string (its own local time). */
export function hhmm(iso) {
  return iso ? iso.slice(11, 16) : "—";
}

/** ISO-8601 with offset of an instant, in the given offset (minutes). */
export function isoAt(epochMs, offsetMin) {
  const d = new Date(epochMs + offsetMin * 60000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return d.toISOString().slice(0, 19) + off;
}

/** The value of a datetime-local input ("2026-11-23T10:30") for an instant in an offset. */
export function localInput(epochMs, offsetMin) {
  return isoAt(epochMs, offsetMin).slice(0, 16);
}

/** Epoch ms of a datetime-local value read in the problem's offset (NaN when empty). */
export function fromLocalInput(value, offsetMin) {
  if (!value) return NaN;
  return Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`) - offsetMin * 60000;
}

/** A duration in seconds as "1 h 05" or "25 min" (sign kept). */
export function dur(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const total = Math.round(Math.abs(seconds) / 60);
  if (total < 60) return `${sign}${total} min`;
  return `${sign}${Math.floor(total / 60)} h ${String(total % 60).padStart(2, "0")}`;
}

/** A number with a fixed number of decimals and thin grouping. */
export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return Number(value).toLocaleString("en-GB", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A signed delta with an arrow, and whether it is better ("good"), worse ("bad") or equal. */
export function delta(value, digits, lowerIsBetter) {
  if (value === null || value === undefined) return { text: "—", cls: "" };
  const rounded = Number(value.toFixed(digits));
  if (rounded === 0) return { text: "= 0", cls: "same" };
  const better = lowerIsBetter ? rounded < 0 : rounded > 0;
  const arrow = rounded > 0 ? "▲" : "▼";
  const sign = rounded > 0 ? "+" : "−";
  return {
    text: `${arrow} ${sign}${num(Math.abs(rounded), digits)}`,
    cls: better ? "good" : "bad",
  };
}

/**
 * SLA traffic lights: a colour, a shape and an icon each, and words (colour is never the only
 * signal). The colours are Okabe and Ito's colour-blind-safe bluish green, orange and
 * vermillion; no route colour comes near them (ROUTE_COLOURS).
 */
export const SLA = {
  green: { icon: "✓", text: "SLA met", shape: "circle", colour: "#009E73" },
  yellow: { icon: "!", text: "SLA met, small margin", shape: "diamond", colour: "#E69F00" },
  red: { icon: "✕", text: "SLA breached", shape: "square", colour: "#D55E00" },
  none: { icon: "–", text: "no SLA deadline", shape: "ring", colour: "#FFFFFF" },
};

/** The SLA entry of a status (unknown statuses read as "none"). */
export function sla(status) {
  return SLA[status] || SLA.none;
}

/**
 * Route colours: blues, purples, pinks and greys only, so that none is read as an SLA light
 * (no green, orange, yellow or red), checked for colour-blind distance from the SLA colours in
 * tests/console. With the four dash patterns they give 32 distinct line styles; past that a
 * route is told by its number (the legend, the timeline, every tooltip).
 */
export const ROUTE_COLOURS = ["#0072B2", "#56B4E9", "#332288", "#AA4499", "#CC79A7", "#7B68C8", "#3A3A3A", "#7A8FA6"];
export const ROUTE_DASHES = ["", "10 5", "2 5", "12 4 2 4"];

/** The line style of the route of technician number ``index`` (0-based). */
export function routeStyle(index) {
  const n = ROUTE_COLOURS.length;
  return {
    colour: ROUTE_COLOURS[index % n],
    dash: ROUTE_DASHES[Math.floor(index / n) % ROUTE_DASHES.length],
    label: String(index + 1),
  };
}

/** "hvac 2, electrical 1" of a skills or parts mapping. */
export function pairs(mapping) {
  const entries = Object.entries(mapping || {});
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(", ") : "none";
}

/** The priority's rank (P1 → 1); unknown last. */
export function priorityRank(priority) {
  const m = /^P(\d)$/.exec(priority || "P3");
  return m ? Number(m[1]) : 9;
}
