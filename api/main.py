"""The FastAPI application: thin HTTP layer over the solver core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api.console import install_console
from api.docs import install_docs
from api.errors import add_openapi_hook, install_error_handlers
from api.examples import document_examples
from api.jobs.service import JobService
from api.middleware import install_middleware
from api.routes import health, jobs, plans, recommendations, reoptimize, scenarios, whatif
from api.settings import Settings, get_settings
from api.solve_pool import SolvePool
from api.solve_slots import SolveSlots, slot_count
from optimizer import SolveParams, __version__

DESCRIPTION = """Field-service dispatch optimization.

Synchronous plans for dispatch consoles, durable asynchronous jobs for batch
routing, re-optimization when the day changes, plan evaluation with a score
analysis, fixes for unserved orders, booking recommendations, what-if
comparisons and trade-off curves.
Errors: `{"error": {"code", "message", "issues": [{"field", "message"}]}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.search_processes > 1:
            SolveParams(processes=settings.search_processes).start_processes()
        service = JobService(settings)
        app.state.jobs = service
        if settings.run_jobs:
            service.start()
        app.state.solve_pool.start()
        try:
            yield
        finally:
            service.stop()
            app.state.solve_pool.stop()

    app = FastAPI(
        title="field-dispatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.solve_slots = SolveSlots(slot_count(settings))
    app.state.solve_pool = SolvePool(settings.whatif_workers)
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    install_middleware(app, settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["*"],
        )
    for module in (health, plans, reoptimize, recommendations, jobs, whatif, scenarios):
        app.include_router(module.router)
    install_docs(app)
    install_console(app)
    add_openapi_hook(app, document_examples)
    return app


def operation_id(route: APIRoute) -> str:
    """The OpenAPI ``operationId`` of a route: its function's name (``create_plan``)."""
    return route.name
