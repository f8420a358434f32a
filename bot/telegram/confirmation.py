"""Confirming updates to Telegram only once the bot has handled them.

Telegram keeps an update until a getUpdates call asks for the ones after it. python-telegram-
bot asks for those after the last update it *fetched*, at once: an update still queued behind
a crowd, or waiting for its commit, was then confirmed already, and lost if the process died
(kill -9, out of memory, a power cut) before storing it. The resident saw no reply, and
Telegram never sent it again.

Here the offset asked for is the oldest update not handled yet. Telegram keeps that one and
every later one, and hands them again after a crash; while the bot runs, the ones it hands
again are left out (they are queued or handled already). The bot has at most one getUpdates
batch (100 updates) past its oldest unhandled one: a crowd waits at Telegram rather than in
the bot's memory.

An update counts as handled once the bot shows something for it (a message sent or edited):
the bot stores what an update changes before showing its result, and the showing itself may
wait a while for Telegram's pace (a message a second per chat), which must not hold the
others back. An update that shows nothing counts as handled when its handler is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, Final

# An update that has held the offset this long stops holding it (it is still handled): the
# bot only fetches 100 updates past the one holding it, so a slow one (a staff command sending
# at a group's 20 messages a minute) must not stall every resident for long. Residents'
# answers are handled in well under a second, seconds under a crowd.
HOLD_SECONDS: Final = 10.0
# While updates are being handled Telegram answers getUpdates at once, with them again: the
# bot then asks at most every PACE_SECONDS, and waits up to RECHECK_SECONDS for the oldest to
# be handled, rather than download the same updates in a loop. New updates wait that long at
# most.
PACE_SECONDS: Final = 0.05
RECHECK_SECONDS: Final = 0.2


# The update the running task handles (set by bot.telegram.ordering for each update).
HANDLING: ContextVar[int | None] = ContextVar("handling", default=None)
# The Bot API calls that show something in a chat: made once what they show is stored.
SHOWING: Final = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto"}
)


class Unconfirmed:
    """The fetched updates not handled yet, in the order Telegram numbered them."""

    def __init__(
        self,
        *,
        hold: float = HOLD_SECONDS,
        pace: float = PACE_SECONDS,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hold = hold
        self.pace = pace
        self.recheck = recheck
        self._clock = clock
        self._fetched: dict[int, float] = {}  # update id -> when fetched; oldest first
        self._next = 0  # the id after the newest update fetched
        self._handed_again = False  # the last answer repeated updates still being handled
        self._oldest_handled = asyncio.Event()

    def offset(self, asked: int | None) -> int | None:
        """The getUpdates offset that confirms only the updates handled (or held too long)."""
        expired = self._clock() - self.hold
        while self._fetched:
            oldest, fetched_at = next(iter(self._fetched.items()))
            if fetched_at > expired:
                return oldest
            del self._fetched[oldest]
        if not self._next:
            return asked
        return max(asked or 0, self._next)

    def keep_new(self, updates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The updates of a getUpdates answer not fetched before, now counted as fetched."""
        new = [update for update in updates if update["update_id"] >= self._next]
        now = self._clock()
        for update in new:
            self._fetched[update["update_id"]] = now
        if new:
            self._next = new[-1]["update_id"] + 1
        self._handed_again = len(new) < len(updates)
        if self._handed_again:
            self._oldest_handled.clear()
        return new

    def handled(self, update_id: int) -> None:
        """`update_id` is handled: stored, answered, or refused."""
        oldest = next(iter(self._fetched), None)
        if self._fetched.pop(update_id, None) is not None and update_id == oldest:
            self._oldest_handled.set()

    def showing(self, method: str) -> None:
        """The bot calls `method`: if it shows something, the update being handled is done."""
        if method in SHOWING and (update_id := HANDLING.get()) is not None:
            self.handled(update_id)

    async def before_asking(self) -> None:
        """Pace the next getUpdates when the last one handed again updates being handled."""
        if not self._handed_again:
            return
        self._handed_again = False
        await asyncio.sleep(self.pace)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._oldest_handled.wait(), self.recheck - self.pace)

    @property
    def fetched_any(self) -> bool:
        """Whether any update was fetched since the start."""
        return self._next > 0

    def __len__(self) -> int:
        """How many updates are fetched and not handled yet."""
        return len(self._fetched)
