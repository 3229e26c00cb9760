"""The REST API end to end over real HTTP: authentication, the workflow, errors and scoping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Entrustment, Helper, Region, Resident
from tests.factories import api_key, create_helper, create_matter, create_tree
from tests.live import serve

OPERATIONS = {
    "list_regions", "list_matters", "list_helpers", "list_entrustments", "get_entrustment",
    "submit_entrustment", "accept_entrustment", "request_supplement", "supplement_entrustment",
    "decline_entrustment", "forward_to_window", "note_progress", "complete_entrustment",
    "evaluate_entrustment", "request_termination", "terminate_entrustment", "reassign_entrustment",
    "archive_entrustment", "close_supplement", "allow_second_supplement", "record_termination_statement",
    "confirm_termination", "request_extension", "decide_extension", "list_open_rectifications",
    "close_rectification",
}


@pytest.fixture(scope="session")
def base_url(database_url: str) -> Iterator[str]:
    from app.main import create_app

    with serve(create_app()) as url:
        yield url


@dataclass
class World:
    tree: dict[str, Region]
    helper: Helper
    other_helper: Helper
    platform: httpx.Client
    helper_client: httpx.Client
    other_helper_client: httpx.Client
    township: httpx.Client
    other_township: httpx.Client
    oversight: httpx.Client
    anonymous: httpx.Client


@pytest.fixture
def world(db: Session, base_url: str) -> Iterator[World]:
    tree = create_tree(db)
    create_matter(db)
    create_matter(db, "dibao-zhengwu", time_limit_days=30)
    helper = create_helper(db, tree["guibei"], "王芳")
    other = create_helper(db, tree["chengxi_village"], "孙立")
    keys = {
        "platform": api_key(db, "county_admin"),
        "helper": api_key(db, "helper", helper=helper),
        "other_helper": api_key(db, "helper", helper=other),
        "township": api_key(db, "township_staff", area=tree["guixi"]),
        "other_township": api_key(db, "township_staff", area=tree["chengxi"]),
        "oversight": api_key(db, "oversight"),
    }
    db.commit()
    clients = {name: httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
               for name, key in keys.items()}
    anonymous = httpx.Client(base_url=base_url, timeout=30)
    yield World(tree, helper, other, clients["platform"], clients["helper"], clients["other_helper"],
                clients["township"], clients["other_township"], clients["oversight"], anonymous)
    for client in [*clients.values(), anonymous]:
        client.close()


def submission(**overrides: object) -> dict[str, object]:
    return {
        "village_code": "500231001001", "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
        "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "channel": "wechat",
        "resident_openid": "o-li-xiuying", **overrides,
    }


def submit(world: World, **overrides: object) -> dict[str, object]:
    response = world.platform.post("/api/v1/entrustments", json=submission(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_openapi_lists_every_operation(world: World) -> None:
    spec = world.anonymous.get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert operations >= OPERATIONS


def test_calls_without_a_key_are_refused_in_chinese(world: World) -> None:
    response = world.anonymous.get("/api/v1/entrustments")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated" and "API 密钥" in response.json()["message"]
    bad = world.anonymous.get("/api/v1/entrustments", headers={"Authorization": "Bearer bb_nope"})
    assert bad.status_code == 401


def test_submitted_case_carries_routing_resident_and_deadlines(world: World) -> None:
    case = submit(world, beneficiary_name="张大爷", beneficiary_relation="父亲")
    assert case["status"] == "submitted" and case["status_label"] == "待受理"
    assert case["helper_id"] == world.helper.id
    assert case["resident"] == {"name": "李秀英", "openid": "o-li-xiuying", "contact_phone": "13800138000"}
    assert case["village_code"] == "500231001001" and case["matter_code"] == "linshi-zhengwu"
    assert case["acceptance_due_on"] and case["number"].startswith("DJ")
    assert case["beneficiary_name"] == "张大爷"
    detail = world.platform.get(f"/api/v1/entrustments/{case['id']}").json()
    assert [e["kind"] for e in detail["timeline"]] == ["submit", "route"]
    assert "待办最少" in detail["timeline"][1]["details"]["reason"]


def test_the_helper_works_the_case_to_the_archive(world: World) -> None:
    case = submit(world)
    path = f"/api/v1/entrustments/{case['id']}"
    steps = [
        (world.helper_client, "request-supplement", {"missing_materials": ["户口簿复印件", "医院诊断证明"]},
         "awaiting_supplement"),
        (world.platform, "supplement", {"materials": ["户口簿复印件", "医院诊断证明"]}, "submitted"),
        (world.helper_client, "accept", {}, "accepted"),
        (world.helper_client, "forward", {"window_name": "桂溪街道社会救助服务窗口"}, "in_progress"),
        (world.helper_client, "progress", {"text": "街道已入户调查，等待公示"}, "in_progress"),
        (world.helper_client, "complete", {"result": "已批准临时救助金2000元", "replied_at": "2026-11-28T10:00:00",
                                           "proof_reference": "垫民救〔2026〕1号"},
         "completed"),
        (world.platform, "evaluate", {"level": "满意", "source": "resident"}, "evaluated"),
        (world.township, "archive", {}, "archived"),
    ]
    for client, action, body, status in steps:
        response = client.post(f"{path}/{action}", json=body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status, action
    detail = world.township.get(path).json()
    assert detail["due_on"] is not None and detail["result"] == "已批准临时救助金2000元"
    assert [e["kind"] for e in detail["timeline"]][-3:] == ["complete", "evaluate", "archive"]
    assert detail["allowed_actions"] == []


def test_the_township_closes_a_bad_ratings_rectification_through_the_api(world: World) -> None:
    case = submit(world)
    path = f"/api/v1/entrustments/{case['id']}"
    for client, action, body in [
        (world.helper_client, "accept", {}),
        (world.helper_client, "complete", {"result": "已办好", "replied_at": "2026-01-01T10:00:00",
                                           "proof_reference": "回执001"}),
        (world.platform, "evaluate", {"level": "不满意", "source": "resident", "comment": "一直没人回电话"}),
    ]:
        assert client.post(f"{path}/{action}", json=body).status_code == 200, action
    (open_one,) = world.township.get("/api/v1/rectifications").json()
    assert (open_one["case_number"], open_one["level"], open_one["status"]) == (case["number"], "不满意", "open")
    assert world.other_township.get("/api/v1/rectifications").json() == []
    refused = world.township.post(f"{path}/archive", json={})
    assert refused.status_code == 409 and "整改" in refused.json()["message"]
    body = {"callback_note": "回访了委托人，说明了情况", "resolution": "帮办员每周回电一次"}
    assert world.other_township.post(f"/api/v1/rectifications/{open_one['id']}/close", json=body).status_code == 404
    closed = world.township.post(f"/api/v1/rectifications/{open_one['id']}/close", json=body)
    assert closed.status_code == 200 and closed.json()["status"] == "resolved"
    assert world.township.post(f"{path}/archive", json={}).json()["status"] == "archived"


def test_an_action_the_state_forbids_is_409_naming_state_and_choices(world: World) -> None:
    case = submit(world)
    path = f"/api/v1/entrustments/{case['id']}"
    assert world.helper_client.post(f"{path}/accept", json={}).status_code == 200
    again = world.helper_client.post(f"{path}/accept", json={})
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "action_not_allowed"
    assert "「已受理」" in body["message"] and "办结" in body["message"]


def test_stale_version_is_409(world: World) -> None:
    case = submit(world)
    response = world.helper_client.post(f"/api/v1/entrustments/{case['id']}/accept",
                                        json={"version": case["version"] + 1})
    assert response.status_code == 409 and response.json()["code"] == "version_conflict"


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"village_code": "500231999999"}, "village_code", "500231999999"),
    ({"matter_code": "no-such-matter"}, "matter_code", "no-such-matter"),
    ({"contact_phone": "12345"}, "contact_phone", "联系电话"),
    ({"contact_phone": "023-7422"}, "contact_phone", "联系电话"),
    ({"resident_id_number": "110101199003070000"}, "resident_id_number", "身份证号码"),
    ({"description": "很" * 1001}, "description", "1000"),
    ({"resident_name": ""}, "resident_name", "委托人姓名"),
    ({"channel": "fax"}, "channel", "委托渠道"),
    ({"beneficiary_name": "张大爷"}, "beneficiary_relation", "关系"),
])
def test_bad_submissions_are_422_naming_the_field_and_write_nothing(
        world: World, db: Session, overrides: dict[str, object], field: str, words: str) -> None:
    response = world.platform.post("/api/v1/entrustments", json=submission(**overrides))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field and words in body["message"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Entrustment)) == 0
    assert db.scalar(select(func.count()).select_from(Resident)) == 0


def test_a_missing_field_is_named_in_chinese(world: World) -> None:
    body = submission()
    del body["contact_phone"]
    response = world.platform.post("/api/v1/entrustments", json=body)
    assert response.status_code == 422
    assert response.json()["message"] == "请填写「联系电话」。"


def test_valid_landline_and_id_number_are_accepted(world: World) -> None:
    case = submit(world, contact_phone="023-74221234", resident_id_number="11010519491231002X")
    assert case["resident"]["contact_phone"] == "023-74221234"


def test_list_is_newest_first_and_paginated(world: World) -> None:
    ids = [submit(world, description=f"第{n}件")["id"] for n in range(5)]
    page = world.platform.get("/api/v1/entrustments", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5 and page["limit"] == 2
    assert [item["id"] for item in page["items"]] == list(reversed(ids))[1:3]
    too_many = world.platform.get("/api/v1/entrustments", params={"limit": 501})
    assert too_many.status_code == 422 and "每页条数" in too_many.json()["message"]


def test_staff_see_only_their_area(world: World) -> None:
    case = submit(world)
    assert world.township.get("/api/v1/entrustments").json()["total"] == 1
    assert world.other_township.get("/api/v1/entrustments").json()["total"] == 0
    assert world.other_township.get(f"/api/v1/entrustments/{case['id']}").status_code == 404
    assert world.other_helper_client.get(f"/api/v1/entrustments/{case['id']}").status_code == 404


def test_a_helper_cannot_act_on_another_helpers_case(world: World, db: Session) -> None:
    case = submit(world)
    colleague = create_helper(db, world.tree["guibei"], "张强")
    key = api_key(db, "helper", helper=colleague)
    db.commit()
    response = world.anonymous.post(f"/api/v1/entrustments/{case['id']}/accept", json={},
                                    headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403 and "改派" in response.json()["message"]


def test_oversight_reads_masked_and_cannot_write(world: World, db: Session) -> None:
    case = submit(world)
    item = world.oversight.get("/api/v1/entrustments").json()["items"][0]
    assert item["resident"]["contact_phone"] == "138****8000"
    refused = world.oversight.post(f"/api/v1/entrustments/{case['id']}/archive", json={})
    assert refused.status_code == 403 and "只读" in refused.json()["message"]
    db.expire_all()
    reads = db.scalars(select(AuditEntry).where(AuditEntry.actor.startswith("oversight"))).all()
    assert reads, "a staff read of personal data is in the audit log"


def test_evaluation_level_must_be_one_of_the_five(world: World) -> None:
    case = submit(world)
    path = f"/api/v1/entrustments/{case['id']}"
    world.helper_client.post(f"{path}/accept", json={})
    world.helper_client.post(f"{path}/complete", json={"result": "已办结", "replied_at": "2026-11-28T10:00:00"})
    response = world.platform.post(f"{path}/evaluate", json={"level": "还行", "source": "resident"})
    assert response.status_code == 422 and "非常满意" in response.json()["message"]


def test_regions_matters_and_helpers_are_listed(world: World) -> None:
    regions = world.platform.get("/api/v1/regions", params={"parent_code": "500231001000"}).json()
    assert [r["name"] for r in regions] == ["桂北社区", "明月社区"]
    matters = world.platform.get("/api/v1/matters").json()
    assert {m["code"] for m in matters} == {"linshi-zhengwu", "dibao-zhengwu"}
    helpers = world.township.get("/api/v1/helpers").json()
    assert [h["name"] for h in helpers] == ["王芳"]


def test_only_the_platform_may_name_a_residents_wechat(world: World) -> None:
    body = submission(channel="phone", authorisation_ref="签字委托书 2026-118")
    response = world.helper_client.post("/api/v1/entrustments", json=body)
    assert response.status_code == 422 and response.json()["field"] == "resident_openid"


def test_a_platform_submission_does_not_rewrite_the_residents_own_record(world: World, db: Session) -> None:
    submit(world, resident_name="李秀英", contact_phone="13800138000")
    second = submit(world, resident_name="李秀英的女儿", contact_phone="13900139000")
    assert second["resident"]["name"] == "李秀英的女儿" and second["resident"]["contact_phone"] == "13900139000"
    db.expire_all()
    resident = db.scalar(select(Resident).where(Resident.openid == "o-li-xiuying"))
    assert resident is not None and resident.name == "李秀英" and resident.phone == "13800138000"


@pytest.mark.parametrize("path", ["/api/v1/entrustments/3000000000", "/api/v1/entrustments?helper_id=3000000000",
                                  "/api/v1/entrustments?offset=3000000000"])
def test_numbers_past_the_databases_range_are_a_clear_answer_not_a_crash(world: World, path: str) -> None:
    response = world.platform.get(path)
    assert response.status_code in (404, 422) or (response.status_code == 200 and response.json()["items"] == [])
    assert response.json().get("code") != "internal_error"


def test_a_body_over_the_api_limit_is_refused_before_any_work(world: World, db: Session) -> None:
    response = world.platform.post("/api/v1/entrustments", content=b'{"description": "' + b"x" * (1024 * 1024)
                                   + b'"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Entrustment)) == 0


def test_a_streamed_body_over_the_api_limit_is_cut_off(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"description": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = world.platform.post("/api/v1/entrustments", content=chunks(),
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"
