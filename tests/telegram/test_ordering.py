"""Updates of different residents run concurrently; one resident's run strictly in order."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.ordering import PerUserUpdateProcessor
from tests.fakebotapi import FakeBotApi, FakeUser

ALICE = FakeUser(id=1, first_name="Alice")
BOB = FakeUser(id=2, first_name="Bob")


async def test_one_resident_waits_for_their_previous_update_not_for_others():
    api = FakeBotApi()
    processor = PerUserUpdateProcessor(16)
    log: list[str] = []
    gate = asyncio.Event()
    bob_done = asyncio.Event()

    async def work(name: str, hold: bool) -> None:
        log.append(f"start {name}")
        if hold:
            await gate.wait()
        log.append(f"end {name}")
        if name == "bob-1":
            bob_done.set()

    def update(user: FakeUser, text: str) -> Update:
        return Update.de_json(api.send_text(user, text), None)

    tasks = [
        asyncio.create_task(processor.process_update(update(ALICE, "1"), work("alice-1", True))),
        asyncio.create_task(processor.process_update(update(ALICE, "2"), work("alice-2", False))),
        asyncio.create_task(processor.process_update(update(BOB, "1"), work("bob-1", False))),
    ]
    await asyncio.wait_for(bob_done.wait(), timeout=10)
    assert log == ["start alice-1", "start bob-1", "end bob-1"]  # Bob is not held up by Alice
    assert processor.residents_in_flight == 1
    gate.set()
    await asyncio.gather(*tasks)
    assert log[3:] == ["end alice-1", "start alice-2", "end alice-2"]
    assert processor.residents_in_flight == 0  # idle residents leave nothing behind
