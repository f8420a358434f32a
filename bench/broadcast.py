"""Broadcast rate: one message to many chats, through the bot's rate limiter, over HTTP.

    python bench/broadcast.py [--chats 1000] [--throttled 3]

Issue 6, part 3. Starts the fake Bot API server (`tests.fakebotapi`, which checks every
request against the Bot API spec) on 127.0.0.1 and sends one HTML message to N private chats
with `bot.telegram.broadcast.broadcast`, from a bot built as `parole run` builds it: HTTPX with
a connection pool, and the rate limiter of the default settings (30 messages a second in
all). While it runs, the server answers "429 Too Many Requests" (retry_after 1 s, then 2 s,
alternately) to `--throttled` sendMessage calls spread over the run, which the limiter waits
out before sending again (its WARNING lines are printed as they come).

Printed: the machine; messages delivered and chats that got exactly one; the run's duration,
messages delivered per second and their ratio to 30 a second (the issue's target: 0.9 or
more); the most sendMessage calls (429s included) in any one-second window, as the bot sent
them (when each left the limiter for HTTPX) and as the server received them (the same, give
or take the jitter of threads on a busy machine: the limiter paces 5 % under the limit for
it). The exit status is 1 if a chat did not get exactly one message or the bot sent more than
30 in one second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

# The repository root first: `python bench/broadcast.py` puts bench/ first on sys.path, where
# bench/digest.py would shadow the `digest` package; bench/ next, for its helper modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import machine
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.settings import TelegramSettings
from bot.telegram.broadcast import CONCURRENCY, broadcast
from bot.telegram.ratelimit import configured_limiter
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, most_in_window

FIRST_CHAT: Final = 10_000_001
MESSAGE: Final = (
    "<b>Parole habitante</b> : merci pour vos réponses ! La synthèse de la consultation "
    "sera présentée le 12 mars à la maison de quartier."
)


class TimedRequest(HTTPXRequest):
    """HTTPX, noting when each sendMessage leaves the bot (after the limiter)."""

    def __init__(self, connection_pool_size: int) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self.sent: list[float] = []

    async def do_request(self, url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send, as HTTPXRequest does."""
        if url.endswith("/sendMessage"):
            self.sent.append(time.monotonic())
        return await super().do_request(url, *args, **kwargs)


def accepted(count: int) -> Callable[[FakeBotApi], bool]:
    """Whether the server has accepted `count` messages."""
    return lambda api: (
        sum(1 for r in api.requests if r.method == "sendMessage" and r.status == 200) >= count
    )


async def throttle(api: FakeBotApi, chats: int, throttled: int) -> None:
    """Answer 429 to one sendMessage at each of `throttled` even points of the run."""
    for n in range(1, throttled + 1):
        await api.wait_for_async(accepted(chats * n // (throttled + 1)))
        api.fail_next("sendMessage", retry_after=1 + (n - 1) % 2)


async def run(chats: int, throttled: int) -> int:
    """Broadcast to `chats` chats, print the figures; the exit status."""
    settings = TelegramSettings()
    api = FakeBotApi()
    targets = range(FIRST_CHAT, FIRST_CHAT + chats)
    print(machine())
    print(
        f"broadcast of one message to {chats} private chats, {CONCURRENCY} sends in flight, "
        f"limit {settings.messages_per_second:g} messages/s; {throttled} sendMessage answered "
        "429 during the run"
    )
    with FakeBotApiServer(api) as server:
        request = TimedRequest(connection_pool_size=CONCURRENCY)
        bot = ExtBot(
            api.token,
            base_url=server.base_url,
            request=request,
            rate_limiter=configured_limiter(settings),
        )
        async with bot:
            injector = asyncio.create_task(throttle(api, chats, throttled))
            start = time.perf_counter()
            report = await broadcast(bot, targets, MESSAGE)
            seconds = time.perf_counter() - start
            injector.cancel()
    sends = [r for r in api.requests if r.method == "sendMessage"]
    once = sum(1 for chat in targets if len(api.messages(chat)) == 1)
    rate = len(report.delivered) / seconds
    busiest = most_in_window(request.sent, 1.0)
    received = most_in_window([r.at for r in sends], 1.0)
    refused = sum(1 for r in sends if r.status == 429)
    print(f"delivered: {len(report.delivered)} of {chats}, failed {len(report.failed)}")
    print(f"chats with exactly one message: {once} of {chats}")
    print(
        f"elapsed: {seconds:.1f} s, {rate:.1f} messages/s: "
        f"{rate / settings.messages_per_second:.2f} of {settings.messages_per_second:g}/s "
        "(target 0.9 or more)"
    )
    print(
        f"most sendMessage in any one second: {busiest} as the bot sent them, "
        f"{received} as the server received them"
    )
    print(f"429 answered: {refused}; sendMessage calls: {len(sends)}")
    ok = once == chats and busiest <= settings.messages_per_second
    return 0 if ok else 1


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000, help="private chats to reach")
    parser.add_argument("--throttled", type=int, default=3, help="429s answered during the run")
    args = parser.parse_args()
    # As `parole` does (bot/cli.py): durations as timedeltas, without deprecation warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(run(args.chats, args.throttled)))


if __name__ == "__main__":
    main()
