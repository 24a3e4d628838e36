"""The dispatch console end to end in Chromium at 1280 x 720, as a dispatcher uses it.

Each test drives the page against a real server (``conftest.server``, one per module, with one
browser) and checks what it shows against the API's own answers, read back from
``window.dispatchConsole``. Every request the page makes is recorded by the ``page`` fixture,
which fails a test that reaches another host. Solves use 2-3 s limits; plans the API returns
are checked with the independent validator (``tests.api.helpers.assert_valid_plan``).
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import assert_valid_plan

LIMIT_S = 2


def load(page: Any, scenario: str) -> None:
    page.select_option("#scenario", scenario)
    page.click("#load-scenario")
    page.wait_for_selector("#solve-now:not([disabled])")


def load_and_solve(page: Any, scenario: str = "lyon-small", limit: int = LIMIT_S) -> dict[str, Any]:
    """Load ``scenario``, click Solve now and return the plan the API answered (validated)."""
    load(page, scenario)
    page.fill("#time-limit", str(limit))
    page.click("#solve-now")
    page.wait_for_function("() => window.dispatchConsole.state.model !== null", timeout=90_000)
    plan: dict[str, Any] = page.evaluate("window.dispatchConsole.state.plan")
    assert_valid_plan(page.evaluate("window.dispatchConsole.state.problem"), plan)
    return plan


def ids(page: Any, selector: str) -> list[str]:
    """The ``data-order`` of every element matching ``selector``, in document order."""
    return list(page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.order)"))


def info(page: Any) -> dict[str, Any]:
    return dict(page.evaluate("window.dispatchConsole.mapInfo()"))


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found, selector
    return dict(found)


def test_one_screen_with_map_timeline_and_side_panel(page: Any):
    """lyon-small at 1280 x 720: everything in the first screen, controls folded, names shown."""
    plan = load_and_solve(page)
    assert not page.evaluate("document.getElementById('view-load').open")
    for selector in ("#map", "#timeline", "#side"):
        b = box(page, selector)
        assert b["y"] >= 0 and b["y"] + b["height"] <= 720 + 1 and b["height"] > 150, (selector, b)
    served = {s["work_order_id"] for r in plan["routes"] for s in r["stops"]}
    assert info(page)["markers"] == len(served)
    assert info(page)["mode"] == "geo" and not info(page)["tiles"]
    assert sorted(ids(page, ".blk.service")) == sorted(served)
    # people are names; the id is on hover
    problem = page.evaluate("window.dispatchConsole.state.problem")
    first = problem["technicians"][0]
    label = page.locator(f'.tl-row[data-target="{first["id"]}#0"] .tl-label')
    assert first["name"] in label.inner_text() and first["id"] in label.get_attribute("title")
    # the unserved work list, with fixes fetched right after the solve
    assert ids(page, ".unserved-row") == [u["work_order_id"] for u in plan["unassigned"]]
    page.click("#tab-unserved")
    page.wait_for_selector(".unserved-row .fix, .unserved-row .fixes.none", timeout=30_000)
    assert "Fixes for" in page.inner_text("#fixes-note")
    # KPI icons agree with the counts: ✕ only where something is breached
    for li in page.query_selector_all(".by-priority li"):
        icon = li.get_attribute("data-icon")
        red = li.query_selector(".sla-tag.sla-red[title]")
        assert (icon == "red") == (red is not None), li.inner_text()
    assert page.locator(".leaflet-tile").count() == 0


def test_no_request_leaves_the_server(page: Any, server: str):
    """Loading, solving, zooming and opening every tab: every request goes to the server."""
    load_and_solve(page)
    page.click(".leaflet-control-zoom-in")
    for tab in ("unserved", "move", "whatif", "replan", "export", "order"):
        page.click(f"#tab-{tab}")
    assert page.requests and all(u.startswith(server) for u in page.requests)
    assert any("/console/vendor/leaflet/leaflet.js" in u for u in page.requests)


def test_map_pans_zooms_clusters_and_the_legend_filters(page: Any):
    """metro-medium: buttons, wheel and keys zoom and pan; a cluster expands; show/hide/solo."""
    plan = load_and_solve(page, "metro-medium", 3)
    start = info(page)
    assert start["clustered"] > 0
    clusters = page.locator(".cluster-icon")
    assert clusters.count() > 0, "500 stops at the day's zoom are clustered"
    page.click(".leaflet-control-zoom-in")
    page.wait_for_function(f"() => window.dispatchConsole.mapInfo().zoom > {start['zoom']}")
    page.wait_for_timeout(400)  # the zoom animation ends
    z = info(page)["zoom"]
    page.focus("#map")
    page.keyboard.press("-")
    page.wait_for_function(f"() => window.dispatchConsole.mapInfo().zoom < {z}")
    page.wait_for_timeout(400)
    c = info(page)["center"]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.dispatchConsole.mapInfo().center.lng > {c['lng']}")
    mb = box(page, "#map")
    page.mouse.move(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] / 2)
    z = info(page)["zoom"]
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"() => window.dispatchConsole.mapInfo().zoom > {z}")
    # cluster expansion: clicking a cluster zooms in to its stops
    page.click("#map-fit")
    page.wait_for_timeout(400)
    page.focus("#map")
    page.keyboard.press("-")  # one level out: the day's stops gather in the middle, clustered
    page.wait_for_timeout(400)
    z = info(page)["zoom"]
    x, y = page.wait_for_function(
        """() => {
        const m = document.getElementById('map').getBoundingClientRect();
        const legend = document.getElementById('legend').getBoundingClientRect();
        for (const el of document.querySelectorAll('#map .cluster-icon')) {
          const b = el.getBoundingClientRect();
          const x = b.left + b.width / 2, y = b.top + b.height / 2;
          const inLegend = x > legend.left - 20 && x < legend.right && y < legend.bottom;
          const inMap = x > m.left + 60 && x < m.right - 20 && y > m.top + 20 && y < m.bottom - 40;
          if (inMap && !inLegend) return [x, y];
        }
        return null;
    }"""
    ).json_value()
    page.mouse.click(x, y)
    page.wait_for_function(f"() => window.dispatchConsole.mapInfo().zoom > {z}")
    # legend: hide one technician, then solo another, then show all
    routes = {r["technician_id"] for r in plan["routes"]}
    first = sorted(routes)[0]
    page.uncheck(f'#legend-list input[data-show="{first}"]')
    lines = info(page)["lines"]
    assert len(lines) == len(plan["routes"]) - 1 and not any(
        k.startswith(f"{first}#") for k in lines
    )
    other = sorted(routes)[1]
    page.click(f'#legend-list button[data-solo="{other}"]')
    lines = info(page)["lines"]
    assert list(lines) == [f"{other}#0"] and lines[f"{other}#0"]["weight"] == 5
    assert page.evaluate("window.dispatchConsole.timelineInfo().rows") == 1
    page.click("#legend-all")
    assert len(info(page)["lines"]) == len(plan["routes"])
    page.fill("#legend-search", other)
    assert page.locator("#legend-list li:not([hidden])").count() == 1
    # a selected route on top, the others dimmed
    page.click(f'.tl-row[data-target="{other}#0"] .tl-label')
    page.evaluate(f"window.dispatchConsole.state.selectedRoute = '{other}#0'")
    page.evaluate("window.dispatchConsole.renderPlan(true)")
    lines = info(page)["lines"]
    assert lines[f"{other}#0"]["opacity"] > 0.8
    assert all(v["opacity"] < 0.2 for k, v in lines.items() if k != f"{other}#0")
    assert info(page)["selected"] == sum(
        len(r["stops"]) for r in plan["routes"] if r["technician_id"] == other
    )


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
_CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}  # fmt: skip


def _seen(rgb: tuple[float, float, float], kind: str) -> tuple[float, float, float]:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    m = _CVD[kind]
    out = [max(0.0, min(1.0, sum(m[i][j] * lin[j] for j in range(3)))) for i in range(3)]
    srgb = [12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055 for c in out]
    return (srgb[0], srgb[1], srgb[2])


def test_route_colours_never_read_as_sla_lights_even_colour_blind(page: Any):
    """Every route colour is far (CIE76 ΔE > 15) from every SLA colour for 4 kinds of vision."""
    palette = page.evaluate(
        """async () => {
        const f = await import('./console/assets/format.js');
        const styles = Array.from({length: 60}, (_, i) => f.routeStyle(i));
        const lights = ['green', 'yellow', 'red'];
        return {routes: f.ROUTE_COLOURS, sla: lights.map((s) => f.SLA[s].colour),
                shapes: [...lights, 'none'].map((s) => f.SLA[s].shape + f.SLA[s].icon),
                styles};
    }"""
    )
    worst = 1e9
    for kind in _CVD:
        for route in palette["routes"]:
            for light in palette["sla"]:
                a = _lab(_seen(_rgb(route), kind))
                b = _lab(_seen(_rgb(light), kind))
                worst = min(worst, sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5)
    print(f"closest route colour to an SLA colour: ΔE {worst:.1f}")
    assert worst > 15  # tritanopia, sky blue against "met": 16.1; shapes and icons differ too
    assert len(set(palette["shapes"])) == 4  # met, small margin, breached, no deadline differ
    styles = {(s["colour"], s["dash"]) for s in palette["styles"][:32]}
    assert len(styles) == 32  # 32 line styles; every route also has its number
    assert len({s["label"] for s in palette["styles"]}) == 60


def _ineligible(page: Any, order: str | None = None) -> tuple[str, str]:
    """An order (or ``order``) and a row of a technician lacking one of its skills."""
    found = page.evaluate(
        """(only) => {
        const m = window.dispatchConsole.state.model;
        for (const [id, order] of m.orders) {
          if (only && id !== only) continue;
          const needs = order.required_skills || {};
          for (const row of m.rows) {
            const skills = m.technicians.get(row.technicianId).doc.skills;
            if (Object.entries(needs).some(([s, l]) => (skills[s] || 0) < l)) return [id, row.key];
          }
        }
        return null;
    }""",
        order,
    )
    assert found
    return found[0], found[1]


def _drag(page: Any, source: str, target: str) -> None:
    s = box(page, source)
    t = box(page, target)
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + s["height"] / 2)
    page.mouse.down()
    page.mouse.move(t["x"] + 8, t["y"] + t["height"] / 2, steps=8)
    page.mouse.up()


def test_unserved_drag_override_undo_redo(page: Any):
    """WO-1011 (gas, nobody qualified) dragged from the work list onto a row: a trial with
    missing_skill; Keep is refused, the explicit override keeps it and the plan says so; undo
    and redo walk the whole session."""
    plan = load_and_solve(page)
    page.click("#tab-unserved")
    order, target = _ineligible(page, "WO-1011")
    _drag(
        page,
        f'.unserved-row[data-order="{order}"] .grip',
        f'.tl-row[data-target="{target}"] .tl-track',
    )
    page.wait_for_selector('.violation[data-code="missing_skill"]')
    # one state: the form names what was dropped; no tooltip stays
    assert page.input_value("#move-order") == order
    assert page.input_value("#move-target") == target
    assert page.is_hidden("#tooltip")
    assert page.is_disabled("#override-keep")
    assert page.is_disabled("#override-keep-anyway")
    page.check("#override-confirm-box")
    page.click("#override-keep-anyway")
    page.wait_for_selector("#override-actions", state="hidden")
    kept = page.evaluate("window.dispatchConsole.state.plan")
    warnings = [w for w in kept.get("warnings", []) if w["code"] == "manual_override"]
    assert len(warnings) == 1 and order in warnings[0]["message"]
    assert page.locator(f'.blk.service.override[data-order="{order}"]').count() == 1
    page.click("#undo")
    page.wait_for_function(
        "(o) => window.dispatchConsole.state.plan.unassigned.some(u => u.work_order_id === o)",
        arg=order,
    )
    assert page.evaluate("window.dispatchConsole.state.plan.routes") == plan["routes"]
    page.click("#redo")
    page.wait_for_function(
        "(o) => !window.dispatchConsole.state.plan.unassigned.some(u => u.work_order_id === o)",
        arg=order,
    )
    page.keyboard.press("Control+z")
    page.wait_for_function("() => window.dispatchConsole.state.future.length === 1")


def test_timeline_drag_keeps_the_form_and_messages_in_step(page: Any):
    """A block dragged to another row: form, trial and status name the same order and row."""
    load_and_solve(page)
    order, target = _ineligible(page)
    page.evaluate(f"window.dispatchConsole.selectOrder('{order}')")
    _drag(page, f'.blk.service[data-order="{order}"]', f'.tl-row[data-target="{target}"] .tl-track')
    page.wait_for_selector(".violation")
    assert page.input_value("#move-order") == order
    assert page.input_value("#move-target") == target
    assert order in page.inner_text("#status") and order in page.inner_text("#override-result h3")
    assert (
        page.locator(
            f'.tl-row[data-target="{target}"] .blk.service.moved[data-order="{order}"]'
        ).count()
        == 1
    )
    page.click("#override-undo")
    page.wait_for_selector("#override-actions", state="hidden")
    assert page.locator(".blk.service.moved").count() == 0


def test_booking_slots_on_the_timeline_then_book(page: Any):
    """Booking slots for a served order: listed, drawn on their rows; Book #1 is a valid trial."""
    plan = load_and_solve(page)
    order = plan["routes"][0]["stops"][-1]["work_order_id"]
    page.evaluate(f"window.dispatchConsole.selectOrder('{order}')")
    page.click("#book-selected")
    page.wait_for_selector(".slot-item")
    slots = page.locator(".slot-item").count()
    assert slots >= 1
    assert page.locator(".blk.slot").count() >= 1
    page.click('button[data-book-slot="0"]')
    page.wait_for_selector("#override-actions:not([hidden])")
    assert "✓ valid" in page.inner_text("#override-result h3")
    page.click("#override-keep")
    page.wait_for_selector("#override-actions", state="hidden")
    assert_valid_plan(
        page.evaluate("window.dispatchConsole.state.problem"),
        page.evaluate("window.dispatchConsole.state.plan"),
    )


