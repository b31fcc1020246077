"""Unique claims taken or released atomically with the events that cause them.

A claim reserves a value for one aggregate across the whole store: an active KK number (by
HMAC), a delivery id, a funding-source code, an UPPKA group code. Claims live in an ordinary
table written in the event transaction, so no index aggregate holds personal data forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Claim:
    scope: str
    key: str
    owner_id: UUID


@dataclass(frozen=True)
class Release:
    scope: str
    key: str
    owner_id: UUID


@dataclass(frozen=True)
class ClaimChanges:
    take: tuple[Claim, ...] = ()
    release: tuple[Release, ...] = ()


class ClaimTaken(Exception):
    """Another aggregate already holds this claim; nothing was written."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(f"{claim.scope} already claimed")
        self.claim = claim
