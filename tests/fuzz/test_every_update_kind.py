"""Every kind of update, from residents at every point of the journey, breaks nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.fuzz.fuzzchat import (
    FuzzChat,
    assert_sound,
    assert_store_consistent,
    consultation,
    current_question,
    to_first_question,
    to_text_question,
    to_welcome,
)
from tests.fuzz.updates import EVERY_KIND, GROUP, Builder
from tests.telegram.harness import Chat

NEWCOMER = FakeUser(id=7_001, first_name="Inès")
WELCOMED = FakeUser(id=7_002, first_name="Yacine", language_code="en")
ANSWERING = FakeUser(id=7_003, first_name="Lucie")
TYPING = FakeUser(id=7_004, first_name="Moussa")

SETUP: dict[FakeUser, Callable[[Chat, FakeUser], Awaitable[None]]] = {
    WELCOMED: to_welcome,
    ANSWERING: to_first_question,
    TYPING: to_text_question,
}


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[FuzzChat]:
    async with FuzzChat(tmp_path / "parole.sqlite3", [consultation()]) as running:
        for user, setup in SETUP.items():
            await setup(running, user)
        await running.send(NEWCOMER, "/start", GROUP)  # the bot's answer there has an id
        yield running


@pytest.mark.parametrize("kind", list(EVERY_KIND))
async def test_every_kind_of_update_is_handled(chat: FuzzChat, kind: str) -> None:
    build: Builder = EVERY_KIND[kind]
    before = {user: current_question(chat, user) for user in SETUP}
    for user in (NEWCOMER, *SETUP):
        await chat.feed(build(chat.api, user), f"{kind} from {user.first_name}")
        assert_sound(chat)
    assert_store_consistent(chat.database)

    # Everyone can still go on: /reprendre shows a question (or the way in) again.
    for user in SETUP:
        resumed = await chat.send(user, "/reprendre")
        assert resumed.text, before[user]
    assert_sound(chat)


async def test_a_resident_who_blocked_the_bot_and_came_back_resumes(chat: FuzzChat) -> None:
    from tests.fuzz.updates import blocked, unblocked

    await chat.feed(blocked(chat.api, TYPING))
    await chat.feed(unblocked(chat.api, TYPING))
    resumed = await chat.send(TYPING, "/start")
    assert say("resume", "fr") in resumed.buttons
    assert (await chat.click(TYPING, say("resume", "fr"))).text.startswith("Question 7 sur 12")
    assert_sound(chat)
