"""Outgoing rate: every Bot API call the bot makes keeps Telegram's published limits.

Telegram asks bots to send at most about 30 messages a second in all, about one a second to
one private chat (short bursts go through) and 20 a minute to one group or channel, and
answers 429 "retry after N" beyond. python-telegram-bot hands every call but getUpdates to
this limiter, which paces with aiolimiter's leaky buckets:

- all chats together: sends evenly spaced, so no 1-second window holds more than
  `messages_per_second` (a bucket of 30 would let 30 go at once and 30 more within the same
  second). The bucket holds a quarter of a message more than one, and refills a quarter of a
  message a second slower than the limit: a send the event loop wakes a few milliseconds
  late lets the next one go that much earlier, instead of the time being lost to the rate.
- one private chat: a bucket of `chat_burst` messages refilled `chat_messages_per_second`
  times a second. Three by default: the longest reply to one tap (a helpline, a note, the
  next question) leaves at once, and nobody reads faster than one a second after that.
- one group, supergroup or channel (negative id or @name): a bucket of one, refilled every
  60 / `group_messages_per_minute` seconds, so no minute holds more than the limit.

Each rate is paced 5 % under its limit: Telegram counts messages when they arrive, and the
way there can bring two sends closer than they left; 5 % leaves 50 ms of slack a second.
A message takes its chat's turn before its place in the overall pace: while a broadcast
fills that pace, a chat's messages may arrive closer together by the wait for it (about
half a second with a broadcast's 16 sends in flight).

What counts is a request that posts new messages in a chat: send*, copy* and forward*, but
not sendChatAction or sendMessageDraft, which post none. An album (sendMediaGroup) or
copyMessages/forwardMessages counts as one request. Edits, callback answers, menus and the
rest are never held by these budgets.

One chat's messages leave one at a time, in the order they were asked for, through waits and
retries. On a 429, any request (message or not) is sent again after the given `retry_after`
plus 0.1 s, as many times as Telegram asks: no message is dropped. Only that request, and
the messages queued behind it for the same chat, wait: pacing already keeps the overall limit,
so a 429 concerns one chat, and halting every chat for it would stall a broadcast.

A chat's state is forgotten once its bucket is empty and nothing waits for it, so residents
who stopped answering cost no memory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.settings import TelegramSettings

log = logging.getLogger(__name__)

HEADROOM: Final = 0.95  # pace at 95 % of each limit (see the module docstring)
CATCH_UP: Final = 0.25  # of a message, in the overall bucket (see the module docstring)
RETRY_MARGIN: Final = 0.1  # seconds added to Telegram's retry_after
NOT_MESSAGES: Final = frozenset({"sendChatAction", "sendMessageDraft"})
SWEEP_FLOOR: Final = 1024  # chats known before forgotten ones are swept out

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]
ChatKey = int | str


def is_message(endpoint: str) -> bool:
    """Whether a Bot API method posts new messages in a chat (and so counts in the limits)."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint not in NOT_MESSAGES


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (a timedelta with PTB_TIMEDELTA set)."""
    wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


class _Chat:
    """One chat's budget and queue."""

    __slots__ = ("bucket", "queue", "users")

    def __init__(self, bucket: AsyncLimiter) -> None:
        self.bucket = bucket
        self.queue = asyncio.Lock()  # FIFO: keeps the chat's messages in order
        self.users = 0  # requests holding or waiting for the queue

    def forgettable(self) -> bool:
        """Nothing waits, and a new bucket would allow exactly what this one allows."""
        return self.users == 0 and self.bucket.has_capacity(self.bucket.max_rate)


class TelegramRateLimiter(BaseRateLimiter[None]):
    """Keeps Telegram's message limits for every chat and sends again after each 429.

    The limits are those of `TelegramSettings`; `messages_per_second` is at least 1.
    """

    def __init__(
        self,
        *,
        messages_per_second: float = 30,
        chat_messages_per_second: float = 1,
        chat_burst: int = 3,
        group_messages_per_minute: float = 20,
    ) -> None:
        refill = (messages_per_second - CATCH_UP) * HEADROOM
        self._overall = AsyncLimiter(1 + CATCH_UP, (1 + CATCH_UP) / refill)
        self._chat_burst = chat_burst
        self._chat_period = chat_burst / (chat_messages_per_second * HEADROOM)
        self._group_period = 60 / (group_messages_per_minute * HEADROOM)
        self._chats: dict[ChatKey, _Chat] = {}
        self._sweep_at = SWEEP_FLOOR

    @property
    def chats(self) -> int:
        """How many chats' states are kept in memory."""
        return len(self._chats)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        """Make the call within the limits, again after every 429."""
        if not is_message(endpoint):
            return await self._send(endpoint, callback, args, kwargs, ())
        chat_id = data.get("chat_id")
        if chat_id is None:  # e.g. a gift sent by user id: counted in the total only
            return await self._send(endpoint, callback, args, kwargs, (self._overall,))
        chat = self._enter(_key(chat_id))
        try:
            async with chat.queue:
                budgets = (chat.bucket, self._overall)
                return await self._send(endpoint, callback, args, kwargs, budgets)
        finally:
            chat.users -= 1

    async def _send(
        self,
        endpoint: str,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        budgets: tuple[AsyncLimiter, ...],
    ) -> Result:
        """Call until Telegram accepts; every attempt spends the budgets, the total last."""
        while True:
            for budget in budgets:
                await budget.acquire()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error) + RETRY_MARGIN
                # The method and the wait only: no chat id, no text.
                log.warning("Telegram flood control on %s: sending again in %.1f s", endpoint, wait)
                await asyncio.sleep(wait)

    def _enter(self, key: ChatKey) -> _Chat:
        """The chat's state, counted as in use until the caller decrements `users`."""
        chat = self._chats.get(key)
        if chat is None:
            self._sweep()
            chat = self._chats[key] = _Chat(self._bucket(key))
        chat.users += 1
        return chat

    def _bucket(self, key: ChatKey) -> AsyncLimiter:
        if isinstance(key, str) or key < 0:
            return AsyncLimiter(1, self._group_period)
        return AsyncLimiter(self._chat_burst, self._chat_period)

    def _sweep(self) -> None:
        """Forget idle chats whenever the table has doubled since the last sweep."""
        if len(self._chats) < self._sweep_at:
            return
        self._chats = {k: c for k, c in self._chats.items() if not c.forgettable()}
        self._sweep_at = max(SWEEP_FLOOR, 2 * len(self._chats))


def configured_limiter(settings: TelegramSettings) -> TelegramRateLimiter | None:
    """The limiter for the configured limits; None when `rate_limit` is off."""
    if not settings.rate_limit:
        return None
    return TelegramRateLimiter(
        messages_per_second=settings.messages_per_second,
        chat_messages_per_second=settings.chat_messages_per_second,
        chat_burst=settings.chat_burst,
        group_messages_per_minute=settings.group_messages_per_minute,
    )


def _key(chat_id: object) -> ChatKey:
    """Integer chat ids, even given as strings, apart from @names (channels, supergroups)."""
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)
