"""A consultation that closes while a resident is under way, another one still open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.loader import BUILTIN_DIR, load_consultation
from flows.texts import say
from tests.conftest import QUARTIERS
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

ROOT = Path(__file__).resolve().parent.parent.parent
ALICE = FakeUser(id=111_222_333, first_name="Alice")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


async def test_start_after_a_closing_says_so_and_offers_what_is_still_open(tmp_path: Path):
    emploi = load_consultation(ROOT / "examples" / "emploi.toml", QUARTIERS)
    vivre = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    assert emploi.closes < vivre.closes
    async with Chat(tmp_path / "db.sqlite3", [emploi, vivre]) as chat:
        chat.now = at(emploi.opens)
        await chat.send(ALICE, "/start emploi")
        await chat.click(ALICE, say("accept", "fr"))
        await chat.click(ALICE, "Bourgogne")

        chat.now = at(emploi.closes + dt.timedelta(days=1))
        before = len(chat.api.messages(ALICE.id))
        welcome = await chat.send(ALICE, "/start")
        texts = [m.text for m in chat.api.messages(ALICE.id)[before:]]
        assert any(emploi.title.fr in t and "est fermée" in t for t in texts)
        assert vivre.title.fr in welcome.text
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
        assert chat.api.refused == []
