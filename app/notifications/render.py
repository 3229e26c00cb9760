"""The template catalog and turning an outbox row into a WeChat template message.

Values are fitted to the limits of WeChat's category-template field types; the linked page carries
the whole text. Placeholders come from the row's payload (see ``context``).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.clock import CHINA, now
from app.config import Settings, get_settings
from app.notifications.outbox import Kind
from app.tomlfiles import TomlFileError, read_toml

DEMO_CATALOG = Path(__file__).with_name("templates.toml")

FieldType = Literal["thing", "character_string", "phrase", "time", "date", "phone_number", "number", "name",
                    "amount", "const"]
Page = Literal["resident_case", "helper_case", "secretary_case", "secretary", "none"]

# WeChat's limits per category-template field type (characters).
LIMITS: dict[str, int] = {"thing": 20, "character_string": 32, "phrase": 5, "phone_number": 17, "number": 32,
                          "name": 10, "amount": 20, "const": 20}


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z_]+\d+$")
    type: FieldType
    value: str


class TemplateEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    template_id: str = ""
    page: Page = "none"
    fields: list[TemplateField]


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: dict[str, TemplateEntry]

    @model_validator(mode="after")
    def _one_shape_per_template(self) -> Catalog:
        """A WeChat template has one title and one set of keyword fields: kinds that share a template_id
        must agree on both, or WeChat shows one kind's message under another's title with blank fields."""
        first_of: dict[str, tuple[str, TemplateEntry]] = {}
        for kind, entry in self.kinds.items():
            if not entry.template_id:
                continue
            seen = first_of.setdefault(entry.template_id, (kind, entry))
            other_kind, other = seen
            shape = [(f.key, f.type) for f in entry.fields]
            if other.title != entry.title or [(f.key, f.type) for f in other.fields] != shape:
                raise ValueError(
                    f"{other_kind} 和 {kind} 用同一个模板 {entry.template_id}，但标题或字段不同。微信的一个模板只有"
                    "一个标题和一组关键词字段：请给它们各自的模板，或把标题和字段改成一致")
        return self

    def missing_kinds(self) -> list[str]:
        """Notification kinds that have no template: their messages wait until one is configured."""
        return [kind.value for kind in Kind if not (self.kinds.get(kind.value) and self.kinds[kind.value].template_id)]

    def unknown_kinds(self) -> list[str]:
        known = {kind.value for kind in Kind}
        return sorted(name for name in self.kinds if name not in known)


class CatalogError(TomlFileError):
    """The template catalog cannot be used."""


def catalog_path(settings: Settings | None = None) -> Path:
    configured = (settings or get_settings()).template_catalog
    return Path(configured) if configured else DEMO_CATALOG


@lru_cache
def _load(path: str, mtime: float) -> Catalog:
    data = read_toml(Path(path), "模板目录", CatalogError)
    try:
        return Catalog.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"模板目录 {path} 的 {where} 有误：{first['msg']}") from exc


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or catalog_path()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise CatalogError(f"找不到模板目录 {path}") from exc
    return _load(str(path), mtime)


# For a thing field beside a due date: WeChat's time and date fields take nothing but the date, so a
# date counted through holidays the State Council has not yet published is marked here instead.
DUE_NOTES = {True: "暂定，以国务院公布的放假安排为准", False: "按工作日计算，节假日顺延"}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _time_text(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        local = value.astimezone(CHINA) if value.tzinfo else value
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return ""


def _list_within(items: list[str], limit: int) -> str:
    """As many whole items as fit, then "等N项" so the reader knows the page lists them all."""
    if not items:
        return ""
    whole = "、".join(items)
    if len(whole) <= limit:
        return whole
    if len(items) == 1:
        return shorten(whole, limit)
    suffix = f"等{len(items)}项"
    for count in range(len(items) - 1, 0, -1):
        text = "、".join(items[:count]) + suffix
        if len(text) <= limit:
            return text
    return shorten(items[0], limit - len(suffix)) + suffix


# An internal code: lowercase ASCII words joined by "-" or "_" ("dibao-zhengwu", "in_progress", "undecided").
_CODE = re.compile(r"^[a-z]+(?:[-_][a-z0-9]+)*$")


def matter_label(payload: dict[str, Any]) -> str:
    """The matter as residents and staff read it: its name in the catalog ("临时救助申请"), or its
    category when a payload has no name; never its code."""
    for key in ("matter", "category"):
        value = str(payload.get(key) or "").strip()
        if value and not _CODE.match(value):
            return value
    return "帮办代办"


def progress_text(event: dict[str, Any]) -> str:
    """What a progress notice reports: the helper's words, or where the papers went."""
    if event.get("text"):
        return str(event["text"])
    if event.get("window_name"):
        return f"材料已送到{event['window_name']}"
    return ""


def _readable(values: dict[str, Any]) -> dict[str, str]:
    """The values a message may show: text and numbers, never an internal code (a status, a matter code)."""
    return {k: str(v) for k, v in values.items()
            if isinstance(v, str | int) and not (isinstance(v, str) and _CODE.match(v))}


