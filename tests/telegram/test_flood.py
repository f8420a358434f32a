"""Flood control as residents meet it, with the default limits: quick taps on a list go
through, a real flood of taps or of messages is stopped, and the warning names which."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import LimitsSettings
from bot.telegram.flood import Albums, FloodGate, Verdict
from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import label

ALICE = FakeUser(id=111_222_333, first_name="Alice")
WOMEN, ISOLATED, DISABLED, MENTAL, PRISON = (
    "femmes",
    "isoles",
    "handicap",
    "sante-mentale",
    "sortants-prison",
)


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[Chat]:
    """The bot with the limits a city gets by default (the harness turns them off)."""
    async with Chat(tmp_path / "parole.sqlite3", [consultation], limits=LimitsSettings()) as bot:
        yield bot


def warnings(chat: Chat) -> list[str]:
    texts = [m.text for m in chat.api.messages(ALICE.id)]
    return [t for t in texts if t in (say("flood", "fr"), say("flood_buttons", "fr"))]


def stored(database: Path, step_id: str) -> str | None:
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT value FROM answers WHERE step_id = ?", (step_id,)).fetchone()
        return None if row is None else str(row[0])


async def to_publics(chat: Chat) -> None:
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, "J'y habite")
    await chat.click(ALICE, say("skip", "fr"))


async def test_ticking_a_list_quickly_and_confirming_goes_through(
    chat: Chat, consultation: Consultation
):
    await to_publics(chat)
    codes = [WOMEN, ISOLATED, DISABLED, MENTAL, PRISON]
    # Five ticks and "Valider" within the same second, right after the previous questions.
    for code in codes:
        await chat.click(ALICE, say("unselected", "fr", label=label(consultation, "publics", code)))
    after = await chat.click(ALICE, say("validate_count", "fr", n=5))

    assert warnings(chat) == []
    assert after.text.startswith(say("your_answer", "fr", answer=""))
    assert "Question 5 sur 12" in after.text
    publics = stored(chat.database, "publics")
    assert publics is not None and all(f'"{code}"' in publics for code in codes)
    assert chat.api.unanswered_callbacks == []


async def test_a_flood_of_taps_is_stopped_and_called_taps(chat: Chat, consultation: Consultation):
    await to_publics(chat)
    question = chat.last(ALICE)
    women = say("unselected", "fr", label=label(consultation, "publics", WOMEN))
    [data] = [
        button["callback_data"]
        for row in (question.reply_markup or {})["inline_keyboard"]
        for button in row
        if button["text"] == women
    ]
    for _ in range(30):  # an auto-clicker, or a phone stuck on a button
        chat.api.click_data(ALICE, question.message_id, data)
    await chat.deliver()

    assert warnings(chat) == [say("flood_buttons", "fr")]
    assert chat.api.unanswered_callbacks == []  # no press is left spinning
    # Paused: a press now changes nothing.
    await chat.click(ALICE, say("validate_count", "fr", n=1))
    assert stored(chat.database, "publics") is None


async def test_a_flood_of_messages_is_still_stopped_and_called_messages(chat: Chat):
    for _ in range(8):
        chat.api.send_text(ALICE, "/aide")
    await chat.deliver()
    texts = [m.text for m in chat.api.messages(ALICE.id)]
    assert warnings(chat) == [say("flood", "fr")]
    assert len(texts) == 6  # five answers, one warning, then silence


async def test_taps_and_messages_are_counted_apart(chat: Chat, consultation: Consultation):
    await to_publics(chat)
    for text in ("/aide", "/aide", "/aide"):
        await chat.send(ALICE, text)
    for code in (WOMEN, ISOLATED, DISABLED):
        await chat.click(ALICE, say("unselected", "fr", label=label(consultation, "publics", code)))
    await chat.click(ALICE, say("validate_count", "fr", n=3))
    await chat.send(ALICE, "/reprendre")  # the fifth message in two seconds, ten taps
    assert warnings(chat) == []
    assert stored(chat.database, "publics") is not None


def test_the_gate_counts_presses_apart_and_pauses_everything() -> None:
    gate = FloodGate(limit=5, window=2.0, pause=10.0, press_limit=15)
    messages = [gate.check(1, 100.0 + n * 0.01) for n in range(5)]
    presses = [gate.check(1, 100.1 + n * 0.01, press=True) for n in range(15)]
    assert set(messages + presses) == {Verdict.PASS}
    assert gate.check(1, 100.5, press=True) is Verdict.WARN  # the sixteenth press
    assert gate.check(1, 101.0) is Verdict.DROP  # the pause holds messages too
    assert gate.check(1, 110.6, press=True) is Verdict.PASS
    assert LimitsSettings().press_limit == 15
    assert LimitsSettings(flood_updates=1_000_000).press_limit == 3_000_000  # off stays off
    assert LimitsSettings(flood_presses=8).press_limit == 8


async def test_an_album_of_photos_gets_one_answer_and_no_warning(chat: Chat):
    await chat.send(ALICE, "/start")
    before = len(chat.api.messages(ALICE.id))
    for _ in range(6):  # one message per photo, sent at once
        chat.api.send_photo(ALICE, album="album-1")
    await chat.deliver()
    replies = [m.text for m in chat.api.messages(ALICE.id)[before:]]
    assert replies == [say("unsupported_content", "fr")]
    assert warnings(chat) == []

    for _ in range(3):  # another album: answered again, once
        chat.api.send_photo(ALICE, album="album-2")
    await chat.deliver()
    replies = [m.text for m in chat.api.messages(ALICE.id)[before:]]
    assert replies == [say("unsupported_content", "fr")] * 2


async def test_a_caption_on_a_later_photo_of_an_album_is_still_read(chat: Chat):
    await chat.send(ALICE, "/start")
    chat.api.send_photo(ALICE, album="album-1")
    chat.api.send_photo(ALICE, caption="mon mari me frappe", album="album-1")
    await chat.deliver()
    texts = [m.text for m in chat.api.messages(ALICE.id)]
    assert any("3919" in text for text in texts), "the caption's disclosure gets the helplines"


def test_albums_remembered_are_the_latest_few_whoever_sends_them():
    albums = Albums(size=3)
    assert [albums.later_part(7, f"a{n}") for n in range(5)] == [False] * 5
    assert albums.later_part(7, "a4") and albums.later_part(7, "a2")
    assert not albums.later_part(7, "a0"), "the oldest album was let go"
    assert not albums.later_part(8, "a4"), "an album is known within its chat"
    assert not albums.later_part(7, None)
