"""The staff console at /console/ for township task forces, the county bureau and oversight (DESIGN §1).

``router`` holds every console page (each module's router made with ``app.console.routing.console_router``);
``install`` mounts it on the app, then the routes that must come last. The interface a page uses is
described in ``app.console.deps``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from starlette.responses import RedirectResponse

from app.console import acts, audit_pages, complaints, exports, oversight, pages, reports, signin
from app.console.routing import console_router
from app.console.supervision_pages import router as supervision_router
from app.errors import NotFound

router = console_router("/console")
router.dependencies.append(oversight.AUDITED)  # before the pages: it applies to those included after it
router.include_router(signin.router)
router.include_router(pages.router)
router.include_router(acts.router)
router.include_router(supervision_router)
router.include_router(audit_pages.router)
router.include_router(exports.router)
router.include_router(complaints.router)
router.include_router(reports.router)


def _last() -> APIRouter:
    """After every page: /console without its slash, and a Chinese 404 in the console's frame for any other
    address under /console/."""
    last = console_router("/console")

    @last.get("")
    def bare() -> Response:
        return RedirectResponse("/console/", status_code=308)

    @last.api_route("/{rest:path}", methods=["GET", "POST"])
    def not_found(rest: str) -> Response:
        raise NotFound("没有这个页面，请从工作台的菜单进入。")

    return last


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(_last())
