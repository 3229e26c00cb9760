"""Cases made through the use cases at chosen moments (China time), for the console's figures and lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import clock
from app.complaints import service as complaints
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, EvaluateIn, SubmitIn
from app.entrustments.workflow import Action
from app.models import Channel, Complaint, Entrustment, Helper, Matter, RatingLevel, RatingSource, Region, Resident
from tests.factories import create_resident, helper_actor, resident_actor, submit_as_resident

MoveTo = Callable[[str], None]


@dataclass
class Casebook:
    db: Session
    at: MoveTo
    matter: Matter

    def submit(self, village: Region, when: str, *, name: str = "李大妈", channel: Channel = Channel.WECHAT,
               helper: Helper | None = None, matter: Matter | None = None) -> Entrustment:
        self.at(when)
        matter = matter or self.matter
        if channel is Channel.WECHAT:
            resident = create_resident(self.db, village, name)
            return submit_as_resident(self.db, resident, village, matter)
        assert helper is not None, "a phone or visit entrustment is registered by the village's helper"
        data = SubmitIn(village_code=village.code, matter_code=matter.code, resident_name=name,
                        contact_phone="13800138000", description="电话里说家里急需帮助", channel=channel,
                        authorisation_ref="签名存档-001")
        return service.submit(self.db, helper_actor(helper), data)

    def holder(self, case: Entrustment) -> Helper:
        assert case.helper_id is not None, "the case was routed to a helper"
        helper = self.db.get(Helper, case.helper_id)
        assert helper is not None
        return helper

    def accept(self, case: Entrustment, when: str) -> Entrustment:
        self.at(when)
        return service.transition(self.db, helper_actor(self.holder(case)), case.id, Action.ACCEPT, AcceptIn())

    def complete(self, case: Entrustment, when: str) -> Entrustment:
        self.at(when)
        return service.transition(self.db, helper_actor(self.holder(case)), case.id, Action.COMPLETE,
                                  CompleteIn(result="已办结", replied_at=clock.now(), proof_reference="窗口-01"))

    def rate(self, case: Entrustment, level: RatingLevel, when: str) -> Entrustment:
        self.at(when)
        resident = self.db.get(Resident, case.resident_id)
        assert resident is not None
        return service.transition(self.db, resident_actor(resident), case.id, Action.EVALUATE,
                                  EvaluateIn(level=level, source=RatingSource.RESIDENT))

    def done(self, village: Region, submitted: str, accepted: str, completed: str,
             rating: RatingLevel | None = None, rated: str | None = None) -> Entrustment:
        case = self.complete(self.accept(self.submit(village, submitted), accepted), completed)
        if rating is not None:
            self.rate(case, rating, rated or completed)
        return case

    def complain(self, case: Entrustment, when: str) -> Complaint:
        self.at(when)
        resident = self.db.get(Resident, case.resident_id)
        assert resident is not None
        return complaints.file_complaint(self.db, resident_actor(resident), text="帮办员一直不回电话",
                                         name=resident.name, phone="13800138000", entrustment_id=case.id)
