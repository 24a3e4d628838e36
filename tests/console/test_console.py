"""The dispatch console end to end in Chromium: load, solve, look, compare, re-plan, move by hand.

Each test drives the page as a dispatcher would, against a real server
(``conftest.server``), and checks what it shows against the API's own answers
(the plan the page received is read back from ``window.dispatchConsole``).
Solves use lyon-small with 2 s limits, so that the module runs in about a minute.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

LIMIT_S = 2


def load_and_solve(page: Any, scenario: str = "lyon-small") -> dict[str, Any]:
    """Load ``scenario``, click Solve now and return the plan the API answered."""
    page.select_option("#scenario", scenario)
    page.click("#load-scenario")
    page.wait_for_selector("#solve-now:not([disabled])")
    page.fill("#time-limit", str(LIMIT_S))
    page.click("#solve-now")
    page.wait_for_function("() => document.querySelectorAll('.route-line').length > 0")
    plan: dict[str, Any] = page.evaluate("window.dispatchConsole.state.plan")
    return plan


def ids(page: Any, selector: str) -> list[str]:
    """The ``data-order`` of every element matching ``selector``, in document order."""
    return list(page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.order)"))


def test_solve_shows_every_route_stop_and_unserved_order(page: Any, shot: Any):
    """A line and a timeline row per route, a marker per stop, the API's unserved list."""
    plan = load_and_solve(page)
    stops = [s["work_order_id"] for r in plan["routes"] for s in r["stops"]]
    assert page.locator(".route-line").count() == len(plan["routes"])
    assert page.locator(".tl-row[data-route]").count() == len(plan["routes"])
    assert sorted(ids(page, "#map .stop")) == sorted(stops)
    assert sorted(ids(page, ".blk.service")) == sorted(stops)
    unserved = [u["work_order_id"] for u in plan["unassigned"]]
    assert unserved == ["WO-1011"]  # gas: nobody has it
    assert ids(page, ".unserved-row") == unserved
    assert ids(page, ".unserved-marker") == unserved
    assert "no_qualified_technician" in page.inner_text(".unserved-row")
    assigned = page.inner_text('.card[data-kpi="assigned"] .value')
    assert assigned == f"{plan['kpis']['assigned_pct']:.1f}%"
    page.wait_for_selector('.card[data-kpi="objective"] .terms :text("travel")')
    assert page.locator("#map .scale-bar").count() == 1
    assert page.locator("#map image").count() == 0  # offline: no tiles
    # every service block names its SLA in words, not only in colour
    labels = page.eval_on_selector_all(".blk.service", "els => els.map(e => e.ariaLabel)")
    assert all("SLA" in label for label in labels)
    page.hover(f'#map .stop[data-order="{stops[0]}"]')
    tooltip = page.inner_text("#tooltip")
    assert stops[0] in tooltip and "Windows" in tooltip and "Skills" in tooltip
    page.mouse.move(0, 0)
    for view in ("load", "kpis", "map", "timeline", "unserved"):
        shot(page.locator(f"#view-{view}"), view)


def test_keyboard_reaches_an_order_and_the_move_form(page: Any):
    """Tab onto a service block, Enter: its details show and the move form takes the order."""
    plan = load_and_solve(page)
    first = plan["routes"][0]["stops"][0]["work_order_id"]
    page.focus(f'.blk.service[data-order="{first}"]')
    page.keyboard.press("Enter")
    assert first in page.inner_text("#details h3")
    assert page.evaluate("document.activeElement.id") == "move-order"
    assert page.input_value("#move-order") == first


def test_what_if_compares_variants_side_by_side(page: Any, shot: Any):
    """Removing T-02 gives a table with the base and the variant, deltas beside KPIs."""
    load_and_solve(page)
    page.select_option("#variant-kind", "remove_technician")
    page.select_option("#variant-tech", "T-02")
    page.click("#variant-form button[type=submit]")
    page.select_option("#variant-kind", "set_weights")
    page.select_option("#variant-weight", "unassigned_by_priority.P4")
    page.fill("#variant-value", "0")
    page.click("#variant-form button[type=submit]")
    page.click("#run-whatif")
    page.wait_for_selector(".whatif-table", timeout=90_000)
    rows = page.eval_on_selector_all(".whatif-row", "els => els.map(e => e.dataset.variant)")
    assert rows == ["base", "T-02 off", "unserved P4 = 0"]
    assert page.locator('.whatif-row[data-variant="T-02 off"] td.delta').count() == 6
    shot(page.locator("#view-whatif"), "whatif")


def _ineligible_move(page: Any) -> tuple[str, str, str]:
    """A served order, its row and a row of a technician lacking one of its skills."""
    found = page.evaluate(
        """() => {
        const m = window.dispatchConsole.state.model;
        for (const [id, at] of m.stopOf) {
          const needs = m.orders.get(id).required_skills || {};
          for (const row of m.rows) {
            const skills = m.technicians.get(row.technicianId).doc.skills;
            if (Object.entries(needs).some(([s, l]) => (skills[s] || 0) < l))
              return [id, at.route.key, row.key];
          }
        }
        return null;
    }"""
    )
    assert found, "lyon-small has an order some technician is not skilled for"
    return found[0], found[1], found[2]