def test_pin_then_solve_respects_the_pin(page: Any):
    """Pin a served order to another qualified technician: the next solve gives it to them."""
    load_and_solve(page)
    pick = page.evaluate(
        """() => {
        const m = window.dispatchConsole.state.model;
        for (const [id, at] of m.stopOf) {
          const o = m.orders.get(id);
          if (o.pinned_technician_id) continue;
          for (const t of m.technicians.values()) {
            if (t.doc.id === at.route.technician_id) continue;
            if ((o.excluded_technician_ids || []).includes(t.doc.id)) continue;
            const needs = Object.entries(o.required_skills || {});
            if (needs.every(([s, l]) => (t.doc.skills[s] || 0) >= l))
              return [id, t.doc.id];
          }
        }
        return null;
    }"""
    )
    assert pick
    order, tech = pick
    page.evaluate(f"window.dispatchConsole.selectOrder('{order}')")
    page.select_option("#pin-tech", tech)
    page.click("#pin")
    problem = page.evaluate("window.dispatchConsole.state.problem")
    assert (
        next(o for o in problem["work_orders"] if o["id"] == order)["pinned_technician_id"] == tech
    )
    page.click("#view-load > summary")
    page.click("#solve-now")
    page.wait_for_function(
        f"""() => window.dispatchConsole.state.plan.routes.some(r => r.technician_id === '{tech}'
            && r.stops.some(s => s.work_order_id === '{order}'))""",
        timeout=60_000,
    )
    assert_valid_plan(problem, page.evaluate("window.dispatchConsole.state.plan"))


