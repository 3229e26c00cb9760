"""A helper who joins the roster: the township task force is told, so the helper gets a binding QR code
(``bangban roster import --qrcodes DIR`` draws them, ``bangban qrcode bind`` one at a time)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor
from app.models import Helper, Region
from app.notifications.outbox import Kind
from app.notifications.task_force import tell_task_force


def helper_joined(session: Session, actor: Actor, helper: Helper, village: Region) -> None:
    township = session.get(Region, village.parent_id) if village.parent_id else None
    payload = {"helper_name": helper.name, "village": village.name, "township": township.name if township else None,
               "helper_id": helper.id}
    tell_task_force(session, Kind.TOWNSHIP_HELPER_JOINED, village.parent_id,
                    f"{helper.id}:{clock.now().isoformat()}", payload, None)
    audit.record(session, actor, "helper_joined", object_type="helper", object_id=helper.id, village=village.code)
