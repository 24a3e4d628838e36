"""The scenario catalogue: named problems to try the API with (``GET /v1/scenarios``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from api.schemas.common import ErrorOut, ProblemIn
from api.schemas.scenarios import ScenariosOut
from scenarios import get_scenario
from scenarios.registry import scenario_summaries

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])


@router.get("", response_model=ScenariosOut, summary="List scenarios")
def list_scenarios() -> dict[str, Any]:
    """Every named scenario with its purpose and size: bundled problems and seeded generators.

    The same list as `dispatch scenarios list`; sizes come without generating anything.
    """
    data = [
        {key: row[key] for key in ("name", "purpose", "technicians", "work_orders")}
        for row in scenario_summaries()
    ]
    return {"data": data, "count": len(data)}


@router.get(
    "/{name}",
    response_model=ProblemIn,
    response_model_exclude_unset=True,
    responses={404: {"model": ErrorOut, "description": "No scenario has this name."}},
    summary="Get a scenario's problem",
)
def get_scenario_problem(name: str) -> dict[str, Any]:
    """The problem document of scenario `name`, ready to post as `problem` to `POST /v1/plans`."""
    try:
        scenario = get_scenario(name)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=str(exc.args[0])) from None
    return scenario.load()
