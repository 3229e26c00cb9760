"""Which cases a ledger holds: a period of China dates, and the plan's quarters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.clock import CHINA
from app.errors import InvalidInput

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` inclusive, in China; an open end reaches as far as the cases do."""

    first: date | None = None
    last: date | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.first and self.last and self.first > self.last:
            raise InvalidInput("period", f"起始日期 {self.first} 晚于截止日期 {self.last}。")

    @property
    def starts(self) -> datetime | None:
        return datetime.combine(self.first, time(), CHINA) if self.first else None

    @property
    def ends(self) -> datetime | None:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), CHINA) if self.last else None

    def as_details(self) -> dict[str, str | None]:
        return {"from": self.first.isoformat() if self.first else None,
                "to": self.last.isoformat() if self.last else None}


def quarter(text: str) -> Period:
    """``2026Q4`` → 2026-10-01 to 2026-12-31, labelled 2026年第4季度."""
    match = _QUARTER.match(text.strip())
    if match is None:
        raise InvalidInput("quarter", f"季度「{text}」格式不对，应为如 2026Q4。")
    year, number = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * number - 2, 1)
    last = (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) - timedelta(days=1)
    return Period(first, last, f"{year}年第{number}季度")
