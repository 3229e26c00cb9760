"""One TOML reader: every file staff edit is refused the same way, naming the file and the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.matters.catalog import MatterCatalogError, load_catalog
from app.notifications.render import CatalogError as TemplateCatalogError
from app.notifications.render import load_catalog as load_templates
from app.regions.tree import RegionTreeError, read_region_tree
from app.tomlfiles import TomlFileError, read_toml

BROKEN = 'version = "2026.1"\n\n[[matters]\ncode = "x"\n'


def test_a_typo_is_refused_naming_the_file_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(TomlFileError) as raised:
        read_toml(path, "事项目录文件")
    assert str(raised.value).startswith("事项目录文件 catalog.toml 第 3 行")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TomlFileError, match="找不到区划文件"):
        read_toml(tmp_path / "nowhere.toml", "区划文件")


@pytest.mark.parametrize(("load", "refusal"), [
    (load_catalog, MatterCatalogError),
    (read_region_tree, RegionTreeError),
    (load_templates, TemplateCatalogError),
])
def test_each_file_staff_edit_is_read_by_the_one_reader(
        tmp_path: Path, load: Callable[[Path], Any], refusal: type[TomlFileError]) -> None:
    path = tmp_path / "edited.toml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(refusal, match="edited.toml 第 3 行"):
        load(path)
