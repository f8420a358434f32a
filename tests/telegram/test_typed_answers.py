"""Answers typed instead of tapped: the resident sees how the bot understood them."""

from __future__ import annotations

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice")


def with_keyboards(chat: Chat) -> list[int]:
    return [m.message_id for m in chat.api.messages(ALICE.id) if m.buttons]


async def test_a_typed_number_or_label_gets_the_recap_a_tap_gets(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))

    by_label = await chat.send(ALICE, "pont-rompu")
    assert by_label.text.startswith(say("your_answer", "fr", answer="Pont-Rompu") + "\n\n")
    assert "Question 2 sur 12" in by_label.text

    by_number = await chat.send(ALICE, "1")  # the first option, "J'y habite"
    assert by_number.text.startswith(say("your_answer", "fr", answer="J'y habite") + "\n\n")
    assert "Question 3 sur 12" in by_number.text

    exact = await chat.send(ALICE, "18 à 25 ans")  # the label exactly, as on the button
    assert exact.text.startswith(say("your_answer", "fr", answer="18 à 25 ans") + "\n\n")
    assert "Question 4 sur 12" in exact.text
    assert with_keyboards(chat) == [exact.message_id]  # the answered ones are closed


async def test_an_other_text_is_recapped_with_its_option(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, say("other", "fr"))
    reply = await chat.send(ALICE, "Le <Virolois> & co")
    answer = f"{say('other', 'fr')} Le <Virolois> & co"
    assert reply.text.startswith(say("your_answer", "fr", answer=answer))
    assert "Question 2 sur 12" in reply.text


async def test_a_free_text_is_not_repeated(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    reply = await chat.send(ALICE, "La ludothèque du quartier")
    # The resident's own message, just above, already says it.
    assert reply.text.startswith("Question 8 sur 12")
    assert "ludothèque" not in reply.text
