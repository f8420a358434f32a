"""A resident who wants to change an earlier answer from the last question: one list of
their answers, one tap to the question, and straight back after changing it."""

from __future__ import annotations

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import stored_answers, to_leviers_text

LEILA = FakeUser(id=313_131, first_name="Leïla")


async def to_last_question(chat: Chat, consultation: Consultation) -> None:
    await to_leviers_text(chat, consultation, LEILA)
    for typed in ("Le centre social", "1", "ok", "passer", "2", "ok", "Un jardin partagé"):
        await chat.send(LEILA, typed)
    assert consultation.step("suivi").text.fr in chat.last(LEILA).text


async def test_an_earlier_answer_is_changed_from_the_last_question(
    chat: Chat, consultation: Consultation
):
    await to_last_question(chat, consultation)
    last = chat.last(LEILA)
    assert say("review", "fr") in last.buttons

    review = await chat.click(LEILA, say("review", "fr"))
    assert review.message_id == last.message_id  # in place
    age = consultation.step("age").text.fr
    # Every answer in words, readable without the buttons.
    assert f"3. {age}\n{say('skipped', 'fr')}" in review.text
    assert f"7. {consultation.step('leviers_precision').text.fr[:40]}" in review.text
    assert "Le centre social" in review.text

    question = await chat.click(LEILA, f"3. {age}")
    assert age in question.text
    back = await chat.click(LEILA, "26 à 40 ans")
    assert back.message_id == last.message_id
    assert back.text.startswith(say("your_answer", "fr", answer="26 à 40 ans"))
    assert consultation.step("suivi").text.fr in back.text
    assert stored_answers(chat.database)["age"]["choices"] == ["26-40"]

    thanks = await chat.click(LEILA, say("yes", "fr"))
    assert consultation.thanks.fr.split("\n")[0] in thanks.text
