"""A family event's `data` in the words its request used: members by `nik`, never by number.

Inside the aggregate a member is a number (`member_no`), so a corrected NIK changes one event,
not every event that names the person; and a registration keeps its personal facts apart
(`identities`, sealed under the family key) from the rest (`members`). A client never sent
either: it names members by NIK. So the history translates, naming each member by the NIK it
had when the event was recorded (what the request said). After an erasure those NIKs decode as
null, and so they read here.
"""

from __future__ import annotations

from typing import Any

from casework.aggregates.event_names import event_facts
from casework.aggregates.family import Family

# Internal member numbers and the request fields that name the same member by NIK.
_BY_NIK = {
    "member_no": "member_nik",
    "recipient_member_no": "recipient_nik",
    "new_head_member_no": "new_head_nik",
}


class MemberNiks:
    """Each member's NIK as the family's events so far leave it (None once erased)."""

    def __init__(self) -> None:
        self._niks: dict[int, str | None] = {}

    def describe(self, event: Any) -> dict[str, Any]:
        """The event's data in request words; then learn the NIKs it gives or changes."""
        facts = event_facts(event)
        if isinstance(event, Family.Registered):
            data = self._registered(facts)
        elif isinstance(event, Family.MemberAdded):
            data = {k: v for k, v in facts.items() if k != "member_no"}
            self._niks[event.member_no] = event.nik
        elif isinstance(event, Family.MemberCorrected):
            # The path named the member by its NIK before; `nik` is the new one, if any.
            data = {"member_nik": self._niks.get(event.member_no), **_without_numbers(facts)}
            if event.nik is not None:
                self._niks[event.member_no] = event.nik
        else:
            data = {
                _BY_NIK.get(name, name): self._niks.get(value) if name in _BY_NIK else value
                for name, value in facts.items()
            }
        return data

    def _registered(self, facts: dict[str, Any]) -> dict[str, Any]:
        identities = {i["member_no"]: i for i in facts.pop("identities") or ()}
        members = []
        for member in facts.pop("members"):
            identity = identities.get(member["member_no"], {})
            nik = identity.get("nik")
            self._niks[member["member_no"]] = nik
            members.append(
                {
                    "nik": nik,
                    "name": identity.get("name"),
                    "sex": member["sex"],
                    "birth_date": identity.get("birth_date"),
                    "relationship": member["relationship"],
                }
            )
        return {**facts, "members": members}


def _without_numbers(facts: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in facts.items() if name not in _BY_NIK}
