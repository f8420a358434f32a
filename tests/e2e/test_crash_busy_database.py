"""`parole run` while another program holds the database's write lock for a few seconds.

A staff command (`parole forget`, `parole import`), or someone's `sqlite3` shell left in a
transaction, can hold SQLite's write lock longer than the bot's busy timeout. Residents who
answer meanwhile must have their answer stored once the lock is free, and must never be told
something went wrong with answers that were in fact kept, or be shown a screen twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from flows.texts import ERROR_MESSAGE, say
from storage.sqlite import BUSY_TIMEOUT_MS
from tests.e2e.botprocess import BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(120)

# Longer than the bot's own wait for a lock, which used to drop the answer.
HOLD = BUSY_TIMEOUT_MS / 1000 + 2.5


@pytest.fixture
def bot(tmp_path: Path, api: FakeBotApi) -> Iterator[BotProcess]:
    with FakeBotApiServer(api) as server:
        running = BotProcess(write_config(tmp_path, server, api), api, tmp_path / "bot.log")
        running.start()
        yield running
        assert running.stop() == 0


def answers(database: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT step_id, value FROM answers ORDER BY step_id").fetchall()


def hold_write_lock(database: Path, seconds: float, held: threading.Event) -> None:
    """Another connection takes SQLite's write lock and keeps it `seconds`."""
    with closing(sqlite3.connect(database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")


def test_answers_given_while_the_database_is_locked_are_stored_once_the_lock_is_free(
    tmp_path: Path, api: FakeBotApi, bot: BotProcess
) -> None:
    database = tmp_path / "parole.sqlite3"
    tapper = Resident(api, FakeUser(id=701, first_name="Inès"))
    writer = Resident(api, FakeUser(id=702, first_name="Paul"))
    newcomer = Resident(api, FakeUser(id=703, first_name="Lou"))
    for resident in (tapper, writer):
        resident.send("/start")
        resident.click(say("accept", "fr"))
        resident.click("Bourgogne")
    newcomer.send("/start")
    held = threading.Event()
    locker = threading.Thread(target=hold_write_lock, args=(database, HOLD, held))
    locker.start()
    held.wait(5)
    api.click(tapper.user, "J'y habite")
    api.click(writer.user, "J'y viens (travail, école, services…)")
    api.click(newcomer.user, say("accept", "fr"))  # their first write: who they are
    locker.join()

    # Each resident sees their next question once, after the lock was let go.
    for resident, question in ((tapper, 3), (writer, 3), (newcomer, 1)):
        shown = f"Question {question} sur 12"
        api.wait_for_text(resident.user.id, shown, HOLD + 20)
        api.wait_for(lambda api: not api.unanswered_callbacks, 10, "taps to be answered")
        texts = [m.text for m in api.messages(resident.user.id)]
        assert ERROR_MESSAGE not in texts, api.transcript(resident.user.id)
        assert sum(shown in text for text in texts) == 1, texts
    stored = [(step, json.loads(value)["choices"]) for step, value in answers(database)]
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (3,)
    assert sorted(stored) == sorted(
        [
            ("quartier", ["bourgogne"]),
            ("quartier", ["bourgogne"]),
            ("profil", ["habitant"]),
            ("profil", ["usager"]),
        ]
    )
