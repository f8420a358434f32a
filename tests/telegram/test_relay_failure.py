"""A relay's update that fails during an entry is told the answers are safe, and goes no
further: the residents' handlers must not take the person's answer for the relay's own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.texts import ERROR_MESSAGE, say
from storage.base import Turn
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import AGREE, RELAY, RelayChat
from tests.telegram.test_relay_removed_mid_entry import stored


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def fail_once(chat: RelayChat, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next commit fails (a full disk, a locked database), the ones after it work."""
    commit = chat.store.commit

    async def failing(turn: Turn) -> int:
        monkeypatch.setattr(chat.store, "commit", commit)
        raise OSError("disk I/O error")

    monkeypatch.setattr(chat.store, "commit", failing)


async def in_entry(chat: RelayChat) -> None:
    """A relay whose own participation is at its first question, in an entry at its first."""
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)


async def test_a_typed_answer_that_fails_lands_nowhere_else(
    chat: RelayChat, monkeypatch: pytest.MonkeyPatch
):
    await in_entry(chat)
    fail_once(chat, monkeypatch)
    assert (await chat.send(RELAY, "1")).text == ERROR_MESSAGE
    assert stored(chat) == [], "not in the entry, and not in the relay's own answers"
    await chat.send(RELAY, "1")  # typed again: the entry's answer
    assert stored(chat) == [("assisted", "active", "quartier")]


async def test_a_pressed_answer_that_fails_lands_nowhere_else(
    chat: RelayChat, monkeypatch: pytest.MonkeyPatch
):
    await in_entry(chat)
    fail_once(chat, monkeypatch)
    assert (await chat.click(RELAY, "Pont-Rompu")).text == ERROR_MESSAGE
    assert stored(chat) == []
    await chat.click(RELAY, "Pont-Rompu")
    assert stored(chat) == [("assisted", "active", "quartier")]
