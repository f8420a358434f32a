"""Messages that are not plain typed answers: forwarded ones, captions, long pastes that
Telegram splits, and commands in a group meant for another bot."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.telegram.resident import CappedTexts
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


# -- long pastes that Telegram splits -------------------------------------------------------


async def test_the_rest_of_a_split_paste_is_refused_too(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))
    # A paste over 4,096 characters arrives as two messages, one right after the other.
    chat.api.send_text(ALICE, "A" * 4096)
    chat.api.send_text(ALICE, "fin du texte " + "B" * 390)
    await chat.deliver()

    first, second = chat.api.messages(ALICE.id)[before:]
    assert first.text == say("text_capped", "fr", n=4096, max=2000)
    assert second.text == say("text_capped_part", "fr", max=2000)
    assert "leviers_precision" not in answers(chat.database)
    # The shorter answer the resident then sends is taken.
    reply = await chat.send(ALICE, "Le centre social")
    assert reply.text.startswith("Question 8 sur 12")
    assert '"text":"Le centre social"' in answers(chat.database)["leviers_precision"]


async def test_an_answer_sent_a_while_after_a_refused_text_is_taken(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, "A" * 2500)
    update = chat.api.send_text(ALICE, "La ludothèque")
    chat.api.pop_updates()
    update["message"]["date"] += 30  # written again, half a minute later
    await chat.redeliver(update)
    assert chat.last(ALICE).text.startswith("Question 8 sur 12")
    assert '"text":"La ludothèque"' in answers(chat.database)["leviers_precision"]


async def test_the_rest_of_a_split_paste_is_still_checked_for_a_disclosure(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    chat.api.send_text(ALICE, "A" * 4096)
    chat.api.send_text(ALICE, "et mon mari me frappe")
    await chat.deliver()
    assert any("3919" in m.text for m in chat.api.messages(ALICE.id))
    assert flags(chat.database) == 2  # danger and domestic violence, one message
    assert "leviers_precision" not in answers(chat.database)


def test_refused_texts_are_forgotten_after_a_few_seconds() -> None:
    capped = CappedTexts(seconds=5)
    for chat_id in range(1000):
        capped.refuse(chat_id, 100.0)
    assert capped.follows(1, 104.0)
    assert not capped.follows(1, 104.0)  # asked once: the next text is an answer again
    assert not capped.follows(2, 106.0)  # too late to be the rest of it
    capped.refuse(5000, 200.0)
    assert len(capped) == 1  # the others are gone


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
