// Export for people: the plan as the JSON plan document (what `dispatch validate` and the API
// read back; manual overrides listed in its warnings), a CSV per technician (or all), and
// printable route sheets (the browser's print: paper or PDF, styled by the print CSS).

import { dayLabel, dur, esc, hhmm, ms, num, sla } from "./format.js";
import { isDepotStop, planForApi, techName } from "./model.js";
import { overrideWarnings } from "./override.js";
import { $, state, status } from "./page.js";

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The plan document to export: the API's shape, with manual overrides in its warnings. */
export function planDocument() {
  const doc = planForApi(state.plan);
  doc.warnings = overrideWarnings(state.plan, state.overrides);
  if (!doc.warnings.length) delete doc.warnings;
  return doc;
}

const CSV_HEAD = ["technician_id", "technician_name", "shift", "stop", "kind", "work_order_id", "priority", "arrival", "start", "end", "travel_min", "distance_km", "wait_min", "sla_status", "lat_or_y", "lon_or_x", "override"];

function cell(v) {
  const s = String(v ?? "");
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV rows (header first) of the routes of ``techId`` (null: every technician). */
export function csvText(techId) {
  const model = state.model;
  const lines = [CSV_HEAD.join(",")];
  for (const route of model.routes) {
    if (techId && route.technician_id !== techId) continue;
    const tech = model.technicians.get(route.technician_id);
    let n = 0;
    for (const stop of route.stops) {
      const depot = isDepotStop(stop);
      if (!depot) n += 1;
      const order = depot ? null : model.orders.get(stop.work_order_id);
      const loc = depot ? (model.depots.get(stop.depot_id) || {}).location : order && order.location;
      lines.push([
        route.technician_id, techName(tech, route.technician_id), route.shift_index + 1, depot ? "" : n, depot ? "depot" : "work_order",
        depot ? stop.depot_id : stop.work_order_id, order ? order.priority || "P3" : "", stop.arrival, stop.start, stop.end,
        Math.round((stop.travel_s || 0) / 60), ((stop.distance_m || 0) / 1000).toFixed(1), Math.round((stop.wait_s || 0) / 60),
        depot ? "" : stop.sla_status || "none", loc ? loc.lat ?? loc.y ?? "" : "", loc ? loc.lon ?? loc.x ?? "" : "",
        !depot && state.overrides.has(stop.work_order_id) ? "yes" : "",
      ].map(cell).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The printable route sheets: one page per route. */
export function sheetsHtml() {
  const model = state.model;
  return model.routes.map((route) => {
    const tech = model.technicians.get(route.technician_id);
    let n = 0;
    const rows = route.stops.map((stop) => {
      if (isDepotStop(stop)) return `<tr><td>▣</td><td colspan="2">Depot ${esc(stop.depot_id)}</td><td>${hhmm(stop.arrival)}</td><td>${hhmm(stop.start)}–${hhmm(stop.end)}</td><td colspan="3"></td></tr>`;
      n += 1;
      const order = model.orders.get(stop.work_order_id) || {};
      const light = sla(stop.sla_status);
      const windows = (order.windows || []).map((w) => `${hhmm(w.start)}–${hhmm(w.end)}`).join(", ") || "any";
      const where = order.address || (order.location && order.location.lat !== undefined ? `${order.location.lat.toFixed(5)}, ${order.location.lon.toFixed(5)}` : "");
      return `<tr><td>${n}</td><td>${esc(stop.work_order_id)}${order.name ? `<br>${esc(order.name)}` : ""}</td><td>${esc(order.priority || "P3")}</td><td>${hhmm(stop.arrival)}</td><td>${hhmm(stop.start)}–${hhmm(stop.end)}</td>` +
        `<td>${esc(windows)}</td><td>${light.icon} ${light.text}${state.overrides.has(stop.work_order_id) ? " · ⚑ override" : ""}</td><td>${esc(where)}</td></tr>`;
    }).join("");
    return `<section class="sheet" data-route="${esc(route.key)}"><h2>${esc(techName(tech, route.technician_id))} <small>${esc(route.technician_id)} · shift ${route.shift_index + 1} · ${dayLabel(ms(route.start), model.offsetMin)}</small></h2>` +
      `<p>Leaves ${hhmm(route.start)}, back ${hhmm(route.end)} · ${n} stops · travel ${dur(route.travel_s || 0)} · ${num((route.distance_m || 0) / 1000, 1)} km</p>` +
      `<table><thead><tr><th>#</th><th>Order</th><th>Prio</th><th>Arrive</th><th>Service</th><th>Window</th><th>SLA</th><th>Where</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }).join("");
}

/** Wire the export buttons. */
export function wireExport() {
  $("export-json").addEventListener("click", () => {
    download("plan.json", "application/json", `${JSON.stringify(planDocument(), null, 2)}\n`);
    status("Plan document downloaded (plan.json).");
  });
  $("export-csv").addEventListener("click", () => {
    const tech = $("export-tech").value || null;
    download(`routes-${tech || "all"}.csv`, "text/csv", csvText(tech));
    status(`CSV of ${tech || "every technician"} downloaded.`);
  });
  $("export-print").addEventListener("click", () => {
    $("print-sheets").innerHTML = sheetsHtml();
    window.print();
  });
  window.addEventListener("beforeprint", () => {
    if (state.model) $("print-sheets").innerHTML = sheetsHtml();
  });
}
