"""Per-resident flood control: beyond a few updates a second, one "slow down" then silence.

`FloodGate` is the decision, a pure function of the time it is given; `register` puts it in
front of every other handler (group -1), so a resident sending too fast costs no database work
and no request beyond the one warning, and other residents are not affected.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.conversation import language_from_hint
from bot.settings import LimitsSettings
from bot.telegram.callbacks import answer
from flows.texts import say

log = logging.getLogger(__name__)

GROUP = -2  # before every other group: the relays' (-1), then staff and residents (0)


class Verdict(Enum):
    """What to do with an update."""

    PASS = "pass"  # noqa: S105 (not a password)
    WARN = "warn"  # the limit was just crossed: say "slow down" once, ignore the update
    DROP = "drop"  # paused: ignore silently


@dataclass
class _Track:
    times: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0


class FloodGate:
    """A sliding window per key: more than `limit` updates in `window` seconds pauses the key.

    Only keys active in the last `window` seconds (or paused) are remembered: the table is
    swept at most once per `window`, so an idle resident costs nothing for long.
    """

    def __init__(self, limit: int, window: float, pause: float) -> None:
        self.limit = limit
        self.window = window
        self.pause = pause
        self._tracks: dict[int, _Track] = {}
        self._swept = float("-inf")

    def check(self, key: int, now: float) -> Verdict:
        """The verdict on one update from `key` at `now` (seconds, monotonic)."""
        self._sweep(now)
        track = self._tracks.setdefault(key, _Track())
        if now < track.paused_until:
            return Verdict.DROP
        times = track.times
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) > self.limit:
            times.clear()
            track.paused_until = now + self.pause
            return Verdict.WARN
        return Verdict.PASS

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._tracks)

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window:
            return
        self._swept = now
        horizon = now - self.window
        for key in [
            key
            for key, track in self._tracks.items()
            if now >= track.paused_until and (not track.times or track.times[-1] <= horizon)
        ]:
            del self._tracks[key]


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    limits: LimitsSettings,
    clock: Callable[[], float] = time.monotonic,
) -> FloodGate:
    """Put a flood gate in front of every handler; returns it (tests look inside)."""
    gate = FloodGate(limits.flood_updates, limits.flood_seconds, limits.flood_pause_seconds)

    async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        verdict = gate.check(user.id, clock())
        if verdict is Verdict.PASS:
            return
        if update.callback_query is not None:
            # It will get no other answer, and Telegram shows a spinner on it until then.
            try:
                await answer(update.callback_query)
            except TelegramError as error:  # unreachable Telegram: still no reply, no error
                log.info("could not answer a button press: %s", type(error).__name__)
        if verdict is Verdict.WARN:
            log.info("flood control: a resident is paused for %.0f s", gate.pause)
            lang = language_from_hint(user.language_code)
            try:
                await chat.send_message(say("flood", lang))
            except TelegramError as error:
                log.info("could not send the flood warning: %s", type(error).__name__)
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, guard), group=GROUP)
    return gate
