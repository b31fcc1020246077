"""`casework user add|revoke|list`: issue and withdraw API tokens from the command line.

These commands need only the database, not the master key: users hold no family data.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from casework.access.users import User, UserStore
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.settings import Settings
from casework.store.database import open_database
from casework.store.migrations import require_migrated
from casework.vocabulary import ROLES

# A century: beyond it the number is a typo, and far beyond it datetime overflows.
MAX_DAYS = 36_500


def add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="add, revoke and list API users and their tokens")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="add a user and print its token on the last line")
    add.add_argument("name")
    add.add_argument("--role", required=True, metavar="{" + ",".join(ROLES) + "}")
    add.add_argument(
        "--area",
        dest="areas",
        action="append",
        default=[],
        metavar="CODE",
        help="an area code the user works in (repeat for more); caseworkers need one",
    )
    add.add_argument(
        "--expires-in-days",
        type=int,
        default=None,
        metavar="N",
        help="days until the token expires (default 365)",
    )
    revoke = actions.add_parser("revoke", help="revoke a user's token for good")
    revoke.add_argument("name")
    actions.add_parser("list", help="list users (never their tokens)")


def run_user_command(settings: Settings, args: argparse.Namespace) -> int:
    handler = _USER_HANDLERS[args.user_command]
    with _user_store(settings) as users:
        return handler(users, args)


def _add(users: UserStore, args: argparse.Namespace) -> int:
    expires_at = None
    if args.expires_in_days is not None:
        if args.expires_in_days > MAX_DAYS:
            print(
                f"casework user add: expires_at: must be at most {MAX_DAYS} days away",
                file=sys.stderr,
            )
            return 2
        expires_at = datetime.now(UTC) + timedelta(days=args.expires_in_days)
    try:
        user, token = users.add(
            name=args.name, role=args.role, areas=args.areas, expires_at=expires_at
        )
    except ValidationFailed as failed:
        for problem in failed.problems:
            print(f"casework user add: {problem.field}: {problem.message}", file=sys.stderr)
        return 2
    except Conflict as conflict:
        print(f"casework user add: {conflict.detail}", file=sys.stderr)
        return 1
    print(f"added {_describe(user)}")
    print(f"id: {user.id}")
    print("token (shown only now; keep it secret):")
    print(token)  # alone on the last line, so scripts can take it with `tail -n 1`
    return 0


def _revoke(users: UserStore, args: argparse.Namespace) -> int:
    try:
        before = users.by_name(args.name)
    except NotFound as missing:
        print(f"casework user revoke: {missing}", file=sys.stderr)
        return 1
    after = users.revoke(before.id)
    already = " (already)" if before.revoked_at is not None else ""
    print(f"revoked {after.name}{already} at {_instant(after.revoked_at)}")
    return 0


def _list(users: UserStore, _: argparse.Namespace) -> int:
    rows = [("NAME", "ROLE", "AREAS", "EXPIRES", "REVOKED")]
    for user in users.list():
        expires, revoked = _instant(user.expires_at), _instant(user.revoked_at)
        rows.append((user.name, user.role, ",".join(user.areas) or "-", expires, revoked))
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


_USER_HANDLERS: dict[str, Callable[[UserStore, argparse.Namespace], int]] = {
    "add": _add,
    "revoke": _revoke,
    "list": _list,
}


@contextmanager
def _user_store(settings: Settings) -> Iterator[UserStore]:
    db = open_database(settings.database)
    try:
        require_migrated(db)
        yield UserStore(db)
    finally:
        db.close()


def _describe(user: User) -> str:
    areas = ", ".join(user.areas) or "no areas"
    return f"{user.name} ({user.role}; {areas}), expires {_instant(user.expires_at)}"


def _instant(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
