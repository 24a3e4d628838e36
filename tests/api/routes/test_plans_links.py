"""POST /v1/plans with crews and dependencies: crew stops in each member's route, 422s named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from scenarios.registry import get_scenario

Solved = Callable[..., dict[str, Any]]


def _crews() -> dict[str, Any]:
    return get_scenario("crews-links").load()


def test_crew_stops_name_their_crew_in_each_members_route(solved: Solved) -> None:
    document = _crews()
    out = solved(document, time_limit_s=5)
    assert out["violations"] == []
    crews = {o["id"]: o["crew_size"] for o in document["work_orders"] if "crew_size" in o}
    stops: dict[str, list[tuple[str, list[str]]]] = {}
    for route in out["routes"]:
        for stop in route["stops"]:
            if stop["work_order_id"] in crews:
                stops.setdefault(stop["work_order_id"], []).append(
                    (route["technician_id"], stop["crew"])
                )
    assert stops, "some crew order is served"
    for wid, members in stops.items():
        assert len(members) == crews[wid]
        assert all(crew == sorted(t for t, _ in members) for _, crew in members)
    assert out["kpis"]["crew_orders"] == len(crews)


def test_a_dependency_cycle_is_a_422_naming_the_field(client: TestClient) -> None:
    document = _crews()
    follower = next(o for o in document["work_orders"] if o.get("dependencies"))
    first = next(
        o for o in document["work_orders"] if o["id"] == follower["dependencies"][0]["after"]
    )
    first["dependencies"] = [{"after": follower["id"]}]
    response = client.post("/v1/plans", json={"problem": document, "time_limit_s": 1})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"].endswith(".dependencies[0].after")
    assert "cycle" in error["message"]
