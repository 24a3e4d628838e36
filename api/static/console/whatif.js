// What if: variants of the working problem built from a form, solved side by side by the API
// (with their plans), compared in a table; a variant's plan can be opened and made the working
// plan (with the variant's problem, built here by the same operations the API applied).

import { call } from "./api.js";
import { esc } from "./format.js";
import { whatifTable } from "./panels.js";
import { $, clearError, commit, renderPlan, showError, state, status, timeLimit } from "./page.js";

function showVariantFields() {
  const kind = $("variant-kind").value;
  document.querySelectorAll("#variant-form .for-tech").forEach((el) => (el.hidden = kind === "set_weights"));
  document.querySelectorAll("#variant-form .for-shift").forEach((el) => (el.hidden = kind !== "change_shift"));
  document.querySelectorAll("#variant-form .for-weight").forEach((el) => (el.hidden = kind !== "set_weights"));
}

function atClock(iso, hhmmValue) {
  return `${iso.slice(0, 11)}${hhmmValue}:00${iso.slice(19)}`;
}

function addVariant(e) {
  e.preventDefault();
  const kind = $("variant-kind").value;
  const tech = $("variant-tech").value;
  let variant;
  if (kind === "remove_technician") {
    variant = { name: `${tech} off`, operations: [{ op: kind, technician_id: tech }] };
  } else if (kind === "add_technician") {
    let id = `${tech}-copy`;
    for (let n = 2; state.problem.technicians.some((t) => t.id === id); n++) id = `${tech}-copy${n}`;
    variant = { name: `extra ${id}`, operations: [{ op: kind, copy_of: tech, id }] };
  } else if (kind === "change_shift") {
    const shift = state.problem.technicians.find((t) => t.id === tech).shifts[0];
    const start = $("variant-start").value;
    const end = $("variant-end").value;
    variant = {
      name: `${tech} ${start}–${end}`,
      operations: [{ op: kind, technician_id: tech, shift_index: 0, start: atClock(shift.start, start), end: atClock(shift.end, end) }],
    };
  } else {
    const key = $("variant-weight").value;
    const value = Number($("variant-value").value);
    const weights = key.includes(".") ? { [key.split(".")[0]]: { [key.split(".")[1]]: value } } : { [key]: value };
    variant = { name: `${key.replace("unassigned_by_priority.", "unserved ")} = ${value}`, operations: [{ op: kind, weights }] };
  }
  if (state.variants.some((v) => v.name === variant.name)) return;
  state.variants.push(variant);
  renderVariants();
}

/** The problem document of a variant: the operations this form builds, as the API applies them. */
export function variantProblem(base, variant) {
  const doc = JSON.parse(JSON.stringify(base));
  for (const op of variant.operations) {
    if (op.op === "remove_technician") {
      doc.technicians = doc.technicians.filter((t) => t.id !== op.technician_id);
      for (const o of doc.work_orders) {
        if (o.pinned_technician_id === op.technician_id) o.pinned_technician_id = null;
        if (o.dispatched_technician_id === op.technician_id) o.dispatched_technician_id = null;
        for (const key of ["preferred_technician_ids", "excluded_technician_ids"]) {
          if (Array.isArray(o[key])) o[key] = o[key].filter((t) => t !== op.technician_id);
        }
      }
    } else if (op.op === "add_technician") {
      const source = doc.technicians.find((t) => t.id === op.copy_of);
      doc.technicians.push({ ...JSON.parse(JSON.stringify(source)), id: op.id });
    } else if (op.op === "change_shift") {
      const tech = doc.technicians.find((t) => t.id === op.technician_id);
      tech.shifts[op.shift_index] = { ...tech.shifts[op.shift_index], start: op.start, end: op.end };
    } else if (op.op === "set_weights") {
      const weights = { ...(doc.weights || {}) };
      for (const [k, v] of Object.entries(op.weights)) {
        weights[k] = v && typeof v === "object" && weights[k] && typeof weights[k] === "object" ? { ...weights[k], ...v } : v;
      }
      doc.weights = weights;
    }
  }
  return doc;
}

export function renderVariants() {
  $("variants").innerHTML = state.variants
    .map((v, i) => `<li>${esc(v.name)} <button type="button" data-remove="${i}" aria-label="Remove variant ${esc(v.name)}">✕</button></li>`)
    .join("");
  $("run-whatif").disabled = !state.problem || !state.variants.length;
}

async function runWhatif() {
  clearError();
  $("run-whatif").disabled = true;
  const limit = Math.min(timeLimit(), 5);
  $("whatif-result").innerHTML = `<p>Solving the base and ${state.variants.length} variant(s), ${limit} s each…</p>`;
  try {
    const base = state.problem;
    const variants = state.variants.slice();
    const answer = await call("POST", "v1/whatif", { base, variants, time_limit_s: limit, include_plans: true });
    state.whatif = { answer, base, variants };
    $("whatif-result").innerHTML = whatifTable(answer);
    status(`What-if: ${answer.rows.length} rows compared; open a variant to look at its plan.`);
  } catch (exc) {
    $("whatif-result").innerHTML = "";
    showError(exc, "Comparing variants");
  } finally {
    $("run-whatif").disabled = false;
  }
}

async function openVariant(i) {
  const w = state.whatif;
  const row = w && w.answer.rows[i];
  if (!row || !row.plan) return;
  const problem = i === 0 ? w.base : variantProblem(w.base, w.variants[i - 1]);
  if (!state.preview) state.preview = { before: { problem: state.problem, plan: state.plan, terms: state.terms } };
  state.preview.name = row.name;
  state.preview.problem = problem;
  state.preview.plan = row.plan;
  state.problem = problem;
  state.plan = row.plan;
  state.terms = null;
  $("preview-bar").hidden = false;
  $("preview-name").textContent = row.name;
  await renderPlan(true);
  status(`Looking at variant “${row.name}”: make it the working plan, or go back.`);
}

async function closePreview(apply) {
  const p = state.preview;
  if (!p) return;
  state.preview = null;
  $("preview-bar").hidden = true;
  state.problem = p.before.problem;
  state.plan = p.before.plan;
  state.terms = p.before.terms;
  if (apply) {
    commit(`use variant “${p.name}”`, { problem: p.problem, plan: p.plan, terms: null, overrides: new Map(), highlight: new Set(), flagged: new Set() });
  }
  await renderPlan(true);
  status(apply ? `Variant “${p.name}” is now the working plan (Undo brings the previous one back).` : "Back to the working plan.");
}

/** Wire the variant form, the variant list, Compare and the variants' Open buttons. */
export function wireWhatif() {
  $("variant-kind").addEventListener("change", showVariantFields);
  $("variant-form").addEventListener("submit", addVariant);
  $("variants").addEventListener("click", (e) => {
    const i = e.target.dataset.remove;
    if (i !== undefined) {
      state.variants.splice(Number(i), 1);
      renderVariants();
    }
  });
  $("run-whatif").addEventListener("click", runWhatif);
  $("whatif-result").addEventListener("click", (e) => {
    const i = e.target.dataset.openVariant;
    if (i !== undefined) openVariant(Number(i));
  });
  $("preview-apply").addEventListener("click", () => closePreview(true));
  $("preview-close").addEventListener("click", () => closePreview(false));
}
