"""Two people acting on one case at the same moment: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EntrustmentEvent
from tests.factories import api_key, create_helper, create_matter, create_tree
from tests.live import serve


@pytest.fixture(scope="module")
def base_url(database_url: str) -> Iterator[str]:
    from app.main import create_app

    with serve(create_app()) as url:
        yield url


def _race(requests: list[tuple[httpx.Client, str, dict[str, object]]]) -> list[int]:
    barrier = threading.Barrier(len(requests))
    codes: list[int] = [0] * len(requests)

    def run(i: int, client: httpx.Client, path: str, body: dict[str, object]) -> None:
        barrier.wait()
        codes[i] = client.post(path, json=body).status_code

    threads = [threading.Thread(target=run, args=(i, *req)) for i, req in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.mark.postgres_only
def test_accept_and_decline_at_the_same_moment_one_wins(db: Session, base_url: str, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL; SQLite serialises every write transaction")
    tree = create_tree(db)
    create_matter(db)
    helper = create_helper(db, tree["guibei"])
    helper_key = api_key(db, "helper", helper=helper)
    platform_key = api_key(db, "county_admin")
    db.commit()
    platform = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {platform_key}"}, timeout=30)
    clients = [httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {helper_key}"}, timeout=30)
               for _ in range(2)]
    body = {"village_code": "500231001001", "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "急需帮助", "channel": "wechat"}
    for _ in range(8):
        case = platform.post("/api/v1/entrustments", json=body).json()
        path = f"/api/v1/entrustments/{case['id']}"
        codes = _race([(clients[0], f"{path}/accept", {}),
                       (clients[1], f"{path}/decline", {"reason": "不属于救助范围"})])
        assert sorted(codes) == [200, 409], codes
        db.expire_all()
        kinds = db.scalars(select(EntrustmentEvent.kind).where(EntrustmentEvent.entrustment_id == case["id"],
                                                               EntrustmentEvent.kind.in_(["accept", "decline"]))).all()
        assert len(kinds) == 1
    for client in [platform, *clients]:
        client.close()
