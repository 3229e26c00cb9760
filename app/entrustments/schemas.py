"""Input and output shapes of the entrustment API; validation messages are in Chinese."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.models import Channel, EntrustmentStatus, Queue, RatingLevel, RatingSource, TerminationCause
from app.privacy import id_number_is_valid, normalize_phone, phone_is_valid


def _phone(value: str) -> str:
    value = normalize_phone(value)
    if not phone_is_valid(value):
        raise ValueError("不是有效的手机号或固定电话（例如 13800000000 或 023-74221234）")
    return value


def _id_number(value: str) -> str:
    value = value.strip().upper()
    if not id_number_is_valid(value):
        raise ValueError("身份证号码不正确，请核对最后一位校验码和出生日期")
    return value


def _naive_is_china(value: datetime) -> datetime:
    if value.tzinfo is None:
        from app.clock import CHINA

        return value.replace(tzinfo=CHINA)
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_phone)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=18), AfterValidator(_id_number)]
Moment = Annotated[datetime, AfterValidator(_naive_is_china)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmitIn(Strict):
    village_code: Annotated[Text, Field(min_length=1, max_length=12)]
    matter_code: Annotated[Text, Field(min_length=1, max_length=32)]
    resident_name: Annotated[Text, Field(min_length=1, max_length=32)]
    contact_phone: Phone
    description: Annotated[Text, Field(min_length=1, max_length=1000)]
    channel: Channel
    for_family: bool | None = Field(default=None, description="为家人代办；不填时看是否填了家人姓名或关系")
    beneficiary_name: Annotated[Text, Field(max_length=32)] | None = None
    beneficiary_relation: Annotated[Text, Field(max_length=16)] | None = None
    resident_openid: Annotated[Text, Field(max_length=64)] | None = None
    resident_id_number: IdNumber | None = None
    authorisation_ref: Annotated[Text, Field(max_length=255)] | None = None
    remark: Annotated[Text, Field(max_length=500)] | None = None


class VersionIn(Strict):
    version: int | None = Field(default=None, description="办件版本号；提供时与当前不一致则返回 409")


class AcceptIn(VersionIn):
    matter_code: Annotated[Text, Field(max_length=32)] | None = Field(
        default=None, description="确认后的办理事项；委托时选了“不清楚”（待帮办员确认）的必须填写")


class RequestSupplementIn(VersionIn):
    missing_materials: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(max_length=30)
    note: Annotated[Text, Field(max_length=500)] | None = None


class SupplementIn(VersionIn):
    materials: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(default_factory=list,
                                                                                   max_length=30)
    note: Annotated[Text, Field(max_length=500)] | None = None


class DeclineIn(VersionIn):
    reason: Annotated[Text, Field(max_length=500)]


class ForwardIn(VersionIn):
    window_name: Annotated[Text, Field(max_length=128)]
    forwarded_on: date | None = None


class ProgressIn(VersionIn):
    text: Annotated[Text, Field(max_length=500)]


class CompleteIn(VersionIn):
    result: Annotated[Text, Field(max_length=500)]
    replied_at: Moment
    proof_reference: Annotated[Text, Field(max_length=64)] | None = Field(
        default=None, description="窗口受理编号或决定书文号；没有照片作证明时必须填写")


class EvaluateIn(VersionIn):
    level: RatingLevel | None = None
    source: RatingSource | None = None
    comment: Annotated[Text, Field(max_length=500)] | None = None


class RequestTerminationIn(VersionIn):
    reason: Annotated[Text, Field(max_length=500)]
    confirmed: bool = Field(description="委托人明确确认终止；必须为 true")
    cause: TerminationCause = TerminationCause.RESIDENT_REQUEST


class TerminationStatementIn(VersionIn):
    """For a resident without WeChat: the helper records their signed statement (photos of it, or a signature
    drawn on the helper's phone); the village secretary confirms it before the case can end."""

    cause: TerminationCause | None = None
    reason: Annotated[Text, Field(max_length=500)]


class ConfirmTerminationIn(VersionIn):
    note: Annotated[Text, Field(max_length=500)] | None = None


class CloseSupplementIn(VersionIn):
    note: Annotated[Text, Field(max_length=500)] | None = Field(
        default=None, description="帮办员认为已交的材料够用时说明理由")


class AllowSecondSupplementIn(VersionIn):
    reason: Annotated[Text, Field(max_length=500)] = Field(description="为什么要第二次告知补正（偏离一次性告知）")


class ExtensionIn(VersionIn):
    days: int | None = Field(default=None, ge=1, le=60, description="延长的工作日数")
    reason: Annotated[Text, Field(max_length=500)]
    basis: Annotated[Text, Field(max_length=200)] = Field(
        description="延期依据，例如《最低生活保障审核确认办法》：情况复杂的可延长15个工作日")


class ExtensionDecisionIn(VersionIn):
    approved: bool
    note: Annotated[Text, Field(max_length=500)]


class TerminateIn(VersionIn):
    authorisation_evidence: Annotated[Text, Field(max_length=500)]
    handover_receiver: Annotated[Text, Field(max_length=32)]
    handover_materials: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(max_length=30)


class ReassignIn(VersionIn):
    helper_id: int
    reason: Annotated[Text, Field(max_length=500)]


class ArchiveIn(VersionIn):
    pass


class ResidentOut(BaseModel):
    name: str
    openid: str | None
    contact_phone: str


class EventOut(BaseModel):
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    details: dict[str, Any]
    at: datetime


class EntrustmentOut(BaseModel):
    id: int
    number: str
    status: EntrustmentStatus
    status_label: str
    termination_requested: bool
    village_code: str
    village_name: str
    matter_code: str
    matter_name: str
    category: str
    channel: Channel
    resident: ResidentOut
    beneficiary_name: str | None
    beneficiary_relation: str | None
    description: str
    helper_id: int | None
    queue: Queue
    submitted_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    acceptance_due_on: date | None
    due_on: date | None
    progress_due_on: date | None
    time_limit_days: int
    missing_materials: list[str]
    result: str | None
    replied_at: datetime | None
    calendar_fallback: bool
    # A running deadline counts holidays computed by the national rules for a year not yet published.
    deadline_provisional: bool
    version: int
    allowed_actions: list[str]


class EntrustmentDetailOut(EntrustmentOut):
    decline_reason: str | None
    window_name: str | None
    forwarded_on: date | None
    remark: str | None
    timeline: list[EventOut]


class EntrustmentPage(BaseModel):
    items: list[EntrustmentOut]
    total: int | None = Field(description="符合条件的办件数；超过 10000 件时为 null（按 next_cursor 翻完即是全部）")
    limit: int
    offset: int
    next_cursor: str | None = Field(default=None, description="下一页：作为 after 传回；最后一页为 null")
