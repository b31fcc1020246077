"""What every read-model endpoint does first: honour `min_position`, then say where it reads.

A client that wrote at position N and reads with `?min_position=N` waits (at most 5 s) until
the read model has processed N; past that it gets 503 with `Retry-After`.
"""

from __future__ import annotations

from litestar.exceptions import ServiceUnavailableException

from casework.projections import tracking
from casework.projections.waiting import projected_position, wait_for_position
from casework.service import Casework

RETRY_AFTER_SECONDS = 1


def read_model_position(casework: Casework, projection: str, min_position: int | None) -> int:
    """The position the read model reflects, once it has reached `min_position`."""
    if min_position is None:
        return projected_position(casework.db, projection)
    # A position the store has not reached was never given out: waiting would only delay the
    # same answer by 5 seconds.
    beyond_head = min_position > tracking.head_position(casework.db)
    if beyond_head or not wait_for_position(casework.db, projection, min_position):
        raise ServiceUnavailableException(
            f"the {projection} read model has not reached position {min_position} yet",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return projected_position(casework.db, projection)
