"""Interactive API documentation served from the package: Swagger UI at /docs, ReDoc at /redoc.

FastAPI's own pages load their scripts from a CDN and stay blank offline.
These load the Swagger UI and ReDoc assets vendored in ``api/static/`` (with
their licences; ``bash scripts/vendor_docs_assets.sh`` refreshes them from
the npm registry at the pinned versions) from this server, under
:data:`STATIC_PREFIX`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
"""The vendored assets (``swagger-ui/``, ``redoc/``, ``MANIFEST.txt``)."""

STATIC_PREFIX = "/static/docs"
"""URL prefix of the vendored assets; open without an API key, like the pages."""

DOCS_PATHS = ("/docs", "/redoc")
"""The documentation pages."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # Swagger UI starts from an inline script
        "style-src 'self' 'unsafe-inline'",  # ReDoc injects its styles
        "img-src 'self' data:",  # no logo or badge from a CDN (ReDoc's "powered by")
        "font-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search worker
        "connect-src 'self'",
    )
)
"""The pages' policy: the browser asks nothing of any other host, not even an image.

The vendored ReDoc bundle still names its logo on cdn.redoc.ly; this policy
keeps the browser from requesting it (the logo hides itself on the error).
"""


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc on ``app`` with the vendored assets, no external request."""
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _local_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - Swagger UI",
                swagger_js_url=f"{STATIC_PREFIX}/swagger-ui/swagger-ui-bundle.js",
                swagger_css_url=f"{STATIC_PREFIX}/swagger-ui/swagger-ui.css",
                swagger_favicon_url=f"{STATIC_PREFIX}/swagger-ui/favicon-32x32.png",
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _local_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - ReDoc",
                redoc_js_url=f"{STATIC_PREFIX}/redoc/redoc.standalone.js",
                redoc_favicon_url=f"{STATIC_PREFIX}/swagger-ui/favicon-32x32.png",
                with_google_fonts=False,
            )
        )


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page
