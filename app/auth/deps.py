"""FastAPI dependencies that resolve who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.apikeys import actor_for_key
from app.db import get_session
from app.errors import Forbidden, NotAuthenticated
from app.refusals import remember_actor

SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def api_actor(request: Request, session: SessionDep,
              authorization: Annotated[str | None, Header()] = None) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise NotAuthenticated("请在 Authorization 头中提供 Bearer API 密钥。")
    actor = actor_for_key(session, authorization[7:].strip())
    remember_actor(request, actor)
    return actor


ApiActor = Annotated[Actor, Depends(api_actor)]


def writer(actor: ApiActor) -> Actor:
    if actor.is_read_only:
        raise Forbidden("只读账号不能修改数据。")
    return actor


WriterActor = Annotated[Actor, Depends(writer)]
