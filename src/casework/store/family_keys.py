"""Per-family data keys, kept wrapped outside the events so erasure can destroy them."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from uuid import UUID

import psycopg

from casework.store.crypto import KEY_BYTES, MasterKey, MasterKeyError
from casework.store.database import Database, Transaction, any_of, uuid_from_row

# Ids per preload query: within SQLite's default limit of bound parameters, and a sane IN list.
PRELOAD_CHUNK = 500


class FamilyErased(RuntimeError):
    """The family's key was destroyed: no personal data can be written for it again."""


class KeyAlreadyStored(RuntimeError):
    """A key made for a new family met a stored one (an id reused): nothing was stored."""


class FamilyKeys:
    """Get-or-create data keys; a small short-lived cache spares one query per decoded event.

    The cache is bounded in size and age so that an erasure done by another process stops
    decryption here within seconds; an erasure done in this process calls `forget`, after
    which no thread is served the destroyed key again.
    """

    def __init__(
        self, db: Database, master: MasterKey, *, cache_size: int = 4096, ttl: float = 5.0
    ) -> None:
        self._db = db
        self._master = master
        self._cache: OrderedDict[UUID, tuple[float, bytes]] = OrderedDict()
        self._cache_size = cache_size
        self._ttl = ttl
        self._lock = threading.Lock()
        # Bumped by every `forget`: a key loaded before an erasure committed must not be
        # cached after the erasure evicted it (another thread may be loading it right now).
        self._forgotten = 0

    def check_master_key(self, *, record_if_absent: bool) -> None:
        """Refuse a master key that is not the one this database's keys were wrapped with."""
        with self._db.transaction() as tx:
            tx.execute("SELECT fingerprint FROM master_key_check")
            row = tx.fetchone()
            if row is None:
                if not record_if_absent:
                    raise MasterKeyError("this database has no master key recorded; run migrate")
                tx.execute(
                    "INSERT INTO master_key_check (singleton, fingerprint) VALUES (%s, %s)",
                    (True, self._master.fingerprint),
                )
            elif row[0] != self._master.fingerprint:
                raise MasterKeyError("the master key does not match the one this database uses")

    def key_for(self, family_id: UUID, *, create: bool) -> bytes | None:
        """The family's data key; None when it has none (or it was erased) and not `create`."""
        cached = self._cached(family_id)
        if cached is not None:
            return cached
        generation = self._forgotten
        known, key = self._load(family_id)
        if key is None and create:
            if known:
                raise FamilyErased(f"family {family_id} has had its personal data erased")
            key = self._create(family_id)
        if key is not None:
            self._remember(family_id, key, generation)
        return key

    def new_key(self, family_id: UUID) -> bytes:
        """A fresh data key for a family about to be registered, cached here to seal its
        first events at once; returned wrapped, for the write of those events to store with
        them (`Write.new_keys`, `store_keys`), so the key commits with its family or not at
        all. The caller seals at once: the cache keeps the key for seconds only."""
        key = secrets.token_bytes(KEY_BYTES)
        self._remember(family_id, key, self._forgotten)
        return self._master.wrap(key, family_id.bytes)

    def preload(self, family_ids: Sequence[UUID]) -> None:
        """Load the keys of many families in one query (a projection batch about to decode
        their events), so decoding does not ask the database once per family."""
        generation = self._forgotten
        missing = sorted({fid for fid in family_ids if self._cached(fid) is None})
        for start in range(0, len(missing), PRELOAD_CHUNK):
            chunk = missing[start : start + PRELOAD_CHUNK]
            match, params = any_of("family_id", chunk, postgres=self._db.location.is_postgres)
            with self._db.single_read() as tx:
                tx.execute(
                    f"SELECT family_id, wrapped_key FROM family_keys WHERE {match} "
                    "AND wrapped_key IS NOT NULL",
                    params,
                )
                rows = tx.fetchall()
            for family_id, wrapped in rows:
                fid = uuid_from_row(family_id)
                self._remember(fid, self._master.unwrap(bytes(wrapped), fid.bytes), generation)

    def forget(self, family_id: UUID) -> None:
        """Drop the family's key from the cache for good (its row was just destroyed)."""
        with self._lock:
            self._cache.pop(family_id, None)
            self._forgotten += 1

    def _load(self, family_id: UUID) -> tuple[bool, bytes | None]:
        """(whether a key row exists, the unwrapped key unless it was destroyed)."""
        with self._db.single_read() as tx:
            tx.execute(
                "SELECT wrapped_key, erased_at FROM family_keys WHERE family_id = %s",
                (family_id,),
            )
            row = tx.fetchone()
        if row is None:
            return False, None
        if row[0] is None:
            return True, None
        return True, self._master.unwrap(bytes(row[0]), family_id.bytes)

    def _create(self, family_id: UUID) -> bytes:
        key = secrets.token_bytes(KEY_BYTES)
        wrapped = self._master.wrap(key, family_id.bytes)
        # Committed on its own, before the events that use it: an orphan key (events rolled
        # back) is harmless, an event without its key would be unreadable.
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO family_keys (family_id, wrapped_key) VALUES (%s, %s) "
                "ON CONFLICT (family_id) DO NOTHING",
                (family_id, wrapped),
            )
        # Another writer may have won the race; whichever key is stored is the key.
        _, stored = self._load(family_id)
        if stored is None:
            raise FamilyErased(f"family {family_id} has had its personal data erased")
        return stored

    def _cached(self, family_id: UUID) -> bytes | None:
        with self._lock:
            entry = self._cache.get(family_id)
            if entry is None:
                return None
            stored_at, key = entry
            if time.monotonic() - stored_at > self._ttl:
                del self._cache[family_id]
                return None
            return key

    def _remember(self, family_id: UUID, key: bytes, generation: int) -> None:
        with self._lock:
            if generation != self._forgotten:
                return  # an erasure happened while this key was loaded: it may be the one
            self._cache[family_id] = (time.monotonic(), key)
            self._cache.move_to_end(family_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def store_keys(tx: Transaction, wrapped: Sequence[tuple[UUID, bytes]]) -> None:
    """Store new families' wrapped keys (`FamilyKeys.new_key`) in the transaction of the events
    sealed under them: both commit or neither, so no event is ever without its key. No
    ON CONFLICT: an id that has a key already fails the whole write (KeyAlreadyStored)."""
    tx.insert_rows("family_keys", (("family_id", "uuid"), ("wrapped_key", "bytea")), wrapped)


def is_key_collision(error: Exception) -> bool:
    """Whether a failed write met a stored key (`store_keys`)."""
    if isinstance(error, psycopg.errors.UniqueViolation):
        return error.diag.constraint_name == "family_keys_pkey"
    return "family_keys.family_id" in str(error)


def destroy_keys(tx: Transaction, family_ids: Sequence[UUID], *, postgres: bool) -> None:
    """Destroy the families' keys inside the caller's transaction (the erasure's events).

    The row stays, with no key and the instant of erasure, so the family can never be given
    a fresh key; a family that never had a key gets such a row too.
    """
    now = "now()" if postgres else "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    for family_id in family_ids:
        tx.execute(
            "INSERT INTO family_keys (family_id, wrapped_key, erased_at) "
            f"VALUES (%s, NULL, {now}) ON CONFLICT (family_id) "
            "DO UPDATE SET wrapped_key = NULL, erased_at = excluded.erased_at",
            (family_id,),
        )
