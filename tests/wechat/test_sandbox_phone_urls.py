"""What ``./dev run`` prints before serving: the sandbox phone first, with a line per demo person."""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.demo_people import DEMO_PEOPLE

ROOT = Path(__file__).resolve().parents[2]


def printed_urls(base: str) -> str:
    """``print_demo_urls`` of ``dev``, run on its own (the rest of the script sets up and serves)."""
    script = (ROOT / "dev").read_text(encoding="utf-8")
    start = script.index("print_demo_urls() {")
    function = script[start:script.index("\n}\n", start) + 3]
    done = subprocess.run(["bash", "-c", f'VENV=.venv\n{function}\nprint_demo_urls "$1"', "dev", base], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_dev_run_prints_the_phone_with_a_line_per_person_the_tour_console_and_api_docs() -> None:
    out = printed_urls("http://127.0.0.1:8000")

    for person in DEMO_PEOPLE:
        assert f"{person.label}：http://127.0.0.1:8000/sandbox/?as={person.openid}\n" in out
    for address in ("/sandbox/", "/tour/", "/console/", "/api/docs"):
        assert f"http://127.0.0.1:8000{address}\n" in out, address
    assert "demo-console-2026" in out and "县民政局管理员" in out
    assert "无痕" not in out and "private window" not in out  # switching person needs no new window
