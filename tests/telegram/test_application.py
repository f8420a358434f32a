"""The application keeps nothing per resident once their updates are handled."""

from __future__ import annotations

from bot.telegram.application import StatelessApplication
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat


async def test_no_trace_of_residents_is_kept_in_memory(chat: Chat):
    assert isinstance(chat.app, StatelessApplication)
    for n in range(30):
        resident = FakeUser(id=10_000 + n, first_name=f"R{n}")
        await chat.send(resident, "/start")
    # python-telegram-bot's own bookkeeping for persistence (private, hence pinned here).
    assert chat.app._user_ids_to_be_updated_in_persistence == set()
    assert chat.app._chat_ids_to_be_updated_in_persistence == set()
    assert chat.app.user_data == {} and chat.app.chat_data == {}
