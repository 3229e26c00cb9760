"""事项目录: the reviewed catalog file (``catalog.toml``), its validation, and its sync into ``matters``.

The county edits the file, not the database: ``sync_catalog`` makes the table match it. Every problem
found in the file is reported at once, in Chinese, naming the entry and the field, so whoever edits
the file can fix everything in one pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AssistanceCategory, Matter, ServiceKind
from app.tomlfiles import TomlFileError, read_toml

CATALOG_PATH = Path(__file__).with_name("catalog.toml")

UNDECIDED_CODE = "undecided"
"""The matter a resident entrusts when they do not know what to apply for; the helper sorts it out."""

CATEGORY_SLUGS: dict[AssistanceCategory, str] = {
    AssistanceCategory.MINIMUM_LIVING: "dibao",
    AssistanceCategory.EXTREME_POVERTY: "tekun",
    AssistanceCategory.TEMPORARY: "linshi",
    AssistanceCategory.MEDICAL: "yiliao",
    AssistanceCategory.EMPLOYMENT: "jiuye",
    AssistanceCategory.HOUSING: "zhufang",
    AssistanceCategory.EDUCATION: "jiaoyu",
    AssistanceCategory.DISASTER: "zaihai",
}

KIND_SLUGS: dict[ServiceKind, str] = {
    ServiceKind.CONVENIENCE: "bianmin",
    ServiceKind.GOVERNMENT: "zhengwu",
    ServiceKind.OTHER: "qita",
}

MaterialForm = Literal["原件", "复印件", "原件及复印件"]
MATERIAL_FORMS: tuple[str, ...] = get_args(MaterialForm)

# strict: a quoted "30" in the file is a typo to report, not a number to guess.
AtLeastOne = Annotated[int, Field(strict=True, ge=1)]


class MatterCatalogError(TomlFileError):
    """The matter catalog cannot be used; the message says what to fix, in Chinese."""


class Material(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    form: MaterialForm
    copies: AtLeastOne
    issuer: str = Field(min_length=1)
    note: str | None = None


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z]+(-[a-z0-9]+)*$", max_length=32)
    # WeChat template "thing" values hold 20 characters; a longer name would be cut in every message.
    name: str = Field(min_length=1, max_length=20)
    category: AssistanceCategory
    service_kind: ServiceKind
    # One plain sentence that tells this matter from the others of its category, shown where residents choose.
    pick_when: str = Field(min_length=1, max_length=60)
    conditions: str = Field(min_length=1)
    materials: list[Material]
    steps: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    time_limit_days: AtLeastOne
    # Where the time limit comes from: the policy that sets it, or "县里设定"; shown to staff.
    time_limit_basis: str = Field(min_length=1)
    acceptance_days: AtLeastOne = 1
    progress_interval_days: AtLeastOne = 3
    lead_department: str = Field(min_length=1, max_length=64)
    co_departments: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    legal_basis: str | None = None


class CatalogFile(BaseModel):
    """A catalog that passed every check; entries in file order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=32)
    matters: list[CatalogEntry] = Field(min_length=1)

    def get(self, code: str) -> CatalogEntry | None:
        return next((entry for entry in self.matters if entry.code == code), None)


# What a helper must hear of when it changes: the conditions, the materials, the time limit.
POLICY_FIELDS = {"conditions": "办理条件", "materials": "所需材料", "time_limit_days": "办理时限"}


@dataclass(frozen=True)
class PolicyChange:
    matter: str
    fields: tuple[str, ...]  # the words of POLICY_FIELDS that changed


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    deactivated: int
    version: str
    policy_changes: tuple[PolicyChange, ...] = ()


def load_catalog(path: Path | None = None) -> CatalogFile:
    """Read and check the catalog file; raises ``MatterCatalogError`` listing every problem found."""
    path = path or CATALOG_PATH
    raw = read_toml(path, "事项目录文件", MatterCatalogError)
    try:
        head = _CatalogHead.model_validate(raw)
    except ValidationError as exc:
        raise MatterCatalogError(_report(path, [_describe(error, "文件") for error in exc.errors()])) from exc
    entries, problems = _validate_entries(head.matters)
    if problems:
        raise MatterCatalogError(_report(path, problems))
    return CatalogFile(version=head.version, matters=entries)


