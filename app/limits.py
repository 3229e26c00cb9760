"""How much one sender may put in, and how much one case may hold (README, 限额).

Each limit counts rows already in the database in one indexed query, so every process of a deployment
sees the same count without sharing memory, and a refusal keeps everything accepted before it. Windows
slide: "per hour" is the last 60 minutes, "per day" the last 24 hours. The numbers are settings
(``BANGBAN_LIMIT_*``, ``BANGBAN_CASE_PHOTO_QUOTA_MB``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import BindParameter, ColumnElement, func, select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import entrustment_scope
from app.config import get_settings
from app.errors import InvalidInput, TooMany
from app.models import Attachment, Entrustment, InboundMessage, Resident
from app.models.base import among

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
MEGABYTE = 1024 * 1024

# What a WeChat user sends on purpose: messages and menu clicks. WeChat's own reports about them
# (template delivery, unsubscribe, location) are never refused.
CHAT_KINDS = ("text", "voice", "image", "video", "shortvideo", "location", "link", "event:click")


def _wait(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest counted row leaves the window (at least one)."""
    if oldest is None:
        return 1
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def _in_words(seconds: int) -> str:
    if seconds <= 90:
        return "1 分钟"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 个小时"


# ---- entrustments -----------------------------------------------------------------------------------


def _entrustments(session: Session, who: ColumnElement[bool], now: datetime) -> tuple[int, datetime | None,
                                                                                         int, datetime | None]:
    """In one query: the cases of the last hour and their oldest time, then those of the last day."""
    since_hour = Entrustment.submitted_at >= now - HOUR
    row = session.execute(
        select(func.count().filter(since_hour), func.min(Entrustment.submitted_at).filter(since_hour),
               func.count(), func.min(Entrustment.submitted_at))
        .where(who, Entrustment.submitted_at >= now - DAY)
    ).one()
    return int(row[0]), row[1], int(row[2]), row[3]


def _refuse_entrustment(counts: tuple[int, datetime | None, int, datetime | None], per_hour: int, per_day: int,
                        now: datetime, whose: str, after: str) -> None:
    hour_count, hour_oldest, day_count, day_oldest = counts
    for count, oldest, limit, window, span in ((hour_count, hour_oldest, per_hour, HOUR, "一小时"),
                                               (day_count, day_oldest, per_day, DAY, "一天")):
        if count >= limit:
            wait = _wait(oldest, window, now)
            raise TooMany(f"{whose}{span}内已经提交了 {count} 件委托，请 {_in_words(wait)}后再提交新的委托。{after}",
                          retry_after=wait)


RESIDENT_AFTER = "已经提交的委托都在，帮办员会一件件办理；着急的话可以直接打电话给帮办员。"
PLATFORM_AFTER = "已经提交的委托都在，帮办员会一件件办理。"
HELPER_AFTER = "已经登记的委托都在；确有更多要登记的，请联系乡镇（街道）工作专班。"


def check_entrustment(session: Session, actor: Actor, resident: Resident) -> None:
    """Before a new case: the resident's cases of the last hour and day, and when a helper registers it,
    the helper's registrations. ``TooMany`` past either."""
    settings = get_settings()
    now = clock.now()
    if ActorKind.HELPER in actor.kinds and actor.helper_id is not None:
        registered = _entrustments(session, Entrustment.registered_by_helper_id == actor.helper_id, now)
        _refuse_entrustment(registered, settings.limit_helper_entrustments_per_hour,
                            settings.limit_helper_entrustments_per_day, now, "您", HELPER_AFTER)
    if resident.id is not None:
        own = ActorKind.RESIDENT in actor.kinds
        _refuse_entrustment(_entrustments(session, Entrustment.resident_id == resident.id, now),
                            settings.limit_entrustments_per_hour, settings.limit_entrustments_per_day, now,
                            "您" if own else "这位委托人", RESIDENT_AFTER if own else PLATFORM_AFTER)


# ---- photos -----------------------------------------------------------------------------------------


