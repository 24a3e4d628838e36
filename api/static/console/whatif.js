// What if: variants of the loaded problem built from a form, solved side by side by the API,
// compared in a table of KPIs and deltas.

import { call } from "./api.js";
import { esc } from "./format.js";
import { whatifTable } from "./panels.js";
import { $, clearError, showError, state, status, timeLimit } from "./page.js";

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
    const answer = await call("POST", "v1/whatif", { base: state.problem, variants: state.variants, time_limit_s: limit });
    $("whatif-result").innerHTML = whatifTable(answer);
    status(`What-if: ${answer.rows.length} rows compared.`);
  } catch (exc) {
    $("whatif-result").innerHTML = "";
    showError(exc, "Comparing variants");
  } finally {
    $("run-whatif").disabled = false;
  }
}

/** Wire the variant form, the variant list and Compare. */
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
}