def sync_catalog(session: Session, path: Path | None = None) -> SyncResult:
    """Make the ``matters`` table match the catalog file: upsert by code, deactivate the rest.

    Rows keep their ids, so entrustments that point at a matter survive edits and removals. Every
    active row carries the version of the file it came from, so a new version touches them all; a
    row is written only when something in it differs, so syncing the same file twice changes nothing.
    """
    catalog = load_catalog(path)
    existing = {matter.code: matter for matter in session.scalars(select(Matter))}
    added = updated = 0
    changes: list[PolicyChange] = []
    for position, entry in enumerate(catalog.matters, start=1):
        values = _row_values(entry, catalog.version, position)
        matter = existing.pop(entry.code, None)
        if matter is None:
            session.add(Matter(code=entry.code, **values))
            added += 1
            continue
        fields = tuple(label for key, label in POLICY_FIELDS.items() if getattr(matter, key) != values[key])
        if _assign_changed(matter, values):
            updated += 1
            if fields:
                changes.append(PolicyChange(entry.name, fields))
    deactivated = 0
    for matter in existing.values():
        if matter.active:
            matter.active = False
            deactivated += 1
    session.flush()
    return SyncResult(added=added, updated=updated, deactivated=deactivated, version=catalog.version,
                      policy_changes=tuple(changes))


def _row_values(entry: CatalogEntry, version: str, position: int) -> dict[str, Any]:
    return {
        "name": entry.name,
        "category": entry.category,
        "service_kind": entry.service_kind,
        "pick_when": entry.pick_when,
        "conditions": entry.conditions,
        "materials": [material.model_dump(exclude_none=True) for material in entry.materials],
        "steps": list(entry.steps),
        "time_limit_days": entry.time_limit_days,
        "time_limit_basis": entry.time_limit_basis,
        "acceptance_days": entry.acceptance_days,
        "progress_interval_days": entry.progress_interval_days,
        "lead_department": entry.lead_department,
        "co_departments": list(entry.co_departments),
        "legal_basis": entry.legal_basis,
        "sort_order": position,
        "active": True,
        "catalog_version": version,
    }


