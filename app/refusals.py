"""Refused attempts on scoped objects through the HTTP channels (the API and the pages) go to the audit log.

The object is the one the error names (``object_type``/``object_id`` in ``AppError.extra``), else the one
the route's path names. The actor is the one the channel resolved for the request (``request.state.actor``);
a request refused before that has none.
"""

from __future__ import annotations

from starlette.requests import Request

from app import audit
from app.auth.actor import Actor, Via
from app.errors import AppError, NotAuthenticated

PATH_OBJECTS = {
    "entrustment_id": "entrustment",
    "case_id": "entrustment",
    "attachment_id": "attachment",
    "complaint_id": "complaint",
    "call_id": "call_task",
}


def remember_actor(request: Request, actor: Actor) -> None:
    request.state.actor = actor


def _path_object(request: Request) -> tuple[str | None, int | None]:
    for name, object_type in PATH_OBJECTS.items():
        if name in request.path_params:
            return object_type, audit.as_id(request.path_params[name])
    return None, None


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return header[7:].strip() or None


def _action(request: Request) -> str:
    if request.method in ("GET", "HEAD"):
        return "read"
    route = request.scope.get("route")
    return str(getattr(route, "name", None) or request.method)


def audit_refusal(request: Request, exc: AppError, via: Via) -> None:
    """Record a 401, 403 or 404 on a scoped object, and any API call with a key that is not valid."""
    object_type, object_id = _path_object(request)
    actor: Actor | None = getattr(request.state, "actor", None)
    reference = None
    if actor is None and via is Via.API and isinstance(exc, NotAuthenticated):
        key = _presented_key(request)
        if key is not None:
            reference = key[:audit.KEY_REFERENCE_CHARS]
            object_type = object_type or "api_key"
    audit.refused_error(actor, _action(request), exc, via=via, object_type=object_type, object_id=object_id,
                        reference=reference)