def test_replan_from_the_clock_with_an_urgent_order_placed_on_the_map(page: Any):
    """The clock defaults inside the horizon; a click on the map places the urgent order."""
    load_and_solve(page)
    page.click("#tab-replan")
    horizon = page.evaluate(
        "(() => { const m = window.dispatchConsole.state.model; "
        "return [m.t0, m.t1, m.offsetMin]; })()"
    )
    value = page.input_value("#replan-now")
    tz = timezone(timedelta(minutes=horizon[2]))
    now_ms = datetime.fromisoformat(value).replace(tzinfo=tz).timestamp() * 1000
    assert horizon[0] <= now_ms <= horizon[1]
    # an hour into the day
    start = datetime.fromtimestamp(horizon[0] / 1000, tz) + timedelta(hours=1)
    page.fill("#replan-now", start.strftime("%Y-%m-%dT%H:%M"))
    page.click("#urgent-place")
    mb = box(page, "#map")
    page.mouse.click(mb["x"] + mb["width"] * 0.4, mb["y"] + mb["height"] * 0.6)
    assert page.is_checked("#urgent-add")
    assert page.inner_text("#urgent-where") != "not placed"
    page.check('#urgent-skills input[data-skill="electrical"]')
    page.click("#run-replan")
    page.wait_for_function("() => window.dispatchConsole.state.lastDiff !== null", timeout=60_000)
    problem = page.evaluate("window.dispatchConsole.state.problem")
    urgent = next(o for o in problem["work_orders"] if o["id"] == "URGENT-1")
    assert urgent["required_skills"] == {"electrical": 1} and "lat" in urgent["location"]
    plan = page.evaluate("window.dispatchConsole.state.plan")
    where = {s["work_order_id"] for r in plan["routes"] for s in r["stops"]}
    where |= {u["work_order_id"] for u in plan["unassigned"]}
    assert "URGENT-1" in where


