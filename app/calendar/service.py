"""Working-day arithmetic on China's official calendar.

``chinese_calendar`` knows statutory holidays and swapped workdays up to its last published year.
The county's overrides (``bangban calendar set``) win over it. Past its last year the statutory
holidays are computed from the national rules (``statutory``), without the swapped workdays that only
the State Council's notice fixes; until the county enters a day of such a year, a deadline counted
through it is provisional and the calendar says so (``fell_back``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendar.statutory import statutory_holidays
from app.errors import InvalidInput
from app.models import CalendarOverride, DayKind

_LAST_KNOWN_YEAR: int = max(day.year for day in chinese_calendar.holidays)


@dataclass
class WorkCalendar:
    overrides: dict[date, DayKind] = field(default_factory=dict)
    # Set when a day of a year neither the library nor the county has entered was counted.
    fell_back: bool = False
    entered_years: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        self.entered_years = frozenset(day.year for day in self.overrides)

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.scalars(select(CalendarOverride)).all()
        return cls(overrides={row.day: row.kind for row in rows})

    def is_workday(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override is DayKind.WORKDAY
        if day.year > _LAST_KNOWN_YEAR:
            if not self.is_known(day.year):
                self.fell_back = True
            return day.weekday() < 5 and day not in statutory_holidays(day.year)
        return bool(chinese_calendar.is_workday(day))

    def is_known(self, year: int) -> bool:
        """The library has the year, or the county has entered the State Council's notice for it: entering
        any day of a year counts, and the statutory holidays stay days off (``statutory``)."""
        return year <= _LAST_KNOWN_YEAR or year in self.entered_years

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how far ``end`` is past ``start``."""
        if end <= start:
            return 0
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(n)))


def last_known_year() -> int:
    return _LAST_KNOWN_YEAR


def set_override(session: Session, day: date, kind: str, note: str | None = None) -> CalendarOverride:
    try:
        day_kind = DayKind(kind)
    except ValueError:
        raise InvalidInput("kind", "日期类型只能是 holiday（放假）或 workday（调休上班）") from None
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, kind=day_kind, note=note)
        session.add(row)
    else:
        row.kind = day_kind
        row.note = note
    session.flush()
    return row


def coverage_warning(session: Session, today: date) -> str | None:
    """Said when deadlines can already reach a year the calendar library does not know and the
    county has entered no days for it: those deadlines count every Monday to Friday as working."""
    next_year = today.year + 1
    if next_year <= _LAST_KNOWN_YEAR:
        return None
    entered = session.scalar(select(CalendarOverride.day).where(CalendarOverride.day >= date(next_year, 1, 1))
                             .limit(1))
    if entered is not None:
        return None
    return (f"{next_year} 年的放假安排尚未载入：跨入该年的办理时限暂按法定节假日推算（不含调休），标为暂定。"
            f"请在国务院公布安排后用 bangban calendar set 录入全年的放假和调休上班日（或升级 chinese-calendar）。")
