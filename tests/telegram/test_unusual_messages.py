"""Messages that are not plain typed answers: forwarded ones, captions, long pastes that
Telegram splits, and commands in a group meant for another bot."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from flows.model import Consultation
from flows.safeguarding import Category, helplines
from flows.texts import say
from tests.fakebotapi import FakeChat, FakeUser
from tests.fakebotapi.model import JsonDict
from tests.telegram.harness import Chat
from tests.telegram.journey import to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice")
THIRD_PERSON = "Message de Mme Dupont : rappelez-moi au 06 12 34 56 78"


def answers(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT step_id, value FROM answers").fetchall())


def flags(database: Path) -> int:
    with sqlite3.connect(database) as db:
        count: int = db.execute("SELECT count(*) FROM flags").fetchone()[0]
        return count


async def forward(chat: Chat, user: FakeUser, text: str) -> None:
    """The user forwards someone else's message to the bot."""
    update = chat.api.send_text(user, text)
    chat.api.pop_updates()
    origin: JsonDict = {
        "type": "user",
        "sender_user": {"id": 999, "is_bot": False, "first_name": "Dupont"},
        "date": int(time.time()) - 3600,
    }
    update["message"]["forward_origin"] = origin
    await chat.redeliver(update)


# -- forwarded messages ---------------------------------------------------------------------


async def test_a_forwarded_message_is_refused_and_not_stored(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    question = chat.last(ALICE)

    await forward(chat, ALICE, THIRD_PERSON)

    assert chat.last(ALICE).text == say("forwarded_refused", "fr")
    assert "leviers_precision" not in answers(chat.database)
    with sqlite3.connect(chat.database) as db:
        assert db.execute(
            "SELECT count(*) FROM answers WHERE value LIKE '%Dupont%' OR value LIKE '%06 12%'"
        ).fetchone() == (0,)
    # The question still waits for the resident's own answer.
    assert question.buttons == chat.api.buttons(ALICE.id)
    await chat.send(ALICE, "Le centre social")
    assert '"text":"Le centre social"' in answers(chat.database)["leviers_precision"]


async def test_a_forwarded_threat_gets_the_helplines_but_no_flag(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))

    await forward(chat, ALICE, "Au secours, il va me tuer")

    helpline, refusal = chat.api.messages(ALICE.id)[before:]
    assert helpline.text == helplines(frozenset({Category.DANGER}), "fr")
    assert refusal.text == say("forwarded_refused", "fr")
    assert flags(chat.database) == 0
    assert "leviers_precision" not in answers(chat.database)


# -- photos with a caption ------------------------------------------------------------------


async def test_a_captioned_photo_asks_for_the_text_alone_and_stores_nothing(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    question = chat.last(ALICE)

    chat.api.send_photo(ALICE, caption="Voici le parc abandonné")
    await chat.deliver()

    # Not "you wrote no text": the resident did, and is told how to send it.
    assert chat.last(ALICE).text == say("caption_not_kept", "fr")
    assert "leviers_precision" not in answers(chat.database)
    assert question.buttons == chat.api.buttons(ALICE.id)  # the question still waits
    await chat.send(ALICE, "Voici le parc abandonné")
    assert '"text":"Voici le parc abandonné"' in answers(chat.database)["leviers_precision"]
    # A photo without a caption still gets the general guidance.
    chat.api.send_photo(ALICE)
    await chat.deliver()
    assert chat.last(ALICE).text == say("unsupported_content", "fr")


# -- commands in a group --------------------------------------------------------------------


async def test_a_group_command_for_another_bot_gets_no_answer(chat: Chat):
    group = FakeChat(id=-100_500, type="supergroup", title="Voisins Bourgogne")
    for command in ("/start@autre_bot", "/aide@AutreBot", "/oubli@autre_bot extra"):
        chat.api.send_text(ALICE, command, group)
    await chat.deliver()
    assert chat.api.messages(group.id) == []

    # Commands for this bot, named or not, still point to the private chat.
    for command in ("/start@parole_test_bot", "/start@Parole_Test_Bot", "/start"):
        reply = await chat.send(ALICE, command, group)
        assert "t.me/parole_test_bot" in reply.text
    assert len(chat.api.messages(group.id)) == 3
