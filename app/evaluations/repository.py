"""Queries on evaluations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload

from app.models import Entrustment, Evaluation, Rectification, RectificationStatus


def for_case(session: Session, entrustment_id: int) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.entrustment_id == entrustment_id))


def rectification(session: Session, rectification_id: int) -> Rectification | None:
    return session.get(Rectification, rectification_id)


def open_rectifications(session: Session, scope: ColumnElement[bool]
                        ) -> Sequence[tuple[Rectification, Entrustment, Evaluation]]:
    rows = session.execute(
        select(Rectification, Entrustment, Evaluation)
        .join(Entrustment, Entrustment.id == Rectification.entrustment_id)
        .join(Evaluation, Evaluation.id == Rectification.evaluation_id)
        .options(joinedload(Entrustment.village))
        .where(Rectification.status == RectificationStatus.OPEN, scope)
        .order_by(Rectification.due_on, Rectification.id)
    ).all()
    return list(rows)