def test_dragging_an_order_to_an_unskilled_technician_shows_the_violation(page: Any, shot: Any):
    """Drag → evaluate (retime): missing_skill listed, the move marked; Undo restores the plan."""
    load_and_solve(page)
    order, home, target = _ineligible_move(page)
    page.locator("#timeline").scroll_into_view_if_needed()
    block = page.locator(f'.blk.service[data-order="{order}"]').bounding_box()
    row = page.locator(f'.tl-row[data-target="{target}"] .tl-track').bounding_box()
    page.mouse.move(block["x"] + block["width"] / 2, block["y"] + block["height"] / 2)
    page.mouse.down()
    page.mouse.move(row["x"] + 5, row["y"] + row["height"] / 2, steps=8)
    page.mouse.up()
    violation = page.wait_for_selector('.violation[data-code="missing_skill"]')
    assert order in violation.inner_text()
    moved = f'.tl-row[data-target="{target}"] .blk.service.moved[data-order="{order}"]'
    assert page.locator(moved).count() == 1
    assert page.locator(".override-table").count() == 1
    assert page.is_visible("#override-keep") and page.is_visible("#override-undo")
    shot(page.locator("#view-override"), "override")
    shot(page.locator("#view-timeline"), "timeline-override")
    page.click("#override-undo")
    page.wait_for_selector("#override-actions", state="hidden")
    assert page.locator(f'.tl-row[data-target="{home}"] [data-order="{order}"]').count() >= 1
    assert page.locator(".blk.service.moved").count() == 0


def test_replan_highlights_what_moved(page: Any, shot: Any):
    """A technician off early and an urgent order: the diff's moved orders are highlighted."""
    load_and_solve(page)
    # an hour into the day (the page proposes three): time left for the others to take over
    now = (datetime.fromisoformat(page.input_value("#replan-now")) - timedelta(hours=2)).isoformat()
    page.fill("#replan-now", now)
    later = (datetime.fromisoformat(now) + timedelta(minutes=45)).isoformat()
    # the technician with most later work that someone else is skilled for and may take
    busiest = page.evaluate(
        """(later) => {
        const m = window.dispatchConsole.state.model;
        const takers = (order, tech) => [...m.technicians.values()].some((t) =>
          t.doc.id !== tech && !order.pinned_technician_id &&
          !(order.excluded_technician_ids || []).includes(t.doc.id) &&
          Object.entries(order.required_skills || {})
            .every(([s, l]) => (t.doc.skills[s] || 0) >= l));
        const score = (r) => r.stops.filter((s) => Date.parse(s.start) > Date.parse(later) &&
          takers(m.orders.get(s.work_order_id), r.technician_id)).length;
        return [...m.routes].sort((a, b) => score(b) - score(a))[0].technician_id;
    }""",
        later,
    )
    page.select_option("#replan-tech", busiest)
    page.fill("#replan-from", now)
    page.check("#urgent-add")
    page.select_option("#urgent-skill", "electrical")
    page.click("#run-replan")
    page.wait_for_function("() => window.dispatchConsole.state.lastDiff !== null")
    page.wait_for_selector("#replan-diff h3")
    diff = page.evaluate("window.dispatchConsole.state.lastDiff")
    changed = {m["work_order_id"] for m in diff["moved"]}
    changed |= {a["work_order_id"] for a in diff["newly_assigned"]}
    assert diff["moved"], diff
    assert set(ids(page, ".blk.service.moved")) == changed
    assert set(ids(page, "#map .stop.moved")) == changed
    assert set(ids(page, ".diff-moved")) == {m["work_order_id"] for m in diff["moved"]}
    assert "URGENT-1" in ids(page, "#map .stop") + ids(page, ".unserved-marker")
    shot(page.locator("#view-replan"), "replan")
    shot(page.locator("#view-map"), "map-replan")


def test_job_shows_progress_and_cancel_keeps_the_best_plan(page: Any):
    """Solve as a job on metro-small: a progress bar, Cancel, then the best plan so far drawn."""
    page.select_option("#scenario", "metro-small")
    page.click("#load-scenario")
    page.wait_for_selector("#solve-job:not([disabled])")
    page.fill("#time-limit", "30")
    page.click("#solve-job")
    page.wait_for_selector("#job-progress", state="visible")
    page.wait_for_function(
        "() => document.getElementById('job-progress').value > 0", timeout=60_000
    )
    page.click("#cancel-job")
    page.wait_for_function("() => window.dispatchConsole.state.plan !== null", timeout=60_000)
    assert "cancelled" in page.inner_text("#job-state")
    plan = page.evaluate("window.dispatchConsole.state.plan")
    assert page.locator(".route-line").count() == len(plan["routes"]) > 0


