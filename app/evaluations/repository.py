"""Queries on evaluations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Evaluation


def for_case(session: Session, entrustment_id: int) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.entrustment_id == entrustment_id))
