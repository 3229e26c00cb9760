"""What an operator watches: JSON logs with request ids and nothing personal, health checks, Prometheus
metrics. ``install(app)`` wires the HTTP side into the application."""

from __future__ import annotations

from fastapi import FastAPI

from app.observability.health import router
from app.observability.http import RequestContext


def install(app: FastAPI) -> None:
    app.include_router(router)
    # Added last, so it is the outermost of our middleware: every log line of a request carries its id.
    app.add_middleware(RequestContext)
