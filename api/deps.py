"""Dependencies shared by the routers (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.jobs.service import JobService
from api.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_job_service(request: Request) -> JobService:
    """The job service started with the application."""
    service: JobService = request.app.state.jobs
    return service


JobServiceDep = Annotated[JobService, Depends(get_job_service)]
