"""A small world of cases whose notifications the worker sends to the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.models import Entrustment, Helper, Matter, OutboxMessage, OutboxStatus, Region, Resident
from app.notifications.worker import Dispatcher
from app.wechat.client import WeChatClient
from tests.factories import create_helper, create_matter, create_resident, create_tree, submit_as_resident


@dataclass
class World:
    tree: dict[str, Region]
    helper: Helper
    resident: Resident


def make_world(db: Session) -> World:
    tree = create_tree(db)
    create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳", openid="o_helper_wangfang")
    resident = create_resident(db, tree["guibei"], "李秀英", openid="o_resident_lixiuying")
    return World(tree, helper, resident)


def submit(db: Session, world: World, **overrides: object) -> Entrustment:
    matter = db.scalars(select(Matter)).first()
    assert matter is not None
    return submit_as_resident(db, world.resident, world.tree["guibei"], matter, **overrides)


def dispatcher(base_url: str, **settings: object) -> Dispatcher:
    values = {"wechat_api_base": base_url, "wechat_timeout": 5.0, "worker_rate": 1000.0, **settings}
    config = get_settings().model_copy(update=values)
    return Dispatcher(WeChatClient(config), settings=config)


def statuses(db: Session) -> dict[str, str]:
    db.expire_all()
    result = {row.kind: row.status.value for row in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}
    db.commit()  # end the read: on SQLite an open transaction holds the write lock the worker needs
    return result


def make_due(db: Session) -> None:
    """Skip the backoff: move the clock past every row's next attempt."""
    db.expire_all()
    latest = max((row.next_attempt_at for row in db.scalars(select(OutboxMessage))
                  if row.status is not OutboxStatus.SENT), default=None)
    db.commit()
    if latest is not None and latest > clock.now():
        clock.move(latest - clock.now() + timedelta(seconds=1))