def context(payload: dict[str, Any]) -> dict[str, str]:
    """Placeholders a template value may use: the payload's values over its event's details (which
    name the matter by its code), and the values worked out below."""
    event = payload.get("event") or {}
    missing = [str(m) for m in event.get("missing_materials") or []]
    handed_back = [str(m) for m in event.get("handover_materials") or []]
    values: dict[str, Any] = {
        **_readable(event),
        **_readable(payload),
        "matter": matter_label(payload),
        "missing": _list_within(missing, LIMITS["thing"]),
        # Beside "交还" and the receiver's name in one thing field: the materials get what is left of it.
        "handed_back": _list_within(handed_back, LIMITS["thing"] - 8),
        "handed_back_all": "、".join(handed_back),
        "progress": progress_text(event),
        "urgency": payload.get("urgency") or "一般",
        "stage": "已送窗口" if event.get("window_name") else "办理中",
        "extension_outcome": "同意延期" if event.get("approved") else "不同意延期",
        "due_note": DUE_NOTES[bool(payload.get("deadline_provisional"))],
        "now": _time_text(now()),
    }
    for key in ("submitted_at", "acceptance_due_on", "due_on", "completed_at", "deadline", "rectification_due_on",
                "created_at", "requested_at"):
        source = payload.get(key) or event.get(key)
        values[key] = _time_text(source) if source else ""
    if not values["completed_at"] and event.get("replied_at"):
        # Written at completion: the case is completed when the resident is given the reply.
        values["completed_at"] = _time_text(event["replied_at"])
    return _Blank({k: str(v) for k, v in values.items() if v is not None})


# Never cut inside one of these: a number ("2000", "3.5"), an ASCII word, a case number ("DJ2026-000023").
_UNBREAKABLE = re.compile(r"[A-Za-z0-9]+(?:[-./:,][A-Za-z0-9]+)*")
_DANGLING = " ，、,;；:：·—-（("
_PAUSES = " ，。；、：！？,;:!?"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters. A longer text keeps what fits before a "…", cut
    never inside a number, an ASCII word or a case number, and without punctuation left dangling."""
    if len(text) <= limit:
        return text
    room = limit - 1
    cut = room
    for token in _UNBREAKABLE.finditer(text):
        if token.start() < room < token.end():
            cut = token.start()
            break
    head = text[:cut]
    # A clause or word that ends near the cut is a better place to stop than inside the next one.
    pause = max(head.rfind(mark) for mark in _PAUSES)
    if pause * 4 >= room * 3:
        head = head[:pause]
    head = head.rstrip(_DANGLING)
    # Only a single token longer than the whole field is cut inside.
    return (head or text[:room]) + "…"


def fit(value: str, field_type: str) -> str:
    """Shorten a value to what WeChat accepts for the field type."""
    value = " ".join(value.split())
    if field_type in ("time", "date"):
        return value
    if field_type == "character_string":
        value = re.sub(r"[^\x21-\x7e]", "", value)
        return value[:32]
    if field_type in ("phone_number",):
        return re.sub(r"[^\d+\-]", "", value)[:17]
    if field_type == "number":
        return re.sub(r"[^\d.]", "", value)[:32]
    limit = LIMITS.get(field_type, 20)
    if field_type == "phrase":
        # Up to five Chinese characters without punctuation, so no room for a "…": the catalog's fit.
        return value[:limit]
    return shorten(value, limit)


@dataclass(frozen=True)
class Rendered:
    template_id: str
    data: dict[str, str]
    url: str | None


# Who can open each page. A message links only a page its recipient can open: township staff have no
# pages yet, so what they receive names the case instead.
PAGE_READERS: dict[Page, frozenset[str]] = {
    "resident_case": frozenset({"resident"}),
    "helper_case": frozenset({"helper", "secretary"}),
    "secretary_case": frozenset({"secretary"}),
    "secretary": frozenset({"secretary"}),
    "none": frozenset(),
}


def page_path(page: Page, entrustment_id: int | None) -> str | None:
    if page == "resident_case" and entrustment_id:
        return f"/h5/cases/{entrustment_id}"
    if page == "helper_case" and entrustment_id:
        return f"/h5/helper/cases/{entrustment_id}"
    if page == "secretary_case" and entrustment_id:
        return f"/h5/secretary/cases/{entrustment_id}"
    if page in ("secretary", "secretary_case"):
        return "/h5/secretary"
    return None


def render(catalog: Catalog, kind: str, payload: dict[str, Any], entrustment_id: int | None,
           settings: Settings | None = None, recipient_kind: str | None = None) -> Rendered | None:
    """The message for one outbox row, or None when the catalog has no template for its kind."""
    settings = settings or get_settings()
    entry = catalog.kinds.get(kind)
    if entry is None or not entry.template_id:
        return None
    values = context(payload)
    formatter = string.Formatter()
    data = {f.key: fit(formatter.vformat(f.value, (), values), f.type) for f in entry.fields}
    opens = recipient_kind is None or recipient_kind in PAGE_READERS[entry.page]
    path = page_path(entry.page, entrustment_id) if opens else None
    # The page's sign-in entry starts WeChat's snsapi_base authorisation and returns to the page.
    url = f"{settings.public_base_url}/h5/auth?next={quote(path, safe='')}" if path is not None else None
    return Rendered(entry.template_id, data, url)
