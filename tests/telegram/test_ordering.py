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


def _update(api: FakeBotApi, user: FakeUser, text: str) -> Update:
    return Update.de_json(api.send_text(user, text), None)


async def test_at_most_the_limit_run_at_once_and_every_update_runs():
    api = FakeBotApi()
    processor = PerUserUpdateProcessor(2)
    running, most, done = 0, 0, []

    async def work(name: str) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        done.append(name)

    residents = [FakeUser(id=100 + n, first_name=f"R{n}") for n in range(6)]
    await asyncio.gather(
        *(
            processor.process_update(_update(api, who, str(k)), work(f"{who.id}-{k}"))
            for k in range(2)
            for who in residents
        )
    )
    assert most == 2
    assert sorted(done) == sorted(f"{who.id}-{k}" for who in residents for k in range(2))
    assert processor.residents_in_flight == 0


class Gated:
    """Updates' work that logs its name, the held ones once the gate opens."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.log: list[str] = []

    async def work(self, name: str, hold: bool = False) -> None:
        if hold:
            await self.gate.wait()
        self.log.append(name)


async def test_a_cancelled_update_lets_the_residents_next_ones_run():
    api = FakeBotApi()
    processor = PerUserUpdateProcessor(1)
    gated = Gated()
    gate, log, work = gated.gate, gated.log, gated.work

    first = asyncio.create_task(
        processor.process_update(_update(api, ALICE, "1"), work("alice-1", hold=True))
    )
    cancelled = asyncio.create_task(
        processor.process_update(_update(api, ALICE, "2"), work("alice-2"))
    )
    waiting_for_a_slot = asyncio.create_task(
        processor.process_update(_update(api, BOB, "1"), work("bob-1"))
    )
    last = asyncio.create_task(processor.process_update(_update(api, ALICE, "3"), work("alice-3")))
    await asyncio.sleep(0.01)
    cancelled.cancel()  # waiting behind Alice's first update
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, waiting_for_a_slot, last), timeout=10)
    assert cancelled.cancelled()
    assert sorted(log) == ["alice-1", "alice-3", "bob-1"]
    assert log.index("alice-1") < log.index("alice-3")
    assert processor.residents_in_flight == 0
    # The slot went back: one more update runs at once.
    await asyncio.wait_for(
        processor.process_update(_update(api, BOB, "2"), work("bob-2")), timeout=10
    )


async def test_an_update_cancelled_while_waiting_for_a_slot_gives_none_away():
    api = FakeBotApi()
    processor = PerUserUpdateProcessor(1)
    gated = Gated()
    gate, log, work = gated.gate, gated.log, gated.work

    holder = asyncio.create_task(
        processor.process_update(_update(api, ALICE, "1"), work("alice", hold=True))
    )
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(processor.process_update(_update(api, BOB, "1"), work("bob")))
    after = asyncio.create_task(
        processor.process_update(_update(api, FakeUser(id=3, first_name="C"), "1"), work("carol"))
    )
    await asyncio.sleep(0.01)
    cancelled.cancel()
    await asyncio.sleep(0)
    assert log == []  # the slot is still Alice's
    gate.set()
    await asyncio.wait_for(asyncio.gather(holder, after), timeout=10)
    assert log == ["alice", "carol"]
    assert processor.residents_in_flight == 0
