"""A caseworker's request on a family reads it once: the guard's load serves the command.

Authentication loads the family to judge the caseworker's areas and hands it to the request's
first load (casework.aggregates.base.Preloaded, carried by the request's Cause). These tests
count the store's reads of the family, and check that a write landing between that load and
the command is neither lost nor overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from api_client import Api, delivery_body

from builders import deliver, open_source, register
from casework.aggregates.base import Preloaded
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.service import Casework


def count_reads(api: Api, monkeypatch: pytest.MonkeyPatch, family_id: UUID) -> list[int]:
    """A list that grows by one each time the store (or its cache) is read for the family."""
    reads: list[int] = []
    get = api.casework.repository.get

    def counted(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        if aggregate_id == family_id:
            reads.append(1)
        return get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(api.casework.repository, "get", counted)
    return reads


def test_a_caseworkers_delivery_reads_the_family_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a family in the caseworker's village and a source
    family_id = register(api.casework).aggregate_id
    source_id = open_source(api.casework).aggregate_id
    reads = count_reads(api, monkeypatch, family_id)
    # when the caseworker records a delivery to it, then reads it
    delivered = api.post(
        f"/families/{family_id}/aid-deliveries", delivery_body(str(source_id)), who="kader"
    )
    read = api.get(f"/families/{family_id}", who="kader")
    # then each request read the family once: the guard's load served the handler
    assert delivered.status_code == 201, delivered.text
    assert read.status_code == 200
    assert len(reads) == 2


def write_once_after_the_guard(
    api: Api, monkeypatch: pytest.MonkeyPatch, family_id: UUID, write: Callable[[], object]
) -> None:
    """Make `write` happen right after the first read of the family (the guard's)."""
    get = api.casework.repository.get
    pending = [write]

    def then_write(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loaded = get(aggregate_id, *args, **kwargs)
        if aggregate_id == family_id and pending:
            pending.pop()()
        return loaded

    monkeypatch.setattr(api.casework.repository, "get", then_write)


@pytest.mark.parametrize("writer", ["this process", "another process"])
def test_a_write_between_the_guard_and_the_command_is_kept(
    api: Api, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    # given a family whose guard-loaded state goes stale: another delivery lands right after,
    # from this process (which then knows the hand-over is stale and reads the store) or from
    # another (unknown here: the command loses its version race and is retried)
    family_id = register(api.casework).aggregate_id
    source_id = open_source(api.casework).aggregate_id
    other_app = Casework(api.casework.settings) if writer == "another process" else api.casework
    other = uuid4()
    write_once_after_the_guard(
        api,
        monkeypatch,
        family_id,
        lambda: deliver(other_app, family_id, source_id, delivery_id=other, period="2025-07"),
    )
    # when the caseworker records its own delivery
    body = delivery_body(str(source_id))
    try:
        answer = api.post(f"/families/{family_id}/aid-deliveries", body, who="kader")
    finally:
        if other_app is not api.casework:
            other_app.close()
    # then both deliveries are kept, each drawn once
    assert answer.status_code == 201, answer.text
    family = api.casework.load(Family, family_id)
    assert set(family.deliveries) == {other, UUID(body["delivery_id"])}
    assert family.version == 3
    assert api.casework.load(FundingSource, source_id).draws_count == 2


def test_a_pin_made_stale_between_the_guard_and_the_command_answers_412(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a family at version 1 whose guard-loaded state goes stale as above
    family_id = register(api.casework).aggregate_id
    source_id = open_source(api.casework).aggregate_id
    write_once_after_the_guard(
        api, monkeypatch, family_id, lambda: deliver(api.casework, family_id, source_id)
    )
    # when the caseworker's delivery pins version 1, which was current when it was sent
    answer = api.post(
        f"/families/{family_id}/aid-deliveries",
        delivery_body(str(source_id)),
        who="kader",
        If_Match='"1"',
    )
    # then the pin is stale by the time the command saves: 412, and only the other delivery
    assert answer.status_code == 412, answer.text
    assert len(api.casework.load(Family, family_id).deliveries) == 1


def test_a_handed_over_aggregate_is_taken_once_and_only_for_its_id(api: Api) -> None:
    family = api.casework.load(Family, register(api.casework).aggregate_id)
    preloaded = Preloaded(family)
    assert preloaded.take(uuid4()) is None
    assert preloaded.take(family.id) is family
    assert preloaded.take(family.id) is None