def test_whatif_variant_opened_and_made_the_working_plan(page: Any):
    """T-02 off: Open shows its plan; Make it the working plan; Undo brings the old one back."""
    load_and_solve(page)
    page.click("#tab-whatif")
    page.select_option("#variant-kind", "remove_technician")
    page.select_option("#variant-tech", "T-02")
    page.click("#variant-form button[type=submit]")
    page.click("#run-whatif")
    page.wait_for_selector(".whatif-table", timeout=90_000)
    page.click('.whatif-row[data-variant="T-02 off"] button[data-open-variant]')
    page.wait_for_selector("#preview-bar:not([hidden])")
    assert all(
        r["technician_id"] != "T-02"
        for r in page.evaluate("window.dispatchConsole.state.plan.routes")
    )
    page.click("#preview-apply")
    page.wait_for_selector("#preview-bar", state="hidden")
    problem = page.evaluate("window.dispatchConsole.state.problem")
    assert "T-02" not in {t["id"] for t in problem["technicians"]}
    assert_valid_plan(problem, page.evaluate("window.dispatchConsole.state.plan"))
    page.click("#undo")
    page.wait_for_function(
        "() => window.dispatchConsole.state.problem.technicians.some(t => t.id === 'T-02')"
    )


def test_exports_parse_back(page: Any, server: str):
    """The JSON plan evaluates clean through the API; a CSV row per stop; print shows sheets."""
    plan = load_and_solve(page)
    page.click("#tab-export")
    with page.expect_download() as got:
        page.click("#export-json")
    document = json.loads(Path(got.value.path()).read_text())
    answer = page.evaluate(
        """async (plan) => (await fetch('v1/plans/evaluate', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({problem: window.dispatchConsole.state.problem, plan})})).json()""",
        document,
    )
    assert answer["is_valid"] is True
    with page.expect_download() as got:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text())))
    assert len(rows) == sum(len(r["stops"]) for r in plan["routes"])
    assert {r["shift"] for r in rows} == {"1"}  # shifts counted from 1, as the API says them
    page.evaluate("document.getElementById('print-sheets').innerHTML = ''")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    assert page.locator(".sheet").count() == len(plan["routes"])
    assert page.is_hidden("#app") and page.is_visible(".sheet")
    page.emulate_media(media="screen")


