"""Routing at submission (DESIGN §4): the active, WeChat-bound helper of the village with the fewest
open cases; none → the village secretary; none → the township task force's queue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.entrustments.workflow import OPEN
from app.models import Entrustment, Helper, Queue, Region


@dataclass(frozen=True)
class RoutingDecision:
    helper: Helper | None
    queue: Queue
    reason: str

    def as_details(self) -> dict[str, object]:
        return {
            "helper_id": self.helper.id if self.helper else None,
            "queue": self.queue.value,
            "reason": self.reason,
        }


def route(session: Session, village: Region) -> RoutingDecision:
    open_cases = (
        select(Entrustment.helper_id, func.count().label("n"))
        .where(Entrustment.status.in_(OPEN))
        .group_by(Entrustment.helper_id)
        .subquery()
    )
    load = func.coalesce(open_cases.c.n, 0)
    row = session.execute(
        select(Helper, load)
        .outerjoin(open_cases, open_cases.c.helper_id == Helper.id)
        .where(
            Helper.village_id == village.id,
            Helper.active.is_(True),
            Helper.is_secretary.is_(False),
            Helper.openid.is_not(None),
        )
        .order_by(load, Helper.id)
        .limit(1)
    ).first()
    if row is not None:
        helper, count = row
        return RoutingDecision(helper, Queue.HELPER, f"本村在岗且已绑定微信的帮办员中待办最少（{count} 件）")
    # A secretary who has not bound WeChat would neither hear of the case nor open it.
    secretary = village_secretary(session, village.id)
    if secretary is not None:
        return RoutingDecision(secretary, Queue.SECRETARY, "本村没有在岗且已绑定微信的帮办员，转村（社区）书记")
    return RoutingDecision(None, Queue.TOWNSHIP, "本村没有已绑定微信的帮办员和书记，转乡镇（街道）工作专班")


def village_secretary(session: Session, village_id: int) -> Helper | None:
    """The village's active secretary who has bound WeChat (the one who can be told and can act)."""
    return session.scalar(
        select(Helper)
        .where(Helper.village_id == village_id, Helper.active.is_(True), Helper.is_secretary.is_(True),
               Helper.openid.is_not(None))
        .order_by(Helper.id)
        .limit(1)
    )
