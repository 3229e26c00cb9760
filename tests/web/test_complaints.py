"""投诉监督: a resident's complaint reaches the task force of the right township, and only its author reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.complaints import service
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import ComplaintStatus, OutboxMessage, Resident, StaffMember
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    submit_as_resident,
)


def test_a_complaint_about_a_case_goes_to_its_townships_task_force_members(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    resident = create_resident(db, tree["guibei"])
    case = submit_as_resident(db, resident, tree["guibei"], create_matter(db))
    members = [StaffMember(region_id=tree["guixi"].id, name=name, openid=openid)
               for name, openid in (("刘专班", "o_staff_liu"), ("陈专班", None))]
    db.add_all([*members, StaffMember(region_id=tree["chengxi"].id, name="别镇", openid="o_staff_x")])
    db.flush()
    complaint = service.file_complaint(db, resident_actor(resident), text="帮办员三天没回电话", name="李大妈",
                                       phone="13800138000", entrustment_id=case.id)
    assert (complaint.township_id, complaint.entrustment_id, complaint.status) == (
        tree["guixi"].id, case.id, ComplaintStatus.OPEN)
    notices = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "township_complaint")).all()
    assert [(n.recipient_kind, n.recipient_id, n.recipient_openid) for n in notices] == [
        ("staff", members[0].id, "o_staff_liu"), ("staff", members[1].id, None)]
    assert notices[0].payload["text"] == "帮办员三天没回电话" and notices[0].payload["number"] == case.number
    assert helper.id not in [n.recipient_id for n in notices if n.recipient_kind == "helper"]


def test_without_a_case_the_village_chosen_decides_the_township(db: Session) -> None:
    tree = create_tree(db)
    actor = resident_actor(Resident(id=None, name="访客", openid="o_visitor_1"))
    with pytest.raises(InvalidInput) as missing:
        service.file_complaint(db, actor, text="没人管", name="王五", phone="13900000000")
    assert missing.value.field == "village_code"
    complaint = service.file_complaint(db, actor, text="没人管", name="王五", phone="13900000000",
                                       village_code=tree["chengxi_village"].code)
    assert complaint.township_id == tree["chengxi"].id
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_complaint"))
    assert notice is not None and (notice.recipient_kind, notice.recipient_id) == ("township", tree["chengxi"].id)
    author = db.scalar(select(Resident).where(Resident.openid == "o_visitor_1"))
    assert author is not None and author.phone == "13900000000"
    assert service.get_complaint(db, actor, complaint.id).id == complaint.id


@pytest.mark.parametrize(("changes", "field"), [
    ({"text": "  "}, "text"), ({"text": "长" * 1001}, "text"), ({"name": ""}, "name"), ({"phone": "123"}, "phone"),
])
def test_a_complaint_needs_words_a_name_and_a_phone(db: Session, changes: dict[str, str], field: str) -> None:
    tree = create_tree(db)
    resident = create_resident(db, tree["guibei"])
    values = {"text": "态度不好", "name": "李大妈", "phone": "13800138000", **changes}
    with pytest.raises(InvalidInput) as refused:
        service.file_complaint(db, resident_actor(resident), village_code=tree["guibei"].code, **values)
    assert refused.value.field == field


def test_nobody_complains_about_or_reads_someone_elses_case(db: Session) -> None:
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"])
    owner = create_resident(db, tree["guibei"])
    stranger = create_resident(db, tree["guibei"], "赵敏")
    case = submit_as_resident(db, owner, tree["guibei"], create_matter(db))
    with pytest.raises(NotFound):
        service.file_complaint(db, resident_actor(stranger), text="x", name="赵敏", phone="13800138001",
                               entrustment_id=case.id)
    with pytest.raises(Forbidden):
        service.file_complaint(db, helper_actor(helper), text="x", name="王芳", phone="13800138001",
                               entrustment_id=case.id)
    mine = service.file_complaint(db, resident_actor(owner), text="慢", name="李大妈", phone="13800138000",
                                  entrustment_id=case.id)
    with pytest.raises(NotFound):
        service.get_complaint(db, resident_actor(stranger), mine.id)
