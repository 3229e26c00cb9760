"""``/healthz`` (the process answers), ``/readyz`` (the database answers and its schema is at the latest
migration) and ``/metrics``. None of them is in the API's OpenAPI document."""

from __future__ import annotations

import logging
from functools import lru_cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from app.commands import _alembic_ini
from app.config import get_settings
from app.db import unit_of_work
from app.observability.metrics import exposition, refusal

log = logging.getLogger("bangban.health")
router = APIRouter(include_in_schema=False)

UNREACHABLE = "数据库连接不上 / database unreachable"
BEHIND = "数据库结构不是最新，请运行 bangban db upgrade / database schema is behind; run bangban db upgrade"


@lru_cache
def migration_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(Config(str(_alembic_ini()))).get_heads())


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz() -> JSONResponse:
    try:
        with unit_of_work() as session:
            current = frozenset(MigrationContext.configure(session.connection()).get_current_heads())
    except SQLAlchemyError as exc:
        log.warning("not ready: database unreachable (%s)", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "reason": UNREACHABLE}, status_code=503)
    expected = migration_heads()
    if current != expected:
        log.warning("not ready: database at %s, code expects %s", sorted(current), sorted(expected))
        return JSONResponse({"status": "unavailable", "reason": BEHIND, "database": sorted(current),
                             "expected": sorted(expected)}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    refused = refusal(request.client.host if request.client else None, request.headers.get("authorization"),
                      get_settings().metrics_token)
    if refused is not None:
        status, reason = refused
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return PlainTextResponse(reason, status_code=status, headers=headers)
    return Response(exposition(with_database=True), media_type=CONTENT_TYPE_LATEST)