def test_api_errors_are_shown_by_field(page: Any):
    """A pasted problem with a negative service time: the 422's field and sentence appear."""
    problem = {
        "technicians": [],
        "work_orders": [{"id": "WO-1", "location": {"x": 0, "y": 0}, "service_min": -5}],
    }
    page.click("summary")
    page.fill("#paste", json.dumps(problem))
    page.click("#load-paste")
    page.click("#solve-now")
    error = page.wait_for_selector("#errors .error")
    text = error.inner_text()
    assert "problem.work_orders[0].service_min" in text
    assert "Work order WO-1: service_min must be greater than or equal to 0, got -5." in text


def synthetic_day(technicians: int, orders_per_route: int, seed: int = 1) -> dict[str, Any]:
    """A problem and a plan document of ``technicians`` full routes around Paris (no solve)."""
    rng = random.Random(seed)
    tz = timezone(timedelta(hours=1))
    day = datetime(2026, 11, 23, 8, 0, tzinfo=tz)

    def at(minutes: float) -> str:
        return (day + timedelta(minutes=minutes)).isoformat()

    techs, orders, routes = [], [], []
    statuses = ["green", "green", "green", "yellow", "red", "none"]
    for t in range(technicians):
        tid = f"T-{t:03d}"
        home = {"lat": 48.86 + rng.uniform(-0.25, 0.25), "lon": 2.35 + rng.uniform(-0.4, 0.4)}
        shift = {"start": at(0), "end": at(600)}
        techs.append({"id": tid, "skills": {"hvac": 2}, "shifts": [shift], "start": home})
        stops, clock = [], 0.0
        for k in range(orders_per_route):
            oid = f"WO-{t:03d}-{k:02d}"
            loc = {
                "lat": home["lat"] + rng.uniform(-0.05, 0.05),
                "lon": home["lon"] + rng.uniform(-0.07, 0.07),
            }
            order = {"id": oid, "location": loc, "service_min": 35, "respond_by": at(clock + 120)}
            orders.append(order)
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


def test_200_technicians_and_2000_orders_render_under_two_seconds(page: Any):
    """A 200 x 2,000 plan document drawn (map, timeline, cards, lists) in < 2 s in Chromium.

    The page measures itself with performance.now(): from the plan's arrival to the frame
    after the map and timeline are in the document. The issue asks for this bound; it is
    the one test here on a clock.
    """
    day = synthetic_day(200, 10)
    elapsed_ms = page.evaluate(
        "([problem, plan]) => window.dispatchConsole.setProblem(problem, plan)",
        [day["problem"], day["plan"]],
    )
    print(f"200 technicians x 2,000 orders rendered in {elapsed_ms:.0f} ms")
    assert page.locator(".route-line").count() == 200
    assert page.locator(".tl-row[data-route]").count() == 200
    assert page.locator("#map .stop").count() == 2000
    assert page.locator(".blk.service").count() == 2000
    assert float(page.get_attribute("#render-time", "data-ms")) == pytest.approx(elapsed_ms)
    assert elapsed_ms < 2000


def test_tiles_are_drawn_only_when_configured(page: Any, server: str):
    """With a tile URL in the config, the map puts tile images under the routes; credited."""
    day = synthetic_day(3, 4)
    page.evaluate(
        """([problem, plan, url]) => {
        window.dispatchConsole.state.config.map_tiles_url = url;
        window.dispatchConsole.state.config.map_tiles_attribution = "tiles: test";
        return window.dispatchConsole.setProblem(problem, plan);
    }""",
        [day["problem"], day["plan"], f"{server}/no-tiles/{{z}}/{{x}}/{{y}}.png"],
    )
    hrefs = page.eval_on_selector_all("#map image", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith(f"{server}/no-tiles/") for h in hrefs)
    assert page.text_content("#map .attribution") == "tiles: test"


def test_an_uploaded_problem_file_is_loaded(page: Any, tmp_path: Any):
    """A problem file chosen in the file input becomes the day to solve."""
    from scenarios import get_scenario

    path = tmp_path / "day.json"
    path.write_text(json.dumps(get_scenario("lyon-small").load()))
    page.set_input_files("#problem-file", str(path))
    page.wait_for_selector("#solve-now:not([disabled])")
    assert "Loaded 3 technicians and 12 work orders" in page.inner_text("#status")


def test_unserved_fixes_are_shown_when_the_plan_has_them(page: Any):
    """A plan whose unassigned entry carries fixes (another branch's field) lists them."""
    day = synthetic_day(2, 2)
    order = day["problem"]["work_orders"][-1]
    day["plan"]["routes"][-1]["stops"].pop()
    day["plan"]["unassigned"] = [
        {
            "work_order_id": order["id"],
            "reason": "capacity_exhausted",
            "detail": "No room left.",
            "fixes": [
                "Extend T-001's shift by 40 min.",
                {"code": "add_technician", "message": "Add one."},
            ],
        }
    ]
    page.evaluate(
        "([p, q]) => window.dispatchConsole.setProblem(p, q)", [day["problem"], day["plan"]]
    )
    assert ids(page, ".unserved-row") == [order["id"]]
    fixes = page.eval_on_selector_all(".fixes li", "els => els.map(e => e.textContent)")
    assert fixes == ["Extend T-001's shift by 40 min.", "add_technician Add one."]
