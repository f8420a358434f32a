"""Reads by key: batched in a helper process, never holding up the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from functools import partial
from pathlib import Path

import pytest

from storage.sqlite import SqliteStore
from storage.sqlite_lookups import Lookups
from tests.storage.helpers import NOW, make_turn, slow_connection


async def test_reads_queued_together_share_one_hop(sqlite_store: SqliteStore) -> None:
    who = await sqlite_store.participant("pseudo-a", NOW)
    await sqlite_store.commit(make_turn(who.id, update_key="tg:7"))
    before = sqlite_store.read_batches
    keys = [f"tg:{n}" for n in range(200)]
    seen = await asyncio.gather(*(sqlite_store.seen(key) for key in keys))
    assert [key for key, was in zip(keys, seen, strict=True) if was] == ["tg:7"]
    # The first read starts a batch alone; the 199 queued meanwhile go in the next one.
    assert sqlite_store.read_batches - before <= 3


async def test_a_read_that_fails_fails_alone(sqlite_store: SqliteStore) -> None:
    who = await sqlite_store.participant("pseudo-a", NOW)
    sid = await sqlite_store.commit(make_turn(who.id, update_key="tg:1"))
    session, broken, seen = await asyncio.gather(
        sqlite_store.session(sid),
        sqlite_store._read("SELECT * FROM no_such_table", ()),
        sqlite_store.seen("tg:1"),
        return_exceptions=True,
    )
    assert isinstance(broken, sqlite3.OperationalError) and "no_such_table" in str(broken)
    assert not isinstance(session, BaseException) and session is not None
    assert session.participant_id == who.id
    assert seen is True


async def test_a_slow_read_leaves_the_event_loop_free(tmp_path: Path) -> None:
    # A locked file (a recovery, another program) makes a read wait: in the helper process,
    # while residents' other updates go on.
    lookups = Lookups(partial(slow_connection, tmp_path / "slow.sqlite3"))
    await lookups.open()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        assert await lookups.read("SELECT wait(0.3)", ()) == [(1,)]
    finally:
        ticker.cancel()
        await lookups.close()
    assert ticks >= 10  # the loop ran on (a blocked loop would tick once)


async def test_closing_lets_the_reads_under_way_finish(tmp_path: Path) -> None:
    lookups = Lookups(partial(sqlite3.connect, tmp_path / "close.sqlite3", isolation_level=None))
    await lookups.open()
    reads = [asyncio.create_task(lookups.read("SELECT ?", (n,))) for n in range(50)]
    await asyncio.sleep(0)  # queued, some handed to the thread
    await lookups.close()
    assert [await read for read in reads] == [[(n,)] for n in range(50)]
    with pytest.raises(RuntimeError, match="not open"):
        await lookups.read("SELECT 1", ())


async def test_a_cancelled_reader_does_not_stop_the_others(tmp_path: Path) -> None:
    lookups = Lookups(partial(sqlite3.connect, tmp_path / "cancel.sqlite3", isolation_level=None))
    await lookups.open()
    try:
        first = asyncio.create_task(lookups.read("SELECT 1", ()))
        cancelled = asyncio.create_task(lookups.read("SELECT 2", ()))
        last = asyncio.create_task(lookups.read("SELECT 3", ()))
        await asyncio.sleep(0)
        cancelled.cancel()
        assert await first == [(1,)] and await last == [(3,)]
        assert cancelled.cancelled()
    finally:
        await lookups.close()
