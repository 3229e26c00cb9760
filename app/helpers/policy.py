"""Helpers keep up with policy (公开公示 asks them to explain conditions, materials and time limits): when a
catalog sync changes any of these for a matter, every active helper on WeChat is told once, per version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.matters.catalog import POLICY_FIELDS, SyncResult
from app.models import Helper
from app.notifications.outbox import Kind, enqueue

# More names than this do not fit a message; the helper's catalog page lists them all.
NAMED = 3


def tell_helpers_of_changes(session: Session, result: SyncResult) -> int:
    """Write one message to each active, WeChat-bound helper; returns how many were written."""
    if not result.policy_changes:
        return 0
    names = [change.matter for change in result.policy_changes]
    fields = [label for label in POLICY_FIELDS.values()
              if any(label in change.fields for change in result.policy_changes)]
    shown = "、".join(names[:NAMED]) + (f"等{len(names)}项" if len(names) > NAMED else "")
    payload = {"matters": shown, "changes": "、".join(fields) + "有调整", "catalog_version": result.version,
               "all_matters": names}
    helpers = session.scalars(select(Helper).where(Helper.active.is_(True), Helper.openid.is_not(None))
                              .order_by(Helper.id)).all()
    written = 0
    for helper in helpers:
        kind = Kind.HELPER_POLICY_CHANGED
        if enqueue(session, kind, dedupe_key=f"{kind.value}:{result.version}:{helper.id}", recipient_kind="helper",
                   recipient_id=helper.id, recipient_openid=helper.openid, payload=payload):
            written += 1
    return written
