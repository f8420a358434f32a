"""Throughput of the resident bot, against python-telegram-bot's own ceiling on this machine.

    python bench/throughput.py [--residents 1000] [--db PATH] [--max-concurrent 256]
                               [--think SECONDS] [--no-echo]
    python bench/throughput.py --idle [--residents 100000] [--in-flight 1000]

Default mode (issue 6, part 1): N simulated residents complete the default consultation
(consent, 12 questions: 20 updates each) through the real `Application` from
`build_application`, on a real `SqliteStore` (synchronous=FULL, a file on disk), all of them
in flight at once. Each resident sends its next update only once the bot has answered the
previous one, as a person does. Updates are the JSON Telegram sends (commands with their
bot_command entity; callback queries carrying the message they belong to and the
callback_data of the button, read from the bot's previous reply), parsed as each bot's
getUpdates parses them (`ParoleBot` leaves a pressed message's keyboard unparsed:
bot/telegram/intake.py), and put on `application.update_queue` of a started application,
so the real fetcher and the bot's `PerUserUpdateProcessor` (concurrency across residents,
order within one) are used.

A first, unmeasured run records those updates as the residents build them from the bot's
screens, and the Bot API calls the bot makes for each. Every measured application then gets
the very same updates, decoded before its clock starts: the bot itself (on a new database:
the transport numbers messages per chat, so the recorded callback queries point at the
messages the bot sends again), and the applications below.

A bare python-telegram-bot application whose only handlers reply (one sendMessage per
message, one answerCallbackQuery per button press) gets them as many residents at once, with
the same `concurrent_updates` limit and the same in-process transport
(`_fake_transport.FastRequest`): its rate is the framework's ceiling, and the ratio bot/echo
is the figure the issue asks to keep >= 0.6. Each reads Telegram's answers its own way, as in
production: the echo with python-telegram-bot's default (the standard library's json), the
bot with orjson (`BotRequest`, bot/telegram/transport.py).
Two more replay, for each of those updates, the very Bot API calls the bot made (same texts,
same inline keyboards), with no conversation and no storage: once written the usual PTB way
(typed methods, keyboards built as objects, a `Message` parsed from every result), once the
bot's own way (`ParoleBot`, bot/telegram/screenbot.py: JSON keyboards, only the message id
read back). The first says what the bot's screens would cost through PTB's typed API; the
second what the calls alone cost the bot, so that bot/second is the cost of our own code
(conversation, engine, storage, handlers).

Latency is measured per update from just before it enters the update queue to the Bot API
call that answers it: for the bot, the message showing the next screen (a sendMessage, or
the editMessageText that shows it, with its keyboard, in place of the answered one); for the
echo, its single call. The run ends when the update queue is fully processed, trailing writes
included. With every resident tapping again at once, latency is mostly queueing (residents /
rate);
`--think S` makes residents pause S seconds on average before each tap (arrivals spread
out), for the latency under a human pace (the rate then follows the residents: no echo, no
ratio).

After the run the database is checked: every session completed with its 12 answers (answered
or skipped), each resident's own proposal stored once, one processed-update key per turn.
The exit status is 1 if a check fails or anything was logged at ERROR level.

`--idle` (issue 6, part 5): residents start (/start, consent, first answer) and stop there,
`--in-flight` of them at a time. Resident memory (VmRSS, of the bot's process and the store's
helper processes) is printed after 1k, 10k, 100k… idle residents: it must not grow with them
(the per-resident lock of the update processor is dropped when their last update is done,
sessions live in SQLite).

`--no-echo` measures the bot alone in one run, its residents reading its screens as they go
(no recording), e.g. under a profiler:
    py-spy record -r 250 --format raw -o bot.txt -- python bench/throughput.py --no-echo
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from array import array
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import SecretStr
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

# `python bench/throughput.py` puts bench/ first on sys.path, where a bench script named like a
# package of the project (bench/digest.py) would shadow it: the repository root goes first,
# bench/ next (for the helper module, also under `python -m bench.throughput`).
_BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(_BENCH))
sys.path.insert(0, str(_BENCH.parent))

from _fake_transport import Call, FastRequest, JsonDict, Phone, ReplyRule  # noqa: E402
from _report import machine  # noqa: E402

from bot import heap  # noqa: E402
from bot.bootstrap import consultations  # noqa: E402
from bot.settings import (  # noqa: E402
    LimitsSettings,
    PrivacySettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from bot.telegram.app import TelegramApp, build_application  # noqa: E402
from bot.telegram.intake import decode  # noqa: E402
from bot.telegram.ordering import PerUserUpdateProcessor  # noqa: E402
from bot.telegram.screenbot import ParoleBot  # noqa: E402
from bot.telegram.transport import OrjsonAnswers  # noqa: E402
from flows.texts import say  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402
from storage.sqlite_process import helper_pids  # noqa: E402

TOKEN: Final = "123456:BENCH-TOKEN"
SECRET: Final = "a-benchmark-secret-of-enough-length"
FIRST_USER_ID: Final = 10_000_000
REPLY_TIMEOUT: Final = 120.0  # seconds a resident waits for an answer before the run fails
ANSWERED_STEPS: Final = 12  # the default consultation's questions, each answered or skipped

Kind = Literal["text", "click"]
Step = tuple[Kind, str]
EchoApp = Application[Any, Any, Any, Any, Any, Any]


# -- the journey ---------------------------------------------------------------------------


def unselected(label: str) -> str:
    """A multiple-choice option as its button reads before it is ticked."""
    return say("unselected", "fr", label=label)


def validate(count: int) -> str:
    """The confirm button of a multiple-choice question with `count` options ticked."""
    return say("validate_count", "fr", n=count)


def proposal(index: int) -> str:
    """Resident `index`'s own proposal: how the check finds each resident's answers."""
    return f"Un jardin partagé, proposition numéro {index}"


def journey(index: int, quartiers: Sequence[str]) -> list[Step]:
    """The whole consultation by button labels, as tests/e2e plays it (20 updates)."""
    return [
        ("text", "/start"),
        ("click", say("accept", "fr")),
        ("click", quartiers[index % len(quartiers)]),
        ("click", "J'y habite"),
        ("click", "26 à 40 ans"),
        ("click", unselected("Les femmes")),
        ("click", unselected("Personnes isolées")),
        ("click", validate(2)),
        ("click", unselected("Soutien en santé mentale")),
        ("click", validate(1)),
        ("click", unselected("Lieux de rencontre et d'accueil")),
        ("click", validate(1)),
        ("text", "Le centre social"),
        ("click", unselected("Rodéos urbains (motos, voitures)")),
        ("click", validate(1)),
        ("click", say("skip", "fr")),
        ("click", unselected("Lutter contre l'isolement")),
        ("click", validate(1)),
        ("text", proposal(index)),
        ("click", say("yes", "fr")),
    ]


IDLE_STEPS: Final = 3  # /start, consent, the neighbourhood; then the resident stops


def bot_replied(method: str, params: Mapping[str, Any]) -> bool:
    """The bot's answer: the next screen, sent, or redrawn in place with its keyboard.

    A button press is first acknowledged (answerCallbackQuery); when the next screen comes
    as a new message, the pressed one is closed first (editMessageText with the answer, no
    keyboard): the resident is not answered yet.
    """
    return method == "sendMessage" or (method == "editMessageText" and "reply_markup" in params)


def echo_replied(method: str, params: Mapping[str, Any]) -> bool:
    """The echo's answer: its one call."""
    return method in ("sendMessage", "answerCallbackQuery")


