"""SIGTERM (what `systemctl stop` sends) during a burst of residents' answers.

Every update Telegram handed to the bot is either processed (its answer stored, and its
offset confirmed so Telegram forgets it) or still unconfirmed, so Telegram hands it again to
the next `parole run`: never confirmed and lost, never stored and handed again.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from flows.texts import say
from tests.e2e.botprocess import WAIT, BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(120)

RESIDENTS = 8
# Typed answers to the first three questions (labels, as a resident may type them).
TYPED = ("Bourgogne", "J'y habite", "26 à 40 ans")
STEPS = ("quartier", "profil", "age")


def processed(database: Path) -> set[int]:
    with closing(sqlite3.connect(database)) as db:
        keys = db.execute("SELECT key FROM processed_updates").fetchall()
    return {int(key.removeprefix("tg:")) for (key,) in keys}


def answered(database: Path) -> Counter[str]:
    with closing(sqlite3.connect(database)) as db:
        return Counter(step for (step,) in db.execute("SELECT step_id FROM answers"))


def test_a_stop_during_a_burst_processes_or_hands_back_every_update(
    tmp_path: Path, api: FakeBotApi, server: FakeBotApiServer
) -> None:
    database = tmp_path / "parole.sqlite3"
    config = write_config(tmp_path, server, api)
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    residents = [Resident(api, FakeUser(id=820 + n, first_name=f"R{n}")) for n in range(RESIDENTS)]
    for resident in residents:
        resident.send("/start")
        resident.click(say("accept", "fr"))

    # Every resident types their three answers at once; the stop comes while the bot works
    # through them, some fetched, some not yet.
    earlier = processed(database)
    sent: set[int] = set()
    for text in TYPED[:2]:
        sent |= {api.send_text(r.user, text)["update_id"] for r in residents}
    api.wait_for(lambda api: api.pending_updates() < len(sent), WAIT, "the bot to fetch")
    sent |= {api.send_text(r.user, TYPED[2])["update_id"] for r in residents}
    assert bot.stop() == 0

    done, handed_back = processed(database) - earlier, api.pending_update_ids()
    assert done | handed_back == sent, "updates lost in the stop"
    assert not done & handed_back, "updates processed and still handed back"
    assert done, "the stop came before any update was processed"

    # The next start processes what was handed back: every answer stored once.
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    for resident in residents:
        api.wait_for_text(resident.user.id, "Question 4 sur 12", WAIT)
    assert bot.stop() == 0
    assert answered(database) == {step: RESIDENTS for step in STEPS}
    assert processed(database) - earlier == sent
    for resident in residents:
        screens = [m.text for m in api.messages(resident.user.id) if "Question" in m.text]
        assert len(screens) == len(set(screens)), api.transcript(resident.user.id)