def test_week_has_a_day_picker_and_the_timeline_zooms(page: Any):
    """week: 5 days; one day shows its 20 shifts; zoom in doubles the pixels per hour."""
    load_and_solve(page, "week", 3)
    options = page.eval_on_selector_all("#tl-day option", "els => els.map(e => e.value)")
    assert len(options) == 6  # all days + 5
    page.select_option("#tl-day", options[2])
    t = page.evaluate("window.dispatchConsole.timelineInfo()")
    assert t["rows"] == 20 and t["day"] == int(options[2])
    # the map follows the day: only that day's routes
    day_routes = page.evaluate(
        "(d) => window.dispatchConsole.state.model.routes.filter(r => r.day === d).length",
        int(options[2]),
    )
    assert len(info(page)["lines"]) == day_routes < 50
    page.click("#tl-in")
    t2 = page.evaluate("window.dispatchConsole.timelineInfo()")
    assert t2["pxPerHour"] == pytest.approx(2 * t["pxPerHour"], rel=0.01)
    page.select_option("#tl-day", "")
    page.select_option("#tl-zoom", "")
    t3 = page.evaluate("window.dispatchConsole.timelineInfo()")
    assert t3["rows"] == 100 and t3["rendered"] < 100  # only the rows in view are laid out
    page.select_option("#tl-day", options[1])


def test_job_status_follows_the_job(page: Any):
    """The status line reads the job's own status and progress (phase when the API has one)."""
    line = page.evaluate(
        """() => window.dispatchConsole.jobLine({id: 'x', status: 'running', time_limit_s: 30,
        progress: {phase: 'building_model', elapsed_s: 1.2}})"""
    )
    assert line.startswith("running") and "building model" in line and "1 s of 30 s" in line
    assert (
        page.evaluate("window.dispatchConsole.jobLine({status: 'queued', progress: null})")
        == "queued"
    )
    load(page, "metro-small")
    page.fill("#time-limit", "20")
    page.click("#solve-job")
    page.wait_for_function(
        "() => document.getElementById('job-state').textContent.startsWith('running')",
        timeout=60_000,
    )
    page.click("#cancel-job")
    page.wait_for_function("() => window.dispatchConsole.state.plan !== null", timeout=60_000)
    assert "cancelled" in page.inner_text("#job-state")


def test_api_errors_are_shown_by_field(page: Any):
    """A pasted problem with a negative service time: the 422's field and sentence appear."""
    problem = {
        "technicians": [],
        "work_orders": [{"id": "WO-1", "location": {"x": 0, "y": 0}, "service_min": -5}],
    }
    page.click("#paste-box summary")
    page.fill("#paste", json.dumps(problem))
    page.click("#load-paste")
    assert "pasted document" in page.inner_text("#scenario")
    page.click("#solve-now")
    error = page.wait_for_selector("#errors .error")
    text = error.inner_text()
    assert "problem.work_orders[0].service_min" in text
    assert "Work order WO-1: service_min must be greater than or equal to 0, got -5." in text


