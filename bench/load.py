"""End-to-end load: the real `parole run` process, a crowd of residents over HTTP.

    python bench/load.py [--residents 500] [--think 1.0] [--ramp 5.0] [--no-rate-limit]

Quick runs: `--residents 20` takes about 30 s (a journey is 14 messages, which the limiter
sends one chat at about one a second); `--residents 20 --think 0 --no-rate-limit` about 7 s.

Issue 6, part 2. Starts the fake Bot API server (`tests.fakebotapi`, which checks every
request against the Bot API spec) on 127.0.0.1 and the bot as a child process
(`python -m bot --config FILE run`: long polling, its own SQLite database with
synchronous=FULL, in a fresh temporary folder), then plays N residents at once through the
default consultation (consent, the 12 questions: bench/throughput.py's 20 updates, each
resident with their own proposal). A resident sends their next update only once the bot has
answered the previous one (answered: the message showing the next screen reached the server,
sent, or redrawn in place with its keyboard), after a pause (exponential, `--think` seconds on
average); residents arrive spread over the first `--ramp` seconds.

Printed: the machine, completed journeys, elapsed time and updates/s, p50/p99 latency from the
moment an update is available to the bot (queued at the fake server, which the bot long-polls)
to the moment the bot's answer reaches the server, Bot API calls per update, messages sent
(the most in any one-second window, and overall per second), and where the time went: CPU of
the bot process, and of this process (the fake server's threads, and the residents), which
shares one GIL: near 100 % of one core here means the fake, not the bot, set the pace.

Every message the bot sends goes through its rate limiter (bot/telegram/ratelimit.py:
Telegram's 30 messages a second overall, about one a second per chat after a short burst):
the rate and latency printed are what residents get under that pacing, not the bot's raw
speed. `--no-rate-limit` turns the limiter off, to see what the bot process and the fake
server do unpaced (bench/throughput.py measures the bot in-process, without HTTP).

After the bot is stopped (SIGTERM), the database is checked as bench/throughput.py checks it:
every session completed with its 12 answers, each resident's proposal stored once, one
processed-update key per turn. The exit status is 1 if a journey failed, a check failed, the
fake refused any request, a button press was never answered, the bot logged an error or did
not exit cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

# The repository root first: `python bench/load.py` puts bench/ first on sys.path, where
# bench/digest.py would shadow the `digest` package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import (
    ANSWERED_STEPS,
    FIRST_USER_ID,
    Latencies,
    Step,
    check_complete,
    describe_machine,
    journey,
)
from bot.telegram.ratelimit import is_message
from tests.e2e.botprocess import BotProcess
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser, UploadedFile, most_in_window

QUARTIERS: Final = ["Bourgogne", "Pont-Rompu", "Le Sablon"]
REPLY_TIMEOUT: Final = 300.0  # seconds a resident waits for an answer before giving up
_REDRAWS: Final = frozenset({"editmessagetext", "editmessagereplymarkup"})


def has_keyboard(params: Mapping[str, object]) -> bool:
    """Whether a call carries a non-empty inline keyboard (form-encoded, JSON inside)."""
    markup: Any = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup) if markup else None
    return isinstance(markup, dict) and bool(markup.get("inline_keyboard"))


class MeasuredApi(FakeBotApi):
    """The fake Bot API, telling each waiting resident when the bot answered them.

    `handle` runs in the HTTP server's threads; residents wait on the event loop's futures,
    one per chat, so a call wakes only its own resident (FakeBotApi.wait_for_async would wake
    every waiting resident on every call).
    """

    def __init__(self) -> None:
        super().__init__(token="123456:LOAD-BENCH")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[int, asyncio.Future[float]] = {}  # chat id -> its resident's answer
        self.calls: Counter[str] = Counter()
        self.messages_at: list[float] = []  # when each message reached the server
        self.answers = 0  # screens that answered a waiting resident
        self.screens = 0
        self.core_cpu = 0.0  # CPU seconds inside FakeBotApi.handle (validation, state)
        self._counting = threading.Lock()

    def reset(self) -> None:
        """Forget the calls counted so far."""
        with self._counting:
            self.calls.clear()
            self.messages_at.clear()
            self.answers = 0
            self.screens = 0
            self.core_cpu = 0.0

    def handle(
        self,
        method: str,
        params: Mapping[str, object],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer the call as the fake does; count it, and wake the resident it answers."""
        received = time.perf_counter()
        cpu = time.thread_time()
        status, body = super().handle(method, params, files)
        spent = time.thread_time() - cpu
        name = method.lower()
        message = is_message(method)  # what Telegram's rate limits count
        answer = status == 200 and (
            name == "sendmessage" or (name in _REDRAWS and has_keyboard(params))
        )
        with self._counting:
            self.core_cpu += spent
            self.calls[method] += 1
            if message and status == 200:
                self.messages_at.append(received)
            if answer:
                self.screens += 1
            chat = params.get("chat_id")
            waiter = self.waiting.pop(int(str(chat)), None) if answer and chat else None
            if waiter is not None:
                self.answers += 1
        if waiter is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(_settle, waiter, received)
        return status, body