def _assign_changed(matter: Matter, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(matter, key) != value:
            setattr(matter, key, value)
            changed = True
    return changed


# ── checking the file ──


class _CatalogHead(BaseModel):
    """The file without its entries, which are checked one by one so that every problem is reported."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=32)
    matters: list[dict[str, Any]] = Field(min_length=1)


def _validate_entries(items: list[dict[str, Any]]) -> tuple[list[CatalogEntry], list[str]]:
    entries: list[CatalogEntry] = []
    problems: list[str] = []
    for index, item in enumerate(items, start=1):
        code = item.get("code")
        where = f"事项 {code}" if isinstance(code, str) and code else f"第{index}个事项（没有填 code）"
        try:
            entry = CatalogEntry.model_validate(item)
        except ValidationError as exc:
            problems.extend(_describe(error, where) for error in exc.errors())
            continue
        entries.append(entry)
        problems.extend(_check_entry(entry))
    counts = Counter(code for item in items if isinstance(code := item.get("code"), str))
    for code, count in counts.items():
        if count > 1:
            problems.append(f"事项 {code} 的 code（编码）重复出现 {count} 次，每个事项的编码必须不同")
    names = Counter((entry.category, entry.name) for entry in entries)
    for (category, name), count in names.items():
        if count > 1:
            problems.append(f"救助类别“{category.value}”下有 {count} 个事项都叫“{name}”，居民分不清，请改成不同的名称")
    if UNDECIDED_CODE not in counts:
        problems.append(f"缺少事项 {UNDECIDED_CODE}（待帮办员确认）：居民说不清要办什么时要用到它")
    return entries, problems


def _check_entry(entry: CatalogEntry) -> list[str]:
    where = f"事项 {entry.code}"
    if entry.code == UNDECIDED_CODE:
        if entry.category is not AssistanceCategory.UNDECIDED:
            return [f"{where} 的 category（救助类别）必须是“{AssistanceCategory.UNDECIDED.value}”"]
        return []
    if entry.category is AssistanceCategory.UNDECIDED:
        return [f"{where} 的 category（救助类别）“{entry.category.value}”只能用于事项 {UNDECIDED_CODE}"]
    problems = []
    prefix = f"{CATEGORY_SLUGS[entry.category]}-{KIND_SLUGS[entry.service_kind]}"
    if entry.code != prefix and not entry.code.startswith(prefix + "-"):
        problems.append(
            f"{where} 的 code（编码）与救助类别、服务类型不一致："
            f"{entry.category.value}、{entry.service_kind.value}的编码应为 {prefix}"
            f"（同类再加事项时写 {prefix}-2）"
        )
    if not entry.materials:
        problems.append(f"{where} 的 materials（材料清单）不能为空，至少写明要带的证件")
    return problems


# ── turning pydantic's errors into something the person editing the file can act on ──

_FIELD_LABELS = {
    "version": "版本号",
    "matters": "事项列表",
    "code": "编码",
    "name": "名称",
    "category": "救助类别",
    "service_kind": "服务类型",
    "pick_when": "什么情况选这一项",
    "conditions": "办理条件",
    "materials": "材料清单",
    "steps": "办理步骤",
    "time_limit_days": "办结时限",
    "time_limit_basis": "时限依据",
    "acceptance_days": "受理时限",
    "progress_interval_days": "进度反馈间隔",
    "lead_department": "牵头部门",
    "co_departments": "配合部门",
    "legal_basis": "办理依据",
    "form": "原件或复印件",
    "copies": "份数",
    "issuer": "出具单位",
    "note": "备注",
}

# What to write, for fields whose purpose the label alone does not make clear.
_FIELD_HINTS = {
    "pick_when": "用一句大白话告诉居民什么情况选这一项，"
                 "例如“已经在自己申请，只需要帮忙填表、复印、送材料的，选这一项。”",
    "time_limit_basis": "写明办结时限出自哪项政策（文件名和文号），县里自己定的写“县里设定”",
}

_ALLOWED_VALUES = {
    "category": [category.value for category in AssistanceCategory],
    "service_kind": [kind.value for kind in ServiceKind],
    "form": list(MATERIAL_FORMS),
}


def _report(path: Path, problems: list[str]) -> str:
    return f"事项目录文件 {path.name} 有 {len(problems)} 处需要修改：\n" + "\n".join(
        f"{number}. {problem}" for number, problem in enumerate(problems, start=1)
    )


def _describe(error: ErrorDetails, subject: str) -> str:
    for part in error["loc"]:
        if isinstance(part, int):
            subject += f"第{part + 1}项"
        else:
            label = _FIELD_LABELS.get(part)
            subject += " 的 " if subject[-1].isascii() else "的 "
            subject += f"{part}（{label}）" if label else f"{part} "
    field = next((part for part in reversed(error["loc"]) if isinstance(part, str)), None)
    return subject + _problem(error, field)


def _problem(error: ErrorDetails, field: str | None) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    hint = _FIELD_HINTS.get(field or "")
    if kind == "missing":
        return f"没有填写：{hint}" if hint else "没有填写"
    if kind == "extra_forbidden":
        return "不是事项目录的字段，请检查拼写"
    if kind in ("enum", "literal_error"):
        allowed = "、".join(_ALLOWED_VALUES.get(field or "", []))
        return f"填的是“{given}”，只能填：{allowed}"
    if kind == "greater_than_equal":
        return f"填的是 {given}，不能小于 {ctx.get('ge')}"
    if kind == "string_too_long":
        return f"超过了 {ctx.get('max_length')} 个字"
    if kind in ("string_too_short", "too_short"):
        return f"不能为空：{hint}" if hint else "不能为空"
    if kind == "string_pattern_mismatch":
        return "只能用小写英文字母、数字和连字符，例如 linshi-zhengwu"
    if kind.startswith("int_"):
        return f"要填整数（不加引号），现在填的是“{given}”"
    if kind == "string_type":
        return "要填文字（加英文双引号）"
    if kind == "dict_type":
        return "要写成以 [[matters]] 开头的一段"
    if kind == "list_type":
        return "要填成列表（用方括号括起来）"
    return f"填写有误（{error['msg']}）"
