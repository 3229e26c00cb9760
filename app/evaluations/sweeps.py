"""The evaluations' scheduled sweep: a rectification past its deadline goes to the township task
force, once per rectification."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.entrustments import repository
from app.entrustments.sweeps import case_payload, tell_township
from app.models import Rectification, RectificationStatus
from app.notifications.sweeps import SweepReport


def overdue_rectifications(session: Session, today: date, report: SweepReport) -> None:
    overdue = session.scalars(select(Rectification).where(Rectification.status == RectificationStatus.OPEN,
                                                          Rectification.due_on < today)).all()
    for rectification in overdue:
        case = repository.get(session, rectification.entrustment_id, true())
        if case is None:
            continue
        payload = case_payload(case, "rectification", rectification.due_on)
        report.escalations += tell_township(session, case.village.parent_id,
                                            f"rectification:{rectification.id}", payload, case.id)