def synthetic_day(
    technicians: int, orders_per_route: int, seed: int = 1, planar: bool = False
) -> dict[str, Any]:
    """A problem and a plan document of ``technicians`` full routes around Paris (no solve)."""
    rng = random.Random(seed)
    tz = timezone(timedelta(hours=1))
    day = datetime(2026, 11, 23, 8, 0, tzinfo=tz)

    def at(minutes: float) -> str:
        return (day + timedelta(minutes=minutes)).isoformat()

    def place(lat: float, lon: float) -> dict[str, float]:
        if planar:
            return {"x": round((lon - 2.35) * 73000, 1), "y": round((lat - 48.86) * 111000, 1)}
        return {"lat": lat, "lon": lon}

    techs, orders, routes = [], [], []
    statuses = ["green", "green", "green", "yellow", "red", "none"]
    for t in range(technicians):
        tid = f"T-{t:04d}"
        lat, lon = 48.86 + rng.uniform(-0.25, 0.25), 2.35 + rng.uniform(-0.4, 0.4)
        shift = {"start": at(0), "end": at(600)}
        techs.append({"id": tid, "name": f"Tech {t}", "skills": {"hvac": 2}, "shifts": [shift],
                      "start": place(lat, lon)})  # fmt: skip
        stops, clock = [], 0.0
        for k in range(orders_per_route):
            oid = f"WO-{t:04d}-{k:02d}"
            loc = place(lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.07, 0.07))
            orders.append(
                {"id": oid, "location": loc, "service_min": 35, "respond_by": at(clock + 120)}
            )
            arrival = clock + 12
            stops.append({
                "work_order_id": oid, "arrival": at(arrival), "start": at(arrival + 3),
                "end": at(arrival + 38), "wait_s": 180, "travel_s": 720, "distance_m": 6000,
                "sla_status": rng.choice(statuses),
            })  # fmt: skip
            clock = arrival + 38
        routes.append({
            "technician_id": tid, "shift_index": 0, "start": at(0), "end": at(clock + 12),
            "stops": stops, "breaks": [{"start": at(240), "end": at(270)}],
        })  # fmt: skip
    plan = {
        "routes": routes,
        "unassigned": [],
        "kpis": {"orders": len(orders), "assigned": len(orders), "assigned_pct": 100.0},
        "stats": {"status": "evaluated", "objective": 0.0, "wall_s": 0.0},
    }
    return {"problem": {"technicians": techs, "work_orders": orders}, "plan": plan}


FRAMES_JS = """async ([action]) => {
  const map = window.dispatchMap;
  const times = [];
  let last = performance.now();
  let running = true;
  const tick = (t) => { times.push(t - last); last = t; if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  await new Promise((done) => {
    map.once('moveend', done);
    if (action === 'pan') map.panBy([300, 150], {animate: true, duration: 0.5});
    else map.setZoomAround(map.getCenter(), map.getZoom() + 1, {animate: true});
  });
  running = false;
  await new Promise((r) => setTimeout(r, 50));
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.floor(times.length * q)];
  return {frames: times.length, median: at(0.5), p90: at(0.9)};
}"""


@pytest.mark.parametrize(
    ("technicians", "per_route"), [(200, 10), (1000, 10)], ids=["metro-large", "nightly"]
)
def test_scale_first_draw_pan_zoom_and_a_drag(page: Any, technicians: int, per_route: int):
    """200 x 2,000 and 1,000 x 10,000 loaded plans: first draw, pan and zoom frames, a drag judged.

    The issue's targets are < 1 s, < 50 ms per frame and < 1 s. The numbers are printed (run
    with -s); the asserts only catch a collapse (a shared CI machine runs the server and the
    browser side by side), and the drag's time is mostly the API evaluating the whole plan.
    """
    day = synthetic_day(technicians, per_route)
    elapsed_ms = page.evaluate(
        "([problem, plan]) => window.dispatchConsole.setProblem(problem, plan, 'synthetic')",
        [day["problem"], day["plan"]],
    )
    m = info(page)
    assert m["markers"] == technicians * per_route and len(m["lines"]) == technicians
    assert page.evaluate("window.dispatchConsole.timelineInfo().rows") == technicians
    pan = page.evaluate(FRAMES_JS, ["pan"])
    zoom = page.evaluate(FRAMES_JS, ["zoom"])
    order = day["plan"]["routes"][0]["stops"][0]["work_order_id"]
    target = f"T-{1:04d}#0"
    judged_ms, redrawn_ms = page.evaluate(
        """async ([order, target]) => {
        const t = performance.now();
        await window.dispatchConsole.tryMove([{orderId: order, targetKey: target, position: 0}]);
        return [window.dispatchConsole.state.pending.judgedMs, performance.now() - t];
    }""",
        [order, target],
    )
    assert page.evaluate("window.dispatchConsole.state.pending !== null")
    trial = page.evaluate("window.dispatchConsole.state.plan")
    assert len(trial["routes"]) == technicians  # the whole day, with the touched routes re-timed
    moved = next(r for r in trial["routes"] if r["technician_id"] == target.split("#")[0])
    assert moved["stops"][0]["work_order_id"] == order
    assert "Judged on the 2 route(s)" in page.inner_text("#override-result")
    print(
        f"{technicians} x {technicians * per_route}: first draw {elapsed_ms:.0f} ms; pan frames "
        f"median {pan['median']:.0f} ms p90 {pan['p90']:.0f} ms; zoom frames median "
        f"{zoom['median']:.0f} ms p90 {zoom['p90']:.0f} ms; drag judged in {judged_ms:.0f} ms, "
        f"redrawn after {redrawn_ms:.0f} ms"
    )
    assert elapsed_ms < 1000 * technicians / 100  # 2 s and 10 s
    assert pan["median"] < 500 and zoom["median"] < 1000
    assert judged_ms < 5000


