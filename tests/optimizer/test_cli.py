"""The dispatch CLI: solve, validate and schema, with exit statuses and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "lyon-small.json"


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    """The bundled example solved once (2 s) and written as a plan document."""
    out = tmp_path_factory.mktemp("cli") / "plan.json"
    assert main(["solve", str(EXAMPLE), "--time-limit", "2", "-o", str(out)]) == 0
    return out


def test_solve_prints_summary_and_writes_plan(plan_file, capsys):
    """solve writes a plan with routes and KPIs; validating it exits 0."""
    data = json.loads(plan_file.read_text())
    assert data["routes"] and "kpis" in data
    assert main(["validate", str(EXAMPLE), str(plan_file)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_tampered_plan_exits_1(plan_file, tmp_path, capsys):
    """Serving the last order twice (first stop renamed) is invalid: exit status 1."""
    data = json.loads(plan_file.read_text())
    last_id = data["routes"][-1]["stops"][-1]["work_order_id"]
    data["routes"][0]["stops"][0]["work_order_id"] = last_id
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["validate", str(EXAMPLE), str(bad)]) == 1
    assert "violation" in capsys.readouterr().out


def test_bad_problem_exits_2_with_field_and_message(tmp_path, capsys):
    """A negative service duration: exit 2, the field path and sentence, no traceback."""
    data = json.loads(EXAMPLE.read_text())
    data["work_orders"][0]["service_min"] = -5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "work_orders[0].service_min" in err
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path, capsys):
    """A problem file that does not exist: exit 2 with a sentence naming it."""
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "Cannot read the problem file" in capsys.readouterr().err


def test_zero_processes_exits_2_with_the_parameter_named(capsys):
    """--processes 0 is bad input: exit 2 and a one-line error, no traceback."""
    assert main(["solve", str(EXAMPLE), "--processes", "0"]) == 2
    err = capsys.readouterr().err
    assert "Invalid processes: 0 must be at least 1." in err
    assert "Traceback" not in err


def test_schema_prints_json_schema(capsys):
    """schema prints the problem JSON Schema; --plan prints the plan schema."""
    assert main(["schema"]) == 0
    assert "work_orders" in json.loads(capsys.readouterr().out)["properties"]
    assert main(["schema", "--plan"]) == 0
    assert "routes" in json.loads(capsys.readouterr().out)["properties"]


def test_solve_json_prints_the_plan_document(capsys):
    """solve --json prints only the plan document on standard output, with the work split."""
    assert main(["solve", str(EXAMPLE), "--time-limit", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    for route in document["routes"]:
        split = route["travel_s"] + route["service_s"] + route["wait_s"]
        assert split == route["work_s"]


def test_solve_tables_piped_show_every_column(plan_file, capsys):
    """Piped tables are not cut at 80 columns: the work split and every time show in full."""
    assert main(["solve", str(EXAMPLE), "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "drive h" in out and "service h" in out and "wait h" in out and "break h" in out
    assert "technici…" not in out


def test_solve_warns_of_an_unknown_skill_with_a_suggestion(tmp_path, capsys):
    """A skill typo (hvack) is a warning on standard error naming the field and a suggestion."""
    data = json.loads(EXAMPLE.read_text())
    data["work_orders"][0]["required_skills"] = {"hvack": 2}
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(data))
    assert main(["solve", str(path), "--time-limit", "1", "--json"]) == 0
    err = capsys.readouterr().err
    assert "work_orders[0].required_skills.hvack" in err
    assert "Did you mean hvac?" in err


def test_solve_reports_shape_and_cross_field_errors_in_one_message(tmp_path, capsys):
    """One run lists the schema error and the duplicate id together, exit status 2."""
    doc = json.loads(EXAMPLE.read_text())
    doc["work_orders"][0]["service_min"] = "long"
    doc["work_orders"][2]["id"] = doc["work_orders"][1]["id"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["solve", str(bad), "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "work_orders[0].service_min" in err
    assert f"Duplicate work order id: {doc['work_orders'][1]['id']}." in err


def test_solve_shows_depot_stops(tmp_path, capsys):
    """A day with depots prints each depot stop with what it loaded, and a depot-stops KPI."""
    out = tmp_path / "plan.json"
    depots = Path(__file__).parents[2] / "scenarios" / "data" / "metro-depots.json"
    assert main(["solve", str(depots), "--time-limit", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(depot D-" in printed
    assert "depot stops" in printed
    plan = json.loads(out.read_text())
    assert any(s.get("kind") == "depot" for r in plan["routes"] for s in r["stops"])
