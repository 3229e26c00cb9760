"""``bangban data rotate-key``: every encrypted value ends under the new key, old and new are both read while
the rotation runs, an interrupted rotation resumes, and a second run changes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import clock, privacy
from app.cli import main
from app.config import get_settings
from app.data_keys import encrypted_tables, remaining, rotate
from app.errors import AppError
from app.models import ConversationState, Entrustment, Helper, Resident
from tests.factories import create_helper, create_matter, create_resident, create_tree, submit_as_resident

OLD = "test-data-key-0123456789"  # the suite's BANGBAN_DATA_KEY
NEW = "a-brand-new-data-key-for-the-county-2027"
PHONE = "13900001111"
ID_NUMBER = "11010519491231002X"
Keys = Callable[..., None]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Keys:
    """``keys(NEW, previous=OLD)``: the data keys every process would be restarted with."""

    def configure(current: str, previous: str = "") -> None:
        monkeypatch.setenv("BANGBAN_DATA_KEY", current)
        monkeypatch.setenv("BANGBAN_DATA_KEY_PREVIOUS", previous)
        get_settings.cache_clear()

    yield configure
    get_settings.cache_clear()


def personal_data(db: Session) -> dict[str, Any]:
    """A resident with a phone and an ID number, a case with a story, a dialogue holding a phone, and a phone
    from before values carried key ids."""
    assert get_settings().data_key == OLD
    tree = create_tree(db)
    matter = create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    resident = create_resident(db, tree["guibei"], "李秀英", openid="o_rotation_resident")
    resident.id_number = ID_NUMBER
    resident.id_number_hash = privacy.lookup_hash(ID_NUMBER)
    case = submit_as_resident(db, resident, tree["guibei"], matter, description="老伴住院，家里没有收入")
    db.add(ConversationState(openid="o_rotation_resident", flow="entrust", step="confirm",
                             data={"phone": PHONE}, expires_at=clock.now() + timedelta(minutes=30)))
    db.flush()
    bare = privacy._fernet(OLD).encrypt(b"02374221234").decode()
    db.execute(text("UPDATE helpers SET phone = :bare WHERE id = :id"), {"bare": bare, "id": helper.id})
    db.commit()
    db.expunge_all()
    return {"resident": resident.id, "case": case.id, "helper": helper.id, "contact_phone": case.contact_phone}


def stored_key_ids(db: Session) -> set[str | None]:
    found: set[str | None] = set()
    for spec in encrypted_tables():
        for row in db.execute(text(f'SELECT {", ".join(spec.columns)} FROM "{spec.name}"')):  # noqa: S608
            found.update(privacy.written_with(value) for value in row if value is not None)
    return found


def read_back(db: Session, made: dict[str, Any]) -> tuple[Any, ...]:
    db.expire_all()
    resident = db.get(Resident, made["resident"])
    case = db.get(Entrustment, made["case"])
    helper = db.get(Helper, made["helper"])
    state = db.get(ConversationState, "o_rotation_resident")
    assert resident and case and helper and state
    return resident.id_number, case.description, case.contact_phone, helper.phone, state.data["phone"]


EXPECTED = (ID_NUMBER, "老伴住院，家里没有收入", None, "02374221234", PHONE)


def expected(made: dict[str, Any]) -> tuple[Any, ...]:
    return (*EXPECTED[:2], made["contact_phone"], *EXPECTED[3:])


def test_every_encrypted_value_ends_under_the_new_key_and_reads_without_the_old_one(db: Session, keys: Keys) -> None:
    made = personal_data(db)
    assert stored_key_ids(db) == {privacy.key_id(OLD), None}  # None: the bare value from before key ids

    keys(NEW, previous=OLD)
    assert read_back(db, made) == expected(made)  # the old values are still read during the change
    result = rotate(NEW)

    assert result.values >= 6
    assert stored_key_ids(db) == {privacy.key_id(NEW)}
    keys(NEW)  # BANGBAN_DATA_KEY_PREVIOUS removed
    assert read_back(db, made) == expected(made)
    found = db.scalar(select(Resident.id).where(Resident.id_number_hash == privacy.lookup_hash(ID_NUMBER)))
    assert found == made["resident"]


def test_without_the_previous_key_old_values_are_refused_not_shown_as_ciphertext(db: Session, keys: Keys) -> None:
    made = personal_data(db)
    keys(NEW)

    with pytest.raises(RuntimeError, match="BANGBAN_DATA_KEY_PREVIOUS"):
        read_back(db, made)


def test_an_interrupted_rotation_leaves_a_readable_mixture_and_the_next_run_finishes_it(
    db: Session, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = personal_data(db)
    keys(NEW, previous=OLD)
    real = privacy.encrypt_with
    calls = {"n": 0}

    def dies_on_the_fourth(key: str, plain: str) -> str:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or the machine going down
        return real(key, plain)

    monkeypatch.setattr(privacy, "encrypt_with", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        rotate(NEW, batch_size=1)
    monkeypatch.setattr(privacy, "encrypt_with", real)

    assert stored_key_ids(db) >= {privacy.key_id(NEW), privacy.key_id(OLD)}
    assert read_back(db, made) == expected(made)
    assert remaining()

    rotate(NEW, batch_size=1)

    assert remaining() == {}
    assert stored_key_ids(db) == {privacy.key_id(NEW)}
    assert rotate(NEW).rows == 0  # nothing left to do: running it again changes nothing


def test_the_rotation_refuses_a_key_the_running_services_would_not_read(db: Session, keys: Keys) -> None:
    personal_data(db)
    keys(OLD)

    with pytest.raises(AppError, match="BANGBAN_DATA_KEY_PREVIOUS"):
        rotate(NEW)

    assert stored_key_ids(db) == {privacy.key_id(OLD), None}


def test_the_command_reads_the_new_key_from_stdin(db: Session, keys: Keys, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    made = personal_data(db)
    keys(NEW, previous=OLD)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW + "\n"))

    assert main(["data", "rotate-key", "--batch-size", "2"]) == 0

    assert "完成" in capsys.readouterr().out
    keys(NEW)
    assert read_back(db, made) == expected(made)


def test_the_command_reads_the_new_key_from_a_named_variable_and_says_when_it_is_missing(
    db: Session, keys: Keys, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    personal_data(db)
    keys(NEW, previous=OLD)

    assert main(["data", "rotate-key", "--new-key-env", "BANGBAN_NEW_DATA_KEY"]) == 2
    assert "环境变量 BANGBAN_NEW_DATA_KEY 没有设置" in capsys.readouterr().err

    monkeypatch.setenv("BANGBAN_NEW_DATA_KEY", "not-the-configured-key-at-all")
    assert main(["data", "rotate-key", "--new-key-env", "BANGBAN_NEW_DATA_KEY"]) == 2
    assert "新密钥与 BANGBAN_DATA_KEY 不一致" in capsys.readouterr().err

    monkeypatch.setenv("BANGBAN_NEW_DATA_KEY", NEW)
    assert main(["data", "rotate-key", "--new-key-env", "BANGBAN_NEW_DATA_KEY"]) == 0
    assert stored_key_ids(db) == {privacy.key_id(NEW)}


def test_the_upgrade_encrypts_what_was_stored_in_plaintext_before_it_and_the_downgrade_reverses_it(
    database_url: str, tmp_path: Path
) -> None:
    """On a database of its own (``database_url`` only sets the suite's environment)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'before-0016.sqlite3'}"
    config = Config(str(Path(__file__).resolve().parent.parent / "alembic.ini"))
    config.attributes["configure_logging"] = False
    config.attributes["database_url"] = url
    command.upgrade(config, "0015")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO conversation_states (openid, flow, step, data, expires_at, updated_at) "
            "VALUES ('o_before', 'entrust', 'confirm', :data, '2026-11-29 10:00:00', '2026-11-29 10:00:00')"),
            {"data": '{"phone": "13900001111"}'})
        connection.execute(text(
            "INSERT INTO wechat_inbound (dedupe_key, openid, msg_type, status, reply, received_at) "
            "VALUES ('msg:1', 'o_before', 'text', 'done', :reply, '2026-11-29 10:00:00')"),
            {"reply": "请核对：电话 13900001111"})

    command.upgrade(config, "0016")
    with engine.connect() as connection:
        state = connection.execute(text("SELECT data FROM conversation_states")).scalar_one()
        reply = connection.execute(text("SELECT reply FROM wechat_inbound")).scalar_one()
    assert PHONE not in state and PHONE not in reply
    assert privacy.written_with(state) == privacy.written_with(reply) == privacy.current_key_id()
    assert privacy.decrypt(state) == '{"phone": "13900001111"}' and PHONE in privacy.decrypt(reply)

    command.downgrade(config, "0015")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT reply FROM wechat_inbound")).scalar_one() == "请核对：电话 13900001111"
    engine.dispose()
