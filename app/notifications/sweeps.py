"""What the worker's scheduled sweeps report. The domains' sweeps live with their domains (the quarterly
report's in ``app.ledgers.sweeps``); the worker gets them all from ``app.worker``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session


@dataclass
class SweepReport:
    warnings: int = 0
    overdue: int = 0
    escalations: int = 0
    reminders: int = 0
    archived: int = 0
    digests: int = 0
    quarterly: int = 0
    pruned: int = 0


Sweep = Callable[[Session, date, SweepReport], None]
