"""A relay removed by staff while an entry is under way: what they send next is meant for the
entry, so it is stored nowhere (least of all in their own answers) and they are told why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.relay_texts import say as relay_say
from flows.texts import say
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import AGREE, RELAY, STAFF, RelayChat

STOPPED = relay_say("entry_stopped", "fr")


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def removed_mid_entry(chat: RelayChat) -> None:
    """A relay with their own participation at its first question, and an entry with one
    answer, removed by staff."""
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    await chat.click(RELAY, "Pont-Rompu")
    assert "retiré" in (await chat.send(STAFF, "/relais_retirer 1")).text


def stored(chat: RelayChat) -> list[tuple[object, ...]]:
    return chat.rows(
        "SELECT s.channel, s.status, a.step_id FROM answers AS a "
        "JOIN sessions AS s ON s.id = a.session_id ORDER BY s.id, a.step_id"
    )


async def test_a_typed_answer_after_removal_is_stored_nowhere_and_explained(chat: RelayChat):
    await removed_mid_entry(chat)
    told = await chat.send(RELAY, "1")  # meant for the entry's next question
    assert told.text == STOPPED
    assert "plus relais" in told.text and "/start" in told.text and "/reprendre" in told.text
    # The entry's answer so far is kept; nothing reached the relay's own participation.
    assert stored(chat) == [("assisted", "active", "quartier")]
    assert (await chat.send(RELAY, "/passer")).text == STOPPED
    assert stored(chat) == [("assisted", "active", "quartier")]

    # Back to their own participation: their own question, answered as any resident's.
    resumed = await chat.send(RELAY, "/reprendre")
    assert resumed.text.startswith("Question 1 sur ")
    await chat.send(RELAY, "1")
    assert stored(chat) == [("telegram", "active", "quartier"), ("assisted", "active", "quartier")]


async def test_a_press_on_the_entrys_screen_after_removal_is_explained(chat: RelayChat):
    await removed_mid_entry(chat)
    entry_question = chat.last(RELAY)
    await chat.click(RELAY, say("unselected", "fr", label="Les femmes"), entry_question.message_id)
    assert chat.last(RELAY).text == STOPPED
    assert stored(chat) == [("assisted", "active", "quartier")]


def test_the_notice_exists_in_english() -> None:
    english = relay_say("entry_stopped", "en")
    assert english != STOPPED and "no longer a relay" in english and "/reprendre" in english
