"""A WeChat template has one title and one set of keyword fields, so the catalog refuses two notification
kinds that share a template id but not its title or fields: WeChat would show one kind's message under the
other's title, with the fields it does not have left blank."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.notifications.render import DEMO_CATALOG, CatalogError, load_catalog

ENTRY = """
[kinds.{kind}]
title = "{title}"
template_id = "{template_id}"
page = "helper_case"
fields = [
  {{ key = "thing1", type = "thing", value = "{{resident_name}} {{matter}}" }},
  {{ key = "{second}", type = "time", value = "{{now}}" }},
]
"""


def catalog(tmp_path: Path, *entries: dict[str, str]) -> Path:
    path = tmp_path / "templates.toml"
    path.write_text("".join(ENTRY.format(**{"second": "time2", **entry}) for entry in entries), encoding="utf-8")
    return path


def test_kinds_sharing_a_template_must_share_its_title(tmp_path: Path) -> None:
    path = catalog(tmp_path, {"kind": "helper_new_case", "title": "新工单提醒", "template_id": "T1"},
                   {"kind": "helper_extension_decided", "title": "工单处理提醒", "template_id": "T1"})
    with pytest.raises(CatalogError, match="helper_new_case 和 helper_extension_decided 用同一个模板 T1"):
        load_catalog(path)


def test_kinds_sharing_a_template_must_share_its_fields(tmp_path: Path) -> None:
    path = catalog(tmp_path, {"kind": "helper_overdue", "title": "超期提醒", "template_id": "T2"},
                   {"kind": "township_escalation", "title": "超期提醒", "template_id": "T2", "second": "time3"})
    with pytest.raises(CatalogError, match="标题或字段不同"):
        load_catalog(path)


def test_kinds_may_share_a_template_of_the_same_shape(tmp_path: Path) -> None:
    path = catalog(tmp_path, {"kind": "helper_overdue", "title": "超期提醒", "template_id": "T3"},
                   {"kind": "secretary_escalation", "title": "超期提醒", "template_id": "T3"})
    assert load_catalog(path).kinds["secretary_escalation"].template_id == "T3"


def test_the_demo_catalog_gives_each_template_one_shape() -> None:
    shapes: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for entry in load_catalog(DEMO_CATALOG).kinds.values():
        shape = (entry.title, [(f.key, f.type) for f in entry.fields])
        assert shapes.setdefault(entry.template_id, shape) == shape
    assert len(shapes) > 20
