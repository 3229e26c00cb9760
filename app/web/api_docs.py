"""The API's browsable documentation at ``/api/docs``, drawn by Swagger UI from the app's own static files.

FastAPI's default page loads Swagger UI from a CDN and is blank on a county network with no internet, so the
scripts and styles are vendored under ``app/web/static/vendor/swagger-ui/`` (its README says which version).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse

DOCS_URL = "/api/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
SWAGGER_UI_VERSION = "5.35.0"  # the cache-busting query; change it with the files
_VENDOR = "/h5/static/vendor/swagger-ui"


def install(app: FastAPI) -> None:
    """Serve the docs page for ``app``'s OpenAPI description; ``/redoc`` leads to it (ReDoc is not vendored)."""
    openapi_url = app.openapi_url
    assert openapi_url, "the API docs need the OpenAPI description"

    @app.get(DOCS_URL, include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - 接口文档",
            swagger_js_url=f"{_VENDOR}/swagger-ui-bundle.js?v={SWAGGER_UI_VERSION}",
            swagger_css_url=f"{_VENDOR}/swagger-ui.css?v={SWAGGER_UI_VERSION}",
            swagger_favicon_url=f"{_VENDOR}/favicon-32x32.png?v={SWAGGER_UI_VERSION}",
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            # Swagger UI otherwise asks validator.swagger.io about the description, from the reader's browser.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        return RedirectResponse(DOCS_URL)