def _photos_of_the_hour(session: Session, actor: Actor, now: datetime) -> tuple[int, datetime | None] | None:
    """The photos ``actor`` uploaded in the last hour and the oldest one's time; None for those not limited
    (the county's platform and staff send no photos through these channels)."""
    since = Attachment.created_at >= now - HOUR
    if ActorKind.HELPER in actor.kinds and actor.helper_id is not None:
        # Through the cases the helper may reach (their village's, and any reassigned to them).
        where: list[ColumnElement[bool]] = [entrustment_scope(session, actor), Attachment.uploaded_by == actor.label]
    elif ActorKind.RESIDENT in actor.kinds and actor.resident_id is not None:
        where = [Entrustment.resident_id == actor.resident_id,
                 Attachment.uploaded_by.startswith(f"{ActorKind.RESIDENT.value}:")]
    else:
        return None
    row = session.execute(
        select(func.count(Attachment.id), func.min(Attachment.created_at))
        .join(Entrustment, Entrustment.id == Attachment.entrustment_id).where(since, *where)
    ).one()
    return int(row[0]), row[1]


def check_photos(session: Session, actor: Actor, case: Entrustment | None, sizes: Sequence[int]) -> None:
    """Before photos are stored: the sender's photos of the last hour (``TooMany``), and the case's quota
    of bytes (``InvalidInput``: fewer or smaller photos will do)."""
    if not sizes:
        return
    settings = get_settings()
    now = clock.now()
    recent = _photos_of_the_hour(session, actor, now)
    per_hour = (settings.limit_helper_photos_per_hour if ActorKind.HELPER in actor.kinds
                else settings.limit_photos_per_hour)
    if recent is not None and recent[0] + len(sizes) > per_hour:
        count, oldest = recent
        wait = _wait(oldest, HOUR, now)
        left = max(0, per_hour - count)
        now_allowed = f"现在最多还能传 {left} 张；" if left else ""
        raise TooMany(f"一小时内最多上传 {per_hour} 张照片，您已经上传了 {count} 张，这次的 {len(sizes)} 张没有保存。"
                      f"{now_allowed}请 {_in_words(wait)}后再上传。已经上传的照片都在。", retry_after=wait)
    quota = settings.case_photo_quota_mb * MEGABYTE
    stored = 0 if case is None or case.id is None else int(session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(Attachment.entrustment_id == case.id)) or 0)
    if stored + sum(sizes) > quota:
        left_mb = max(0, quota - stored) / MEGABYTE
        raise InvalidInput("photos", f"这件委托的照片一共不能超过 {settings.case_photo_quota_mb}MB，"
                                     f"还能再传 {left_mb:.1f}MB，这次的照片没有保存。"
                                     "请少选几张，或只拍需要的那一页；已经上传的照片都在。")


# ---- the chat -----------------------------------------------------------------------------------------


def chat_window(openid: str | BindParameter[str], since: datetime | BindParameter[datetime]
                ) -> list[ColumnElement[bool]]:
    """The messages ``check_chat`` counts, received since a minute ago; the chat reads their count with
    the sender, in one query."""
    return [InboundMessage.openid == openid, InboundMessage.received_at >= since,
            among(InboundMessage.msg_type, CHAT_KINDS)]


def over_chat_limit(count: int) -> bool:
    return count > get_settings().limit_chat_messages_per_minute


def check_chat(session: Session, openid: str) -> None:
    """A message just recorded (its ``InboundMessage`` row is flushed, so it is counted): ``TooMany`` when
    ``openid`` sent more than the limit in the last minute. A refused message is rolled back with its row."""
    now = clock.now()
    count, oldest = session.execute(
        select(func.count(InboundMessage.id), func.min(InboundMessage.received_at))
        .where(*chat_window(openid, now - MINUTE))
    ).one()
    if over_chat_limit(int(count)):
        wait = _wait(oldest, MINUTE, now)
        raise TooMany(f"您发得太快了，请歇一会儿，{_in_words(wait)}后再发。刚才这条没有记下，前面说的我们都记下了。",
                      retry_after=wait)
