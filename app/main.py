"""The FastAPI application: routers, middleware and error handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from app import api_errors
from app.chat.registry import register_handlers as register_chat_handlers
from app.config import ConfigError, get_settings, refuse_to_start
from app.entrustments.notifications_router import router as case_notifications_router
from app.entrustments.router import router as entrustments_router
from app.evaluations.router import router as rectifications_router
from app.helpers.router import router as helpers_router
from app.matters.router import router as matters_router
from app.notifications.router import router as notifications_router
from app.observability import install as install_observability
from app.regions.router import router as regions_router
from app.web import install as install_pages
from app.web.api_docs import install as install_api_docs
from app.wechat.router import router as wechat_router

log = logging.getLogger("bangban")


def create_app() -> FastAPI:
    settings = get_settings()
    if settings.env == "production":
        from app.demo import refuse_demo_door

        refuse_demo_door()
        if settings.wechat_encrypt_mode != "safe":
            # Only with BANGBAN_WECHAT_ALLOW_UNSAFE_MODE (the settings refuse it otherwise): in plaintext and
            # compatible mode WeChat's signature covers only timestamp and nonce, not the body.
            log.warning("BANGBAN_WECHAT_ENCRYPT_MODE=%s: callbacks are not authenticated end to end; "
                        "set the account to 安全模式 and this to safe", settings.wechat_encrypt_mode)
    app = FastAPI(
        title="帮办代办 Bangban API",
        version="1.0.0",
        description="垫江社会救助公众号帮办代办模块：委托、受理、办理、评价与归档。",
        docs_url=None,  # served from the app's own static files: app/web/api_docs.py
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    api_errors.install(app)
    # First: routes are matched in order, and a burst of callbacks should not be compared with a hundred others.
    app.include_router(wechat_router)
    install_api_docs(app)
    for api_router in (regions_router, matters_router, helpers_router, entrustments_router, case_notifications_router,
                       notifications_router, rectifications_router):
        app.include_router(api_router)
    # -- routers --
    install_pages(app)
    register_chat_handlers()
    if settings.env == "demo":
        # The offline stand-in for WeChat's servers; point BANGBAN_WECHAT_API_BASE at it.
        from app.sandbox.app import create_sandbox_app

        app.mount("/sandbox", create_sandbox_app())
        # The guided tour of the demo, linking the sandbox phone, the pages and the console.
        from app.web.tour import router as tour_router

        app.include_router(tour_router)
    # Last: its middleware is then the outermost, so every log line of a request carries the request id.
    install_observability(app)
    return app


def _app_or_refusal() -> FastAPI:
    """``uvicorn app.main:app`` imports this module: a configuration it cannot run ends in one line, not a
    traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        refuse_to_start(exc)


app = _app_or_refusal()
