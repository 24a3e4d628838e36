"""GET /v1/scenarios and GET /v1/scenarios/{name}; the scenario registry behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from optimizer.document import load_problem
from scenarios import Scenario, all_scenarios, get_scenario, register
from scenarios.generators import SCENARIO_SETS, generate
from scenarios.registry import scenario_summaries
from tests.api.helpers import error_of

DATA = Path(__file__).resolve().parents[3] / "scenarios" / "data"
LYON_PURPOSE = (
    "A Lyon morning: 3 technicians, 12 work orders, skills, breaks, a VIP, an order nobody can do."
)


def test_list_names_every_scenario_with_its_size(client: TestClient):
    """The list holds lyon-small with its purpose and counts, and count matches data."""
    response = client.get("/v1/scenarios")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["data"]) == len(all_scenarios())
    assert {
        "name": "lyon-small",
        "purpose": LYON_PURPOSE,
        "technicians": 3,
        "work_orders": 12,
    } in body["data"]


def test_get_returns_the_bundled_document(client: TestClient):
    """GET /v1/scenarios/lyon-small returns the file's problem, unchanged once loaded."""
    response = client.get("/v1/scenarios/lyon-small")
    assert response.status_code == 200
    on_disk = (DATA / "lyon-small.json").read_text(encoding="utf-8")
    assert load_problem(response.json()) == load_problem(on_disk)
    assert set(response.json()) == set(json.loads(on_disk))  # no defaults added


def test_unknown_scenario_is_a_404(client: TestClient):
    """An unknown name is a 404 not_found that lists the known names."""
    response = client.get("/v1/scenarios/atlantis")
    assert response.status_code == 404
    known = ", ".join(s.name for s in all_scenarios())
    assert error_of(response) == {
        "code": "not_found",
        "message": f"Unknown scenario: atlantis. Known scenarios: {known}.",
    }


def test_every_bundled_file_and_generator_is_a_registered_scenario():
    """Each scenarios/data/*.json and each generator set is registered with its purpose."""
    names = {s.name for s in all_scenarios()}
    assert {p.stem for p in DATA.glob("*.json")} | SCENARIO_SETS.keys() <= names
    for name, scenario_set in SCENARIO_SETS.items():
        assert get_scenario(name).purpose == scenario_set.purpose


def test_a_generator_scenario_is_served_at_its_default_seed(client: TestClient):
    """A set that is not bundled (metro-medium) is generated: same document, same size."""
    response = client.get("/v1/scenarios/metro-medium")
    assert response.status_code == 200
    assert load_problem(response.json()) == load_problem(generate("metro-medium"))
    listed = {s["name"]: s for s in client.get("/v1/scenarios").json()["data"]}
    assert (listed["metro-medium"]["technicians"], listed["metro-medium"]["work_orders"]) == (
        50,
        500,
    )


def test_load_returns_a_fresh_document():
    """Mutating a loaded document does not change the next load."""
    scenario = get_scenario("lyon-small")
    scenario.load()["work_orders"].clear()
    assert len(scenario.load()["work_orders"]) == 12


def test_a_generator_may_replace_a_bundled_scenario(monkeypatch):
    """register(..., replace=True) swaps the scenario of that name for the new one."""
    import scenarios.registry as registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    bundled = get_scenario("lyon-small")
    generated = Scenario("lyon-small", "Seeded Lyon morning.", bundled.load)
    register(generated, replace=True)
    assert get_scenario("lyon-small") is generated


def test_registry_refuses_duplicate_and_malformed_names():
    """register rejects a taken name; Scenario rejects blank or upper-case names."""
    with pytest.raises(ValueError, match=r"Duplicate scenario name: lyon-small\."):
        register(Scenario("lyon-small", "again", dict))
    with pytest.raises(ValueError, match="Invalid scenario name"):
        Scenario("Lyon Small", "x", dict)
    with pytest.raises(ValueError, match="needs a purpose"):
        Scenario("empty-purpose", " ", dict)
    with pytest.raises(KeyError, match="Unknown scenario: nope"):
        get_scenario("nope")


def test_bug_15_api_and_cli_list_the_same_scenarios_with_their_sizes(client: TestClient):
    """GET /v1/scenarios names what `dispatch scenarios list` does; bundled sizes are the files'."""
    listed = client.get("/v1/scenarios").json()["data"]
    rows = scenario_summaries()
    assert [(s["name"], s["technicians"], s["work_orders"]) for s in listed] == [
        (r["name"], r["technicians"], r["work_orders"]) for r in rows
    ]
    assert "lyon-small" in {s["name"] for s in listed}
    for row in rows:
        if row["source"] == "bundled":
            document = get_scenario(row["name"]).load()
            sizes = (len(document["technicians"]), len(document["work_orders"]))
            assert sizes == (row["technicians"], row["work_orders"]), row["name"]
