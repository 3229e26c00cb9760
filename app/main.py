"""The FastAPI application: routers, middleware and error handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from app.config import get_settings

log = logging.getLogger("bangban")


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_for_production()
    app = FastAPI(
        title="帮办代办 Bangban API",
        version="1.0.0",
        description="垫江社会救助公众号帮办代办模块：委托、受理、办理、评价与归档。",
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
    )
    # -- routers --
    return app


app = create_app()
