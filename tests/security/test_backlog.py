"""One sender's backlog never stalls the others.

A resident's updates run one after another. Replies to one chat are paced by Telegram's
limits (one message a second in private, 20 a minute in a group), so a sender who keeps
typing builds a queue of updates waiting for their earlier ones; those must not take the
slots (`telegram.max_concurrent_updates`) everyone else's updates run in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram.app import TelegramApp, build_application
from bot.telegram.intake import decode
from flows.loader import BUILTIN_DIR, load_consultation
from flows.texts import say
from storage.sqlite import SqliteStore
from tests.conftest import QUARTIERS
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.telegram.harness import settings_for
from tests.telegram.test_burst_order import NOW, WAIT, GatedRequest

MALLORY = FakeUser(id=666, first_name="Mallory")
BOB = FakeUser(id=102, first_name="Bob")
SLOTS = 4


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[tuple[TelegramApp, FakeBotApi, GatedRequest]]:
    """The bot started with a few slots, the test feeding its update queue."""
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    api = FakeBotApi()
    request = GatedRequest(api)
    database = tmp_path / "parole.sqlite3"
    settings = settings_for(database, api)
    settings = settings.model_copy(
        update={"telegram": settings.telegram.model_copy(update={"max_concurrent_updates": SLOTS})}
    )
    app = build_application(
        settings, SqliteStore(database), [consultation], clock=lambda: NOW, request=request
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    await app.start()
    try:
        yield app, api, request
    finally:
        request.gate.set()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
    assert api.refused == []


async def test_a_resident_is_answered_while_another_ones_replies_wait(
    started: tuple[TelegramApp, FakeBotApi, GatedRequest],
):
    app, api, request = started
    request.held_chat = MALLORY.id  # Mallory's replies wait, as at Telegram's pace
    for n in range(2 * SLOTS):
        api.send_text(MALLORY, f"/start {n}")
    api.send_text(BOB, "/start")
    for data in api.pop_updates():
        app.update_queue.put_nowait(decode(data, app.bot))

    async with asyncio.timeout(WAIT):
        await request.holding.wait()
        await api.wait_for_async(
            lambda fake: any(say("accept", "fr") in m.buttons for m in fake.messages(BOB.id))
        )
    request.gate.set()