def test_planar_and_matrix_problems_still_draw(page: Any):
    """x/y problems on Leaflet's CRS.Simple; a matrix-only problem says there is no map."""
    day = synthetic_day(3, 4, planar=True)
    page.evaluate(
        "([p, q]) => window.dispatchConsole.setProblem(p, q, 'planar')",
        [day["problem"], day["plan"]],
    )
    m = info(page)
    assert m["mode"] == "plane" and m["markers"] == 12 and len(m["lines"]) == 3
    assert "Planar" in page.inner_text("#map .map-note")
    day = synthetic_day(2, 2)
    for i, o in enumerate(day["problem"]["work_orders"]):
        o["location"] = {"index": i + 2}
    for i, t in enumerate(day["problem"]["technicians"]):
        t["start"] = {"index": i}
    page.evaluate(
        "([p, q]) => window.dispatchConsole.setProblem(p, q, 'matrix')",
        [day["problem"], day["plan"]],
    )
    assert "no coordinates" in page.inner_text("#map")
    assert page.locator(".blk.service").count() == 4


def test_new_plan_shapes_depots_crews_overtime_and_rush_hours(page: Any):
    """Hand-made plan JSON with the shapes of docs: depot stops, a crew, overtime, rush bands."""
    day = synthetic_day(2, 3)
    problem, plan = day["problem"], day["plan"]
    problem["depots"] = [{"id": "D-1", "location": {"lat": 48.85, "lon": 2.3}}]
    problem["travel"] = {
        "speed_profile": {"bands": [{"start": "07:30", "end": "09:30", "factor": 1.4}]}
    }
    r0, r1 = plan["routes"]
    first = r0["stops"][0]
    r0["stops"].insert(0, {
        "kind": "depot", "depot_id": "D-1", "arrival": first["arrival"], "start": first["arrival"],
        "end": first["start"], "wait_s": 0, "travel_s": 300, "distance_m": 1000,
        "loaded": {"parts": {"pump": 1}, "tools": ["ladder"]},
    })  # fmt: skip
    crew = dict(r0["stops"][2], crew=["T-0000", "T-0001"])
    r0["stops"][2] = crew
    r1["stops"].append(dict(crew))
    r1["shift_end"] = "2026-11-23T10:00:00+01:00"
    r1["overtime_s"] = 1800
    page.evaluate("([p, q]) => window.dispatchConsole.setProblem(p, q, 'shapes')", [problem, plan])
    assert page.locator('.blk.depot[data-depot="D-1"]').count() == 1
    crew_blocks = page.locator(f'.blk.service.crew[data-order="{crew["work_order_id"]}"]')
    assert crew_blocks.count() == 2
    crew_blocks.first.hover()
    assert page.locator(f'.blk.linked[data-order="{crew["work_order_id"]}"]').count() == 2
    assert page.locator('.tl-row[data-target="T-0001#0"] .blk.overtime').count() == 1
    assert page.locator(".tl-axis .rush").count() >= 1
    assert page.locator(".depot-icon").count() == 1
    assert info(page)["markers"] == 6  # the crew order is one marker


def test_tiles_only_when_configured(page: Any, server: str):
    """With a tile URL in the config, Leaflet loads tiles from there (and only there); credited."""
    day = synthetic_day(3, 4)
    page.evaluate(
        """([problem, plan, url]) => {
        window.dispatchConsole.state.config.map_tiles_url = url;
        window.dispatchConsole.state.config.map_tiles_attribution = "tiles: test";
        return window.dispatchConsole.setProblem(problem, plan, 'tiles');
    }""",
        [day["problem"], day["plan"], f"{server}/no-tiles/{{z}}/{{x}}/{{y}}.png"],
    )
    page.wait_for_selector(".leaflet-tile", state="attached")
    srcs = page.eval_on_selector_all(".leaflet-tile", "els => els.map(e => e.getAttribute('src'))")
    assert srcs and all(s.startswith(f"{server}/no-tiles/") for s in srcs)
    assert "tiles: test" in page.inner_text(".leaflet-control-attribution")


def test_an_uploaded_problem_file_is_loaded(page: Any, tmp_path: Any):
    """A problem file chosen in the file input becomes the day to solve, and the select says so."""
    from scenarios import get_scenario

    path = tmp_path / "day.json"
    path.write_text(json.dumps(get_scenario("lyon-small").load()))
    page.set_input_files("#problem-file", str(path))
    page.wait_for_selector("#solve-now:not([disabled])")
    assert "Loaded 3 technicians and 12 work orders" in page.inner_text("#status")
    assert "day.json" in page.inner_text("#scenario")


