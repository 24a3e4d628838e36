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

/** SLA traffic lights: an icon and words beside every colour (colour is never the only signal). */
export const SLA = {
  green: { icon: "✓", text: "SLA met", shape: "circle" },
  yellow: { icon: "!", text: "SLA met, small margin", shape: "diamond" },
  red: { icon: "✕", text: "SLA breached", shape: "square" },
  none: { icon: "·", text: "no SLA deadline", shape: "circle" },
};

/** Distinct colours per technician (golden-angle hues, dark enough for white text). */
export function colour(index) {
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 70% ${index % 2 ? 38 : 45}%)`;
}

/** "hvac 2, electrical 1" of a skills or parts mapping. */
export function pairs(mapping) {
  const entries = Object.entries(mapping || {});
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(", ") : "none";
}
