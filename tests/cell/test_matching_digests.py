"""Matching digests under CASEWORK_MATCHING_KEY: written with their events, deleted with what
ends them, made by `migrate` for a store that had none (issue 24)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from builders import CAUSE, OTHER_VILLAGE, deliver, member, next_kk, open_source, register
from casework.aggregates.family import Family
from casework.errors import Conflict
from casework.service import Casework
from casework.settings import ConfigurationError, Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import uuid_from_row
from cell_stores import MATCHING_KEY, unique_cell_name
from conftest import postgres_settings, sqlite_settings
from test_family_import import generated, run_import

KEY = base64.b64decode(MATCHING_KEY)


def kk_digest(kk_number: str) -> bytes:
    return hmac.digest(KEY, b"kk:" + kk_number.encode(), "sha256")


def nik_digest(nik: str, program: str, period: str) -> bytes:
    return hmac.digest(KEY, f"nik:{nik}:{program}:{period}".encode(), "sha256")


@pytest.fixture(params=["sqlite", "postgres"])
def plain_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A store's settings on either backend, without a matching key."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return postgres_settings(request.getfixturevalue("postgres_url"), unique_cell_name())
    return sqlite_settings(tmp_path)


@pytest.fixture
def keyed(plain_settings: Settings) -> Iterator[Casework]:
    """A store with CASEWORK_MATCHING_KEY, migrated."""
    settings = replace(plain_settings, matching_key=MATCHING_KEY)
    migrate_store(settings)
    app = Casework(settings)
    yield app
    app.close()


def kk_rows(app: Casework) -> set[tuple[bytes, UUID]]:
    with app.db.transaction() as tx:
        tx.execute("SELECT digest, family_id FROM kk_digests")
        return {(bytes(row[0]), uuid_from_row(row[1])) for row in tx.fetchall()}


def recipient_rows(app: Casework) -> set[tuple[UUID, bytes, UUID, str, str]]:
    with app.db.transaction() as tx:
        tx.execute("SELECT delivery_id, digest, family_id, program, period FROM recipient_digests")
        return {
            (uuid_from_row(r[0]), bytes(r[1]), uuid_from_row(r[2]), str(r[3]), str(r[4]))
            for r in tx.fetchall()
        }


def test_without_a_key_no_digest_is_written(plain_settings: Settings) -> None:
    # given a store without CASEWORK_MATCHING_KEY
    migrate_store(plain_settings)
    app = Casework(plain_settings)
    try:
        # when a family is registered and served
        head = member()
        family = register(app, head).aggregate_id
        deliver(app, family, open_source(app).aggregate_id, recipient_nik=head.nik)
        # then no digest exists
        assert kk_rows(app) == set()
        assert recipient_rows(app) == set()
    finally:
        app.close()


def test_digests_are_written_with_their_events(keyed: Casework) -> None:
    # given a registered family, served through its head
    head = member()
    kk = next_kk()
    family = register(keyed, head, kk_number=kk).aggregate_id
    source = open_source(keyed).aggregate_id
    delivery = deliver(keyed, family, source, recipient_nik=head.nik, period="2025-08")
    delivery_id = next(iter(keyed.load(Family, family).deliveries))
    # then its KK and the delivery's recipient have their digests
    assert kk_rows(keyed) == {(kk_digest(kk), family)}
    assert recipient_rows(keyed) == {
        (delivery_id, nik_digest(head.nik, "ina_kasih", "2025-08"), family, "ina_kasih", "2025-08")
    }
    assert delivery.position > 0
    # and a registration refused (its KK is taken) leaves no digest behind
    with pytest.raises(Conflict):
        register(keyed, member(), kk_number=kk)
    assert kk_rows(keyed) == {(kk_digest(kk), family)}


def test_a_void_deletes_the_delivery_digest(keyed: Casework) -> None:
    head = member()
    family = register(keyed, head).aggregate_id
    deliver(keyed, family, open_source(keyed).aggregate_id, recipient_nik=head.nik)
    delivery_id = next(iter(keyed.load(Family, family).deliveries))
    assert len(recipient_rows(keyed)) == 1
    # when the delivery is voided, then its digest is gone
    keyed.void_delivery(CAUSE, family, delivery_id, reason="salah input")
    assert recipient_rows(keyed) == set()


def test_a_relocation_with_a_new_kk_replaces_the_kk_digest(keyed: Casework) -> None:
    old_kk, new_kk = next_kk(), next_kk()
    family = register(keyed, kk_number=old_kk).aggregate_id
    # when the family moves and is given a new KK
    keyed.relocate_family(
        CAUSE, family, area_code=OTHER_VILLAGE, address="Jl. Baru 1", kk_number=new_kk
    )
    # then only the new KK's digest stands
    assert kk_rows(keyed) == {(kk_digest(new_kk), family)}


def test_the_last_member_leaving_frees_the_kk_digest(keyed: Casework) -> None:
    head = member()
    family = register(keyed, head).aggregate_id
    # when the only member moves away, then the KK is no longer active
    keyed.depart_member(CAUSE, family, head.nik, reason="moved_out", on=date(2025, 9, 1))
    assert kk_rows(keyed) == set()


def test_an_erasure_deletes_every_digest_of_the_family(keyed: Casework) -> None:
    # given two families, each served
    source = open_source(keyed).aggregate_id
    heads = [member(), member()]
    families = [register(keyed, head).aggregate_id for head in heads]
    for family, head in zip(families, heads, strict=True):
        deliver(keyed, family, source, recipient_nik=head.nik)
    # when the first is erased
    keyed.erase_family(CAUSE, families[0], reason="permintaan", request_reference="REQ-1")
    # then its digests are gone and the other's stay
    assert {row[1] for row in kk_rows(keyed)} == {families[1]}
    assert {row[2] for row in recipient_rows(keyed)} == {families[1]}


def test_migrate_makes_the_digests_of_an_existing_store(plain_settings: Settings) -> None:
    # given a store with families and deliveries, made without a key
    migrate_store(plain_settings)
    app = Casework(plain_settings)
    heads = [member(), member(), member()]
    kks = [next_kk() for _ in heads]
    families = [register(app, h, kk_number=k).aggregate_id for h, k in zip(heads, kks, strict=True)]
    source = open_source(app).aggregate_id
    for family, head in zip(families, heads, strict=True):
        deliver(app, family, source, recipient_nik=head.nik, period="2025-07")
    voided = next(iter(app.load(Family, families[0]).deliveries))
    app.void_delivery(CAUSE, families[0], voided, reason="salah input")
    app.erase_family(CAUSE, families[2], reason="permintaan", request_reference="REQ-2")
    app.close()
    keyed_settings = replace(plain_settings, matching_key=MATCHING_KEY)
    # when a process with the key starts before migrate, then it is told to migrate
    with pytest.raises(ConfigurationError, match="run `casework migrate`"):
        Casework(keyed_settings)
    # when migrate runs with the key
    notes: list[str] = []
    migrate_store(keyed_settings, report=notes)
    app = Casework(keyed_settings)
    try:
        # then the active KKs and the standing, not erased deliveries have their digests
        assert kk_rows(app) == {(kk_digest(kks[0]), families[0]), (kk_digest(kks[1]), families[1])}
        delivery = next(iter(app.load(Family, families[1]).deliveries))
        assert recipient_rows(app) == {
            (
                delivery,
                nik_digest(heads[1].nik, "ina_kasih", "2025-07"),
                families[1],
                "ina_kasih",
                "2025-07",
            )
        }
        assert "2 active KK numbers, 1 delivery recipients, from 3 families" in notes[-1]
    finally:
        app.close()
    # and a process without the key, or with another, is refused
    with pytest.raises(ConfigurationError, match="set CASEWORK_MATCHING_KEY"):
        Casework(plain_settings)
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    with pytest.raises(ConfigurationError, match="not made with this CASEWORK_MATCHING_KEY"):
        Casework(replace(plain_settings, matching_key=other))


def test_an_import_writes_the_kk_digests(keyed: Casework) -> None:
    counts, _ = run_import(keyed, generated(6))
    assert counts.imported == 6
    with keyed.db.transaction() as tx:
        tx.execute("SELECT count(*) FROM unique_claims WHERE scope = 'kk'")
        row = tx.fetchone()
    assert row is not None
    assert len(kk_rows(keyed)) == row[0] == 6


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused(tmp_path: Path, key: str) -> None:
    settings = replace(sqlite_settings(tmp_path), matching_key=key)
    with pytest.raises(ConfigurationError, match="CASEWORK_MATCHING_KEY must be base64 of 32"):
        migrate_store(settings)
