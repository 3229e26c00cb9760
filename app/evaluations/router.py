"""Rectifications (整改) under /api/v1: the township task force's list and the act that closes one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.deps import ApiActor, SessionDep, WriterActor
from app.evaluations import service
from app.evaluations.schemas import CloseRectificationIn, RectificationOut
from app.models import Entrustment, Evaluation, Rectification

router = APIRouter(prefix="/api/v1/rectifications", tags=["rectifications"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "请求内容无法解析（不是 UTF-8 编码的 JSON）"},
    401: {"description": "缺少或无效的 API 密钥"},
    403: {"description": "无权办理"},
    404: {"description": "找不到整改，或无权查看"},
    409: {"description": "整改已经关闭"},
    422: {"description": "输入有误，message 指明字段"},
}


def _out(rectification: Rectification, case: Entrustment, evaluation: Evaluation) -> RectificationOut:
    return RectificationOut(
        id=rectification.id, entrustment_id=case.id, case_number=case.number or "", village_name=case.village.name,
        level=evaluation.level.value, comment=evaluation.comment, status=rectification.status,
        due_on=rectification.due_on, callback_note=rectification.callback_note, resolution=rectification.resolution,
        created_at=rectification.created_at, closed_at=rectification.closed_at,
    )


@router.get("", operation_id="list_open_rectifications", response_model=list[RectificationOut], responses=ERRORS)
def list_open(session: SessionDep, actor: ApiActor) -> list[RectificationOut]:
    return [_out(*row) for row in service.open_in_area(session, actor)]


@router.post("/{rectification_id}/close", operation_id="close_rectification", response_model=RectificationOut,
             responses=ERRORS)
def close(rectification_id: int, body: CloseRectificationIn, session: SessionDep,
          actor: WriterActor) -> RectificationOut:
    return _out(*service.close_rectification(session, actor, rectification_id, body))
