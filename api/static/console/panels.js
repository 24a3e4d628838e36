// KPI cards, the unserved work list, order details, what-if tables and diffs: plain HTML strings.

import { dayLabel, delta, dur, esc, hhmm, ms, num, pairs, priorityRank, sla, SLA } from "./format.js";
import { slaDue, slaMargin, techName } from "./model.js";

const TERMS = ["travel", "lateness", "unassigned", "non_preferred", "reassignment", "workload_balance", "labor", "overtime"];

function mean(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** Counts of SLA lights and unserved orders by priority, from the plan itself. */
export function slaCounts(model) {
  const by = {};
  const get = (p) => (by[p] ||= { green: 0, yellow: 0, red: 0, none: 0, unserved: 0 });
  for (const [id, at] of model.stopOf) {
    const order = model.orders.get(id);
    get((order && order.priority) || "P3")[at.stop.sla_status || "none"] += 1;
  }
  for (const id of model.unassigned.keys()) {
    const order = model.orders.get(id);
    get((order && order.priority) || "P3").unserved += 1;
  }
  return by;
}

function lightCounts(c) {
  const parts = [];
  for (const status of ["green", "yellow", "red"]) {
    if (c[status]) parts.push(`<span class="sla-tag sla-${status}" title="${SLA[status].text}"><span aria-hidden="true">${SLA[status].icon}</span><span class="sr">${SLA[status].text}:</span> ${c[status]}</span>`);
  }
  if (c.unserved) parts.push(`<span class="sla-tag unserved" title="unserved"><span aria-hidden="true">▽</span><span class="sr">unserved:</span> ${c.unserved}</span>`);
  return parts.join(" ");
}

/** The icon of a count set: the worst light present (✕ only when something is breached). */
function worst(c) {
  if (c.red) return "red";
  if (c.yellow || c.unserved) return "yellow";
  return c.green ? "green" : "none";
}

/** The KPI cards of a plan (``terms``: the objective by term from evaluate, or null). */
export function kpiCards(model, terms) {
  const kpis = model.plan.kpis || {};
  const util = Object.values(kpis.utilisation_by_technician || {});
  const counts = slaCounts(model);
  const total = { green: 0, yellow: 0, red: 0, none: 0, unserved: 0 };
  for (const c of Object.values(counts)) for (const k of Object.keys(total)) total[k] += c[k];
  const byPriority = Object.keys(counts)
    .sort((a, b) => priorityRank(a) - priorityRank(b))
    .map((p) => {
      const c = counts[p];
      const pct = (kpis.sla_met_pct_by_priority || {})[p];
      const w = worst(c);
      return `<li data-priority="${esc(p)}" data-icon="${w}"><span class="sla-tag sla-${w}" aria-hidden="true">${sla(w).icon}</span> ${esc(p)}${pct === undefined ? "" : ` ${num(pct, 1)}%`} ${lightCounts(c)}</li>`;
    })
    .join("");
  const termRows = terms
    ? TERMS.filter((t) => terms[t]).map((t) => `<li>${t.replace("_", " ")}: ${num(terms[t], 0)}</li>`).join("")
    : "<li>…</li>";
  const served = kpis.assigned ?? model.stopOf.size;
  const orders = kpis.orders ?? model.orders.size;
  const overtime = kpis.overtime_s_total ? ` · overtime ${dur(kpis.overtime_s_total)}` : "";
  const cards = [
    ["assigned", "Assigned", `<span aria-hidden="true">${served === orders ? "✓" : "▽"}</span> ${num(kpis.assigned_pct, 1)}%`, `${served} of ${orders} orders${model.unassigned.size ? ` · ${model.unassigned.size} unserved` : ""}`],
    ["sla", "SLA met", `<span class="sla-tag sla-${worst(total)}" aria-hidden="true">${sla(worst(total)).icon}</span> ${num(kpis.sla_met_pct, 1)}%`,
      `<ul class="by-priority">${byPriority || "<li>no deadlines</li>"}</ul>`],
    ["travel", "Travel", `${num((kpis.travel_s_total || 0) / 3600, 1)} h`, `${num((kpis.distance_m_total || 0) / 1000, 0)} km${overtime}`],
    ["utilisation", "Utilisation", `${num((mean(util) ?? 0) * 100, 0)}%`,
      util.length ? `min ${num(Math.min(...util) * 100, 0)}% · max ${num(Math.max(...util) * 100, 0)}%` : ""],
    ["spread", "Workload spread", dur(kpis.workload_spread_s || 0), `CV ${num(kpis.workload_cv, 2)}`],
    ["objective", "Objective", num(kpis.objective, 0), `<ul class="terms">${termRows}</ul>`],
  ];
  return cards
    .map(([id, title, value, sub]) => `<div class="card" data-kpi="${id}"><h3>${title}</h3><p class="value">${value}</p><div class="sub">${sub}</div></div>`)
    .join("");
}

/** A fix (from POST /v1/plans/explain) as a list item. */
function fixHtml(f) {
  if (typeof f === "string") return `<li>${esc(f)}</li>`;
  const text = f.detail || f.message || f.description || JSON.stringify(f);
  const cost = f.cost_delta === null || f.cost_delta === undefined ? "" : ` <small>(${f.cost_delta >= 0 ? "+" : "−"}${num(Math.abs(f.cost_delta), 0)} points)</small>`;
  const checked = f.verified === undefined ? "" : f.verified ? '<span class="verified" title="verified by the validator">✓ verified</span> ' : '<span class="unverified">unverified</span> ';
  return `<li class="fix" data-kind="${esc(f.kind || f.code || "")}">${checked}${f.kind || f.code ? `<code>${esc(f.kind || f.code)}</code> ` : ""}${esc(text)}${cost}</li>`;
}

export function fixesHtml(u, explaining) {
  if (Array.isArray(u.fixes)) {
    if (!u.fixes.length) return '<p class="fixes none">No single change found that would serve it.</p>';
    return `<ul class="fixes">${u.fixes.map(fixHtml).join("")}</ul>`;
  }
  if (explaining) return '<p class="fixes pending">Looking for fixes…</p>';
  return `<button type="button" class="find-fixes" data-fixes="${esc(u.work_order_id)}">Find fixes</button>`;
}

/** The unserved orders sorted as a work list: priority, then SLA due, then id. */
export function unservedOrder(model) {
  return [...model.unassigned.values()].sort((a, b) => {
    const oa = model.orders.get(a.work_order_id) || {};
    const ob = model.orders.get(b.work_order_id) || {};
    return priorityRank(oa.priority) - priorityRank(ob.priority) || slaDue(oa) - slaDue(ob) || a.work_order_id.localeCompare(b.work_order_id);
  });
}

/** The filters' choices: priorities, reasons and skills of the unserved orders. */
export function unservedChoices(model) {
  const priorities = new Set();
  const reasons = new Set();
  const skills = new Set();
  for (const u of model.unassigned.values()) {
    const o = model.orders.get(u.work_order_id) || {};
    priorities.add(o.priority || "P3");
    reasons.add(u.reason);
    Object.keys(o.required_skills || {}).forEach((s) => skills.add(s));
  }
  return {
    priorities: [...priorities].sort((a, b) => priorityRank(a) - priorityRank(b)),
    reasons: [...reasons].sort(),
    skills: [...skills].sort(),
  };
}

/** The unserved work list (filtered by ``filter``: {priority, reason, skill}). */
export function unservedHtml(model, filter, explaining) {
  if (!model.unassigned.size) return '<p class="empty-note">✓ Every work order is served.</p>';
  const all = unservedOrder(model);
  const shown = all.filter((u) => {
    const o = model.orders.get(u.work_order_id) || {};
    return (!filter.priority || (o.priority || "P3") === filter.priority) && (!filter.reason || u.reason === filter.reason) &&
      (!filter.skill || (o.required_skills || {})[filter.skill] !== undefined);
  });
  const rows = shown
    .map((u) => {
      const order = model.orders.get(u.work_order_id) || {};
      const due = slaDue(order);
      const skills = Object.entries(order.required_skills || {}).map(([s, l]) => `${s} ${l}`).join(", ");
      return `<li class="unserved-row" data-order="${esc(u.work_order_id)}" tabindex="0" aria-label="${esc(u.work_order_id)}, ${esc(order.priority || "P3")}, ${esc(u.reason)}">` +
        `<span class="grip" aria-hidden="true" title="Drag onto a technician's row or route">⠿</span>` +
        `<div class="u-main"><b>${esc(u.work_order_id)}</b>${order.name ? ` ${esc(order.name)}` : ""} <span class="prio prio-${esc(order.priority || "P3")}">${esc(order.priority || "P3")}</span>${order.tier === "vip" ? ' <span class="vip">VIP</span>' : ""}` +
        `<small> ${Number.isFinite(due) ? `due ${dayLabel(due, model.offsetMin)} ${hhmm(new Date(due + model.offsetMin * 60000).toISOString())}` : "no deadline"}${skills ? ` · ${esc(skills)}` : ""} · ${num(order.service_min, 0)} min</small>` +
        `<div><code>${esc(u.reason)}</code> ${esc(u.detail)}</div>${fixesHtml(u, explaining && explaining.has(u.work_order_id))}` +
        `<button type="button" class="book-order" data-book="${esc(u.work_order_id)}">Booking slots…</button></div></li>`;
    })
    .join("");
  return `<p class="count">${shown.length} of ${all.length} unserved, by priority then SLA due. Drag one onto a technician's row or route to try it.</p><ol class="unserved-list">${rows}</ol>`;
}

/** Everything about one order: where it is in the plan, times, windows, SLA margin, needs. */
export function detailsHtml(model, orderId, { pinned } = {}) {
  const order = model.orders.get(orderId);
  if (!order) return "";
  const ats = model.stopsOf.get(orderId) || [];
  const lines = [`<h3>${esc(orderId)}${order.name ? ` · ${esc(order.name)}` : ""} <small>${esc(order.priority || "P3")}${order.tier === "vip" ? " · VIP" : ""}${order.pinned_technician_id ? ` · ⚲ ${esc(order.pinned_technician_id)}` : ""}</small></h3><dl>`];
  const add = (k, v) => lines.push(`<dt>${k}</dt><dd>${v}</dd>`);
  if (ats.length) {
    const at = ats[0];
    const s = at.stop;
    const light = sla(s.sla_status);
    const who = ats.map((a) => {
      const tech = model.technicians.get(a.route.technician_id);
      return `<span title="${esc(a.route.technician_id)}">${esc(techName(tech, a.route.technician_id))}</span> (route ${tech ? tech.label : "?"}, shift ${a.route.shift_index + 1}, stop ${a.number})`;
    });
    add(ats.length > 1 ? "Crew" : "Technician", who.join("<br>"));
    add("Arrival", `${hhmm(s.arrival)} (drive ${dur(s.travel_s || 0)}, ${num((s.distance_m || 0) / 1000, 1)} km)`);
    add("Service", `${dayLabel(ms(s.start), model.offsetMin)} ${hhmm(s.start)}–${hhmm(s.end)}${s.wait_s ? `, waits ${dur(s.wait_s)}` : ""}`);
    const margin = slaMargin(order, s);
    add("SLA", `<span class="sla-tag sla-${esc(s.sla_status || "none")}"><span aria-hidden="true">${light.icon}</span> ${light.text}</span>${margin === null ? "" : `, margin ${dur(margin)}`}`);
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
  if (pinned) add("Pinned", `⚲ ${esc(pinned)}: the next solve or re-plan gives it to this technician only`);
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

/** The what-if answer as a table: one row per variant, KPIs beside their deltas, Open / Use. */
export function whatifTable(answer) {
  const head = COMPARED.map(([, label]) => `<th scope="col">${label}</th><th scope="col">Δ</th>`).join("");
  const rows = answer.rows
    .map((row, i) => {
      const cells = COMPARED.map(([key, , digits, lower, show, scale]) => {
        const value = row.kpis[key];
        const raw = row.deltas[key];
        const d = row.name === "base" ? { text: "", cls: "" } : delta(scale ? scale(raw) : raw, digits, lower);
        return `<td>${show(value)}</td><td class="delta ${d.cls}">${d.text}</td>`;
      }).join("");
      const warn = row.warnings.length ? ` <span title="${esc(row.warnings.map((w) => w.message).join(" "))}">⚠ ${row.warnings.length}</span>` : "";
      const open = row.plan ? `<button type="button" data-open-variant="${i}">Open</button>` : "";
      return `<tr class="whatif-row" data-variant="${esc(row.name)}"><th scope="row">${esc(row.name)}${warn}</th>${cells}<td>${open}</td></tr>`;
    })
    .join("");
  return `<div class="scroll-x"><table class="whatif-table"><thead><tr><th scope="col">Variant</th>${head}<th scope="col"><span class="sr">Plan</span></th></tr></thead><tbody>${rows}</tbody></table></div>` +
    '<p class="legend">▲/▼ up/down against the base; green: better, red: worse. Open shows a variant\'s plan; you may then make it the working plan.</p>';
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
  const bk = before.kpis || {};
  const ak = after.kpis || {};
  const rows = [
    ["Assigned %", bk.assigned_pct, ak.assigned_pct, 1, false],
    ["SLA met %", bk.sla_met_pct, ak.sla_met_pct, 1, false],
    ["Travel h", (bk.travel_s_total || 0) / 3600, (ak.travel_s_total || 0) / 3600, 2, true],
    ["Workload CV", bk.workload_cv, ak.workload_cv, 3, true],
  ];
  for (const term of [...TERMS, "total"]) {
    const a = before.objective ? before.objective[term] : null;
    const b = after.objective ? after.objective[term] : null;
    if (a || b) rows.push([`Objective: ${term.replace("_", " ")}`, a ?? 0, b ?? 0, 0, true]);
  }
  const body = rows
    .map(([label, a, b, digits, lower]) => {
      const d = delta((b ?? 0) - (a ?? 0), digits, lower);
      return `<tr><th scope="row">${label}</th><td>${num(a, digits)}</td><td>${num(b, digits)}</td><td class="delta ${d.cls}">${d.text}</td></tr>`;
    })
    .join("");
  return `<table class="override-table"><thead><tr><th scope="col">Measure</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Δ</th></tr></thead><tbody>${body}</tbody></table>`;
}
