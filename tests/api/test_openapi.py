"""The OpenAPI schema documents itself: every property described, examples that work,
named operations, no internals, and /docs and /redoc served without any external request.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from api.docs import STATIC_DIR
from api.mapping import plan_from_in, to_domain
from optimizer import check_plan

#: Markup of Python docstrings that must not reach the published schema.
INTERNALS = (r":func:", r":class:", r":mod:", r":data:", r":meth:", r"``", r"\n\s*-{4,}")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The app's OpenAPI schema (default settings)."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    app = create_app(Settings(database_url="sqlite://", run_jobs=False))
    return TestClient(app).get("/openapi.json").json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict)
    ]


def test_every_component_property_has_a_description(schema):
    """Each property of each component schema says what it is."""
    missing = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop, spec in component.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []
    assert len(schema["components"]["schemas"]) > 40


def test_operation_ids_are_the_route_names(schema):
    """operationIds are short names (create_plan), never FastAPI's generated ones."""
    ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert "create_plan" in ids and "compare_variants" in ids and "submit_job" in ids
    assert len(ids) == len(set(ids))
    assert not [i for i in ids if re.search(r"_v1_|_(get|post|delete)$", i)]


def test_no_docstring_internals_leak(schema):
    """No reST roles, double backticks or numpydoc section rules in any text."""
    text = json.dumps(schema)
    leaks = [m.group(0) for pattern in INTERNALS for m in re.finditer(pattern, text)]
    assert leaks == []


def test_every_operation_has_an_example(schema):
    """Each operation shows a request example (with a body) or a response example."""
    without = []
    for method, path, op in _operations(schema):
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        answers = [
            media
            for response in op["responses"].values()
            for media in response.get("content", {}).values()
        ]
        if "example" not in body and not any("example" in m for m in answers):
            without.append(f"{method.upper()} {path}")
    assert without == []


def test_request_examples_succeed_with_valid_plans(schema, client, monkeypatch):
    """Posting each request example gets a 2xx; every plan in the answers is valid."""
    from tests.api.routes.test_whatif import use_inline_pools

    use_inline_pools(monkeypatch)
    posted = 0
    for method, path, op in _operations(schema):
        example = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "example" not in example:
            continue
        response = client.request(method, path, json=example["example"])
        assert response.status_code in (200, 202), (path, response.text)
        posted += 1
        answer = response.json()
        if op["operationId"] in ("create_plan", "explain"):
            problem = to_domain(example["example"]["problem"])
            assert check_plan(problem, plan_from_in(problem, answer)) == []
        if op["operationId"] == "explain":  # WO-1011 needs gas, which nobody has
            (gas,) = answer["unassigned"]
            assert any(fix["kind"] == "skill" and fix["verified"] for fix in gas["fixes"])
        if op["operationId"] == "recommend_slots":
            assert answer["recommendations"]
        if op["operationId"] == "compare_variants":
            assert all(row["violations"] == 0 for row in answer["rows"])
        if op["operationId"] == "tradeoff_curve":
            assert all(p["violations"] == 0 for p in answer["points"] + answer["dominated"])
    assert posted == 8


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client, page):
    """/docs and /redoc reference no external URL, and every asset they name is served."""
    html = client.get(page).text
    assert not re.search(r"(src|href)=[\"']https?://", html), html
    assets = re.findall(r"(?:src|href)=[\"'](/static/docs/[^\"']+)", html)
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_vendored_assets_match_their_manifest():
    """Each vendored file has the size and SHA-256 its manifest records, licences included."""
    import hashlib

    lines = (STATIC_DIR / "MANIFEST.txt").read_text().splitlines()
    entries = [
        line.split() for line in lines if not line.startswith("#") and len(line.split()) == 3
    ]
    names = {name for name, _, _ in entries}
    assert {"swagger-ui/LICENSE", "redoc/LICENSE", "redoc/redoc.standalone.js"} <= names
    for name, size, digest in entries:
        data = Path(STATIC_DIR, name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (int(size), digest), name


def test_capped_time_limit_is_said_in_the_plan(make_client, tiny_problem):
    """POST /v1/plans with time_limit_s 999 runs at the cap and says so in warnings."""
    client = make_client(max_time_limit_s=0.3)
    response = client.post("/v1/plans", json={"problem": tiny_problem, "time_limit_s": 999})
    assert response.status_code == 200
    capped = [w for w in response.json()["warnings"] if w["code"] == "time_limit_capped"]
    assert capped == [
        {
            "code": "time_limit_capped",
            "field": "time_limit_s",
            "message": "time_limit_s 999 is above this server's cap of 0.3 s "
            "(DISPATCH_MAX_TIME_LIMIT_S): the solve ran for 0.3 s; longer solves belong "
            "in POST /v1/jobs.",
        }
    ]
    problem = to_domain(tiny_problem)
    assert check_plan(problem, plan_from_in(problem, response.json())) == []
