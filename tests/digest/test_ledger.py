"""The digest ledger: each period is sent once, enforced by the database, even across processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.base import Ledger
from storage.sqlite import SqliteStore

T0 = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
LEASE = dt.timedelta(minutes=15)
KEY = "hebdo/telegram:-100"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "parole.sqlite3"


@pytest.fixture
async def ledger(db: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(db)
    await store.open()
    yield store
    await store.close()


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def test_a_claim_is_granted_once(ledger: Ledger):
    assert await ledger.claim(KEY, T0 - WEEK, T0, T0, LEASE)
    assert not await ledger.claim(KEY, T0 - WEEK, later(1), later(1), LEASE)
    # Another key (another destination or schedule) is independent.
    assert await ledger.claim("hebdo/email", T0 - WEEK, T0, T0, LEASE)


async def test_sent_periods_move_the_end_and_are_never_claimed_again(ledger: Ledger):
    assert await ledger.last_sent_end(KEY) is None
    assert await ledger.claim(KEY, T0 - WEEK, T0, T0, LEASE)
    assert await ledger.last_sent_end(KEY) is None, "a claim is not a sent digest"
    assert await ledger.mark_sent(KEY, T0 - WEEK, T0, later(3))
    assert await ledger.last_sent_end(KEY) == T0
    # Even long after, the sent period cannot be claimed (no lease on a sent period).
    assert not await ledger.claim(KEY, T0 - WEEK, later(9999), later(9999), LEASE)
    assert not await ledger.mark_sent(KEY, T0 - WEEK, T0, later(4))


async def test_a_released_claim_can_be_claimed_again(ledger: Ledger):
    assert await ledger.claim(KEY, T0 - WEEK, T0, T0, LEASE)
    assert await ledger.release(KEY, T0 - WEEK, T0)
    assert await ledger.last_sent_end(KEY) is None
    assert await ledger.claim(KEY, T0 - WEEK, later(60), later(60), LEASE)
    assert not await ledger.release(KEY, T0 - WEEK, T0), "the old claim is gone"


async def test_a_stale_claim_is_taken_over_after_the_lease(ledger: Ledger):
    assert await ledger.claim(KEY, T0 - WEEK, T0, T0, LEASE)
    almost = T0 + LEASE - dt.timedelta(seconds=1)
    assert not await ledger.claim(KEY, T0 - WEEK, almost, almost, LEASE)
    taken = T0 + LEASE
    assert await ledger.claim(KEY, T0 - WEEK, taken, taken, LEASE)
    # The first claimer (a process that was only slow) has lost its claim.
    assert not await ledger.mark_sent(KEY, T0 - WEEK, T0, taken)
    assert not await ledger.release(KEY, T0 - WEEK, T0)
    assert await ledger.mark_sent(KEY, T0 - WEEK, taken, taken)
    assert await ledger.last_sent_end(KEY) == taken, "the taker's end is recorded"


async def test_last_sent_end_of_any_key(ledger: Ledger):
    assert await ledger.last_sent_end() is None
    for key, end in (("a/email", T0), ("b/email", later(30)), ("c/email", later(60))):
        assert await ledger.claim(key, T0 - WEEK, end, end, LEASE)
    await ledger.mark_sent("a/email", T0 - WEEK, T0, T0)
    await ledger.mark_sent("b/email", T0 - WEEK, later(30), later(30))
    assert await ledger.last_sent_end() == later(30), "claims in progress do not count"
    assert await ledger.last_sent_end("a/email") == T0


async def test_the_ledger_survives_a_restart(db: Path):
    first = SqliteStore(db)
    await first.open()
    await first.claim(KEY, T0 - WEEK, T0, T0, LEASE)
    await first.mark_sent(KEY, T0 - WEEK, T0, T0)
    await first.close()
    second = SqliteStore(db)
    await second.open()
    try:
        assert await second.last_sent_end(KEY) == T0
        assert not await second.claim(KEY, T0 - WEEK, later(1), later(1), LEASE)
    finally:
        await second.close()


async def test_two_stores_on_one_file_race_and_exactly_one_wins(db: Path):
    stores = [SqliteStore(db), SqliteStore(db)]
    for store in stores:
        await store.open()
    try:
        for week in range(20):
            start = T0 + week * WEEK
            end = start + WEEK
            results = await asyncio.gather(
                *(store.claim(KEY, start, end, end, LEASE) for store in stores for _ in range(3))
            )
            assert sum(results) == 1, f"week {week}: {results}"
    finally:
        for store in stores:
            await store.close()


def _claim_in_a_process(
    db: str, barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue[bool]
) -> None:
    """Open the database in this process, wait for the others, and try to claim."""

    async def claim() -> bool:
        store = SqliteStore(db)
        await store.open()
        try:
            barrier.wait(timeout=30)
            return await store.claim(KEY, T0 - WEEK, T0, T0, LEASE)
        finally:
            await store.close()

    results.put(asyncio.run(claim()))


def test_two_processes_race_and_exactly_one_wins(db: Path):
    SqliteStore(db)  # the file is created (and migrated) by the first process to open it
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    results: multiprocessing.Queue[bool] = context.Queue()
    processes = [
        context.Process(target=_claim_in_a_process, args=(str(db), barrier, results))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    won = [results.get(timeout=5) for _ in processes]
    assert sorted(won) == [False, False, True]
