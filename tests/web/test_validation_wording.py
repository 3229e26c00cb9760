"""One translator from validation errors to Chinese: the API and the pages word the same mistake alike."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session

from app.validation import invalid_input
from tests.factories import api_key
from tests.web.support import RESIDENT, Site, World, csrf_of, signed_in

GUIBEI = "500231001001"
TOO_LONG_RELATION = "村里的远房亲戚" * 3
SAID = "「与委托人的关系」不能超过 16 个字。"


def test_a_too_long_relation_is_worded_alike_by_the_api_and_the_pages(site: Site, world: World, db: Session) -> None:
    key = api_key(db, "county_admin")
    db.commit()
    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as platform:
        api = platform.post("/api/v1/entrustments", json={
            "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "channel": "wechat",
            "for_family": True, "beneficiary_name": "李大山", "beneficiary_relation": TOO_LONG_RELATION})
    assert api.status_code == 422
    assert api.json() == {"code": "invalid_input", "message": SAID, "field": "beneficiary_relation"}

    resident = signed_in(site, RESIDENT)
    form = resident.get("/h5/entrust", params={"village": GUIBEI, "matter": "linshi-zhengwu"}).text
    page = resident.post("/h5/entrust", data={
        "csrf": csrf_of(form), "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
        "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "for_whom": "family",
        "beneficiary_name": "李大山", "beneficiary_relation": TOO_LONG_RELATION, "consent": "yes"})
    assert SAID in page.text


def test_a_field_missing_from_a_request_is_named_wherever_it_came_from() -> None:
    from_the_body = invalid_input([{"type": "missing", "loc": ("body", "contact_phone"), "msg": "Field required"}])
    from_a_model = invalid_input([{"type": "missing", "loc": ("contact_phone",), "msg": "Field required"}])
    assert (from_the_body.field, from_the_body.message) == ("contact_phone", "请填写「联系电话」。")
    assert (from_a_model.field, from_a_model.message) == (from_the_body.field, from_the_body.message)


def test_a_rule_of_the_whole_form_is_said_without_a_field_label() -> None:
    problem = invalid_input([{"type": "value_error", "loc": (), "msg": "Value error, 请写明家人的姓名"}])
    assert (problem.field, problem.message) == ("body", "请写明家人的姓名。")
