"""Assets the app serves itself (no CDN): the web view's files and Swagger UI for /docs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# Swagger UI 5 as the fastapi-swagger package ships it (FastAPI's own /docs loads a CDN).
SWAGGER = Path(str(resources.files("fastapi_swagger") / "resources"))


def install(api: FastAPI) -> None:
    """Serve /web/static, /docs and its Swagger UI files from this process."""
    api.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")
    api.mount("/web/swagger", StaticFiles(directory=SWAGGER), name="swagger")

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The API's manual, with every file from this server."""
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/openapi.json",
            title="frispor API",
            swagger_js_url="/web/swagger/swagger-ui-bundle.js",
            swagger_css_url="/web/swagger/swagger-ui.css",
            swagger_favicon_url="/web/swagger/favicon-32x32.png",
        )
