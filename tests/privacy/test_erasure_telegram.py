"""After /oubli on Telegram: what the resident is told in their language, that the buttons
still on screen store nothing, and that they can start again as a newcomer."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flows.loader import BUILTIN_DIR, load_consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice")
BOB = FakeUser(id=444_555_666, first_name="Bob", language_code="en")
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])


def ids(database: Path, table: str) -> list[int]:
    with closing(sqlite3.connect(database)) as conn:
        return [row[0] for row in conn.execute(f"SELECT id FROM {table} ORDER BY id")]


async def test_after_oubli_old_buttons_store_nothing_and_start_begins_afresh(tmp_path: Path):
    async with Chat(tmp_path / "parole.sqlite3", [CONSULTATION]) as chat:
        await to_leviers_text(chat, CONSULTATION, ALICE)
        question = chat.last(ALICE)
        [before] = ids(chat.database, "participants")
        await chat.send(ALICE, "/oubli")
        done = await chat.click(ALICE, say("forget_yes", "fr"))
        assert done.text == say("forgotten", "fr")

        # The question still on screen, and words typed as if answering it.
        await chat.click(ALICE, say("back", "fr"), question.message_id)
        await chat.send(ALICE, "La ludothèque")
        assert ids(chat.database, "participants") == []
        assert ids(chat.database, "sessions") == []

        welcome = await chat.send(ALICE, "/start")
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
        first = await chat.click(ALICE, say("accept", "fr"))
        assert CONSULTATION.step("quartier").text.fr in first.text
        [after] = ids(chat.database, "participants")
        assert after > before, "a new anonymous number"
        assert len(ids(chat.database, "sessions")) == 1
        await chat.send(ALICE, "/mesdonnees")
        summary = chat.api.messages(ALICE.id)[-2].text
        no = say("no", "fr").lower()
        assert summary == say("mydata_summary", "fr", sessions=1, answers=0, contact=no)
    assert chat.api.refused == []


async def test_an_english_speaker_is_asked_and_told_in_english(tmp_path: Path):
    async with Chat(tmp_path / "parole.sqlite3", [CONSULTATION]) as chat:
        await chat.send(BOB, "/start")
        await chat.click(BOB, say("accept", "en"))
        await chat.click(BOB, "Bourgogne")
        asked = await chat.send(BOB, "/oubli")
        assert asked.text == say("forget_confirm", "en", sessions=1, answers=1)
        assert asked.buttons == [say("forget_yes", "en"), say("forget_no", "en")]
        done = await chat.click(BOB, say("forget_yes", "en"))
        assert done.text == say("forgotten", "en")
        nothing = await chat.send(BOB, "/oubli")
        assert nothing.text == say("nothing_stored", "en")
