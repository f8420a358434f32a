"""Per-resident flood control: beyond a few updates a second, one "slow down" then silence.

`FloodGate` is the decision, a pure function of the time it is given; `register` puts it in
front of every other handler (group -1), so a resident sending too fast costs no database work
and no request beyond the one warning, and other residents are not affected.

Button presses are counted apart from messages, with a larger allowance: ticking five options
of a list and confirming is six taps in a second, each only an edit of the same message,
while six messages in a second are a paste gone wrong or a script. Either count crossing its
limit pauses the resident, and the warning names what they did (messages or taps).

An album (photos sent together) arrives as one message per photo: only its first is counted
and answered, the others are let go (`Albums`), unless one carries a caption of its own, which
is typed text.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

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
    times: deque[float] = field(default_factory=deque)  # messages and other updates
    presses: deque[float] = field(default_factory=deque)  # button presses
    paused_until: float = 0.0

    def last(self) -> float:
        """When the key was last counted (-inf: not in the current windows)."""
        never = float("-inf")
        return max(
            self.times[-1] if self.times else never, self.presses[-1] if self.presses else never
        )


class FloodGate:
    """Sliding windows per key: more than `limit` updates, or more than `press_limit` button
    presses (by default `limit`), in `window` seconds pauses the key.

    Only keys active in the last `window` seconds (or paused) are remembered: the table is
    swept at most once per `window`, so an idle resident costs nothing for long.
    """

    def __init__(
        self, limit: int, window: float, pause: float, press_limit: int | None = None
    ) -> None:
        self.limit = limit
        self.press_limit = limit if press_limit is None else press_limit
        self.window = window
        self.pause = pause
        self._tracks: dict[int, _Track] = {}
        self._swept = float("-inf")

    def check(self, key: int, now: float, *, press: bool = False) -> Verdict:
        """The verdict on one update from `key` at `now` (seconds, monotonic); `press` for a
        button press, counted apart."""
        self._sweep(now)
        track = self._tracks.setdefault(key, _Track())
        if now < track.paused_until:
            return Verdict.DROP
        times, limit = (track.presses, self.press_limit) if press else (track.times, self.limit)
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) > limit:
            track.times.clear()
            track.presses.clear()
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
            if now >= track.paused_until and track.last() <= horizon
        ]:
            del self._tracks[key]


ALBUMS_KEPT: Final = 1024  # the latest albums, whoever sent them: a fixed, small memory


class Albums:
    """The albums seen lately, by chat and `media_group_id`, the latest `size` of them."""

    def __init__(self, size: int = ALBUMS_KEPT) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()

    def later_part(self, chat_id: int, album: str | None) -> bool:
        """Whether a message of `album` follows one already seen; the album is noted."""
        if album is None:
            return False
        key = (chat_id, album)
        if key in self._seen:
            return True
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return False


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    limits: LimitsSettings,
    clock: Callable[[], float] = time.monotonic,
) -> FloodGate:
    """Put a flood gate in front of every handler; returns it (tests look inside)."""
    gate = FloodGate(
        limits.flood_updates,
        limits.flood_seconds,
        limits.flood_pause_seconds,
        press_limit=limits.press_limit,
    )

    albums = Albums()

    async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return
        # A group hears the bot's answer to every command: one member's flood of them would
        # fill it (and the bot's queue, at 20 messages a minute). Counted there too, and
        # stopped without a word, which would only add to it.
        private = chat.type == ChatType.PRIVATE
        message = update.message
        # Noted whatever its caption, so that a captioned first photo counts as the first.
        later = message is not None and albums.later_part(chat.id, message.media_group_id)
        if later and message is not None and not message.caption:
            raise ApplicationHandlerStop  # its album's first photo was answered
        press = update.callback_query is not None
        verdict = gate.check(user.id, clock(), press=press)
        if verdict is Verdict.PASS:
            return
        if update.callback_query is not None:
            # It will get no other answer, and Telegram shows a spinner on it until then.
            try:
                await answer(update.callback_query)
            except TelegramError as error:  # unreachable Telegram: still no reply, no error
                log.info("could not answer a button press: %s", type(error).__name__)
        if verdict is Verdict.WARN and private:
            log.info("flood control: a resident is paused for %.0f s", gate.pause)
            lang = language_from_hint(user.language_code)
            try:
                # The warning names what came too fast: taps on buttons are not messages.
                await chat.send_message(say("flood_buttons" if press else "flood", lang))
            except TelegramError as error:
                log.info("could not send the flood warning: %s", type(error).__name__)
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, guard), group=GROUP)
    return gate
