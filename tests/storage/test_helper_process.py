"""The helper processes that hold the group commits' and the reads' connections."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from storage.sqlite import SqliteStore
from storage.sqlite_process import helper_pids
from tests.storage.helpers import NOW, make_turn


def helper_pid(name: str) -> int:
    return helper_pids()[name]


async def test_an_error_keeps_sqlite_s_code(sqlite_store: SqliteStore) -> None:
    # Whether a write met another program's lock (and is tried again) is read from it.
    with pytest.raises(sqlite3.OperationalError, match="no_such_table") as raised:
        await sqlite_store._read("SELECT * FROM no_such_table", ())
    assert raised.value.sqlite_errorcode == sqlite3.SQLITE_ERROR


async def test_ctrl_c_and_sigterm_leave_the_helpers_serving(sqlite_store: SqliteStore) -> None:
    # They reach the bot's whole process group; the bot then commits what it has queued.
    who = await sqlite_store.participant("pseudo-a", NOW)
    for name in ("store-batches", "store-lookups"):
        os.kill(helper_pid(name), signal.SIGINT)
        os.kill(helper_pid(name), signal.SIGTERM)
    sid = await sqlite_store.commit(make_turn(who.id, update_key="tg:1"))
    assert await sqlite_store.seen("tg:1")
    assert (await sqlite_store.session(sid)) is not None


async def test_a_killed_helper_fails_its_work_and_the_next_goes_to_a_new_one(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    who = await sqlite_store.participant("pseudo-a", NOW)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another program's lock: the batch waits in the helper
        waiting = asyncio.create_task(sqlite_store.commit(make_turn(who.id, update_key="tg:1")))
        await asyncio.sleep(0.3)
        killed = helper_pid("store-batches")
        os.kill(killed, signal.SIGKILL)
        with pytest.raises(sqlite3.OperationalError, match="helper process ended"):
            await waiting
        other.execute("ROLLBACK")
    assert not await sqlite_store.seen("tg:1")
    # No restart needed: the next turn takes a new helper, and is stored.
    sid = await sqlite_store.commit(make_turn(who.id, update_key="tg:1"))
    assert helper_pid("store-batches") != killed
    assert await sqlite_store.seen("tg:1")
    os.kill(helper_pid("store-lookups"), signal.SIGKILL)
    await asyncio.sleep(0.1)
    session = await sqlite_store.session(sid)
    assert session is not None and session.participant_id == who.id
