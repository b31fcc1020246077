"""Funding sources' codes and names by id, for files that print a source beside its id.

Read from the funding-source list; a source that read model has not reached yet is loaded
from its aggregate, so a file never shows a source without its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from casework.aggregates.funding_source import FundingSource
from casework.service import Casework
from casework.store.database import uuid_from_row


def source_names(app: Casework, ids: Iterable[UUID]) -> dict[UUID, tuple[str, str]]:
    """(code, name) of each source in `ids`."""
    wanted = set(ids)
    names: dict[UUID, tuple[str, str]] = {}
    if not wanted:
        return names
    with app.db.transaction() as tx:
        tx.execute("SELECT funding_source_id, code, name FROM funding_source_list")
        for source_id, code, name in tx.fetchall():
            if (found := uuid_from_row(source_id)) in wanted:
                names[found] = (code, name)
    for missing in wanted - names.keys():
        source = app.load(FundingSource, missing)
        names[missing] = (source.code, source.name)
    return names
