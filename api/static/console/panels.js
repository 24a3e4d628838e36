// KPI cards, the unserved list, order details, what-if tables and diffs: plain HTML strings.

import { delta, dur, esc, hhmm, num, pairs, SLA } from "./format.js";
import { slaMargin } from "./model.js";

const TERMS = ["travel", "lateness", "unassigned", "non_preferred", "reassignment", "workload_balance", "labor"];

function mean(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** The KPI cards of a plan (``terms``: the objective by term from evaluate, or null). */
export function kpiCards(kpis, terms) {
  const util = Object.values(kpis.utilisation_by_technician || {});
  const byPriority = Object.entries(kpis.sla_met_pct_by_priority || {})
    .map(([p, v]) => `<li>${esc(p)}: ${v >= 100 ? "✓" : "✕"} ${num(v, 1)}%</li>`)
    .join("");
  const counts = kpis.sla_status_counts || {};
  const termRows = terms
    ? TERMS.filter((t) => terms[t]).map((t) => `<li>${t.replace("_", " ")}: ${num(terms[t], 0)}</li>`).join("")
    : "<li>…</li>";
  const cards = [
    ["assigned", "Assigned", `${num(kpis.assigned_pct, 1)}%`, `${kpis.assigned ?? "—"} of ${kpis.orders ?? "—"} orders`],
    ["sla", "SLA met", `${num(kpis.sla_met_pct, 1)}%`,
      `<ul>${byPriority || "<li>no deadlines</li>"}</ul><small>${SLA.green.icon} ${counts.green ?? 0} · ${SLA.yellow.icon} ${counts.yellow ?? 0} · ${SLA.red.icon} ${counts.red ?? 0}</small>`],
    ["travel", "Travel", `${num((kpis.travel_s_total || 0) / 3600, 1)} h`, `${num((kpis.distance_m_total || 0) / 1000, 0)} km`],
    ["utilisation", "Utilisation", `${num((mean(util) ?? 0) * 100, 0)}%`,
      util.length ? `min ${num(Math.min(...util) * 100, 0)}% · max ${num(Math.max(...util) * 100, 0)}%` : ""],
    ["spread", "Workload spread", dur(kpis.workload_spread_s || 0), `CV ${num(kpis.workload_cv, 2)}`],
    ["objective", "Objective", num(kpis.objective, 0), `<ul class="terms">${termRows}</ul>`],
  ];
  return cards
    .map(([id, title, value, sub]) => `<div class="card" data-kpi="${id}"><h3>${title}</h3><p class="value">${value}</p><div class="sub">${sub}</div></div>`)
    .join("");
}

function fixesHtml(fixes) {
  if (!Array.isArray(fixes) || !fixes.length) return "";
  const items = fixes.map((f) => {
    if (typeof f === "string") return `<li>${esc(f)}</li>`;
    const text = f.message || f.detail || f.description || JSON.stringify(f);
    return `<li>${f.kind || f.code ? `<code>${esc(f.kind || f.code)}</code> ` : ""}${esc(text)}</li>`;
  });
  return `<ul class="fixes">${items.join("")}</ul>`;
}

/** The unserved orders with their reason codes (and fixes, when the plan carries them). */
export function unservedHtml(model) {
  if (!model.unassigned.size) return '<p class="empty-note">✓ Every work order is served.</p>';
  const rows = [...model.unassigned.values()]
    .map((u) => {
      const order = model.orders.get(u.work_order_id) || {};
      return `<tr class="unserved-row" data-order="${esc(u.work_order_id)}" tabindex="0"><td>${esc(u.work_order_id)}</td>` +
        `<td>${esc(order.priority || "P3")}${order.tier === "vip" ? " VIP" : ""}</td><td><code>${esc(u.reason)}</code></td>` +
        `<td>${esc(u.detail)}${fixesHtml(u.fixes)}</td></tr>`;
    })
    .join("");
  return `<table class="unserved-table"><caption>${model.unassigned.size} unserved</caption><thead><tr><th scope="col">Order</th><th scope="col">Priority</th><th scope="col">Reason</th><th scope="col">Detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Everything about one order: where it is in the plan, times, windows, SLA margin, needs. */
export function detailsHtml(model, orderId) {
  const order = model.orders.get(orderId);
  if (!order) return "";
  const at = model.stopOf.get(orderId);
  const lines = [`<h3>${esc(orderId)} <small>${esc(order.priority || "P3")}${order.tier === "vip" ? " · VIP" : ""}</small></h3><dl>`];
  const add = (k, v) => lines.push(`<dt>${k}</dt><dd>${v}</dd>`);
  if (at) {
    const s = at.stop;
    const sla = SLA[s.sla_status] || SLA.none;
    add("Technician", `${esc(at.route.technician_id)}, stop ${at.index + 1}`);
    add("Arrival", `${hhmm(s.arrival)} (drive ${dur(s.travel_s)}, ${num(s.distance_m / 1000, 1)} km)`);
    add("Service", `${hhmm(s.start)}–${hhmm(s.end)}${s.wait_s ? `, waits ${dur(s.wait_s)}` : ""}`);
    const margin = slaMargin(order, s);
    add("SLA", `<span class="sla-tag sla-${esc(s.sla_status)}">${sla.icon} ${sla.text}</span>${margin === null ? "" : `, margin ${dur(margin)}`}`);
  } else {
    const u = model.unassigned.get(orderId);
    add("Unserved", u ? `<code>${esc(u.reason)}</code> ${esc(u.detail)}` : "not in the plan");
  }
  const windows = (order.windows || []).map((w) => `${hhmm(w.start)}–${hhmm(w.end)}`).join(", ");
  add("Windows", windows || "any time");
  if (order.respond_by) add("Respond by", hhmm(order.respond_by));
  if (order.resolve_by) add("Resolve by", hhmm(order.resolve_by));
  add("Skills", esc(pairs(order.required_skills)));
  add("Parts", esc(pairs(order.parts)));
  add("On site", `${num(order.service_min, 0)} min`);
  lines.push("</dl>");
  return lines.join("");
}

const COMPARED = [
  ["assigned_pct", "Assigned %", 1, false, (v) => num(v, 1)],
  ["sla_met_pct", "SLA met %", 1, false, (v) => num(v, 1)],
  ["travel_s_total", "Travel h", 2, true, (v) => num(v / 3600, 2), (v) => v / 3600],
  ["workload_cv", "Workload CV", 3, true, (v) => num(v, 3)],
  ["unassigned", "Unserved", 0, true, (v) => num(v, 0)],
  ["objective", "Objective", 0, true, (v) => num(v, 0)],
];

/** The what-if answer as a table: one row per variant, KPIs beside their deltas. */
export function whatifTable(answer) {
  const head = COMPARED.map(([, label]) => `<th scope="col">${label}</th><th scope="col">Δ</th>`).join("");
  const rows = answer.rows
    .map((row) => {
      const cells = COMPARED.map(([key, , digits, lower, show, scale]) => {
        const value = row.kpis[key];
        const raw = row.deltas[key];
        const d = row.name === "base" ? { text: "", cls: "" } : delta(scale ? scale(raw) : raw, digits, lower);
        return `<td>${show(value)}</td><td class="delta ${d.cls}">${d.text}</td>`;
      }).join("");
      const warn = row.warnings.length ? ` <span title="${esc(row.warnings.map((w) => w.message).join(" "))}">⚠ ${row.warnings.length}</span>` : "";
      return `<tr class="whatif-row" data-variant="${esc(row.name)}"><th scope="row">${esc(row.name)}${warn}</th>${cells}</tr>`;
    })
    .join("");
  return `<table class="whatif-table"><thead><tr><th scope="col">Variant</th>${head}</tr></thead><tbody>${rows}</tbody></table>` +
    '<p class="legend">▲/▼ up/down against the base; green: better, red: worse.</p>';
}

/** The re-plan diff as lists. */
export function diffHtml(diff) {
  const parts = [];
  const list = (title, items) => {
    if (items.length) parts.push(`<h3>${title} (${items.length})</h3><ul>${items.join("")}</ul>`);
  };
  list("Moved", diff.moved.map((m) => `<li class="diff-moved" data-order="${esc(m.work_order_id)}">↔ ${esc(m.work_order_id)}: ${esc(m.from_technician_id)} → ${esc(m.to_technician_id)}</li>`));
  list("Newly served", diff.newly_assigned.map((a) => `<li data-order="${esc(a.work_order_id)}">+ ${esc(a.work_order_id)} → ${esc(a.technician_id)}</li>`));
  list("Newly unserved", diff.newly_unassigned.map((u) => `<li data-order="${esc(u.work_order_id)}">− ${esc(u.work_order_id)}: <code>${esc(u.reason)}</code> ${esc(u.detail)}</li>`));
  list("Times changed", diff.eta_changes.map((e) => `<li data-order="${esc(e.work_order_id)}">${esc(e.work_order_id)}: ${hhmm(e.old_start)} → ${hhmm(e.new_start)} (${e.delta_min > 0 ? "+" : ""}${num(e.delta_min, 0)} min)</li>`));
  return parts.join("") || "<p>Nothing changed.</p>";
}

/** Violations of a plan as a list naming code, order and technician. */
export function violationsHtml(violations) {
  if (!violations.length) return '<p class="ok">✓ The plan breaks no rule.</p>';
  return `<ul class="violations">${violations
    .map((v) => `<li class="violation" data-code="${esc(v.code)}">⚠ <code>${esc(v.code)}</code> ${esc(v.message)}</li>`)
    .join("")}</ul>`;
}

/** Before/after of a manual move: KPIs and the objective by term. */
export function overrideDeltaHtml(before, after) {
  const rows = [
    ["Assigned %", before.kpis.assigned_pct, after.kpis.assigned_pct, 1, false],
    ["SLA met %", before.kpis.sla_met_pct, after.kpis.sla_met_pct, 1, false],
    ["Travel h", before.kpis.travel_s_total / 3600, after.kpis.travel_s_total / 3600, 2, true],
    ["Workload CV", before.kpis.workload_cv, after.kpis.workload_cv, 3, true],
  ];
  for (const term of [...TERMS, "total"]) {
    const a = before.objective ? before.objective[term] : null;
    const b = after.objective ? after.objective[term] : null;
    if (a || b) rows.push([`Objective: ${term.replace("_", " ")}`, a ?? 0, b ?? 0, 0, true]);
  }
  const body = rows
    .map(([label, a, b, digits, lower]) => {
      const d = delta(b - a, digits, lower);
      return `<tr><th scope="row">${label}</th><td>${num(a, digits)}</td><td>${num(b, digits)}</td><td class="delta ${d.cls}">${d.text}</td></tr>`;
    })
    .join("");
  return `<table class="override-table"><thead><tr><th scope="col"></th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Δ</th></tr></thead><tbody>${body}</tbody></table>`;
}
