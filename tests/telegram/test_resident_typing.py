"""A resident who types rather than taps: typos, several numbers at once, "je sais pas",
"ouais", and a "bonjour" after days away are read as they were meant."""

from __future__ import annotations

import pytest

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import stored_answers, to_leviers_text

KARIM = FakeUser(id=818_181, first_name="Karim")


async def consent(chat: Chat) -> None:
    await chat.send(KARIM, "/start")
    await chat.click(KARIM, say("accept", "fr"))


@pytest.mark.parametrize("typed", ["pont rompu", "Pont Rompu !", "pont-rompou", "PONT ROMPU"])
async def test_a_label_typed_loosely_is_read_and_recapped(chat: Chat, typed: str):
    await consent(chat)
    reply = await chat.send(KARIM, typed)
    assert reply.text.startswith(say("your_answer", "fr", answer="Pont-Rompu") + "\n\n")
    assert stored_answers(chat.database)["quartier"]["choices"] == ["pont-rompu"]


async def test_words_that_fit_several_options_are_not_guessed(chat: Chat):
    await consent(chat)
    await chat.send(KARIM, "1")
    await chat.send(KARIM, "habite")  # "J'y habite", the only label with the word
    await chat.send(KARIM, "26 à 40 ans")
    reply = await chat.send(KARIM, "personnes")  # four labels say "Personnes"
    assert reply.text.startswith(f"⚠️ {say('use_buttons', 'fr')}")
    answers = stored_answers(chat.database)
    assert answers["profil"]["choices"] == ["habitant"]
    assert "publics" not in answers


async def test_several_numbers_tick_several_options(chat: Chat):
    await consent(chat)
    for typed in ("1", "1", "7"):
        await chat.send(KARIM, typed)
    reply = await chat.send(KARIM, "2, 4 et 6")
    labels = "Les femmes, Personnes isolées, Personnes avec troubles mentaux ou addiction"
    assert reply.text.startswith(say("picked", "fr", label=labels))
    assert say("validate_count", "fr", n=3) in reply.buttons
    await chat.send(KARIM, "valider")
    assert stored_answers(chat.database)["publics"]["choices"] == [
        "femmes",
        "isoles",
        "sante-mentale",
    ]


async def test_i_do_not_know_skips_what_can_be_skipped(chat: Chat):
    await consent(chat)
    refused = await chat.send(KARIM, "je sais pas")  # the neighbourhood cannot be skipped
    assert refused.text.startswith(f"⚠️ {say('use_buttons', 'fr')}")
    await chat.send(KARIM, "2")
    await chat.send(KARIM, "1")
    skipped = await chat.send(KARIM, "Je ne sais pas.")  # the age can
    assert skipped.text.startswith(say("skipped", "fr") + "\n\n")
    assert stored_answers(chat.database)["age"]["skipped"] is True


async def test_yes_in_other_words_at_a_yes_no_question(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, KARIM)
    for typed in ("passer", "1", "valider", "passer", "1", "valider", "Un jardin"):
        await chat.send(KARIM, typed)
    assert consultation.step("suivi").text.fr in chat.last(KARIM).text
    thanks = await chat.send(KARIM, "ouais")
    assert thanks.text.startswith(say("your_answer", "fr", answer="Oui"))
    assert stored_answers(chat.database)["suivi"]["choices"] == ["yes"]


@pytest.mark.parametrize("typed", ["Bonjour", "bonjour !", "Salut 👋", "salam", "Hello"])
async def test_a_greeting_after_days_away_is_not_an_answer(
    chat: Chat, consultation: Consultation, typed: str
):
    await to_leviers_text(chat, consultation, KARIM)
    chat.now = chat.now.replace(day=29)
    reply = await chat.send(KARIM, typed)
    assert reply.text.startswith(f"⚠️ {say('welcome_back', 'fr')}")
    assert consultation.step("leviers_precision").text.fr in reply.text
    assert "leviers_precision" not in stored_answers(chat.database)
