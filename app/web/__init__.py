"""H5 pages inside WeChat: residents entrust and follow their cases, helpers work their queue,
village secretaries watch over their village. ``install`` mounts them on the app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.body_limit import BodyLimit
from app.web import auth, files, helper, helper_register, notice, resident, secretary
from app.web.forms import FORM_LIMITS, MAX_BODY_BYTES, refuse_large_body
from app.web.pages import STATIC_DIR, not_found_router


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimit, prefix="/h5/", limit=MAX_BODY_BYTES, refuse=refuse_large_body)
    app.mount("/h5/static", StaticFiles(directory=STATIC_DIR), name="h5-static")
    for router in (auth.router, resident.router, helper.router, helper_register.router, secretary.router, files.router,
                   notice.router, not_found_router):
        app.include_router(router, form_limits=FORM_LIMITS)
    # The staff console at /console/ (its own session, frame and error pages).
    from app.console import install as install_console

    install_console(app)
