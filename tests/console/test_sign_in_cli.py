"""``bangban staff add --role`` and ``bangban staff password NAME``: who may sign in to the console, and how."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.models import AuditEntry, Role, StaffMember
from app.staff import passwords, sessions
from tests.factories import create_tree

GOOD = "Guixi-2026-checks"


@pytest.fixture
def tree(db: Session) -> None:
    create_tree(db)
    db.commit()


def staff(db: Session, name: str) -> StaffMember:
    member = db.scalar(select(StaffMember).where(StaffMember.name == name))
    assert member is not None
    return member


def type_in(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_staff_add_registers_each_role_at_its_level(db: Session, tree: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "add", "--name", "周科长", "--area", "500231000000", "--role", "county_admin"]) == 0
    assert "县级管理员" in capsys.readouterr().out
    assert main(["staff", "add", "--name", "吴监督", "--area", "500231000000", "--role", "oversight"]) == 0
    assert main(["staff", "add", "--name", "陈专班", "--area", "500231001000", "--role", "township_staff",
                 "--phone", "13900001111", "--openid", "o_staff_chen"]) == 0
    assert "可扫码登录工作台" in capsys.readouterr().out
    assert [(staff(db, n).role, staff(db, n).password_hash) for n in ("周科长", "吴监督", "陈专班")] == [
        (Role.COUNTY_ADMIN, None), (Role.OVERSIGHT, None), (Role.TOWNSHIP_STAFF, None)]


def test_staff_add_without_a_role_takes_the_role_of_the_region_level(db: Session, tree: None) -> None:
    assert main(["staff", "add", "--name", "周科长", "--area", "500231000000"]) == 0
    assert main(["staff", "add", "--name", "陈专班", "--area", "500231001000"]) == 0
    assert (staff(db, "周科长").role, staff(db, "陈专班").role) == (Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF)


@pytest.mark.parametrize(("role", "area", "said"), [
    ("township_staff", "500231000000", "乡镇（街道）工作专班要登记在乡镇（街道）"),
    ("county_admin", "500231001000", "县级管理员要登记在县"),
    ("oversight", "500231110000", "监督（只读）要登记在县"),
])
def test_staff_add_refuses_a_role_at_the_wrong_level_in_chinese(
        db: Session, tree: None, capsys: pytest.CaptureFixture[str], role: str, area: str, said: str) -> None:
    assert main(["staff", "add", "--name", "某人", "--area", area, "--role", role]) == 2
    assert said in capsys.readouterr().err
    assert db.scalar(select(StaffMember)) is None


def test_staff_password_reads_standard_input_and_stores_only_an_argon2_hash(
        db: Session, tree: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "add", "--name", "陈专班", "--area", "500231001000"])
    type_in(monkeypatch, GOOD + "\n")
    assert main(["staff", "password", "陈专班"]) == 0
    assert "已为" in capsys.readouterr().out
    member = staff(db, "陈专班")
    assert member.password_hash is not None and member.password_hash.startswith("$argon2id$")
    assert GOOD not in member.password_hash
    assert passwords.verify(member.password_hash, GOOD) and not passwords.verify(member.password_hash, GOOD + "x")
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.object_id == member.id)) == "set_password"


def test_passwords_are_hashed_at_argon2s_recommended_cost(production_password_hasher: PasswordHasher) -> None:
    stored = production_password_hasher.hash(GOOD)
    assert stored.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(stored)
    assert production_password_hasher.verify(stored, GOOD)


@pytest.mark.parametrize(("typed", "said"), [
    ("Ab1-short", "密码太短：至少 10 位"),
    ("onlyletterslong", "至少包含字母、数字、符号中的两类"),
    ("1234567890", "至少包含字母、数字、符号中的两类"),
    ("abcdefgh12", ""),  # accepted: letters and digits, not a run
    ("aaaaaaaaaa1", "不能是同一个字符或连续的数字、字母"),
    ("陈专班的密码2026", "不能含有您的姓名"),
    ("tel13900001111", "不能含有您的电话号码"),
    ("has space 12", "不能含有空格"),
])
def test_staff_password_states_the_strength_rules_in_chinese(
        db: Session, tree: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        typed: str, said: str) -> None:
    main(["staff", "add", "--name", "陈专班", "--area", "500231001000", "--phone", "13900001111"])
    type_in(monkeypatch, typed + "\n")
    code = main(["staff", "password", "陈专班"])
    if not said:
        assert code == 0
        return
    assert code == 2
    assert said in capsys.readouterr().err
    assert staff(db, "陈专班").password_hash is None


def test_on_a_terminal_the_password_is_typed_twice_and_must_match(
        db: Session, tree: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    main(["staff", "add", "--name", "陈专班", "--area", "500231001000"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    typed = iter([GOOD, GOOD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert main(["staff", "password", "陈专班"]) == 2
    assert "两次输入的密码不一样" in capsys.readouterr().err
    assert staff(db, "陈专班").password_hash is None
    typed = iter([GOOD, GOOD])
    assert main(["staff", "password", "陈专班"]) == 0


def test_a_new_password_ends_every_console_session_and_lifts_a_lock_out(
        db: Session, tree: None, monkeypatch: pytest.MonkeyPatch) -> None:
    main(["staff", "add", "--name", "陈专班", "--area", "500231001000"])
    member = staff(db, "陈专班")
    opened = sessions.open_session(db, member, via="password", ip="127.0.0.1")
    member.failed_attempts = 3
    db.commit()
    type_in(monkeypatch, GOOD + "\n")
    assert main(["staff", "password", "陈专班"]) == 0
    db.expire_all()
    assert sessions.find(db, opened.token) == (None, "revoked")
    assert staff(db, "陈专班").failed_attempts == 0


def test_staff_password_names_the_member_and_tells_namesakes_apart(
        db: Session, tree: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "password", "无此人"]) == 2
    assert "没有名叫「无此人」的在职工作人员" in capsys.readouterr().err
    main(["staff", "add", "--name", "陈专班", "--area", "500231001000"])
    main(["staff", "add", "--name", "陈专班", "--area", "500231110000"])
    capsys.readouterr()
    assert main(["staff", "password", "陈专班"]) == 2
    assert "请用编号指定" in capsys.readouterr().err
    first, second = db.scalars(select(StaffMember).order_by(StaffMember.id)).all()
    type_in(monkeypatch, GOOD + "\n")
    assert main(["staff", "password", f"#{first.id}"]) == 0
    # Sign-in is by name: a second 陈专班 with a password could not be told apart.
    type_in(monkeypatch, GOOD + "\n")
    assert main(["staff", "password", f"#{second.id}"]) == 2
    assert "已有另一位名叫「陈专班」的工作人员设置了密码" in capsys.readouterr().err
