"""Which updates a getUpdates call confirms to Telegram: only those the bot has handled."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.telegram.confirmation import HANDLING, Unconfirmed


def updates(*ids: int) -> list[dict[str, Any]]:
    return [{"update_id": update_id} for update_id in ids]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_oldest_update_not_handled_is_not_confirmed() -> None:
    unconfirmed = Unconfirmed(clock=Clock())
    assert unconfirmed.offset(None) is None  # nothing fetched: python-telegram-bot's offset
    assert unconfirmed.keep_new(updates(7, 8, 9)) == updates(7, 8, 9)
    assert unconfirmed.offset(10) == 7
    unconfirmed.handled(8)
    assert unconfirmed.offset(10) == 7  # 8 is done, but confirming it would confirm 7
    unconfirmed.handled(7)
    assert unconfirmed.offset(10) == 9
    unconfirmed.handled(9)
    assert unconfirmed.offset(10) == 10
    assert len(unconfirmed) == 0


def test_updates_handed_again_are_left_out() -> None:
    unconfirmed = Unconfirmed(clock=Clock())
    unconfirmed.keep_new(updates(7, 8))
    unconfirmed.handled(8)
    assert unconfirmed.keep_new(updates(7, 8, 9)) == updates(9)
    assert unconfirmed.offset(10) == 7


def test_an_update_held_too_long_stops_holding_the_others() -> None:
    clock = Clock()
    unconfirmed = Unconfirmed(hold=10.0, clock=clock)
    unconfirmed.keep_new(updates(7))
    clock.now += 5
    unconfirmed.keep_new(updates(8))
    clock.now += 6
    assert unconfirmed.offset(9) == 8  # 7, fetched 11 s ago, is confirmed though not done
    clock.now += 5
    assert unconfirmed.offset(9) == 9


def test_after_updates_handed_again_the_next_call_waits_for_the_oldest() -> None:
    async def scenario() -> tuple[bool, bool]:
        unconfirmed = Unconfirmed(pace=0.0, recheck=30.0)
        unconfirmed.keep_new(updates(7, 8))
        unconfirmed.keep_new(updates(7, 8))  # nothing new: Telegram handed them again
        asking = asyncio.create_task(unconfirmed.before_asking())
        await asyncio.sleep(0.05)
        waited = not asking.done()
        unconfirmed.handled(7)
        await asyncio.wait_for(asking, 1)
        # A fresh answer: the next call goes at once.
        unconfirmed.keep_new(updates(9))
        await asyncio.wait_for(unconfirmed.before_asking(), 0.01)
        return waited, asking.done()

    waited, asked = asyncio.run(scenario())
    assert waited and asked


def test_an_update_is_handled_once_the_bot_shows_something_for_it() -> None:
    async def scenario() -> list[int | None]:
        unconfirmed = Unconfirmed(clock=Clock())
        unconfirmed.keep_new(updates(7, 8))
        offsets = []

        async def handle(update_id: int, method: str) -> None:
            HANDLING.set(update_id)
            unconfirmed.showing(method)
            offsets.append(unconfirmed.offset(9))

        # A toast is no sign the update's changes are stored (a press is answered first).
        await asyncio.create_task(handle(7, "answerCallbackQuery"))
        await asyncio.create_task(handle(7, "editMessageText"))
        await asyncio.create_task(handle(8, "sendMessage"))
        return offsets

    assert asyncio.run(scenario()) == [7, 8, 9]
