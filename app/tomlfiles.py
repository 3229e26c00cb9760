"""The one reader of the TOML files staff edit (matter catalog, region tree, template catalog): a file
that cannot be read is refused with one Chinese message naming the file and, for a typo, its line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any


class TomlFileError(ValueError):
    """A TOML file that cannot be used; the message says which file, where, and what to fix."""


# tomllib ends its messages with "(at line L, column C)"; Python 3.14 adds .lineno, 3.11 has only the text.
_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def read_toml(path: Path, what: str, error: type[TomlFileError] = TomlFileError) -> dict[str, Any]:
    """The parsed file. ``what`` names it for people (``事项目录文件``); ``error`` is the subclass of
    ``TomlFileError`` the caller's readers catch."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"找不到{what}：{path}") from None
    except UnicodeDecodeError:
        raise error(f"{what} {path} 不是 UTF-8 编码，请用 UTF-8 保存后再试。") from None
    except OSError as exc:
        raise error(f"{what} {path} 无法读取：{exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        found = _WHERE.search(reason)
        if found is None:
            raise error(f"{what} {path.name} 格式有误：{reason}") from exc
        line, column = found.groups()
        raise error(f"{what} {path.name} 第 {line} 行第 {column} 列格式有误：{reason[:found.start()]}") from exc
