"""Every error answer of the API has one documented shape (``ErrorOut``), and an unexpected error's number is
the request id its log lines carry, so an operator can find what went wrong from what the caller saw."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api_errors import ErrorOut
from app.regions import repository
from tests.factories import api_key


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    from app.main import create_app

    key = api_key(db, "county_admin")
    db.commit()
    with TestClient(create_app(), raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {key}"}) as test_client:
        yield test_client


def test_every_documented_error_answer_has_the_error_body(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    documented = 0
    for path, operations in document["paths"].items():
        for name, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, name, status)
                    documented += 1
    assert documented > 50  # every operation documents several


def test_an_unexpected_error_answers_with_the_request_id_of_its_log_lines(
        client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the region table is unreadable")

    monkeypatch.setattr(repository, "listing", broken)
    with caplog.at_level(logging.ERROR, logger="bangban.api"):
        response = client.get("/api/v1/regions", headers={"X-Request-ID": "edge-7f3a91"})

    assert response.status_code == 500
    body = ErrorOut.model_validate(response.json())
    assert body.code == "internal_error" and body.request_id == "edge-7f3a91"
    assert "edge-7f3a91" in body.message and response.headers["x-request-id"] == "edge-7f3a91"
    logged = [record for record in caplog.records if "edge-7f3a91" in record.getMessage()]
    assert logged and logged[0].exc_info and "the region table is unreadable" in str(logged[0].exc_info[1])


def test_refusals_fit_the_error_body(client: TestClient) -> None:
    for path in ("/api/v1/entrustments/999999", "/api/v1/regions?level=planet", "/api/v1/nowhere"):
        response = client.get(path)
        assert response.status_code in (404, 422)
        ErrorOut.model_validate(response.json())
    with pytest.raises(ValidationError):
        ErrorOut.model_validate({"message": "没有 code 的回答不合格式"})
