"""The dispatch console: one web page at /console, a static client of the public API.

The page and its ES modules live in ``api/static/console/`` (package data,
plain JavaScript, no build step); the map uses Leaflet and leaflet.markercluster,
vendored from the npm registry at pinned versions into ``api/static/`` with their
licences (``scripts/vendor_docs_assets.sh``) and served under
``/console/vendor/``. They call the
same ``/v1`` routes as any other client, with the ``X-API-Key`` the user
types when the server needs one. The only thing the server tells the page
besides the API is :func:`console_config`: the map tile server, if any, and
whether keys are required.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.settings import Settings

CONSOLE_DIR = Path(__file__).parent / "static" / "console"
"""The console's page, stylesheet and modules."""

VENDOR_DIR = Path(__file__).parent / "static"
"""Vendored libraries (Leaflet, leaflet.markercluster; see ``api/static/MANIFEST.txt``)."""

CONSOLE_PATH = "/console"
"""URL of the page; ``/`` redirects here."""

CONSOLE_PREFIX = "/console/"
"""Prefix of the console's own files (assets and config); open without an API key."""

CONSOLE_PATHS = ("/", CONSOLE_PATH)
"""Paths that never need a key: the page and the redirect to it."""


def console_config(settings: Settings) -> dict[str, Any]:
    """What the page needs to know about the server, beyond the API itself.

    Returns
    -------
    dict
        ``map_tiles_url`` (an XYZ template, or ``None``: the map is drawn
        offline on a projected plane with a scale bar),
        ``map_tiles_attribution``, ``auth_required`` (API keys configured:
        the page asks for one), ``default_time_limit_s`` and
        ``max_time_limit_s`` (seconds, the synchronous cap) and
        ``max_job_time_limit_s``.
    """
    return {
        "map_tiles_url": settings.map_tiles_url or None,
        "map_tiles_attribution": settings.map_tiles_attribution,
        "auth_required": settings.is_auth_enabled,
        "default_time_limit_s": settings.default_time_limit_s,
        "max_time_limit_s": settings.max_time_limit_s,
        "max_job_time_limit_s": settings.max_job_time_limit_s,
    }


def install_console(app: FastAPI) -> None:
    """Serve the console on ``app``: the page, its assets, its config and ``/`` → ``/console``."""
    app.mount(f"{CONSOLE_PREFIX}assets", StaticFiles(directory=CONSOLE_DIR), name="console-assets")
    app.mount(f"{CONSOLE_PREFIX}vendor", StaticFiles(directory=VENDOR_DIR), name="console-vendor")

    @app.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        return RedirectResponse(request.scope.get("root_path", "") + CONSOLE_PATH)

    @app.get(CONSOLE_PATH, include_in_schema=False)
    def console_page() -> FileResponse:
        return FileResponse(CONSOLE_DIR / "index.html", media_type="text/html")

    @app.get(f"{CONSOLE_PREFIX}config.json", include_in_schema=False)
    def console_settings(request: Request) -> dict[str, Any]:
        settings: Settings = request.app.state.settings
        return console_config(settings)
