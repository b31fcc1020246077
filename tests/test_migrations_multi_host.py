"""`casework migrate` on a libpq multi-host URL, as a cell run by Patroni is reached."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from casework.store.bootstrap import migrate_store
from casework.store.database import open_database
from casework.store.migrations import pending_migrations
from conftest import postgres_settings


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.postgres
def test_migrate_follows_libpq_to_the_host_that_answers(postgres_url: str) -> None:
    # given a URL whose first host refuses connections and whose second is the server
    server = urlsplit(postgres_url)
    settings = postgres_settings(postgres_url, "multihost")
    url = settings.database_url.replace(
        f"@{server.hostname}:{server.port}",
        f"@127.0.0.1:{_closed_port()},{server.hostname}:{server.port}",
        1,
    )
    url += "&target_session_attrs=read-write"
    multi = type(settings)(database_url=url, master_key=settings.master_key)
    assert "," in urlsplit(multi.database_url).netloc

    # when it is migrated through that URL
    applied = migrate_store(multi)

    # then every migration was applied on the server that answered
    assert applied
    db = open_database(settings.database)
    try:
        assert pending_migrations(db) == []
    finally:
        db.close()
