"""The charting library is the app's own copy, of the version the pages ask for, shipped with its licence."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from pathlib import Path

from app.console.pages import CHART_JS
from app.web.pages import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"
ROOT = Path(__file__).resolve().parents[2]


def test_the_pages_ask_for_the_version_that_is_vendored() -> None:
    banner = (VENDOR / "chart.umd.min.js").read_text(encoding="utf-8")[:200]
    version = re.search(r"Chart\.js v(\d+\.\d+\.\d+)", banner)
    assert version is not None
    assert CHART_JS.startswith("/h5/static/vendor/chart.umd.min.js?v=") and CHART_JS.endswith(f"={version.group(1)}")
    notes = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert f"| {version.group(1)} |" in notes
    assert hashlib.sha256((VENDOR / "chart.umd.min.js").read_bytes()).hexdigest() in notes


def test_the_licence_is_beside_it() -> None:
    assert "Chart.js Contributors" in (VENDOR / "chart.js-LICENSE.md").read_text(encoding="utf-8")


def test_the_package_ships_every_vendored_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["*"]
    for path in (found for found in VENDOR.rglob("*") if found.is_file()):  # swagger-ui/ too
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path.name
