"""Personal-data erasure (UU PDP No. 27/2022): crypto-shredding a family's case file.

One transaction records `PersonalDataErased`, releases the family's KK claim and destroys its
data key (the recorder does all three under the insert lock, as it applies claims), so there is
never an erased family whose key or KK claim survives, nor a destroyed key without its event.
The events stay byte for byte, so the hash chain still verifies; their personal fields decode
as null from then on, in this process and (within the key cache's few seconds) in others.

After the commit this process forgets the key and the cached aggregate (which holds decrypted
names); brings each read model with personal tables (`personal_tables`: the family index, the
recipients' NIK digests) up to the erasure itself, rather than waiting for the background
runner; and then purges the old bytes from the database files (casework.store.purge). The
purge cannot undo the erasure: what it could not do is reported, logged and left to the
operator.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from uuid import UUID

import structlog

from casework.aggregates.base import Cause
from casework.aggregates.family import Family
from casework.application import Saved
from casework.commands.families import FamilyCommands
from casework.projections import tracking
from casework.projections.base import Projection
from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.store.claims import ClaimChanges, Release
from casework.store.purge import Purge, purge_erased
from casework.validation.field_checks import FieldChecks

log = structlog.get_logger("casework.erasure")


@dataclass(frozen=True)
class Erasure(Saved):
    """What an erasure reports: the write, the KK claim released, and what the purge did."""

    kk_released: bool = False
    purge: Purge = field(default_factory=Purge)


class ErasureCommands(FamilyCommands):
    def erase_family(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        reason: str,
        request_reference: str,
        expected_version: int | None = None,
    ) -> Erasure:
        checks = FieldChecks()
        checks.text(reason, "reason", max_length=500)
        checks.text(request_reference, "request_reference", max_length=200)
        checks.done()

        def attempt() -> tuple[Saved, bool]:
            family = self.load(Family, family_id, expected_version, cause)
            kk_number = family.kk_number  # gone from the aggregate once the event applies
            family.erase_personal_data(
                cause, reason=reason, request_reference=request_reference, on=self.today()
            )
            # Only the family's own claim is released (an inactive family's KK may be
            # another's by now; the release names this family as the owner).
            releases = tuple(
                Release("kk", self.kk_claim_key(kk), family_id) for kk in [kk_number] if kk
            )
            position = self.save_all(
                family,
                claims=ClaimChanges(release=releases),
                destroyed_keys=(family_id,),
                cause=cause,
            )
            # Not Saved.of: the answer is rendered from the store, where the destroyed key
            # leaves nothing to decrypt, as every later read and replay will see it.
            return Saved(family_id, family.version, position), bool(releases)

        saved, kk_released = self.retrying(attempt, saving=(family_id,))
        self._forget(family_id)
        purge = self.purge_personal_data(saved.position)
        if purge.failed:
            log.error("erasure purge incomplete", family_id=str(family_id), failed=purge.failed)
        return Erasure(
            family_id, saved.version, saved.position, kk_released=kk_released, purge=purge
        )

    def _forget(self, family_id: UUID) -> None:
        """Nothing in this process may serve the family's decrypted data again."""
        self.keys.forget(family_id)
        # The cached aggregate would be fast-forwarded past the erasure before it is served,
        # but until then it holds the names in memory: drop it, the next load replays. (A load
        # racing the erasure may cache a copy from before it; that too is fast-forwarded past
        # the erasure before anyone is served from it.)
        cache = self.repository.cache
        if cache is not None:
            with suppress(KeyError):
                cache.get(family_id, evict=True)

    def purge_personal_data(self, position: int | None = None) -> Purge:
        """Bring each read model with personal tables up to `position` (default: the head),
        then purge the database files; again after an erasure whose purge did not finish."""
        target = tracking.head_position(self.db) if position is None else position
        # The key, the keyed digest of the KK number its claim held, and the matching digests
        # of its KK and recipients (keyed too, but one guessed NIK or KK could be confirmed).
        tables: list[str] = ["family_keys", "unique_claims", "kk_digests", "recipient_digests"]
        pending: list[str] = []
        for projection in all_projections():
            personal: tuple[str, ...] = getattr(projection, "personal_tables", ())
            if personal and self._caught_up(projection, target):
                tables += personal
            elif personal:
                pending.append(f"{', '.join(personal)}: {projection.name} is behind")
        try:
            purge = purge_erased(self.settings, tables)
        except Exception as error:  # the erasure stands; say what is left to do
            purge = Purge(failed=(f"purge: {type(error).__name__}",))
        return Purge(purge.done, purge.failed + tuple(pending))

    def _caught_up(self, projection: Projection, position: int) -> bool:
        try:
            # Safe beside the background runner: the two take turns on the position lock.
            ProjectionRunner(self, [projection]).catch_up(projection)
        except Exception as error:
            log.error(
                "read model not brought up to an erasure",
                projection=projection.name,
                error_type=type(error).__name__,
            )
        return tracking.positions(self.db).get(projection.name, 0) >= position
