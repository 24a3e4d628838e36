"""dispatch solve's fixes, dispatch explain and dispatch tradeoff: output, files, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from optimizer.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "lyon-small.json"
DAY = "2026-11-23T{}:00+01:00"

#: One technician at the origin (planar, 36 km/h), A: P4 6 km east to reach by 08:15, B: 1 km
#: west. Visiting A first drives 8 min more and is on time; B first makes A 58 min late.
DETOUR = {
    "travel": {"kind": "planar", "speed_mps": 10},
    "weights": {"workload_balance_per_hour": 0},
    "technicians": [
        {
            "id": "T1",
            "shifts": [{"start": DAY.format("08:00"), "end": DAY.format("17:00")}],
            "start": {"x": 0, "y": 0},
        }
    ],
    "work_orders": [
        {
            "id": "A",
            "location": {"x": 6000, "y": 0},
            "service_min": 60,
            "priority": "P4",
            "respond_by": DAY.format("08:15"),
        },
        {"id": "B", "location": {"x": -1000, "y": 0}, "service_min": 60},
    ],
}


@pytest.fixture(scope="module")
def solved_files(tmp_path_factory):
    """lyon-small solved (2 s) with fixes, and once more without (--explain-time 0)."""
    folder = tmp_path_factory.mktemp("explain")
    explained, plain = folder / "explained.json", folder / "plain.json"
    assert main(["solve", str(EXAMPLE), "--time-limit", "2", "-o", str(explained)]) == 0
    args = ["solve", str(EXAMPLE), "--time-limit", "2", "--explain-time", "0", "-o", str(plain)]
    assert main(args) == 0
    return explained, plain


def test_solve_writes_and_prints_the_fixes(solved_files):
    """WO-1011 (gas 2, nobody has it) gets a verified skill fix; the plan file stays valid."""
    explained, _ = solved_files
    (unserved,) = json.loads(explained.read_text())["unassigned"]
    assert unserved["work_order_id"] == "WO-1011"
    (fix,) = unserved["fixes"]
    assert (fix["kind"], fix["verified"], fix["change"]["skills"]) == ("skill", True, {"gas": 2})
    assert main(["validate", str(EXAMPLE), str(explained)]) == 0


def test_explain_fills_the_fixes_of_a_plain_plan(solved_files, tmp_path, capsys):
    """A plan solved without fixes gets them from dispatch explain, and the score analysis."""
    _, plain = solved_files
    assert "fixes" not in json.loads(plain.read_text())["unassigned"][0]
    out = tmp_path / "out.json"
    assert main(["explain", str(EXAMPLE), str(plain), "--analysis", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "skill (−" in printed and "Score analysis" in printed
    assert re.search(r"skill \(−[\d,.]+ points\)", printed)  # every cost has its unit
    assert "Points by term" in printed and "30,000" in printed  # WO-1011's P2 penalty
    (unserved,) = json.loads(out.read_text())["unassigned"]
    assert [f["kind"] for f in unserved["fixes"]] == ["skill"]


def test_explain_of_an_invalid_plan_exits_2_naming_the_plan(solved_files, tmp_path, capsys):
    """A plan that lost its unassigned list is refused: exit 2, field plan, no traceback."""
    _, plain = solved_files
    data = json.loads(plain.read_text())
    data["unassigned"], data["kpis"] = [], {}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["explain", str(EXAMPLE), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "plan" in err and "missing_work_order" in err and "Traceback" not in err


def test_tradeoff_prints_writes_and_draws_the_curve(tmp_path, capsys):
    """Two points of late_per_minute: a table, a JSON of valid plans' points and a PNG."""
    pytest.importorskip("matplotlib")
    problem = tmp_path / "detour.json"
    problem.write_text(json.dumps(DETOUR))
    png, points = tmp_path / "curve.png", tmp_path / "points.json"
    args = ["tradeoff", str(problem), "--sweep", "late_per_minute", "--points", "2"]
    args += ["--low", "0.01", "--high", "1", "--time-limit", "1", "--workers", "1"]
    assert main([*args, "--plot", str(png), "--json", str(points)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(points.read_text())
    assert [p["factor"] for p in data["points"]] == [0.01, 1.0]
    assert [p["violations"] for p in data["points"]] == [0, 0]
    late = [p["measures"]["lateness_min"] for p in data["points"]]
    assert late[0] > 50 and late[1] == 0
    assert "Trade-off: late_per_minute" in capsys.readouterr().out


def test_tradeoff_of_a_zero_weight_exits_2(tmp_path, capsys):
    """labor_cost is 0 in the problem: exit 2 with the sentence naming sweep."""
    problem = tmp_path / "detour.json"
    problem.write_text(json.dumps(DETOUR))
    assert main(["tradeoff", str(problem), "--sweep", "labor_cost", "--workers", "1"]) == 2
    assert "The problem's weight labor_cost is 0" in capsys.readouterr().err
