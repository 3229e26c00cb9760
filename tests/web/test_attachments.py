"""Photos of materials: accepted by their first bytes only, kept outside any web root under random keys,
removed again when their transaction rolls back, and opened only by those who may see the case."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.entrustments import attachments
from app.errors import InvalidInput, NotFound
from app.models import Attachment, AttachmentKind, Entrustment, Region
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    submit_as_resident,
)
from tests.images import JPEG, PNG, WEBP, kept


@pytest.fixture
def case(db: Session) -> Entrustment:
    tree = create_tree(db)
    create_helper(db, tree["guibei"])
    resident = create_resident(db, tree["guibei"])
    return submit_as_resident(db, resident, tree["guibei"], create_matter(db))


@pytest.mark.parametrize(("data", "content_type"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp")])
def test_a_photo_is_known_by_its_first_bytes(data: bytes, content_type: str) -> None:
    assert attachments.check_photo(data).content_type == content_type


@pytest.mark.parametrize("data", [
    b"GIF89a" + b"\x00" * 20,
    b"%PDF-1.7\n",
    b"<html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"RIFF\x24\x00\x00\x00WAVEfmt ",
    b"MZ\x90\x00",
])
def test_anything_else_is_refused_whatever_its_name(data: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        attachments.check_photo(data, label="身份证的照片")
    assert refused.value.message.startswith("「身份证的照片」不是照片")
    assert "JPG、PNG 或 WebP" in refused.value.message


def test_empty_and_oversized_photos_are_refused() -> None:
    with pytest.raises(InvalidInput, match="空文件"):
        attachments.check_photo(b"")
    with pytest.raises(InvalidInput, match="太大了"):
        attachments.check_photo(JPEG + b"\x00" * attachments.MAX_PHOTO_BYTES)
    assert attachments.check_photo(JPEG + b"\x00" * (attachments.MAX_PHOTO_BYTES - len(JPEG)))


def test_too_many_photos_at_once_are_refused() -> None:
    attachments.check_count(attachments.MAX_PHOTOS_AT_ONCE)
    with pytest.raises(InvalidInput, match="一次最多上传"):
        attachments.check_count(attachments.MAX_PHOTOS_AT_ONCE + 1)


def stored_path(attachment: Attachment) -> Path:
    return Path(get_settings().media_dir).resolve() / attachment.storage_key[:2] / attachment.storage_key


def test_a_stored_photo_lives_under_the_media_directory_readable_by_the_app_alone(db: Session,
                                                                                case: Entrustment) -> None:
    resident = resident_actor(case.resident)
    first = attachments.store(db, case, attachments.check_photo(JPEG), kind=AttachmentKind.MATERIAL,
                              uploaded_by=resident, material_name="身份证")
    second = attachments.store(db, case, attachments.check_photo(PNG), kind=AttachmentKind.MATERIAL,
                               uploaded_by=resident)
    db.commit()
    path = stored_path(first)
    assert path.read_bytes() == kept(JPEG) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.storage_key != second.storage_key and len(first.storage_key) == 32
    assert (first.content_type, first.size, first.uploaded_by) == ("image/jpeg", len(kept(JPEG)), "resident:李大妈")
    assert path.is_relative_to(Path(get_settings().media_dir).resolve())


def test_a_rolled_back_transaction_takes_its_photos_with_it(db: Session, case: Entrustment) -> None:
    db.commit()
    kept = attachments.store(db, case, attachments.check_photo(JPEG), kind=AttachmentKind.MATERIAL,
                             uploaded_by=resident_actor(case.resident))
    with pytest.raises(RuntimeError), db.begin_nested():
        undone = attachments.store(db, case, attachments.check_photo(PNG), kind=AttachmentKind.MATERIAL,
                                   uploaded_by=resident_actor(case.resident))
        undone_path = stored_path(undone)
        assert undone_path.is_file()
        raise RuntimeError("the step after the photo failed")
    assert not undone_path.exists()
    assert stored_path(kept).is_file()
    kept_path = stored_path(kept)
    db.rollback()
    assert not kept_path.exists()
    assert db.scalars(select(Attachment)).all() == []


def test_only_those_who_may_see_the_case_open_its_photos(db: Session, case: Entrustment) -> None:
    photo = attachments.store(db, case, attachments.check_photo(JPEG), kind=AttachmentKind.MATERIAL,
                              uploaded_by=resident_actor(case.resident))
    neighbour = create_resident(db, case.village, "赵敏")
    elsewhere = db.scalar(select(Region).where(Region.code == "500231110001"))
    assert elsewhere is not None
    other_village_helper = create_helper(db, elsewhere, "孙立")
    assert attachments.open_for(db, resident_actor(case.resident), photo.id)[0].id == photo.id
    assert case.helper is not None
    assert attachments.open_for(db, helper_actor(case.helper), photo.id)[1].read_bytes() == kept(JPEG)
    for stranger in (resident_actor(neighbour), helper_actor(other_village_helper)):
        with pytest.raises(NotFound):
            attachments.open_for(db, stranger, photo.id)


def test_a_storage_key_that_is_not_ours_is_never_opened(db: Session, case: Entrustment) -> None:
    photo = attachments.store(db, case, attachments.check_photo(JPEG), kind=AttachmentKind.MATERIAL,
                              uploaded_by=resident_actor(case.resident))
    photo.storage_key = "../../etc/passwd"
    with pytest.raises(NotFound):
        attachments.open_for(db, resident_actor(case.resident), photo.id)
