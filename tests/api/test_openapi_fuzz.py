"""Schemathesis against the app's own OpenAPI schema: no 5xx, responses match the schema.

Bounded to stay fast: 15 random examples per operation plus schemathesis'
coverage phase (boundary values, wrong types, unexpected methods), every
solve capped at 0.05 s by the app's settings; about 3 minutes on two cores.

Every operation is fuzzed, jobs, re-optimization and what-if included (the
what-if fuzzing found a patch replacing the whole document that crashed the
route: `test_bug_patch_replacing_the_whole_document_is_an_input_error`).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis
    from fastapi.testclient import TestClient
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

from api.main import create_app
from api.settings import Settings

MAX_EXAMPLES = 15
"""Hypothesis examples per operation (the coverage phase adds its boundary cases)."""
SOLVE_S = 0.05
"""Every solve is capped at this by the app's settings: the fuzzer checks answers, not plans."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


FOLDER = Path(tempfile.gettempdir()) / f"dispatch-fuzz-{uuid.uuid4().hex}"
"""The fuzzed app's job store: made when the module's tests start, removed after them."""


def _app():
    database = FOLDER / "fuzz.db"
    return create_app(
        Settings(
            database_url=f"sqlite:///{database}",
            run_jobs=False,
            default_time_limit_s=SOLVE_S,
            max_time_limit_s=SOLVE_S,
        )
    )


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _lifespan():
    """Run the app's startup and shutdown around the module (the job service needs it)."""
    FOLDER.mkdir()
    try:
        with TestClient(APP):
            APP.state.solve_pool.start(wait_s=120)  # the what-if processes, started once
            yield
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_operation_never_fails_and_matches_its_schema(case):
    """Generated requests get no 5xx and responses that conform to the documented schema."""
    case.call_and_validate(checks=CHECKS)
