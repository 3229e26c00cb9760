"""The audit log (DESIGN §8): reads of personal data through API keys, refused attempts, and no way to
change or remove an entry once written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import httpx
import pytest
from sqlalchemy import Executable, Table, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import WORKER
from app.models import AuditEntry, AuditOutcome, Helper, Region
from app.models.audit import AppendOnlyViolation
from tests.factories import api_key, create_helper, create_matter, create_tree
from tests.live import serve


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    from app.main import create_app

    with serve(create_app()) as url:
        yield url


@dataclass
class World:
    tree: dict[str, Region]
    helper: Helper
    keys: dict[str, str]
    base_url: str

    def client(self, name: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.keys[name]}"},
                            timeout=30)


@pytest.fixture
def world(db: Session, base_url: str) -> World:
    tree = create_tree(db)
    create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    keys = {
        "platform": api_key(db, "county_admin"),
        "helper": api_key(db, "helper", helper=helper),
        "secretary": api_key(db, "village_secretary", area=tree["guibei"]),
        "township": api_key(db, "township_staff", area=tree["guixi"]),
        "other_township": api_key(db, "township_staff", area=tree["chengxi"]),
    }
    db.commit()
    return World(tree, helper, keys, base_url)


def submit(world: World) -> int:
    response = world.client("platform").post("/api/v1/entrustments", json={
        "village_code": "500231001001", "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
        "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "channel": "wechat",
        "resident_openid": "o-li-xiuying",
    })
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def entries(db: Session, **where: object) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def test_a_township_read_names_the_key_the_channel_and_the_case(world: World, db: Session) -> None:
    case_id = submit(world)
    assert world.client("township").get(f"/api/v1/entrustments/{case_id}").status_code == 200
    [entry] = entries(db, action="read", actor_kind="staff")
    assert (entry.via, entry.entrustment_id, entry.object_type, entry.outcome) == ("api", case_id, "entrustment",
                                                                                    AuditOutcome.OK)
    assert entry.api_key_id is not None and entry.actor.startswith("staff:")


def test_a_helper_key_reading_a_case_is_audited(world: World, db: Session) -> None:
    case_id = submit(world)
    assert world.client("helper").get(f"/api/v1/entrustments/{case_id}").status_code == 200
    [entry] = entries(db, action="read", actor_kind="helper")
    assert (entry.actor_id, entry.via, entry.entrustment_id) == (world.helper.id, "api", case_id)


def test_a_secretary_key_reading_a_case_is_audited(world: World, db: Session) -> None:
    case_id = submit(world)
    assert world.client("secretary").get(f"/api/v1/entrustments/{case_id}").status_code == 200
    [entry] = entries(db, action="read", actor_kind="secretary")
    assert (entry.via, entry.entrustment_id) == ("api", case_id)


def test_another_townships_case_is_404_and_the_attempt_is_audited_as_refused(world: World, db: Session) -> None:
    case_id = submit(world)
    response = world.client("other_township").get(f"/api/v1/entrustments/{case_id}")
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message"}
    [entry] = entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.actor_kind, entry.via, entry.action, entry.entrustment_id) == ("staff", "api", "read", case_id)
    assert entry.api_key_id is not None and entry.details["status"] == 404


def test_a_refused_action_names_the_action_tried(world: World, db: Session) -> None:
    case_id = submit(world)
    assert world.client("other_township").post(f"/api/v1/entrustments/{case_id}/accept", json={}).status_code == 404
    [entry] = entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.action, entry.entrustment_id) == ("accept_entrustment", case_id)


def test_a_bad_key_is_audited_by_its_first_characters_never_whole(world: World, db: Session) -> None:
    case_id = submit(world)
    key = "bb_this-key-was-never-issued-0123456789"
    response = httpx.get(f"{world.base_url}/api/v1/entrustments/{case_id}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    [entry] = entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.actor, entry.reference, entry.entrustment_id, entry.via) == ("anonymous", "bb_thi", case_id, "api")
    row = db.execute(select(AuditEntry.__table__).where(AuditEntry.id == entry.id)).one()
    assert not any(key in str(value) for value in row)


def test_a_bad_key_is_audited_on_any_address(world: World, db: Session) -> None:
    response = httpx.get(f"{world.base_url}/api/v1/entrustments", headers={"Authorization": "Bearer guessed-key"})
    assert response.status_code == 401
    [entry] = entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.object_type, entry.reference) == ("api_key", "guesse")


def test_a_call_without_a_key_on_a_list_leaves_no_entry(world: World, db: Session) -> None:
    assert httpx.get(f"{world.base_url}/api/v1/entrustments").status_code == 401
    assert entries(db) == []


@pytest.fixture
def written(db: Session) -> AuditEntry:
    entry = audit.record(db, WORKER, "archive", object_id=1, status_before="completed", status_after="archived")
    db.commit()
    return entry


def test_an_entry_cannot_be_changed_through_the_orm(db: Session, written: AuditEntry) -> None:
    written.action = "read"
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()


def test_an_entry_cannot_be_deleted_through_the_orm(db: Session, written: AuditEntry) -> None:
    db.delete(written)
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()


@pytest.mark.parametrize("statement", [update(AuditEntry).values(action="read"), delete(AuditEntry),
                                       update(cast(Table, AuditEntry.__table__)).values(action="read")],
                         ids=["orm-update", "orm-delete", "table-update"])
def test_bulk_statements_on_the_log_are_refused(db: Session, written: AuditEntry, statement: Executable) -> None:
    with pytest.raises(AppendOnlyViolation):
        db.execute(statement)
    db.rollback()
    assert [e.action for e in entries(db)] == ["archive"]


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET action = 'read'", "DELETE FROM audit_log", "TRUNCATE audit_log"])
def test_postgresql_refuses_raw_sql_changes(db: Session, written: AuditEntry, is_postgres: bool, sql: str) -> None:
    if not is_postgres:
        pytest.skip("the trigger guards the production database, PostgreSQL")
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(sql))
    db.rollback()
    assert [e.action for e in entries(db)] == ["archive"]
