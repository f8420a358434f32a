"""What a relay types or forwards during an assisted entry: the protections residents get
(tests/telegram/test_unusual_messages.py) hold for the person's answers too."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.safeguarding import Category, helplines
from flows.texts import say
from tests.fakebotapi.model import JsonDict
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import AGREE, RELAY, RelayChat

THIRD_PERSON = "Message de Mme Dupont : rappelez-moi au 06 12 34 56 78"


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def at_the_entrys_text_question(chat: RelayChat) -> None:
    """A relay with a participation of their own under way, in an entry at a free text."""
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    await chat.click(RELAY, "Bourgogne")
    await chat.click(RELAY, say("unselected", "fr", label="Les jeunes"))
    question = await chat.click(RELAY, say("validate_count", "fr", n=1))
    assert "Précisez" in question.text


def texts_stored(chat: RelayChat) -> list[tuple[object, ...]]:
    """Every answer holding a text, with its session's channel."""
    return chat.rows(
        "SELECT s.channel, a.step_id, json_extract(a.value, '$.text') FROM answers AS a "
        "JOIN sessions AS s ON s.id = a.session_id "
        "WHERE json_extract(a.value, '$.text') IS NOT NULL"
    )


async def forward(chat: RelayChat, text: str) -> None:
    """The relay forwards someone else's message to the bot."""
    update = chat.api.send_text(RELAY, text)
    chat.api.pop_updates()
    origin: JsonDict = {
        "type": "user",
        "sender_user": {"id": 999, "is_bot": False, "first_name": "Dupont"},
        "date": int(time.time()) - 3600,
    }
    update["message"]["forward_origin"] = origin
    await chat.redeliver(update)


async def test_the_rest_of_a_split_paste_is_not_stored_as_the_persons_answer(chat: RelayChat):
    await at_the_entrys_text_question(chat)
    before = len(chat.api.messages(RELAY.id))
    # A paste over 4,096 characters arrives as two messages, one right after the other.
    chat.api.send_text(RELAY, "A" * 4096)
    chat.api.send_text(RELAY, "fin du texte")
    await chat.deliver()

    first, second = chat.api.messages(RELAY.id)[before:]
    assert first.text == say("text_capped", "fr", n=4096, max=2000)
    assert second.text == say("text_capped_part", "fr", max=2000)
    assert texts_stored(chat) == []
    # The person's own short answer, typed next, is taken for the entry.
    reply = await chat.send(RELAY, "Le city stade")
    assert "Une note" in reply.text
    assert texts_stored(chat) == [("assisted", "precision", "Le city stade")]


async def test_a_refused_paste_that_discloses_counts_with_the_entry(chat: RelayChat):
    await at_the_entrys_text_question(chat)
    before = len(chat.api.messages(RELAY.id))
    chat.api.send_text(RELAY, "A" * 4096)
    chat.api.send_text(RELAY, "et son mari la frappe")
    await chat.deliver()

    capped, helpline, part = chat.api.messages(RELAY.id)[before:]
    assert capped.text == say("text_capped", "fr", n=4096, max=2000)
    found = frozenset({Category.DANGER, Category.DOMESTIC})
    assert helpline.text == helplines(found, "fr", relayed=True)
    assert part.text == say("text_capped_part", "fr", max=2000)
    assert texts_stored(chat) == []
    flagged = chat.rows(
        "SELECT s.channel, f.category FROM flags AS f JOIN sessions AS s ON s.id = f.session_id "
        "ORDER BY f.category"
    )
    assert flagged == [("assisted", category.value) for category in sorted(found)]


async def test_a_forward_in_an_entry_is_refused_with_numbers_to_pass_on(chat: RelayChat):
    await at_the_entrys_text_question(chat)
    question = chat.api.buttons(RELAY.id)

    await forward(chat, THIRD_PERSON)
    assert chat.last(RELAY).text == say("forwarded_refused", "fr")
    before = len(chat.api.messages(RELAY.id))
    await forward(chat, "Au secours, il va me tuer")

    helpline, refusal = chat.api.messages(RELAY.id)[before:]
    # Worded for the relay to pass on, as a disclosure typed in the entry is.
    assert helpline.text == helplines(frozenset({Category.DANGER}), "fr", relayed=True)
    assert refusal.text == say("forwarded_refused", "fr")
    assert chat.rows("SELECT count(*) FROM flags") == [(0,)]  # someone else's words
    assert texts_stored(chat) == []
    assert chat.api.buttons(RELAY.id) == question  # the entry's question still waits
    reply = await chat.send(RELAY, "Le city stade")
    assert "Une note" in reply.text
    assert texts_stored(chat) == [("assisted", "precision", "Le city stade")]


async def test_a_choice_typed_in_an_entry_is_confirmed_as_for_a_resident(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    # A number typed at a choice question: the relay sees how the bot understood it.
    reply = await chat.send(RELAY, "2")
    assert reply.text.startswith(say("your_answer", "fr", answer="Pont-Rompu"))
    await chat.click(RELAY, say("unselected", "fr", label="Les jeunes"))
    await chat.click(RELAY, say("validate_count", "fr", n=1))
    # A free text is not repeated back: it is the message just above.
    reply = await chat.send(RELAY, "Le city stade")
    assert "Une note" in reply.text
    assert "Le city stade" not in reply.text
