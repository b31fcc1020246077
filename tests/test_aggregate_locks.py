"""Commands of one process take turns on the aggregates they save."""

from __future__ import annotations

import threading
from uuid import uuid4

from casework.store.aggregate_locks import AggregateLocks


def try_holding(locks: AggregateLocks, *ids: object) -> tuple[threading.Thread, threading.Event]:
    """Start a thread that takes its turn on `ids` and says so; it lets go at once."""
    got_turn = threading.Event()

    def take_turn() -> None:
        with locks.holding(ids):  # type: ignore[arg-type]
            got_turn.set()

    thread = threading.Thread(target=take_turn, daemon=True)
    thread.start()
    return thread, got_turn


def test_a_second_command_on_an_aggregate_waits_for_the_first() -> None:
    # given a command holding its turn on a family and a source
    locks, family, source = AggregateLocks(), uuid4(), uuid4()
    with locks.holding([family, source]):
        # when another command asks for the source (with a family of its own)
        thread, got_turn = try_holding(locks, uuid4(), source)
        # then it does not get its turn while the first holds it
        assert not got_turn.wait(0.2)
    # and gets it as soon as the first lets go
    assert got_turn.wait(10)
    thread.join(10)


def test_commands_on_other_aggregates_do_not_wait() -> None:
    locks = AggregateLocks(stripes=4)
    first = uuid4()
    other = next(u for u in iter(uuid4, None) if u.int % 4 != first.int % 4)
    with locks.holding([first]):
        _, got_turn = try_holding(locks, other)
        assert got_turn.wait(10)


def test_ids_in_any_order_never_deadlock() -> None:
    # given many commands taking turns on the same two aggregates, named in opposite orders
    locks, a, b = AggregateLocks(), uuid4(), uuid4()
    done = []

    def command(ids: list[object]) -> None:
        for _ in range(200):
            with locks.holding(ids):  # type: ignore[arg-type]
                done.append(1)

    threads = [
        threading.Thread(target=command, args=([a, b] if n % 2 else [b, a],)) for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then every one of them finished
    assert not any(thread.is_alive() for thread in threads)
    assert len(done) == 6 * 200


def test_turns_off_commands_race_as_separate_processes_do() -> None:
    locks, family = AggregateLocks(enabled=False), uuid4()
    with locks.holding([family]):
        _, got_turn = try_holding(locks, family)
        assert got_turn.wait(10)
