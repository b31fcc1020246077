"""The recipients read model: NIK digests only, and a rebuild equals the live tables."""

from __future__ import annotations

from builders import deliver, member, open_source, register
from casework.projections.recipients import RecipientsProjection
from casework.projections.runner import ProjectionRunner
from casework.service import Casework


def tables(app: Casework) -> list[tuple[str, ...]]:
    with app.db.transaction() as tx:
        tx.execute("SELECT * FROM recipient_members ORDER BY family_id, member_no")
        rows = [tuple(map(str, row)) for row in tx.fetchall()]
        tx.execute("SELECT * FROM recipient_deliveries ORDER BY delivery_id")
        return rows + [tuple(map(str, row)) for row in tx.fetchall()]


def test_recipients_hold_digests_not_niks_and_rebuild_to_the_same_rows(app: Casework) -> None:
    # given two families sharing one person, with a delivery to her in each
    source = open_source(app)
    person = member()
    families = [register(app, person), register(app, person)]
    for family in families:
        deliver(app, family.aggregate_id, source.aggregate_id, recipient_nik=person.nik)
    projection = RecipientsProjection()
    runner = ProjectionRunner(app, [projection], batch_size=3)
    # when the projection catches up
    runner.catch_up(projection)
    live = tables(app)
    # then both deliveries share one digest, and no NIK is stored
    with app.db.transaction() as tx:
        tx.execute("SELECT count(DISTINCT nik_digest), count(*) FROM recipient_deliveries")
        assert tuple(tx.fetchone() or ()) == (1, 2)
    assert person.nik not in repr(live)
    # and a rebuild gives the same rows
    runner.rebuild(projection)
    assert tables(app) == live
