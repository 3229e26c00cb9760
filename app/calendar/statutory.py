"""A year's statutory holidays by the national rules, for the years ``chinese_calendar`` does not know.

《全国年节及纪念日放假办法》 (as revised in 2024, in force from 2025) gives 13 days: 元旦 1 (1 January),
春节 4 (除夕 to 初三), 清明 1 (the Qingming solar term), 劳动节 2 (1–2 May), 端午 1 (5th day of the 5th
lunar month), 中秋 1 (15th day of the 8th lunar month) and 国庆 3 (1–3 October). They are always days
off, so they stay holidays whatever the State Council's yearly notice says; the notice's bridge days
and the weekend days it swaps for working days cannot be computed and are not guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

import chinese_calendar  # type: ignore[import-untyped]
from lunar_python import Lunar  # type: ignore[import-untyped]


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    """The Qingming solar term, 4 or 5 April, by the 寿星 formula with its published corrections as
    ``chinese_calendar`` implements it (valid 1900–2100)."""
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    found: date = next(day for day, name in terms if name == "清明")
    return found


@cache
def statutory_holidays(year: int) -> Mapping[date, str]:
    """Each statutory holiday of ``year`` and its festival (a day that is two festivals, such as
    中秋 on 3 October 2028, is one day off)."""
    new_year = _lunar(year, 1, 1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    days.update({new_year + timedelta(days=n): "春节" for n in range(-1, 3)})
    days[_qingming(year)] = "清明节"
    days.update({date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"})
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    days.update({date(year, 10, n): "国庆节" for n in (1, 2, 3)})
    return MappingProxyType(days)
