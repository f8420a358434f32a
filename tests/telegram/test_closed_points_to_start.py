"""A resident who types or taps in a consultation that closed is pointed to /start, which
offers the consultations still open; with none open, the closing notice stands alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation
from flows.texts import say
from tests.conftest import QUARTIERS
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

ROOT = Path(__file__).resolve().parent.parent.parent
ALICE = FakeUser(id=111_222_333, first_name="Alice")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


async def under_way_in_emploi(chat: Chat, emploi: Consultation) -> None:
    chat.now = at(emploi.opens)
    await chat.send(ALICE, "/start emploi")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    chat.now = at(emploi.closes + dt.timedelta(days=1))


async def test_typing_after_the_closing_points_to_start_and_start_offers_the_open_one(
    tmp_path: Path,
):
    emploi = load_consultation(ROOT / "examples" / "emploi.toml", QUARTIERS)
    vivre = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    assert emploi.closes < vivre.closes
    async with Chat(tmp_path / "db.sqlite3", [emploi, vivre]) as chat:
        await under_way_in_emploi(chat, emploi)
        for typed in ("Une réponse", "Encore une"):
            told = (await chat.send(ALICE, typed)).text
            assert "est fermée" in told and emploi.title.fr in told
            assert say("others_open", "fr") in told
        welcome = await chat.send(ALICE, "/start")
        assert vivre.title.fr in welcome.text
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
        assert chat.api.refused == []


async def test_with_nothing_open_the_closing_notice_stands_alone(tmp_path: Path):
    emploi = load_consultation(ROOT / "examples" / "emploi.toml", QUARTIERS)
    async with Chat(tmp_path / "db.sqlite3", [emploi]) as chat:
        await under_way_in_emploi(chat, emploi)
        told = (await chat.send(ALICE, "Une réponse")).text
        assert "est fermée" in told
        assert "/start" not in told