class BotRequest(OrjsonAnswers, FastRequest):
    """The in-process transport, its answers read as the bot reads them in production
    (`bot.telegram.transport.ParoleRequest`): part of the bot's cost, not the transport's."""


class JourneyError(Exception):
    """A resident could not go on: no such button, or no answer in time."""


# -- updates as Telegram sends them --------------------------------------------------------

_update_ids = itertools.count(1)  # unique across both bots: update keys are "tg:<update_id>"
_user_message_ids = itertools.count(1_000_000_000)  # the residents' own messages


def text_update(phone: Phone, text: str) -> JsonDict:
    """A private message; a command carries its bot_command entity, as Telegram adds it."""
    message: JsonDict = {
        "message_id": next(_user_message_ids),
        "date": int(time.time()),
        "chat": phone.chat,
        "from": phone.user,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_update_ids), "message": message}


def click_update(phone: Phone, label: str) -> JsonDict:
    """A press on the button labelled `label` of the newest message showing it."""
    found = phone.button(label)
    if found is None:
        raise JourneyError(f"no button {label!r}; on screen: {phone.labels()}")
    message, data = found
    update_id = next(_update_ids)
    query: JsonDict = {
        # "<user id>-<n>": FastRequest finds the chat of answerCallbackQuery from it.
        "id": f"{phone.user['id']}-{update_id}",
        "from": phone.user,
        "message": message,
        "chat_instance": str(phone.user["id"]),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


# -- measuring -----------------------------------------------------------------------------


@dataclass
class Latencies:
    """Per-update latencies in seconds, preallocated so recording allocates nothing."""

    values: array[float]
    count: int = 0

    @classmethod
    def room_for(cls, total: int) -> Latencies:
        """Room for `total` measures."""
        return cls(array("d", bytes(8 * total)))

    def add(self, seconds: float) -> None:
        """Record one latency."""
        self.values[self.count] = seconds
        self.count += 1

    def percentiles(self) -> tuple[float, float]:
        """p50 and p99, in milliseconds."""
        measured = self.values[: self.count]
        if len(measured) < 2:
            only = measured[0] * 1000 if measured else 0.0
            return only, only
        cuts = statistics.quantiles(measured, n=100, method="inclusive")
        return cuts[49] * 1000, cuts[98] * 1000


@dataclass
class Figures:
    """One measured bot."""

    name: str
    updates: int
    seconds: float
    latencies: Latencies
    calls: int
    # CPU time of the event loop's thread: steadier than the rate on a shared machine, where
    # other jobs take the CPU from the wall-clock figures, so changes compare better on it.
    loop_cpu: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Updates per second."""
        return self.updates / self.seconds


class ErrorCount(logging.Handler):
    """Counts log records of level ERROR and above: a failed update must fail the bench."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        """Count `record`, keep the first message."""
        self.count += 1
        if self.first is None:
            self.first = f"{record.name}: {record.getMessage()}"


def rss_kib(field: str = "VmRSS") -> int:
    """Resident memory now (VmRSS) or at its peak (VmHWM), in KiB: the bot's process and
    the store's helper processes (`storage/sqlite_process.py`), each at its own peak."""
    total = 0
    for pid in ["self", *map(str, helper_pids().values())]:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
    return total


def peak_rss_kib() -> int:
    """`rss_kib` at its peak."""
    return rss_kib("VmHWM")


def database_bytes(path: Path) -> int:
    """The database with its WAL, as it stands on disk."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# -- playing residents ---------------------------------------------------------------------


# What a resident sends: steps to play against the bot's screens, or the JSON of updates
# recorded from the bot, replayed to the echo so both parse exactly the same updates.
Script = Sequence[Step | JsonDict]
# What the bot got and did, per resident: each update's JSON text and the Bot API calls it made
# (JSON text of [method, parameters]); text is invisible to the garbage collector (see Phone).
Recording = dict[int, list[tuple[str, list[str]]]]


@dataclass
class Crowd:
    """Residents played against one running application over its transport's phones."""

    app: TelegramApp | EchoApp
    phones: dict[int, Phone]
    rule: ReplyRule
    latencies: Latencies
    recorded: Recording | None = None  # each resident's updates and the calls, if asked
    think: float = 0.0  # mean pause (s) between reading an answer and the next tap
    _random: random.Random = field(default_factory=lambda: random.Random(6))

    async def resident(self, index: int, script: Script) -> None:
        """One resident's updates, each sent once the previous one was answered."""
        user_id = FIRST_USER_ID + index
        phone = Phone(user_id, f"Habitant {index}", self.rule, keep_calls=self.recorded is not None)
        self.phones[user_id] = phone
        sent: list[str] = []
        queue = self.app.update_queue
        bot = self.app.bot
        lean = isinstance(bot, ParoleBot)
        try:
            for item in script:
                if self.think:
                    # People arrive, read, think and tap at their own pace: exponential pauses
                    # (before the first tap too, so arrivals are spread, not one burst).
                    await asyncio.sleep(self._random.expovariate(1 / self.think))
                if isinstance(item, dict):
                    data = item
                elif item[0] == "text":
                    data = text_update(phone, item[1])
                else:
                    data = click_update(phone, item[1])
                if phone.calls is not None:
                    sent.append(json.dumps(data))
                # Parsing is the framework's work (the Updater does it on getUpdates): timed in
                # the run, not in the latency, which starts as the update enters the queue.
                # Each bot parses as its getUpdates does: `ParoleBot` leaves the keyboard of a
                # pressed message unparsed (bot/telegram/intake), PTB's own bot parses it all.
                update = decode(data, bot) if lean else Update.de_json(data, bot)
                reply = phone.expect()
                start = time.perf_counter()
                queue.put_nowait(update)
                try:
                    async with asyncio.timeout(REPLY_TIMEOUT):
                        answered = await reply
                except TimeoutError:
                    raise JourneyError(f"no answer in {REPLY_TIMEOUT:.0f} s to {data}") from None
                self.latencies.add(answered - start)
        except JourneyError as error:
            raise JourneyError(f"resident {index}: {error}") from None
        finally:
            del self.phones[user_id]  # the resident stops: nothing of them stays here
            if self.recorded is not None and phone.calls is not None:
                self.recorded[index] = list(zip(sent, phone.calls, strict=True))

    async def play(self, indices: range, script: Callable[[int], Script], in_flight: int) -> None:
        """Residents `indices`, `in_flight` of them at a time; returns once all is processed."""
        todo: Iterator[int] = iter(indices)

        async def one_after_another() -> None:
            for index in todo:  # shared iterator: each worker takes the next resident
                await self.resident(index, script(index))

        workers = min(in_flight, len(indices))
        await asyncio.gather(*(one_after_another() for _ in range(workers)))
        # The last answers are sent before the bot's trailing writes (the screen's message id):
        # the run ends when every update is fully processed.
        await self.app.update_queue.join()


def decode_call(text: str) -> Call:
    """A recorded Bot API call (see `Phone`)."""
    method, params = json.loads(text)
    return str(method), params


def settle() -> None:
    """The heap as `parole run` leaves it before serving (bot.heap): the collector tuned,
    and what exists now (the benchmark's own data, the application as started) out of its
    reach. Every measured application, the echo's too, runs under these settings."""
    gc.unfreeze()
    heap.settle()


@asynccontextmanager
async def running(app: TelegramApp | EchoApp) -> Any:
    """An initialised and started application (post_init/post_shutdown included, as
    `run_polling` calls them: the bot opens its store there); the updater is not started,
    updates come from the bench."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def parole_settings(database: Path, max_concurrent: int) -> Settings:
    """The bot's settings for the benchmark: its database, the fake token, defaults else.

    Telegram's rate limits are off: this measures what processing an update costs, and
    residents tapping at machine speed would only measure the limiter's waits
    (bench/broadcast.py and bench/load.py measure the limits). So is the pause of flood
    control (its check still runs on every update): these residents tap faster than any
    thumb, and would be told to slow down.
    """
    return Settings(
        telegram=TelegramSettings(
            token=SecretStr(TOKEN), max_concurrent_updates=max_concurrent, rate_limit=False
        ),
        privacy=PrivacySettings(pseudonym_secret=SecretStr(SECRET)),
        storage=StorageSettings(path=database),
        limits=LimitsSettings(flood_updates=1_000_000),
    )


def echo_application(request: FastRequest, max_concurrent: int) -> EchoApp:
    """PTB with nothing but replies: the framework's ceiling on this machine."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await update.effective_chat.send_message(update.effective_message.text or "?")

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    return bare_application(request, max_concurrent, echo, answer)


def same_calls_application(
    request: FastRequest, max_concurrent: int, calls: Mapping[int, Sequence[Call]], typed: bool
) -> EchoApp:
    """PTB making, for each update, the very Bot API calls the bot made for it, and nothing
    else: no conversation, no storage. `typed`: the usual PTB way (keyboards built as
    objects, a `Message` parsed from every result), the framework's ceiling for the bot's
    screens; else the bot's own way (`ParoleBot`: JSON keyboards, the message id read back),
    what the calls alone cost the bot, so that bot/this is the cost of our own code."""

    async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        for method, params in calls[update.update_id]:
            kwargs = dict(params)
            markup = kwargs.get("reply_markup")
            if isinstance(markup, dict):  # built as objects, as a PTB bot usually does
                kwargs["reply_markup"] = InlineKeyboardMarkup.de_json(markup, bot)
            if method == "sendMessage":
                await bot.send_message(**kwargs)
            elif method == "editMessageText":
                await bot.edit_message_text(**kwargs)
            elif method == "editMessageReplyMarkup":
                await bot.edit_message_reply_markup(**kwargs)
            elif method == "answerCallbackQuery":
                await bot.answer_callback_query(**kwargs)
            else:
                raise ValueError(f"the replay does not model {method}")

    async def screens(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        assert isinstance(bot, ParoleBot)
        for method, params in calls[update.update_id]:
            chat, markup = params.get("chat_id"), params.get("reply_markup")
            if method == "sendMessage":
                await bot.send_screen(chat, params["text"], markup)
            elif method == "editMessageText":
                await bot.edit_screen(chat, params["message_id"], params["text"], markup)
            elif method == "editMessageReplyMarkup":
                await bot.close_keyboard(chat, params["message_id"])
            elif method == "answerCallbackQuery":
                await bot.answer_press(params["callback_query_id"], params.get("text"))
            else:
                raise ValueError(f"the replay does not model {method}")

    if typed:
        return bare_application(request, max_concurrent, replay, replay)
    return bare_application(request, max_concurrent, screens, screens, ParoleBot)


Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def bare_application(
    request: FastRequest,
    max_concurrent: int,
    on_text: Callback,
    on_button: Callback,
    bot_class: type[ExtBot[Any]] = ExtBot,
) -> EchoApp:
    """An application with one handler for text messages and one for button presses."""
    bot = bot_class(TOKEN, request=request, get_updates_request=request)
    app = ApplicationBuilder().bot(bot).concurrent_updates(max_concurrent).build()
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


Replay = Literal["echo", "typed", "screens"]
REPLAYS: Final[dict[Replay, str]] = {
    "echo": "echo (PTB ceiling)",
    "typed": "bot's calls, PTB typed",
    "screens": "bot's calls, bot's way",
}


async def measure_replay(recorded: Recording, max_concurrent: int, kind: Replay) -> Figures:
    """The echo (or a replay of the bot's calls) on the updates the bot got, all at once."""
    phones: dict[int, Phone] = {}
    # The bot's way reads answers as the bot does (bot/telegram/transport.py); the echo and
    # the typed replay as python-telegram-bot does by default.
    request = (BotRequest if kind == "screens" else FastRequest)(TOKEN, phones)
    scripts = replayed(recorded)
    if kind == "echo":
        app = echo_application(request, max_concurrent)
        rule = echo_replied
    else:
        calls = {
            json.loads(data)["update_id"]: [decode_call(call) for call in made]
            for script in recorded.values()
            for data, made in script
        }
        app = same_calls_application(request, max_concurrent, calls, typed=kind == "typed")
        rule = bot_replied
    name = REPLAYS[kind]
    updates = sum(len(script) for script in recorded.values())
    latencies = Latencies.room_for(updates)
    crowd = Crowd(app, phones, rule, latencies)
    indices = range(min(recorded), max(recorded) + 1)
    async with running(app):
        settle()
        start, cpu = time.perf_counter(), time.thread_time()
        await crowd.play(indices, scripts.__getitem__, len(indices))
        seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
    return Figures(name, updates, seconds, latencies, request.calls, cpu)


async def measure_bot(
    database: Path,
    residents: range,
    script: Callable[[int], Script],
    max_concurrent: int,
    *,
    think: float = 0.0,
    record: bool = False,
) -> tuple[Figures, Recording]:
    """The resident bot, every answer committed to SQLite, under the crowd; with `record`,
    what it got and did (the recording costs time: a recording run is not a measure)."""
    settings = parole_settings(database, max_concurrent)
    phones: dict[int, Phone] = {}
    request = BotRequest(TOKEN, phones)
    store = SqliteStore(database)
    app = build_application(settings, store, consultations(settings), request=request)
    updates = sum(len(script(i)) for i in residents)
    latencies = Latencies.room_for(updates)
    recorded: Recording = {}
    crowd = Crowd(app, phones, bot_replied, latencies, recorded if record else None, think)
    async with running(app):
        writes, reads, calls = store.transactions, store.read_batches, request.calls
        settle()
        start, cpu = time.perf_counter(), time.thread_time()
        await crowd.play(residents, script, len(residents))
        seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
        writes, calls = store.transactions - writes, request.calls - calls
        reads = store.read_batches - reads
    figures = Figures("parole bot", updates, seconds, latencies, calls, cpu)
    figures.extra["write transactions"] = f"{writes} ({writes / updates:.2f} per update)"
    figures.extra["batches of reads by key"] = f"{reads} ({reads / updates:.2f} per update)"
    if request.unexpected:
        figures.extra["unexpected Bot API calls"] = str(request.unexpected)
    return figures, recorded


def replayed(recorded: Recording) -> dict[int, Script]:
    """Each resident's recorded updates, decoded (before any clock starts)."""
    return {i: [json.loads(data) for data, _ in script] for i, script in recorded.items()}


async def record_journeys(
    database: Path, residents: int, max_concurrent: int, quartiers: Sequence[str]
) -> Recording:
    """The bot plays the consultation with `residents`, who read its screens to find their
    buttons: the updates every measured application then gets, and the bot's calls."""
    _, recorded = await measure_bot(
        database,
        range(residents),
        lambda i: journey(i, quartiers),
        max_concurrent,
        record=True,
    )
    return recorded


# -- checking the database -----------------------------------------------------------------


def check_complete(database: Path, residents: int, steps_per_resident: int) -> list[str]:
    """Problems with the stored journeys (none: every answer stored once, none lost)."""
    problems: list[str] = []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:

        def one(sql: str) -> Any:
            return db.execute(sql).fetchone()[0]

        participants = one("SELECT count(*) FROM participants")
        sessions = one("SELECT count(*) FROM sessions")
        completed = one("SELECT count(*) FROM sessions WHERE status = 'completed'")
        owners = one("SELECT count(DISTINCT participant_id) FROM sessions")
        answers = one("SELECT count(*) FROM answers")
        processed = one("SELECT count(*) FROM processed_updates")
        counts = db.execute(
            "SELECT n, count(*) FROM (SELECT count(*) AS n FROM answers GROUP BY session_id) "
            "GROUP BY n"
        ).fetchall()
        proposals = [
            row[0]
            for row in db.execute(
                "SELECT json_extract(value, '$.text') FROM answers WHERE step_id = 'proposition'"
            )
        ]
        skipped = one(
            "SELECT count(*) FROM answers WHERE step_id = 'freins_precision' "
            "AND json_extract(value, '$.skipped')"
        )
    expect = {
        "participants": (participants, residents),
        "sessions": (sessions, residents),
        "completed sessions": (completed, residents),
        "residents with a session": (owners, residents),
        "answers": (answers, residents * ANSWERED_STEPS),
        "skipped answers": (skipped, residents),
        # Every update but /start commits one turn and takes its update key once.
        "processed update keys": (processed, residents * (steps_per_resident - 1)),
    }
    problems += [
        f"{what}: {got}, expected {want}" for what, (got, want) in expect.items() if got != want
    ]
    if counts != [(ANSWERED_STEPS, residents)]:
        problems.append(f"answers per session (count, sessions): {counts}")
    if sorted(proposals) != sorted(proposal(i) for i in range(residents)):
        problems.append("proposals do not match the residents' own, one each")
    return problems


def check_idle(database: Path, residents: int) -> list[str]:
    """Problems with the idle residents' sessions: each active with its first answer."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        got = db.execute(
            "SELECT (SELECT count(*) FROM participants), "
            "(SELECT count(*) FROM sessions WHERE status = 'active'), "
            "(SELECT count(*) FROM answers WHERE step_id = 'quartier'), "
            "(SELECT count(*) FROM answers), (SELECT count(*) FROM processed_updates)"
        ).fetchone()
    want = (residents, residents, residents, residents, residents * (IDLE_STEPS - 1))
    names = ("participants", "active sessions", "quartier answers", "answers", "update keys")
    return [f"{n}: {g}, expected {w}" for n, g, w in zip(names, got, want, strict=True) if g != w]


# -- modes ---------------------------------------------------------------------------------


def describe_machine(database: Path) -> str:
    """Where the figures come from."""
    code = Path(build_application.__code__.co_filename).parents[2]  # bot/telegram/app.py
    return f"{machine()}\ncode: {code}\ndatabase: {database} (synchronous=FULL)"


def print_figures(rows: Sequence[Figures]) -> None:
    """The table of measured bots."""
    print(
        f"{'':22} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'API calls/update':>17} {'loop CPU µs/update':>19}"
    )
    for row in rows:
        p50, p99 = row.latencies.percentiles()
        print(
            f"{row.name:22} {row.updates:>8} {row.seconds:>8.2f} {row.rate:>10.0f} "
            f"{p50:>8.1f} {p99:>8.1f} {row.calls / row.updates:>17.2f} "
            f"{row.loop_cpu / row.updates * 1e6:>19.0f}"
        )
        for key, value in row.extra.items():
            print(f"  {key}: {value}")


async def throughput(
    database: Path, residents: int, max_concurrent: int, echo_too: bool, think: float
) -> int:
    """Part 1: the bot and the echo under the same crowd; 0 if the database checks out."""
    quartiers = parole_settings(database, max_concurrent).consultation.quartiers
    steps = len(journey(0, quartiers))
    print(describe_machine(database))
    print(
        f"{residents} residents at once, {steps} updates each "
        f"(consent + {ANSWERED_STEPS} questions), at most {max_concurrent} updates processed "
        "concurrently"
    )
    if think:
        # The rate then follows the residents' pace, not the bot's: no ratio to compare.
        echo_too = False
        print(
            f"residents pause {think:g} s on average between taps: latency under that load, "
            "no echo, no ratio"
        )
    if not echo_too:
        # The bot alone, its residents reading its screens as they go: one run to profile.
        bot, _ = await measure_bot(
            database, range(residents), lambda i: journey(i, quartiers), max_concurrent, think=think
        )
        print_figures([bot])
    else:
        with tempfile.TemporaryDirectory(prefix="parole-recording-") as name:
            # A few residents first, so that imports, caches and lazily built objects
            # (pydantic, PTB) are warm for every measured run; then the recording.
            directory = Path(name)
            warmup = await record_journeys(directory / "w1.sqlite3", 10, max_concurrent, quartiers)
            await measure_bot(
                directory / "w2.sqlite3", range(10), replayed(warmup).__getitem__, max_concurrent
            )
            for kind in REPLAYS:
                await measure_replay(warmup, max_concurrent, kind)
            recorded = await record_journeys(
                directory / "recording.sqlite3", residents, max_concurrent, quartiers
            )
        # Every measured application gets the very same updates, decoded before its clock
        # starts (same JSON, same keyboards in the callback queries, same message ids).
        bot, _ = await measure_bot(
            database, range(residents), replayed(recorded).__getitem__, max_concurrent
        )
        echo, typed, screens = [
            await measure_replay(recorded, max_concurrent, kind) for kind in REPLAYS
        ]
        del recorded
        print_figures([echo, typed, screens, bot])
        print(f"ratio bot/echo: {bot.rate / echo.rate:.2f} (target >= 0.6)")
        print(
            f"  the bot's Bot API calls alone/echo: {typed.rate / echo.rate:.2f} through PTB's "
            f"typed API, {screens.rate / echo.rate:.2f} the bot's way; bot/those calls made the "
            f"bot's way: {bot.rate / screens.rate:.2f} (the cost of our own code)"
        )
    size = database_bytes(database)
    print(
        f"database: {size / 2**20:.1f} MiB ({size / residents / 1024:.1f} KiB per resident); "
        f"peak RSS {peak_rss_kib() / 1024:.0f} MiB"
    )
    problems = check_complete(database, residents, steps)
    if problems:
        print("CHECK FAILED: " + "; ".join(problems))
        return 1
    print(
        f"check: {residents} sessions completed, {ANSWERED_STEPS} answers each, "
        "each proposal stored once, one update key per turn: nothing lost, nothing doubled"
    )
    return 0


def checkpoints(residents: int) -> list[int]:
    """1k, 2k, 5k, 10k, 20k, 50k, 100k… below `residents`, and `residents` itself."""
    marks = [m * 10**k for k in range(3, 10) for m in (1, 2, 5) if m * 10**k < residents]
    return [*marks, residents]


def persistence_ids(app: TelegramApp) -> int:
    """User and chat ids PTB holds for a persistence update (private attributes, read only).

    `Application._mark_for_persistence_update` adds both ids of every update; only a
    persistence run empties the sets, and the bot has no persistence (state is in SQLite).
    """
    users: set[int] = getattr(app, "_user_ids_to_be_updated_in_persistence", set())
    chats: set[int] = getattr(app, "_chat_ids_to_be_updated_in_persistence", set())
    return len(users) + len(chats)


def wal_bytes(database: Path) -> int:
    """The size of the write-ahead log (its -shm index is mapped into memory)."""
    wal = Path(f"{database}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def idle(database: Path, residents: int, max_concurrent: int, in_flight: int) -> int:
    """Part 5: memory after more and more residents who started and stopped answering."""
    settings = parole_settings(database, max_concurrent)
    quartiers = settings.consultation.quartiers
    print(describe_machine(database))
    print(
        f"{residents} residents, {in_flight} at a time, each: /start, consent, first answer, "
        "then silence"
    )
    phones: dict[int, Phone] = {}
    request = BotRequest(TOKEN, phones)
    store = SqliteStore(database)
    app = build_application(settings, store, consultations(settings), request=request)
    latencies = Latencies.room_for(residents * IDLE_STEPS)  # allocated before the baseline
    crowd = Crowd(app, phones, bot_replied, latencies)
    processor = app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)

    def idle_steps(index: int) -> Sequence[Step]:
        return journey(index, quartiers)[:IDLE_STEPS]

    # RSS is the figure; the other columns say where growth would come from: Python blocks
    # (every live Python object, `sys.getallocatedblocks`), GC-tracked containers, residents
    # holding a lock in the update processor, PTB's user_data/chat_data, the ids PTB keeps
    # "to be updated in persistence" (never emptied when there is no persistence: one user
    # id and one chat id per resident ever seen), the database and its WAL.
    print(
        f"{'idle':>7} {'RSS MiB':>8} {'+KiB':>7} {'B/res.':>7} {'py blocks':>10} "
        f"{'objects':>8} {'locks':>5} {'ud/cd':>5} {'PTB ids':>7} {'DB MiB':>7} "
        f"{'WAL MiB':>7} {'upd/s':>6}"
    )
    marks: list[tuple[int, int, int]] = []  # (idle residents, RSS KiB, Python blocks)
    async with running(app):
        gc.collect()
        before, done = rss_kib(), 0
        print(
            f"{0:>7} {before / 1024:>8.1f} {'':>7} {'':>7} {sys.getallocatedblocks():>10} "
            f"{len(gc.get_objects()):>8}"
        )
        for mark in checkpoints(residents):
            start = time.perf_counter()
            await crowd.play(range(done, mark), idle_steps, in_flight)
            rate = (mark - done) * IDLE_STEPS / (time.perf_counter() - start)
            gc.collect()
            now, blocks = rss_kib(), sys.getallocatedblocks()
            grown = now - before
            marks.append((mark, now, blocks))
            print(
                f"{mark:>7} {now / 1024:>8.1f} {grown:>+7} {grown * 1024 / (mark - done):>7.0f} "
                f"{blocks:>10} {len(gc.get_objects()):>8} {processor.residents_in_flight:>5} "
                f"{len(app.user_data) + len(app.chat_data):>5} {persistence_ids(app):>7} "
                f"{database_bytes(database) / 2**20:>7.1f} {wal_bytes(database) / 2**20:>7.1f} "
                f"{rate:>6.0f}"
            )
            before, done = now, mark
    if len(marks) > 1:
        # The first marks warm everything up (lazy imports, SQLite's page cache, allocator
        # arenas, the screens the engine keeps, and the flood gate's record of whoever sent
        # an update in its last 2 s, about a thousand residents at this pace): growth is
        # judged from the second mark on when there is a third.
        baseline = marks[1] if len(marks) > 2 else marks[0]
        (first, rss0, blocks0), (last, rss1, blocks1) = baseline, marks[-1]
        print(
            f"from {first} to {last} idle residents: RSS {(rss1 - rss0) / 1024:+.1f} MiB "
            f"({(rss1 - rss0) * 1024 / (last - first):.0f} bytes per resident), "
            f"Python blocks {blocks1 - blocks0:+d}"
        )
        # RSS moves with SQLite's page cache and the allocator; live Python objects do not
        # lie: a resident who stopped answering must leave none behind.
        held = (blocks1 - blocks0) / (last - first)
        if held < 0.05:
            print("verdict: no Python object held per idle resident")
        else:
            print(f"verdict: {held:.2f} Python objects held per idle resident (see PTB ids)")
    p50, p99 = latencies.percentiles()
    print(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; peak RSS {peak_rss_kib() / 1024:.0f} MiB")
    problems = check_idle(database, residents)
    if problems:
        print("CHECK FAILED: " + "; ".join(problems))
        return 1
    print(f"check: {residents} active sessions, each with its first answer, stored once")
    return 0


@contextmanager
def database_path(given: Path | None) -> Iterator[Path]:
    """`--db` if given (kept afterwards, must not exist yet), else a temporary file."""
    if given is not None:
        if given.exists():
            raise SystemExit(f"{given} exists: give a new path, the benchmark needs a new database")
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="parole-bench-") as directory:
        yield Path(directory) / "bench.sqlite3"


def main() -> None:
    """Parse the arguments and run the chosen mode."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("--residents", type=int, default=None, help="default 1000 (--idle: 100000)")
    parser.add_argument("--db", type=Path, default=None, help="new SQLite file to keep")
    parser.add_argument("--max-concurrent", type=int, default=256, help="updates at once")
    parser.add_argument("--idle", action="store_true", help="memory with idle residents")
    parser.add_argument("--in-flight", type=int, default=1000, help="--idle: residents at once")
    parser.add_argument(
        "--no-echo", action="store_true", help="the bot alone (to profile it), no ratio"
    )
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds between a resident's taps"
    )
    args = parser.parse_args()
    residents = args.residents or (100_000 if args.idle else 1000)
    errors = ErrorCount()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().addHandler(errors)
    with database_path(args.db) as database:
        run: Awaitable[int]
        if args.idle:
            run = idle(database, residents, args.max_concurrent, args.in_flight)
        else:
            run = throughput(database, residents, args.max_concurrent, not args.no_echo, args.think)
        status = asyncio.run(run)
    if errors.count:
        print(f"FAILED: {errors.count} errors logged, the first: {errors.first}")
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
