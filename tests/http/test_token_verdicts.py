"""Token verdicts are kept a few seconds, and revocation is respected as API.md says: at once
in the process that revoked, within 5 seconds in every other process of the deployment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from api_client import running_api
from litestar.testing import TestClient

from casework.access.token_cache import TTL, TokenVerdicts
from casework.access.users import UserStore
from casework.http.app import create_app
from casework.service import Casework

REVOCATION_DELAY_ALLOWED = 5.0  # seconds, API.md "Revocation"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def second_process(casework: Casework, clock: FakeClock) -> Iterator[TestClient[Any]]:
    """Another server process of the same deployment: its own service and token cache over the
    same store."""
    other = Casework(casework.settings)
    try:
        app = create_app(other.settings, other, verdicts=TokenVerdicts(clock=clock))
        with TestClient(app) as client:
            yield client
    finally:
        other.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_cache_forgets_within_the_allowed_delay() -> None:
    assert TTL < REVOCATION_DELAY_ALLOWED


def test_a_revocation_is_seen_at_once_here_and_within_5_seconds_elsewhere(
    app: Casework,
) -> None:
    clock = FakeClock()
    with running_api(app) as here, second_process(app, clock) as elsewhere:
        # given a finance user whose token both processes have just accepted
        issued = here.post("/users", {"name": "fin-sari", "role": "finance", "areas": []})
        assert issued.status_code == 201, issued.text
        token, user_id = issued.json()["token"], issued.json()["id"]
        assert here.client.get("/reconciliation", headers=bearer(token)).status_code == 200
        assert elsewhere.get("/reconciliation", headers=bearer(token)).status_code == 200
        # when an admin revokes it through this process
        assert here.post(f"/users/{user_id}/revocation", None).status_code == 200
        # then this process refuses it at once
        assert here.client.get("/reconciliation", headers=bearer(token)).status_code == 401
        # and the other process refuses it once 5 seconds have passed on its clock
        clock.now += REVOCATION_DELAY_ALLOWED
        assert elsewhere.get("/reconciliation", headers=bearer(token)).status_code == 401


def test_a_kept_verdict_spares_the_store_until_it_ages_out(sqlite_app: Casework) -> None:
    # given a user whose token a caching store has accepted once
    clock = FakeClock()
    cached = UserStore(sqlite_app.db, TokenVerdicts(clock=clock))
    user, token = cached.add(name="aud-1", role="auditor", areas=[])
    assert cached.authenticate(token) == user
    # when another process revokes the user (a store without this cache)
    UserStore(sqlite_app.db).revoke(user.id)
    # then the kept verdict is used until it ages out, and the revocation is seen after
    assert cached.authenticate(token) == user
    clock.now += TTL
    assert cached.authenticate(token) is None


def test_a_wrong_secret_is_never_accepted_from_the_cache(sqlite_app: Casework) -> None:
    # given a user whose token was accepted and kept
    cached = UserStore(sqlite_app.db, TokenVerdicts(clock=FakeClock()))
    _, token = cached.add(name="aud-2", role="auditor", areas=[])
    assert cached.authenticate(token) is not None
    # when the same user id comes with another secret
    forged = token[: token.rindex("_") + 1] + "x" * 43
    # then it is refused
    assert cached.authenticate(forged) is None
