"""The cases the ledger tests print, written straight as rows: the ledger reads what the use cases stamped."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.models import (
    AuthorisationKind,
    Channel,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Helper,
    Matter,
    RatingLevel,
    RatingSource,
    Rectification,
    RectificationStatus,
    Region,
)
from tests.factories import china_time, create_resident


def case(session: Session, village: Region, matter: Matter, name: str, submitted: str, *,
         helper: Helper | None = None, status: EntrustmentStatus = EntrustmentStatus.SUBMITTED,
         **stamps: Any) -> Entrustment:
    """A case of ``name`` submitted at ``submitted`` (China time); stamps in China time as ``"2026-11-23T09:30"``."""
    resident = create_resident(session, village, name)
    values = {key: china_time(value) if key.endswith("_at") and isinstance(value, str) else value
              for key, value in stamps.items()}
    row = Entrustment(village_id=village.id, matter_id=matter.id, resident_id=resident.id,
                      helper_id=helper.id if helper else None, resident_name=name, contact_phone="13800138000",
                      description="家里困难，请帮忙申请", channel=Channel.WECHAT,
                      authorisation_kind=AuthorisationKind.WECHAT_CONFIRMATION, status=status,
                      submitted_at=china_time(submitted), time_limit_days=matter.time_limit_days, **values)
    session.add(row)
    session.flush()
    return row


def rate(session: Session, case: Entrustment, level: RatingLevel,
         rectification: RectificationStatus | None = None) -> None:
    evaluation = Evaluation(entrustment_id=case.id, level=level, source=RatingSource.RESIDENT)
    session.add(evaluation)
    session.flush()
    if rectification is not None:
        session.add(Rectification(entrustment_id=case.id, evaluation_id=evaluation.id, status=rectification,
                                  due_on=date(2026, 12, 25)))
        session.flush()
