"""The audit trail's summaries: its quick per-class way of showing fields keeps to the rule.

`_shown(name, plain value)` is the rule for what a field shows; the trail takes common values
a quicker way (worked out per event class). These tests hold the quick way to the rule: for
every event the demo stores, and for any value a field of any name might hold.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.aggregates.event_names import ENVELOPE, event_type
from casework.cli.demo import load_demo
from casework.projections.audit_trail import (
    _COUNTED,
    AuditTrailProjection,
    Show,
    _show_for,
    _show_text,
    _shown,
)
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store


def summary_by_the_rule(event: Any) -> str:
    """What the summary was before the quick way: every non-personal field through `_shown`."""
    personal = getattr(type(event), "PERSONAL_FIELDS", ())
    facts = []
    for field in dataclasses.fields(event):
        if field.name in ENVELOPE or field.name in personal:
            continue
        value = getattr(event, field.name)
        plain = value if field.name in _COUNTED else msgspec.to_builtins(value)
        shown = _shown(field.name, plain)
        if shown is not None:
            facts.append(f"{field.name}={shown}")
    kind = event_type(event)
    return f"{kind}: {', '.join(facts)}" if facts else kind


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('trail') / 'x.db'}")
    migrate_store(store)
    app = Casework(store)
    load_demo(app, families=20)
    yield app
    app.close()


def test_every_demo_event_is_summarised_as_the_rule_says(demo_app: Casework) -> None:
    # given the demo's history, every kind of change among it, in the audit trail
    projection = AuditTrailProjection()
    ProjectionRunner(demo_app, [projection]).catch_up(projection)
    with demo_app.db.transaction() as tx:
        tx.execute(
            "SELECT s.originator_id, s.originator_version, s.topic, s.state, a.summary "
            "FROM stored_events s JOIN audit_trail a ON a.position = s.position"
        )
        rows = tx.fetchall()
    topics = {row[2] for row in rows}
    assert len(topics) >= 10, topics
    # then each row's summary is the rule's, on the event as the trail decodes it
    for originator_id, version, topic, state, summary in rows:
        stored = StoredEvent(UUID(str(originator_id)), version, topic, bytes(state))
        event = demo_app.mapper.to_domain_event(stored, with_personal=False)
        assert summary == summary_by_the_rule(event), topic


FIELD_NAMES = st.sampled_from(
    ["items", "members", "value_idr", "member_no", "fiscal_year", "desil", "delivery_id",
     "delivered_on", "program", "programs", "area_code", "source", "reason", "address", "note"]
)  # fmt: skip
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.uuids() | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
    max_leaves=6,
)


def shown_or_error(show: Show, name: str, value: Any) -> str | type[Exception] | None:
    """What `show` makes of the value, or TypeError: the rule cannot join a list of codes
    that are not text, and then neither may the quick way."""
    try:
        return show(name, value)
    except TypeError:
        return TypeError


@settings(max_examples=500)  # a few milliseconds each
@given(name=FIELD_NAMES, value=VALUES)
def test_the_quick_way_shows_any_value_as_the_rule_does(name: str, value: Any) -> None:
    plain = value if name in _COUNTED else msgspec.to_builtins(value)
    by_rule = shown_or_error(_shown, name, plain)
    show = _show_for(name)
    if show is None:
        assert by_rule is None  # a field left out would never have shown
    else:
        assert shown_or_error(show, name, value) == by_rule


def test_dates_and_ids_show_as_text_and_free_text_not_at_all() -> None:
    day, some_id = date(2025, 3, 1), UUID(int=7)
    assert shown_or_error(_show_text, "delivered_on", day) == "2025-03-01"
    assert shown_or_error(_show_text, "family_id", some_id) == str(some_id)
    assert _show_for("reason") is None
