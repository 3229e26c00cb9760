"""The append-only audit log (DESIGN §8): every change, every staff read of personal data and every refused
attempt on a scoped object, whatever the channel the actor came in through."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from app import clock, db
from app.auth.actor import Actor, ActorKind, Via
from app.errors import AppError, Forbidden, NotAuthenticated, NotFound
from app.models import AuditEntry, AuditOutcome

log = logging.getLogger("bangban.audit")

# Whose reads of a case or a photo are recorded: everyone who reads other people's data. A resident reading
# their own case and the worker's sweeps are not.
_AUDITED_READERS = frozenset({ActorKind.STAFF, ActorKind.PLATFORM, ActorKind.HELPER, ActorKind.SECRETARY})

ANONYMOUS = "anonymous"
KEY_REFERENCE_CHARS = 6  # enough to tell probes apart, far too few to use
_MAX_ID = 2**31 - 1  # a number past the id columns' range names nothing that exists


def _who(actor: Actor) -> dict[str, Any]:
    return {"actor": actor.label[:96], "actor_kind": actor.primary_kind,
            "actor_id": next((i for i in (actor.helper_id, actor.resident_id, actor.staff_id) if i is not None), None),
            "api_key_id": actor.api_key_id, "reference": actor.openid}


def as_id(raw: object) -> int | None:
    try:
        value = int(str(raw))
    except ValueError:
        return None
    return value if 0 < value <= _MAX_ID else None


def _case_of(object_type: str, object_id: int | None, entrustment_id: int | None) -> int | None:
    if entrustment_id is None and object_type == "entrustment":
        return object_id
    return entrustment_id


def record(session: Session, actor: Actor, action: str, object_type: str = "entrustment",
           object_id: int | None = None, *, entrustment_id: int | None = None, status_before: str | None = None,
           status_after: str | None = None, **details: Any) -> AuditEntry:
    """A change (or a read, through ``read``) in the request's own transaction: rolled back with it."""
    entry = AuditEntry(**_who(actor), via=actor.via.value, action=action, object_type=object_type,
                       object_id=object_id, entrustment_id=_case_of(object_type, object_id, entrustment_id),
                       status_before=status_before, status_after=status_after, outcome=AuditOutcome.OK,
                       details=details, created_at=clock.now())
    session.add(entry)
    return entry


def read(session: Session, actor: Actor, object_type: str, object_id: int | None, *,
         entrustment_id: int | None = None, **details: Any) -> AuditEntry | None:
    """A read of personal data: one object, or a list (``object_id`` None, the ids in ``details``)."""
    if not (actor.kinds & _AUDITED_READERS or actor.is_read_only):
        return None
    return record(session, actor, "read" if object_id is not None else "list", object_type, object_id,
                  entrustment_id=entrustment_id, **details)


def refused(actor: Actor | None, action: str, *, object_type: str, object_id: int | None, status: int,
            reason: str, via: Via, reference: str | None = None) -> None:
    """A refused attempt, written in a transaction of its own: the request's is rolled back with the error.

    ``reference`` names an actor that could not be resolved (a key's first characters, never the key).
    A failure here is logged, never raised: the refusal itself must still reach the caller.
    """
    object_id = None if object_id is None else as_id(object_id)
    who = _who(actor) if actor is not None else {"actor": ANONYMOUS, "actor_kind": ANONYMOUS, "actor_id": None,
                                                  "api_key_id": None, "reference": None}
    if reference is not None:
        who["reference"] = reference[:64]
    entry = AuditEntry(**who, via=via.value, action=action[:48], object_type=object_type, object_id=object_id,
                       entrustment_id=_case_of(object_type, object_id, None), outcome=AuditOutcome.REFUSED,
                       details={"status": status, "reason": reason}, created_at=clock.now())
    try:
        with db.session_factory()() as session, session.begin():
            session.add(entry)
    except Exception:
        log.exception("could not audit a refused %s on %s %s", action, object_type, object_id)


def refused_here(session: Session, actor: Actor | None, action: str, *, object_type: str, object_id: int | None,
                 reason: str, via: Via, reference: str | None = None, **details: Any) -> AuditEntry:
    """A refused attempt written in the caller's transaction, for a refusal the caller commits with what else it
    changed (a wrong password also counts towards the account's lock-out)."""
    who = _who(actor) if actor is not None else {"actor": ANONYMOUS, "actor_kind": ANONYMOUS, "actor_id": None,
                                                  "api_key_id": None, "reference": None}
    if reference is not None:
        who["reference"] = reference[:64]
    entry = AuditEntry(**who, via=via.value, action=action[:48], object_type=object_type, object_id=object_id,
                       entrustment_id=None, outcome=AuditOutcome.REFUSED, details={"reason": reason, **details},
                       created_at=clock.now())
    session.add(entry)
    return entry


def is_refusal(exc: AppError) -> bool:
    return isinstance(exc, NotAuthenticated | Forbidden | NotFound)


def refused_error(actor: Actor | None, action: str, exc: AppError, *, via: Via, object_type: str | None = None,
                  object_id: int | None = None, reference: str | None = None) -> None:
    """What a channel's error renderer calls: a 401, 403 or 404 on a scoped object is a refused attempt. The
    object is the one the error names (``object_type``/``object_id`` in its extra), else the one given."""
    if not is_refusal(exc):
        return
    if exc.extra.get("object_type"):
        raw = exc.extra.get("object_id")
        object_type, object_id = str(exc.extra["object_type"]), None if raw is None else as_id(raw)
    if object_type is None:
        return
    refused(actor, action, object_type=object_type, object_id=object_id, status=exc.status, reason=exc.message,
            via=via, reference=reference)
