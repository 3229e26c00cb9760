"""The one source of "now", so sweeps and deadlines can be tested with the clock moved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def today() -> date:
    """Today in China, where every deadline is counted."""
    return now().astimezone(CHINA).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def move(delta: timedelta) -> None:
    """Shift the clock (tests and the demo's time travel only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
