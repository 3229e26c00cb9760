"""Photos of materials over HTTP: opened only by the resident, the village's helpers and its secretary;
the same "not found" for a guessed number as for someone else's photo; nothing under a served directory;
served as the type their bytes say, whatever the phone claimed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import Attachment
from app.web.pages import STATIC_DIR, WEB_DIR
from tests.factories import create_helper
from tests.images import PNG, kept
from tests.web.support import HELPER, OTHER_HELPER, OTHER_RESIDENT, RESIDENT, SECRETARY, Site, World, csrf_of, signed_in

GUIBEI = "500231001001"


@pytest.fixture
def photo(site: Site, world: World, db: Session) -> Attachment:
    """李秀英's entrustment with one photo, which her phone called a JPEG."""
    owner = signed_in(site, RESIDENT)
    page = owner.get("/h5/entrust", params={"village": GUIBEI, "matter": "linshi-zhengwu"}).text
    sent = owner.post("/h5/entrust", data={
        "csrf": csrf_of(page), "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
        "contact_phone": "13800138000", "description": "老伴住院", "for_whom": "self", "consent": "yes",
    }, files=[("photos", ("身份证.jpg", PNG, "image/jpeg"))])
    assert sent.status_code == 200
    found = db.scalar(select(Attachment))
    assert found is not None
    db.commit()
    return found


def test_the_resident_and_the_villages_helpers_open_the_photo_as_what_it_is(site: Site, photo: Attachment) -> None:
    for openid in (RESIDENT, HELPER, SECRETARY):
        response = signed_in(site, openid).get(f"/h5/files/{photo.id}")
        assert response.status_code == 200, openid
        assert response.content == kept(PNG) and response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"].startswith("private")


def test_anyone_else_is_told_it_is_not_found_exactly_as_for_a_guessed_number(site: Site, world: World,
                                                                            photo: Attachment, db: Session) -> None:
    far_secretary = create_helper(db, world.tree["chengxi_village"], "别村书记", openid="o_far_secretary",
                                  is_secretary=True)
    db.commit()
    answers = set()
    for openid in (OTHER_RESIDENT, OTHER_HELPER, far_secretary.openid or ""):
        browser = signed_in(site, openid)
        for attachment_id in (photo.id, photo.id + 1, 999_999):
            response = browser.get(f"/h5/files/{attachment_id}")
            assert response.status_code == 404, (openid, attachment_id)
            assert PNG not in response.content
            answers.add(response.text.split("<main")[1].split("</main>")[0])
    assert len(answers) == 1 and "找不到这张照片，或者您无权查看" in answers.pop()


def test_without_a_session_the_photo_sends_the_visitor_to_wechat_first(site: Site, photo: Attachment) -> None:
    with httpx.Client(base_url=site.url) as anonymous:
        response = anonymous.get(f"/h5/files/{photo.id}")
    assert response.status_code == 302 and "/connect/oauth2/authorize" in response.headers["location"]


def test_no_served_directory_holds_the_photos(site: Site, photo: Attachment) -> None:
    media = Path(get_settings().media_dir).resolve()
    for served in (STATIC_DIR, WEB_DIR):
        assert not media.is_relative_to(served.resolve()) and not served.resolve().is_relative_to(media)
    key = photo.storage_key
    browser = signed_in(site, RESIDENT)
    for guess in (f"/h5/static/{key}", f"/h5/static/{key[:2]}/{key}", f"/h5/static/../../../{key[:2]}/{key}",
                  f"/h5/files/{key}", f"/media/{key[:2]}/{key}", f"/h5/files/{photo.id}/../{key}"):
        response = browser.get(guess)
        assert response.status_code in (404, 422), guess
        assert PNG not in response.content, guess
