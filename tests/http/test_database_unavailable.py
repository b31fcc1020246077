"""A database that does not answer is a 503 with Retry-After, not an internal error."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from api_client import Api, source_body


def test_a_lost_database_answers_503_and_keeps_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that has just gone away
    def down(*_: Any, **__: Any) -> Any:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(api.casework, "open_funding_source", down)
    # when a command is sent under an idempotency key
    body = source_body()
    refused = api.post("/funding-sources", body, who="finance", Idempotency_Key="k-1")
    # then the answer says "try again", and the retry (database back) runs for real
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["type"] == "unavailable"
    monkeypatch.undo()
    retried = api.post("/funding-sources", body, who="finance", Idempotency_Key="k-1")
    assert retried.status_code == 201, retried.text
