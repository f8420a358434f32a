"""One message to many chats: follow-up news, and any other send to a list of chats.

Sends run concurrently, so the bot's rate limiter (bot/telegram/ratelimit.py) alone sets the
pace: it keeps Telegram's limits and waits out every 429, so a broadcast needs a bot built
with it (the application's bot is). A chat that refuses for good (the resident blocked the
bot, the chat is gone) is reported and not tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# Sends in flight: 30 a second even at half a second per answer from Telegram. More would
# only wait at the limiter, in the queue residents' replies join during a broadcast.
CONCURRENCY: Final = 16


@dataclass
class BroadcastReport:
    """Who received the message, and why the others did not."""

    delivered: list[int] = field(default_factory=list)
    # chat id -> the error's type: "Forbidden" (blocked), "BadRequest" (no such chat), or
    # "NetworkError"/"TimedOut" (may be worth a later try: the message may have arrived).
    failed: dict[int, str] = field(default_factory=dict)


async def broadcast(
    bot: Bot, chat_ids: Iterable[int], html: str, *, concurrency: int = CONCURRENCY
) -> BroadcastReport:
    """Send `html` (Telegram HTML) once to each chat of `chat_ids`, repeated ids once."""
    pending = iter(dict.fromkeys(chat_ids))
    report = BroadcastReport()

    async def sender() -> None:
        # The senders share one iterator: each chat is taken by exactly one of them.
        for chat_id in pending:
            try:
                await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML)
            except TelegramError as error:
                report.failed[chat_id] = type(error).__name__
            else:
                report.delivered.append(chat_id)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(sender())
    reasons = Counter(report.failed.values())
    why = "".join(f", {count} {reason}" for reason, count in sorted(reasons.items()))
    # Counts only: the log names no chat.
    log.info("broadcast: %d delivered, %d failed%s", len(report.delivered), len(report.failed), why)
    return report
