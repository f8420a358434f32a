"""The helper processes that hold the group commits' and the reads' connections."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest

from storage.sqlite import SqliteStore
from storage.sqlite_process import _helper
from tests.storage.helpers import NOW, make_turn


def helper_pid(name: str) -> int:
    process = _helper(name)._process
    assert process is not None and process.poll() is None
    return process.pid


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


async def test_a_killed_helper_fails_its_work_and_the_next_store_starts_another(
    db_path: Path,
) -> None:
    store = SqliteStore(db_path)
    await store.open()
    try:
        who = await store.participant("pseudo-a", NOW)
        killed = helper_pid("store-batches")
        os.kill(killed, signal.SIGKILL)
        with pytest.raises(sqlite3.OperationalError, match="helper process ended"):
            await store.commit(make_turn(who.id, update_key="tg:1"))
    finally:
        await store.close()
    async with SqliteStore(db_path) as again:
        assert helper_pid("store-batches") != killed
        await again.commit(make_turn(who.id, update_key="tg:1"))
        assert await again.seen("tg:1")