def _settle(waiter: asyncio.Future[float], at: float) -> None:
    if not waiter.done():
        waiter.set_result(at)


class JourneyError(Exception):
    """A resident could not go on: no such button, or no answer in time."""


def write_config(folder: Path, server: FakeBotApiServer, rate_limit: bool) -> Path:
    """The bot's configuration; the token and the pseudonym secret come from the environment."""
    telegram = [
        f'base_url = "{server.base_url}"',
        f'base_file_url = "{server.base_file_url}"',
        # The fake records a getUpdates when it answers it, and BotProcess.start waits for
        # the first one: short idle polls (a waiting poll returns as soon as updates come).
        "poll_timeout = 1",
    ]
    if not rate_limit:
        telegram.append("rate_limit = false")
    path = folder / "config.toml"
    path.write_text(
        "\n".join(
            [
                "[telegram]",
                *telegram,
                "[storage]",
                f'path = "{folder / "parole.sqlite3"}"',
                "[consultation]",
                f"quartiers = {json.dumps(QUARTIERS)}",
                # Exponential pauses give some residents several taps in a second, which flood
                # control (tested in tests/telegram) would rightly silence: off, as in tests.
                "[limits]",
                "flood_updates = 1000000",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return path


class Crowd:
    """Residents playing the consultation against the bot through the fake server."""

    def __init__(self, api: MeasuredApi, residents: int, think: float, ramp: float) -> None:
        self.api = api
        self.think = think
        self.ramp = ramp
        self.latencies = Latencies.room_for(residents * len(journey(0, QUARTIERS)))
        self.completed = 0
        self.failures: list[str] = []
        self._random = random.Random(6)

    async def resident(self, index: int, steps: Sequence[Step]) -> None:
        """One resident: arrive, then each update once the previous one is answered."""
        api, loop = self.api, asyncio.get_running_loop()
        user = FakeUser(FIRST_USER_ID + index, f"Habitant {index}")
        await asyncio.sleep(self._random.uniform(0, self.ramp))
        try:
            for number, (kind, label) in enumerate(steps):
                if number and self.think:
                    await asyncio.sleep(self._random.expovariate(1 / self.think))
                answered: asyncio.Future[float] = loop.create_future()
                api.waiting[user.id] = answered
                try:
                    if kind == "text":
                        api.send_text(user, label)
                    else:
                        api.click(user, label)
                except AssertionError as error:  # the fake found no such button
                    raise JourneyError(str(error)) from None
                available = time.perf_counter()
                try:
                    async with asyncio.timeout(REPLY_TIMEOUT):
                        at = await answered
                except TimeoutError:
                    raise JourneyError(f"no answer in {REPLY_TIMEOUT:.0f} s to {label!r}") from None
                self.latencies.add(at - available)
            self.completed += 1
        except JourneyError as error:
            self.failures.append(f"resident {index}: {error}")

    async def play(self, residents: int) -> float:
        """Every resident's journey; the seconds from the first arrival to the last answer."""
        self.api.loop = asyncio.get_running_loop()
        start = time.perf_counter()
        await asyncio.gather(*(self.resident(i, journey(i, QUARTIERS)) for i in range(residents)))
        return time.perf_counter() - start


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system CPU time so far of a process (all its threads), or of one thread."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    with open(path, encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # utime and stime are the stat file's fields 14 and 15; fields[0] is field 3 (state).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def logged_errors(log: Path) -> list[str]:
    """The bot's log lines at ERROR or CRITICAL level (format: date time LEVEL name: …)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.split(" ", 3)[2:3] in (["ERROR"], ["CRITICAL"])]


def report(crowd: Crowd, api: MeasuredApi, residents: int, seconds: float) -> None:
    """The figures of one run."""
    updates = crowd.latencies.count
    p50, p99 = crowd.latencies.percentiles()
    calls = {m: n for m, n in api.calls.items() if m.lower() != "getupdates"}
    detail = ", ".join(f"{m} {n / updates:.2f}" for m, n in Counter(calls).most_common())
    sent = len(api.messages_at)
    print(f"completed journeys: {crowd.completed} of {residents}")
    print(
        f"elapsed: {seconds:.1f} s for {updates} updates answered: "
        f"{updates / seconds:.1f} updates/s"
    )
    print(
        f"latency, update available to the bot -> its answer at the server: p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms"
    )
    print(
        f"Bot API calls per update: {sum(calls.values()) / updates:.2f} ({detail}); "
        f"getUpdates: {api.calls['getUpdates']}"
    )
    print(
        f"messages received by the server: {sent}, {sent / seconds:.1f}/s overall, "
        f"at most {most_in_window(api.messages_at, 1.0)} in one second"
    )


@contextmanager
def bot_process(config: Path, api: FakeBotApi, log: Path) -> Iterator[BotProcess]:
    """The bot, started; stopped (SIGTERM) however the block ends, a failed start included."""
    bot = BotProcess(config, api, log)
    try:
        yield bot.start()
    finally:
        if bot.process is not None and bot.process.returncode is None:
            bot.stop()


@dataclass
class Usage:
    """CPU seconds: the bot's process and its event loop (main thread), this process and its
    main thread (the residents' event loop; the fake server's threads are the rest)."""

    bot: float
    bot_loop: float
    own: float
    residents: float

    @classmethod
    def now(cls, bot_pid: int) -> Usage:
        """So far."""
        return cls(
            cpu_seconds(bot_pid),
            cpu_seconds(bot_pid, bot_pid),
            time.process_time(),
            time.thread_time(),
        )

    def __sub__(self, before: Usage) -> Usage:
        return Usage(
            self.bot - before.bot,
            self.bot_loop - before.bot_loop,
            self.own - before.own,
            self.residents - before.residents,
        )


async def run(residents: int, think: float, ramp: float, rate_limit: bool, folder: Path) -> int:
    """Start the server and the bot, play the crowd, stop the bot, check; the exit status."""
    api = MeasuredApi()
    database = folder / "parole.sqlite3"
    steps = len(journey(0, QUARTIERS))
    print(describe_machine(database))
    pause = f"pausing {think:g} s on average (exponential)" if think else "without pausing"
    print(
        f"{residents} residents, {steps} updates each (consent + {ANSWERED_STEPS} questions), "
        f"arriving over the first {ramp:g} s, {pause} between an answer and their next tap; "
        + ("the bot's rate limiter on" if rate_limit else "the bot's rate limiter OFF")
    )
    crowd = Crowd(api, residents, think, ramp)
    log = folder / "bot.log"
    with (
        FakeBotApiServer(api) as server,
        bot_process(write_config(folder, server, rate_limit), api, log) as bot,
    ):
        assert bot.process is not None
        before = Usage.now(bot.process.pid)
        api.reset()  # the bot's start-up calls are not the crowd's
        seconds = await crowd.play(residents)
        usage = Usage.now(bot.process.pid) - before
    report(crowd, api, residents, seconds)
    print(
        f"CPU over the run: bot process {usage.bot:.1f} s ({usage.bot / seconds:.0%} of one "
        f"core), its event loop {usage.bot_loop:.1f} s ({usage.bot_loop / seconds:.0%}); "
        f"this process {usage.own:.1f} s ({usage.own / seconds:.0%} of one core, one GIL): "
        f"the fake server's threads {usage.own - usage.residents:.1f} s (in "
        f"FakeBotApi.handle {api.core_cpu:.1f} s), the residents {usage.residents:.1f} s"
    )
    failures = problems(api, log, bot.process.returncode)
    if crowd.failures:
        failures.insert(0, f"{len(crowd.failures)} journeys failed, the first: {crowd.failures[0]}")
    failures += check_complete(database, residents, steps)
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print(
        f"check: {residents} sessions completed, {ANSWERED_STEPS} answers each, "
        "each proposal stored once, one update key per turn: nothing lost, nothing doubled; "
        "no request refused, no error logged"
    )
    return 0


def problems(api: MeasuredApi, log: Path, exit_code: int | None) -> list[str]:
    """What went wrong on the bot's side: refused requests, unanswered buttons, errors logged,
    a bad exit, updates answered by more than one screen."""
    found: list[str] = []
    refused = api.refused
    if refused:
        first = refused[0]
        found.append(
            f"the fake refused {len(refused)} requests, the first: {first.method} "
            f"{first.status} {first.description}"
        )
    errors = logged_errors(log)
    if errors:
        found.append(f"the bot logged {len(errors)} errors, the first: {errors[0]}")
    if exit_code != 0:
        found.append(f"the bot exited with status {exit_code} on SIGTERM")
    spinning = api.unanswered_callbacks
    if spinning:
        found.append(f"{len(spinning)} button presses never answered (the button spins)")
    if api.screens != api.answers:
        # Each update must bring one screen, or answers may be credited to the wrong update.
        found.append(f"{api.screens} screens sent for {api.answers} updates answered")
    return found


def main() -> None:
    """Parse the arguments, run in a fresh temporary folder, exit with the run's status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--residents", type=int, default=500, help="residents at once")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between an answer and the next tap"
    )
    parser.add_argument(
        "--ramp", type=float, default=5.0, help="residents arrive over these first seconds"
    )
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        help="the bot's outgoing rate limiter off: what the bot and the fake do unpaced",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parole-load-") as folder:
        limit = not args.no_rate_limit
        status = asyncio.run(run(args.residents, args.think, args.ramp, limit, Path(folder)))
    sys.exit(status)


if __name__ == "__main__":
    main()
