"""REST API for entrustments under /api/v1 (the county's 一门受理 platform and the pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.deps import ApiActor, SessionDep, WriterActor
from app.entrustments import service
from app.entrustments.cursor import Cursor
from app.entrustments.presenter import entrustment_detail_out, entrustment_out
from app.entrustments.schemas import (
    EntrustmentDetailOut,
    EntrustmentPage,
    SubmitIn,
)
from app.entrustments.workflow import Action, rule_for
from app.errors import InvalidInput
from app.models import EntrustmentStatus

router = APIRouter(prefix="/api/v1/entrustments", tags=["entrustments"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "请求内容无法解析（不是 UTF-8 编码的 JSON）"},
    401: {"description": "缺少或无效的 API 密钥"},
    403: {"description": "无权办理"},
    404: {"description": "找不到办件，或无权查看"},
    409: {"description": "当前状态不允许此操作，或办件已被他人更新"},
    422: {"description": "输入有误，message 指明字段"},
    429: {"description": "委托或照片超过限额（README「限额」），Retry-After 说明几秒后再试；已受理的不受影响"},
}


BAD_CURSOR = "after 不是有效的翻页位置：请原样传入上一页返回的 next_cursor，或去掉 after 从第一页开始。"


@router.get("", operation_id="list_entrustments", response_model=EntrustmentPage, responses=ERRORS)
def list_entrustments(
    session: SessionDep,
    actor: ApiActor,
    status: EntrustmentStatus | None = None,
    village_code: str | None = None,
    helper_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(max_length=40, description=(
        "翻页位置：上一页返回的 next_cursor，原样传入即得下一页（推荐的翻页方式，任意深度都一样快）"))] = None,
    offset: Annotated[int, Query(ge=0, description=(
        "跳过的条数，为已有的对接保留；翻到很深处会变慢，请改用 after。不能与 after 同时使用"))] = 0,
) -> EntrustmentPage:
    """办件列表，最新委托的在前（委托时间相同的按编号）。翻页：把返回的 next_cursor 作为 after 传回，直到
    next_cursor 为 null。total 是符合条件的办件数，超过 10000 件时为 null。"""
    cursor = None
    if after:
        if offset:
            raise InvalidInput("after", "after 和 offset 只能用一个：请用 after（上一页的 next_cursor）翻页。")
        cursor = Cursor.decode(after, field="after", message=BAD_CURSOR)
    found = service.cases_page(session, actor, status=status, village_code=village_code, helper_id=helper_id,
                               limit=limit, offset=offset, after=cursor)
    return EntrustmentPage(items=[entrustment_out(c, actor) for c in found.items], total=found.total, limit=limit,
                           offset=offset, next_cursor=found.next_cursor.encode() if found.next_cursor else None)


@router.get("/{entrustment_id}", operation_id="get_entrustment", response_model=EntrustmentDetailOut,
            responses=ERRORS)
def get_entrustment(entrustment_id: int, session: SessionDep, actor: ApiActor) -> EntrustmentDetailOut:
    case = service.get(session, actor, entrustment_id)
    return entrustment_detail_out(case, actor, service.timeline(session, case))


@router.post("", operation_id="submit_entrustment", response_model=EntrustmentDetailOut, status_code=201,
             responses=ERRORS)
def submit_entrustment(body: SubmitIn, session: SessionDep, actor: WriterActor) -> EntrustmentDetailOut:
    case = service.submit(session, actor, body)
    return entrustment_detail_out(case, actor, service.timeline(session, case))


def _act(session: Session, actor: Actor, entrustment_id: int, action: Action,
         body: BaseModel) -> EntrustmentDetailOut:
    case = service.transition(session, actor, entrustment_id, action, body)
    return entrustment_detail_out(case, actor, service.timeline(session, case))


def _action_route(path: str, operation_id: str, action: Action, summary: str) -> None:
    body_model = rule_for(action).schema

    def endpoint(entrustment_id: int, body: BaseModel, session: SessionDep,
                 actor: WriterActor) -> EntrustmentDetailOut:
        return _act(session, actor, entrustment_id, action, body)

    endpoint.__annotations__ = {**endpoint.__annotations__, "body": body_model}
    endpoint.__name__ = operation_id
    router.add_api_route(f"/{{entrustment_id}}/{path}", endpoint, methods=["POST"],
                         operation_id=operation_id, response_model=EntrustmentDetailOut,
                         responses=ERRORS, summary=summary)


for _path, _op, _action, _summary in (
    ("accept", "accept_entrustment", Action.ACCEPT, "受理"),
    ("request-supplement", "request_supplement", Action.REQUEST_SUPPLEMENT, "一次性告知需补正的全部材料"),
    ("supplement", "supplement_entrustment", Action.SUPPLEMENT, "补正材料"),
    ("decline", "decline_entrustment", Action.DECLINE, "不予受理（须说明原因）"),
    ("forward", "forward_to_window", Action.FORWARD_TO_WINDOW, "送件到乡镇（街道）窗口"),
    ("progress", "note_progress", Action.NOTE_PROGRESS, "反馈办理进度"),
    ("complete", "complete_entrustment", Action.COMPLETE, "办结"),
    ("evaluate", "evaluate_entrustment", Action.EVALUATE, "好差评"),
    ("request-termination", "request_termination", Action.REQUEST_TERMINATION, "委托人申请终止"),
    ("terminate", "terminate_entrustment", Action.TERMINATE, "终止办理并移交材料"),
    ("reassign", "reassign_entrustment", Action.REASSIGN, "改派帮办员"),
    ("archive", "archive_entrustment", Action.ARCHIVE, "归档"),
    ("close-supplement", "close_supplement", Action.CLOSE_SUPPLEMENT, "补正结束：材料已齐或帮办员认为够用"),
    ("allow-second-supplement", "allow_second_supplement", Action.ALLOW_SECOND_SUPPLEMENT,
     "乡镇（街道）批准第二次补正告知（偏离一次性告知，须说明理由）"),
    ("record-termination-statement", "record_termination_statement", Action.RECORD_TERMINATION_STATEMENT,
     "帮办员记下委托人签字的终止声明（须附签字照片，请在工作台页面上传），待村书记确认"),
    ("confirm-termination", "confirm_termination", Action.CONFIRM_TERMINATION, "村（社区）书记确认委托人要求终止"),
    ("request-extension", "request_extension", Action.REQUEST_EXTENSION, "帮办员申请延长办理时限"),
    ("decide-extension", "decide_extension", Action.DECIDE_EXTENSION, "乡镇（街道）审批延期"),
):
    _action_route(_path, _op, _action, _summary)
