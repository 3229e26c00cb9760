"""Declarative base, naming convention and the column types every model shares."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Dialect, Enum, MetaData, String, Text, TypeDecorator, bindparam
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute

from app import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Column defaults read the one clock, so a moved clock moves them too."""
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Encrypted:
    """Marks the column types whose values are encrypted with the data key (``bangban data rotate-key``
    finds the columns to rewrite by it). Stored as ``<key id>.<token>`` (``app.privacy``)."""


class EncryptedString(Encrypted, TypeDecorator[str]):
    """Personal data encrypted at rest with BANGBAN_DATA_KEY (Fernet)."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        from app.privacy import encrypt

        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        from app.privacy import decrypt

        return None if value is None else decrypt(value)


class EncryptedText(EncryptedString):
    """Free text that may name people, phones or circumstances (notes, reasons, complaints), encrypted."""

    impl = Text()
    cache_ok = True


class EncryptedJSON(Encrypted, TypeDecorator[Any]):
    """A JSON document encrypted as a whole: nothing inside it can be queried by the database."""

    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        from app.privacy import encrypt

        return None if value is None else encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        from app.privacy import decrypt

        return None if value is None else json.loads(decrypt(value))


def str_enum(enum_class: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum by its value as a plain string column (no native PostgreSQL type)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )



def among(column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (...)`` with one ordinary parameter per value. ``in_`` with a list binds one "expanding"
    parameter that is rewritten into the SQL at every execution; for a fixed set of values in a statement built
    once (the callback's hot path) that rewriting is pure cost."""
    return column.in_([bindparam(None, value, type_=column.type) for value in sorted(values)])