def test_accessibility_has_no_serious_violations(page: Any):
    """axe-core (vendored, api/static/axe-core) on the console with a plan: 0 serious/critical."""
    load_and_solve(page)
    # served by this server, so the page's Content-Security-Policy lets it run
    page.add_script_tag(url="console/vendor/axe-core/axe.min.js")
    for tab in ("order", "unserved"):
        page.click(f"#tab-{tab}")
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious


SCREENS = [(1280, 720), (1920, 1080)]


@pytest.mark.parametrize("scenario", ["lyon-small", "metro-medium", "week"])
def test_screenshots(page: Any, shot: Any, request: pytest.FixtureRequest, scenario: str):
    """docs/console's pictures at 1280 x 720 and 1920 x 1080 (with --console-screenshots)."""
    if not request.config.getoption("--console-screenshots", default=None):
        pytest.skip("screenshots only with --console-screenshots DIR")
    plan = load_and_solve(page, scenario, 3)
    if scenario == "lyon-small":
        order = plan["routes"][0]["stops"][1]["work_order_id"]
        page.evaluate("(o) => window.dispatchConsole.selectOrder(o)", order)
    elif scenario == "metro-medium":
        page.click("#tab-unserved")
        page.wait_for_selector(".unserved-row .fix, .unserved-row .fixes.none, .empty-note")
        route = plan["routes"][0]
        page.evaluate(
            "(k) => { window.dispatchConsole.state.selectedRoute = k; "
            "return window.dispatchConsole.renderPlan(true); }",
            f"{route['technician_id']}#{route['shift_index']}",
        )
    else:
        days = page.eval_on_selector_all("#tl-day option", "els => els.map(e => e.value)")
        page.select_option("#tl-day", days[2])
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.dispatchConsole.renderPlan(true)")
        page.evaluate("window.dispatchMap.invalidateSize(); window.dispatchConsole.fitAll()")
        page.wait_for_timeout(600)  # clusters and tiles settle
        shot(page, f"{scenario}-{width}x{height}")


def test_a_depot_day_draws_its_depot_stops(page: Any):
    """metro-depots solved: each depot stop of the plan is a depot block; depots on the map."""
    plan = load_and_solve(page, "metro-depots", 3)
    visits = [s for r in plan["routes"] for s in r["stops"] if s.get("kind") == "depot"]
    assert page.evaluate("window.dispatchConsole.timelineInfo().rendered") == len(
        page.evaluate("window.dispatchConsole.state.model.rows")
    )
    assert page.locator(".blk.depot").count() == len(visits)
    problem = page.evaluate("window.dispatchConsole.state.problem")
    assert page.locator(".depot-icon").count() == len(problem["depots"])
    served = {
        s["work_order_id"] for r in plan["routes"] for s in r["stops"] if s.get("kind") != "depot"
    }
    assert info(page)["markers"] == len(served)


def test_an_unserved_order_dropped_on_a_map_route(page: Any):
    """The work list's order dropped on a route line on the map is tried on that route."""
    load_and_solve(page)
    page.click("#tab-unserved")
    order = ids(page, ".unserved-row")[0]
    key, x, y = page.evaluate(
        """() => {
        const map = window.dispatchMap;
        const m = window.dispatchConsole.state.model;
        const route = m.routes[0];
        const at = (id) => { const o = m.orders.get(id).location; return [o.lat, o.lon]; };
        const a = map.latLngToContainerPoint(at(route.stops[0].work_order_id));
        const b = map.latLngToContainerPoint(at(route.stops[1].work_order_id));
        const box = document.getElementById('map').getBoundingClientRect();
        return [route.key, box.left + (a.x + b.x) / 2, box.top + (a.y + b.y) / 2];
    }"""
    )
    grip = box(page, f'.unserved-row[data-order="{order}"] .grip')
    page.mouse.move(grip["x"] + 4, grip["y"] + 4)
    page.mouse.down()
    page.mouse.move(x, y, steps=10)
    page.mouse.up()
    page.wait_for_selector("#override-actions:not([hidden])")
    assert page.input_value("#move-order") == order
    assert page.input_value("#move-target") == key


def test_panes_resize_and_keyboard_selects(page: Any):
    """The side panel's border moves by keyboard; Enter on a service block opens the move form."""
    plan = load_and_solve(page)
    before = box(page, "#side")["width"]
    page.focus("#split-side")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    assert box(page, "#side")["width"] == pytest.approx(before + 72, abs=2)
    first = plan["routes"][0]["stops"][0]["work_order_id"]
    page.focus(f'.blk.service[data-order="{first}"]')
    page.keyboard.press("Enter")
    assert first in page.text_content("#details h3")  # the Order tab has its details
    assert page.evaluate("document.activeElement.id") == "move-order"
    assert page.input_value("#move-order") == first
