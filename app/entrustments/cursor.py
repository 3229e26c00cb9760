"""A place in a list of cases ordered newest first: the last case's entrusting time and id.

Lists page by it rather than by an offset: the next page starts where the last one ended however many cases
come before it (an index range, not a count of skipped rows), and two cases entrusted at the same instant are
told apart by their id, so every case appears exactly once across the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, tuple_

from app.errors import InvalidInput
from app.models import Entrustment

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TEXT = re.compile(r"^(\d{1,17})-(\d{1,10})$")


@dataclass(frozen=True)
class Cursor:
    submitted_at: datetime
    id: int

    @classmethod
    def after(cls, case: Entrustment) -> Cursor:
        return cls(case.submitted_at, case.id)

    def encode(self) -> str:
        return f"{(self.submitted_at - _EPOCH) // _MICROSECOND}-{self.id}"

    @classmethod
    def decode(cls, text: str, *, field: str, message: str) -> Cursor:
        match = _TEXT.match(text.strip())
        if match is None:
            raise InvalidInput(field, message)
        return cls(_EPOCH + int(match.group(1)) * _MICROSECOND, int(match.group(2)))

    def older(self) -> ColumnElement[bool]:
        """The cases after this place in the newest-first order."""
        return tuple_(Entrustment.submitted_at, Entrustment.id) < tuple_(self.submitted_at, self.id)
