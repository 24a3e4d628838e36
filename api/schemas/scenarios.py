"""Schemas of the scenario catalogue (``GET /v1/scenarios``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScenarioOut(BaseModel):
    """A named, bundled problem."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Use it in GET /v1/scenarios/{name}.")
    purpose: str = Field(description="One line saying what the scenario exercises.")
    technicians: int = Field(ge=0, description="Number of technicians.")
    work_orders: int = Field(ge=0, description="Number of work orders.")


class ScenariosOut(BaseModel):
    """Every scenario, by name."""

    model_config = ConfigDict(extra="forbid")

    data: list[ScenarioOut] = Field(description="The scenarios, sorted by name.")
    count: int = Field(description="How many scenarios.", ge=0)
