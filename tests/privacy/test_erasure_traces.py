"""What an erasure or the retention purge deleted is gone from the files on disk too.

SQLite leaves a deleted row's bytes in the database file's free space unless `secure_delete`
is on, which only some builds turn on by default (Debian's does, python.org's does not);
these tests run as on a build where it is off. And in WAL mode the words a resident wrote
stay in the `-wal` file, frame after frame, until it is written over, while the bot runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.retention import purge_plan
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn

FIRST = "Mon voisin du 3e étage, M. Dupont"
SECOND = "Je retire ce que j'ai dit sur M. Dupont"


@pytest.fixture(autouse=True)
def sqlite_without_secure_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection starts as on a SQLite built without SQLITE_SECURE_DELETE."""
    connect = sqlite3.connect

    def plain_build(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", plain_build)


def files(database: Path) -> Iterator[Path]:
    """The database and whatever SQLite keeps beside it (-wal, -shm)."""
    return (path for path in database.parent.iterdir() if path.name.startswith(database.name))


def traces(database: Path, *texts: str) -> list[str]:
    """The files beside `database` holding any of `texts`."""
    return [
        path.name
        for path in files(database)
        for text in texts
        if text.encode() in path.read_bytes()
    ]


async def _alice_and_bob(store: SqliteStore, now: dt.datetime = NOW) -> int:
    """Alice writes a text then rewrites it; Bob answers around her. Alice's id."""
    bob = await store.participant("bob", now)
    await store.commit(make_turn(bob.id, now=now, saved={"q1": Answer(text="Plus de bancs")}))
    alice = await store.participant("alice", now)
    session = await store.commit(make_turn(alice.id, now=now, saved={"q1": Answer(text=FIRST)}))
    await store.commit(
        make_turn(alice.id, now=now, session_id=session, saved={"q1": Answer(text=SECOND)})
    )
    await store.commit(make_turn(bob.id, now=now, saved={"q2": Answer(text="Un café associatif")}))
    return alice.id


async def test_an_erasure_waits_for_a_running_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite runs one checkpoint at a time: emptying the -wal file while the checkpointer's
    # runs would find it busy and leave the erased words there.
    database = tmp_path / "parole.sqlite3"
    async with SqliteStore(database, checkpoint_bytes=1) as store:
        alice = await _alice_and_bob(store)
        assert traces(database, FIRST, SECOND), "the test writes where it then looks"
        checkpointer = store.checkpointer
        assert checkpointer is not None
        await checkpointer.idle()
        release = threading.Event()
        passive = checkpointer._passive

        def held(conn: sqlite3.Connection) -> None:  # a long checkpoint (a big log, a slow disk)
            release.wait(10)
            passive(conn)

        monkeypatch.setattr(checkpointer, "_passive", held)
        await store.commit(make_turn((await store.participant("carol", NOW)).id))
        erasure = asyncio.create_task(store.forget(alice))
        await asyncio.sleep(0.3)
        assert not erasure.done()  # waiting for the checkpoint
        release.set()
        assert await erasure is not None
        assert traces(database, FIRST, SECOND) == []


async def test_an_erased_resident_s_words_leave_the_files_while_the_bot_runs(tmp_path: Path):
    database = tmp_path / "parole.sqlite3"
    async with SqliteStore(database) as store:
        alice = await _alice_and_bob(store)
        assert traces(database, FIRST, SECOND), "the test writes where it then looks"

        assert await store.forget(alice) is not None

        assert traces(database, FIRST, SECOND) == []
        assert traces(database, "Un café associatif"), "Bob's answers stay"
    assert traces(database, FIRST, SECOND) == []


async def test_purged_words_leave_the_files(tmp_path: Path):
    database = tmp_path / "parole.sqlite3"
    old = NOW - dt.timedelta(days=400)
    async with SqliteStore(database) as store:
        await _alice_and_bob(store, old)
        kept = await store.participant("kept", NOW)
        await store.commit(make_turn(kept.id, now=later(1), saved={"q1": Answer(text="Récent")}))

        purged = await store.purge(purge_plan(NOW, retention_days=365))

        assert purged.participants == 2
        assert traces(database, FIRST, SECOND, "Plus de bancs") == []
        assert traces(database, "Récent")
