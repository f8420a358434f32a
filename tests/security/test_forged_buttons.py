"""Forged button presses: any client can send any callback data (up to 64 bytes) on any
message of the bot. None may crash a handler (a traceback in the log, "Désolé, un problème
technique…" to the sender), act on someone else's data, or touch a message of a group."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.moderation_texts import say as moderation_say
from bot.settings import StaffSettings
from bot.telegram.app import build_application
from flows.state import Answer
from flows.texts import ERROR_MESSAGE, say
from tests.fakebotapi import FakeChat, FakeRequest, FakeUser
from tests.relays.world import Clock, small_consultation
from tests.storage.helpers import make_turn
from tests.telegram.harness import Chat, settings_for
from tests.telegram.test_relay import RELAY, RelayChat

ALICE = FakeUser(id=111_222_333, first_name="Alice")
STAFF = FakeUser(id=777_000_001, first_name="Sophie")
STAFF_CHAT = FakeChat(id=-100_777, type="supergroup", title="Politique de la ville")
HUGE = "9" * 30  # beyond SQLite's 64-bit integers
SUPERSCRIPT = "²"  # a digit to str.isdigit, not to int()


class SecurityChat(Chat):
    """The chat harness with one staff member and a staff chat."""

    def __init__(self, database: Path) -> None:
        super().__init__(database, [small_consultation()], clock=Clock())
        settings = settings_for(database, self.api).model_copy(
            update={"staff": StaffSettings(user_ids=[STAFF.id], chat_ids=[STAFF_CHAT.id])}
        )
        self.app = build_application(
            settings,
            self.store,
            [small_consultation()],
            clock=Clock(),
            request=FakeRequest(self.api),
        )

    def count(self, table: str) -> int:
        with sqlite3.connect(self.database) as db:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[SecurityChat]:
    async with SecurityChat(tmp_path / "parole.sqlite3") as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The error lines logged: a failed update's among them."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def press(chat: Chat, user: FakeUser, data: str, where: FakeChat | None = None) -> None:
    """`user` sends a press carrying `data` on the bot's latest message in that chat."""
    message_id = chat.api.last_message(where.id if where else user.id).message_id
    chat.api.click_data(user, message_id, data, where)
    await chat.deliver()


@pytest.mark.parametrize(
    "data",
    [
        f"s{SUPERSCRIPT}|0|n",  # a session id int() cannot read
        f"s1|{SUPERSCRIPT}|n",  # a position int() cannot read
        f"s{HUGE}|0|n",  # a session id SQLite cannot hold
    ],
)
async def test_a_resident_forging_a_question_button_gets_the_stale_notice(
    chat: SecurityChat, caplog: pytest.LogCaptureFixture, data: str
):
    await chat.send(ALICE, "/start")  # the welcome: nothing stored yet, the id is looked up
    with caplog.at_level(logging.INFO):
        await press(chat, ALICE, data)
    assert failures(caplog) == []
    assert ERROR_MESSAGE not in chat.api.transcript(ALICE.id)[-1]
    assert say("stale", "fr") in chat.toasts()


@pytest.mark.parametrize("argument", [HUGE, SUPERSCRIPT])
async def test_a_relay_forging_a_resume_button_is_offered_their_entries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, argument: str
):
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as chat:
        await chat.make_relay(RELAY)
        await chat.send(RELAY, "/saisie")
        with caplog.at_level(logging.INFO):
            await press(chat, RELAY, f"rl|resume|{argument}")
        assert failures(caplog) == []
        assert ERROR_MESSAGE not in chat.api.transcript(RELAY.id)[-1]


async def test_staff_forging_an_older_texts_button_get_no_error(
    chat: SecurityChat, caplog: pytest.LogCaptureFixture
):
    await chat.send(STAFF, "/moderation")
    with caplog.at_level(logging.INFO):
        await press(chat, STAFF, f"md|o|{HUGE}")
    assert failures(caplog) == []


@pytest.mark.parametrize("choice", ["", "yn"])
async def test_an_erasure_button_with_neither_yes_nor_no_erases_nothing(
    chat: SecurityChat, choice: str
):
    participant = await erasure_id(chat, ALICE)
    await press(chat, ALICE, f"oubli|{choice}|{participant}")
    assert chat.count("participants") == 1 and chat.count("sessions") == 1
    assert say("forgotten", "fr") not in chat.api.transcript(ALICE.id)[-1]


@pytest.mark.parametrize("choice", ["y", "n", "x"])
async def test_an_erasure_press_in_the_staff_chat_leaves_staff_messages_alone(
    chat: SecurityChat, choice: str
):
    """A resident in the staff chat presses, on a moderation card there, the erasure
    confirmation they can forge from their own /oubli: the card keeps its text and its
    button, and nothing is erased (the confirmation is only ever shown in private)."""
    someone = await chat.store.participant("someone", chat.now)
    saved = {"precision": Answer(text="Plus de bancs")}
    await chat.store.commit(make_turn(someone.id, consultation_id="mini", saved=saved))
    participant = await erasure_id(chat, ALICE)
    chat.api.send_text(STAFF, "/moderation", STAFF_CHAT)
    await chat.deliver()
    card = chat.api.last_message(STAFF_CHAT.id)
    assert card.buttons == [moderation_say("hide", "fr")]
    await press(chat, ALICE, f"oubli|{choice}|{participant}", STAFF_CHAT)
    after = chat.api.last_message(STAFF_CHAT.id)
    assert (after.message_id, after.text, after.buttons) == (
        card.message_id,
        card.text,
        card.buttons,
    )
    assert chat.count("participants") == 2


async def erasure_id(chat: SecurityChat, user: FakeUser) -> str:
    """`user` takes part, then asks to erase: the participant id their buttons carry."""
    await chat.send(user, "/start")
    await chat.click(user, say("accept", "fr"))
    asked = await chat.send(user, "/oubli")
    assert asked.reply_markup is not None
    data: str = asked.reply_markup["inline_keyboard"][0][0]["callback_data"]
    return data.rsplit("|", 1)[1]
