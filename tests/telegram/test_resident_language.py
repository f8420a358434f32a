"""A resident who reads little French: English is one tap away on the very first screen,
whatever language their phone is set to."""

from __future__ import annotations

import sqlite3

import pytest

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat


@pytest.mark.parametrize("phone", ["ar", "tr", "ro", "fr"])
async def test_the_welcome_offers_english_in_place(chat: Chat, consultation: Consultation, phone):
    resident = FakeUser(id=616_161, first_name="Ayşe", language_code=phone)
    welcome = await chat.send(resident, "/start")
    assert consultation.title.fr in welcome.text
    assert say("other_language", "fr") in welcome.buttons

    english = await chat.click(resident, say("other_language", "fr"))
    # The same message, now in English: nothing else to scroll past.
    assert english.message_id == welcome.message_id
    assert consultation.title.en in english.text
    assert english.buttons == [say("accept", "en"), say("decline", "en"), "Français"]

    first = await chat.click(resident, say("accept", "en"))
    assert consultation.step("quartier").text.en in first.text
    # Kept, as /langue keeps it: the resident is not asked again.
    again = await chat.send(resident, "/reprendre")
    assert consultation.step("quartier").text.en in again.text


async def test_declining_after_choosing_english_keeps_nothing(chat: Chat):
    resident = FakeUser(id=717_171, first_name="Radu", language_code="ro")
    await chat.send(resident, "/start")
    await chat.click(resident, say("other_language", "fr"))
    declined = await chat.click(resident, say("decline", "en"))
    assert declined.text == say("declined", "en")
    with sqlite3.connect(chat.database) as db:
        assert db.execute("SELECT COUNT(*) FROM participants").fetchone() == (0,)


async def test_english_pressed_again_changes_nothing(chat: Chat, consultation: Consultation):
    resident = FakeUser(id=919_191, first_name="Emre", language_code="tr")
    welcome = await chat.send(resident, "/start")
    await chat.click(resident, say("other_language", "fr"))
    # A slow phone sends the press again, from the message as it is now.
    chat.api.click_data(resident, welcome.message_id, "cvivre-ensemble|0|l:en")
    await chat.deliver()
    messages = chat.api.messages(resident.id)
    assert [m.message_id for m in messages] == [welcome.message_id]
    assert consultation.title.en in messages[0].text
    assert messages[0].buttons == [say("accept", "en"), say("decline", "en"), "Français"]


async def test_a_stale_copy_of_a_welcome_already_in_that_language_is_left_as_it_is(
    chat: Chat, consultation: Consultation
):
    # Two welcomes in the chat (/start sent twice); the language is changed from the second
    # while a slow phone still shows the first one's old "Français" button.
    resident = FakeUser(id=929_292, first_name="Bruno", language_code="en")
    first = await chat.send(resident, "/start")
    second = await chat.send(resident, "/start")
    await chat.click(resident, "Français", first.message_id)
    await chat.click(resident, "Français", second.message_id)
    await chat.click(resident, say("other_language", "fr"), second.message_id)
    chat.api.click_data(resident, first.message_id, "cvivre-ensemble|0|l:fr")
    await chat.deliver()
    assert chat.api.refused == []
    messages = chat.api.messages(resident.id)
    assert [m.message_id for m in messages] == [first.message_id, second.message_id]
    assert consultation.title.fr in messages[0].text  # as the press asks
    # The press said French: the resident's next screen is in French.
    assert consultation.title.fr in (await chat.send(resident, "/start")).text
