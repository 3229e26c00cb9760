"""The one translator from pydantic's validation errors to Chinese: the API's 422, the pages' error page
and the chat all name the field and say what is wrong in the same words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from app.entrustments.workflow import FIELD_LABELS
from app.errors import InvalidInput

LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "resident_name": "委托人姓名",
    "channel": "委托渠道",
    "beneficiary_name": "家人姓名",
    "beneficiary_relation": "与委托人的关系",
    "resident_openid": "委托人 openid",
    "resident_id_number": "身份证号码",
    "authorisation_ref": "委托手续",
    "remark": "备注",
    "note": "说明",
    "materials": "补交的材料",
    "forwarded_on": "送件日期",
    "comment": "评价意见",
    "version": "版本号",
    "limit": "每页条数",
    "offset": "起始位置",
    "status": "状态",
    "body": "请求内容",
}

# Where FastAPI says the value came from, not which field it was.
_SOURCES = ("body", "query", "path", "header", "cookie")


def field_label(name: str) -> str:
    return LABELS.get(name, name)


def _field(loc: object) -> str:
    parts = [str(p) for p in (loc if isinstance(loc, tuple | list) else ()) if not isinstance(p, int)]
    named = [p for p in parts if p not in _SOURCES and not p.isdigit()]
    return named[0] if named else "body"


def _message(field: str, error: Mapping[str, Any]) -> str:
    label = field_label(field)
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("missing", "string_too_short"):
        return f"请填写「{label}」。"
    if kind == "string_too_long":
        return f"「{label}」不能超过 {ctx.get('max_length')} 个字。"
    if kind == "too_long":
        return f"「{label}」最多 {ctx.get('max_length')} 项。"
    if kind in ("enum", "literal_error"):
        return f"「{label}」只能是：{ctx.get('expected')}。"
    if kind == "extra_forbidden":
        return f"不认识的字段「{field}」。"
    if kind == "value_error":
        reason = str(error.get("msg", "")).removeprefix("Value error, ")
        return f"{reason}。" if field == "body" else f"「{label}」{reason}。"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "请求内容不是有效的 JSON 对象。"
    if kind.startswith(("int_", "float_", "bool_", "date", "datetime")):
        return f"「{label}」的格式不正确。"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"「{label}」超出允许范围。"
    return f"「{label}」填写有误，请检查。"


def invalid_input(errors: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """The first problem found, as ``InvalidInput`` naming the field in Chinese."""
    if not errors:
        return InvalidInput("body", "提交的内容有误，请检查后再提交。")
    field = _field(errors[0].get("loc", ()))
    return InvalidInput(field, _message(field, errors[0]))


def invalid_from(error: ValidationError) -> InvalidInput:
    return invalid_input(error.errors())
