"""SIGKILL of `parole run` while it holds updates it fetched but has not stored yet.

Telegram keeps an update until a getUpdates call asks for the ones after it. The bot must ask
past an update only once it has handled it: here the database is locked by another program
while residents answer, so their updates wait in the bot, and the process is killed then. The
next `parole run` gets them again from Telegram and stores each answer once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from flows.texts import say
from tests.e2e.botprocess import WAIT, BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(120)

# What a press handed again may meet: the killed process had answered it already.
REFUSALS_EXPECTED = ("query is too old",)


def locked(database: Path, held: threading.Event, release: threading.Event) -> None:
    """Another connection holds SQLite's write lock until `release`."""
    with closing(sqlite3.connect(database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(WAIT * 3)
        other.execute("ROLLBACK")


def polls(api: FakeBotApi) -> int:
    return sum(1 for request in api.requests if request.method == "getUpdates")


def test_updates_fetched_but_not_stored_are_handed_again_after_a_kill(
    tmp_path: Path, api: FakeBotApi, server: FakeBotApiServer
) -> None:
    database = tmp_path / "parole.sqlite3"
    config = write_config(tmp_path, server, api)
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    tapper = Resident(api, FakeUser(id=801, first_name="Awa"))
    other = Resident(api, FakeUser(id=802, first_name="Marc"))
    for resident in (tapper, other):
        resident.send("/start")
        resident.click(say("accept", "fr"))
        resident.click("Bourgogne")

    held, release = threading.Event(), threading.Event()
    locker = threading.Thread(target=locked, args=(database, held, release))
    locker.start()
    assert held.wait(WAIT)
    before = polls(api)
    api.click(tapper.user, "J'y habite")
    api.click(other.user, "J'y viens (travail, école, services…)")
    # The poll that fetches them, then later ones: asking past them would confirm them.
    api.wait_for(lambda api: polls(api) >= before + 3, WAIT, "the bot to poll again")
    bot.kill()
    release.set()
    locker.join()

    again = BotProcess(config, api, tmp_path / "bot.log").start()
    api.wait_for_text(tapper.user.id, "Question 3 sur 12", WAIT)
    api.wait_for_text(other.user.id, "Question 3 sur 12", WAIT)
    assert again.stop() == 0
    with closing(sqlite3.connect(database)) as db:
        stored = db.execute(
            "SELECT step_id, value FROM answers WHERE step_id = 'profil' ORDER BY value"
        ).fetchall()
    assert sorted(json.loads(value)["choices"] for _, value in stored) == [
        ["habitant"],
        ["usager"],
    ]
