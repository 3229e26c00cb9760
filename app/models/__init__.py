"""All models, imported here so ``Base.metadata`` is complete for Alembic."""

from app.models.apikey import ApiKey, Role
from app.models.archive import CaseArchive
from app.models.audit import AuditEntry, AuditOutcome
from app.models.base import Base
from app.models.calendar import CalendarOverride, DayKind
from app.models.casework import Attachment, AttachmentKind, CallTask, Visit, VisitReason
from app.models.complaint import Complaint, ComplaintStatus
from app.models.dashboard import DashboardDayCount, DashboardRollup
from app.models.entrustment import (
    AuthorisationKind,
    Channel,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    Handover,
    ProgressNote,
    Queue,
    TerminationCause,
)
from app.models.evaluation import Evaluation, RatingLevel, RatingSource, Rectification, RectificationStatus
from app.models.helper import Helper, HelperCategory
from app.models.matter import AssistanceCategory, Matter, ServiceKind
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.region import Region, RegionLevel, RegionName
from app.models.report import QuarterlyReport
from app.models.resident import Resident
from app.models.staff import StaffMember
from app.models.wechat import AccessToken, BindToken, ConversationState, InboundMessage
from app.models.weekly_check import WeeklyCheck as WeeklyCheck

__all__ = [
    "AccessToken", "ApiKey", "Attachment", "AttachmentKind", "CallTask", "Visit",
    "VisitReason", "AssistanceCategory", "AuditEntry", "AuditOutcome", "AuthorisationKind", "Base",
    "BindToken", "CalendarOverride", "CaseArchive", "Channel", "Complaint", "ComplaintStatus", "ConversationState",
    "DashboardDayCount", "DashboardRollup", "DayKind", "Entrustment", "EntrustmentEvent", "EntrustmentStatus",
    "Evaluation", "Handover",
    "Helper", "HelperCategory", "InboundMessage", "Matter", "OutboxMessage", "OutboxStatus",
    "ProgressNote", "QuarterlyReport", "Queue", "RatingLevel", "RatingSource", "Rectification",
    "RectificationStatus", "Region", "RegionLevel", "RegionName", "Resident", "Role", "ServiceKind", "StaffMember",
    "TerminationCause",
]
