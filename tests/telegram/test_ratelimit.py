"""The outgoing rate: Telegram's limits are kept as the fake Bot API sees them, 429s are
waited out, nothing is dropped, doubled or reordered.

Every figure here is a maximum the limiter must never exceed, read from the times the fake
received each request; none is a speed. Limits are set small so that each test takes a second
or two. Each test of behaviour fails with the limiter off (a 429 then reaches the caller, and
nothing spaces the sends), and with the part of it that the test is about broken.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.settings import TelegramSettings
from bot.telegram.app import build_application
from bot.telegram.broadcast import broadcast
from bot.telegram.ratelimit import (
    RETRY_MARGIN,
    SWEEP_FLOOR,
    TelegramRateLimiter,
    configured_limiter,
)
from bot.telegram.screenbot import ParoleBot
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.fakebotapi import (
    FakeBotApi,
    FakeBotApiServer,
    FakeChat,
    FakeRequest,
    FakeUser,
    most_in_window,
)
from tests.fakebotapi.model import RecordedRequest
from tests.telegram.harness import settings_for

ALICE = FakeUser(101, "Alice")
GROUP = FakeChat(-100, "supergroup", "Conseil citoyen")
SECRET_TEXT = "Mon voisin me menace"  # resident-like text that must never reach the log


def arrivals(api: FakeBotApi, method: str = "sendMessage") -> list[RecordedRequest]:
    return [r for r in api.requests if r.method == method]


def bot_for(api: FakeBotApi, limiter: TelegramRateLimiter) -> ExtBot[Any]:
    return ExtBot(api.token, request=FakeRequest(api), rate_limiter=limiter)


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def fast_chats(api: FakeBotApi) -> AsyncIterator[ExtBot[Any]]:
    """A bot whose only tight limit is the one a test looks at, set by its own limiter."""
    async with bot_for(api, TelegramRateLimiter(chat_messages_per_second=50)) as bot:
        yield bot


def test_most_in_window_counts_half_open_windows():
    assert most_in_window([0.0, 0.5, 0.99, 1.0, 1.6], 1.0) == 3
    assert most_in_window([], 1.0) == 0


async def test_the_application_waits_out_429s_and_sends_the_message_once(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    api = FakeBotApi()
    database = tmp_path / "parole.sqlite3"
    settings = settings_for(database, api)
    # The harness turns the limiter off; the application's own default turns it on.
    telegram = settings.telegram.model_copy(update={"rate_limit": True})
    settings = settings.model_copy(update={"telegram": telegram})
    app = build_application(
        settings, SqliteStore(database), [consultation], request=FakeRequest(api)
    )
    api.fail_next("sendMessage", retry_after=1, times=2)
    with caplog.at_level(logging.WARNING):
        async with app:
            await app.bot.send_message(ALICE.id, SECRET_TEXT)
    attempts = arrivals(api)
    assert [r.status for r in attempts] == [429, 429, 200], "sent again until accepted"
    for refused, retry in itertools.pairwise(attempts):
        assert retry.at - refused.at >= 1.0, "not before the retry_after Telegram gave"
    assert [m.text for m in api.messages(ALICE.id)] == [SECRET_TEXT], "delivered exactly once"
    wait = f"{1 + RETRY_MARGIN:.1f}"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"Telegram flood control on sendMessage: sending again in {wait} s"] * 2
    assert SECRET_TEXT not in caplog.text and str(ALICE.id) not in caplog.text


def test_the_limiter_follows_the_settings():
    assert isinstance(configured_limiter(TelegramSettings()), TelegramRateLimiter)
    assert configured_limiter(TelegramSettings(rate_limit=False)) is None


async def test_every_method_waits_out_a_429(api: FakeBotApi, fast_chats: ExtBot[Any]):
    sent = await fast_chats.send_message(ALICE.id, "Question 1")
    api.fail_next("editMessageText", retry_after=1)
    api.fail_next("setMyCommands", retry_after=1)
    await asyncio.gather(
        fast_chats.edit_message_text("Question 1 (répondue)", ALICE.id, sent.message_id),
        fast_chats.set_my_commands([("start", "Commencer")]),
    )
    for method in ("editMessageText", "setMyCommands"):
        assert [r.status for r in arrivals(api, method)] == [429, 200], method
    assert api.last_message(ALICE.id).text == "Question 1 (répondue)"


async def test_one_chats_messages_keep_their_order_through_a_429(
    api: FakeBotApi, fast_chats: ExtBot[Any]
):
    api.fail_next("sendMessage", retry_after=1)
    texts = [f"message {n}" for n in range(1, 6)]
    # Asked for all at once: the first is refused, the others must not overtake it.
    await asyncio.gather(*(fast_chats.send_message(ALICE.id, text) for text in texts))
    assert [m.text for m in api.messages(ALICE.id)] == texts
    assert [r.params["text"] for r in arrivals(api) if r.status == 200] == texts


async def test_no_second_holds_more_than_the_overall_limit(api: FakeBotApi):
    limiter = TelegramRateLimiter(messages_per_second=10, chat_messages_per_second=50)
    async with bot_for(api, limiter) as bot:
        # Private chats and a group, each within its own limit; together over 10 a second.
        chats = [*range(1, 15), GROUP.id]
        await asyncio.gather(*(bot.send_message(chat, "Nouvelles") for chat in chats))
    times = [r.at for r in arrivals(api)]
    assert len(times) == 15
    assert most_in_window(times, 1.0) <= 10


async def test_a_private_chat_gets_its_burst_then_its_rate(api: FakeBotApi):
    limiter = TelegramRateLimiter(chat_messages_per_second=5, chat_burst=2)
    async with bot_for(api, limiter) as bot:
        texts = [f"message {n}" for n in range(10)]
        await asyncio.gather(*(bot.send_message(ALICE.id, text) for text in texts))
    times = [r.at for r in arrivals(api)]
    assert [m.text for m in api.messages(ALICE.id)] == texts
    assert most_in_window(times, 1.0) <= 2 + 5, "the burst, plus the rate"
    assert most_in_window(times[2:], 1.0) <= 5, "after the burst, the rate"


async def test_a_group_gets_its_messages_per_minute(api: FakeBotApi):
    # 120 a minute: two a second, and no burst (a private chat's burst of 3 would show here).
    limiter = TelegramRateLimiter(group_messages_per_minute=120)
    async with bot_for(api, limiter) as bot:
        await asyncio.gather(*(bot.send_message(GROUP.id, f"n° {n}") for n in range(4)))
    times = [r.at for r in arrivals(api)]
    assert len(times) == 4
    assert most_in_window(times, 1.0) <= 2


async def test_edits_and_callback_answers_are_not_held_by_a_chats_budget(api: FakeBotApi):
    limiter = TelegramRateLimiter(chat_messages_per_second=1, chat_burst=1)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="oui")]])
    async with bot_for(api, limiter) as bot:
        first = await bot.send_message(ALICE.id, "Question 1", reply_markup=keyboard)
        query = api.click(ALICE, "Oui")["callback_query"]["id"]
        # The chat's budget is spent: this message waits for it...
        waiting = asyncio.create_task(bot.send_message(ALICE.id, "Question 2"))
        await asyncio.sleep(0)
        # ...while the edit and the callback answer go at once.
        await asyncio.gather(
            bot.edit_message_text("Question 1 : oui", ALICE.id, first.message_id),
            bot.answer_callback_query(query),
        )
        await waiting
    order = [r.method for r in api.requests if r.method != "getMe"]
    assert order == ["sendMessage", "editMessageText", "answerCallbackQuery", "sendMessage"]


async def test_the_screens_own_calls_keep_the_limits_and_wait_out_429s(api: FakeBotApi):
    limiter = TelegramRateLimiter(chat_messages_per_second=5, chat_burst=1)
    keyboard = {"inline_keyboard": [[{"text": "Oui", "callback_data": "oui"}]]}
    async with ParoleBot(api.token, request=FakeRequest(api), rate_limiter=limiter) as bot:
        api.fail_next("sendMessage", retry_after=1)
        first = await bot.send_screen(ALICE.id, "<b>Question 1</b>", keyboard)
        second = await bot.send_screen(ALICE.id, "<b>Question 2</b>", keyboard)
        query = api.click(ALICE, "Oui", message_id=second)["callback_query"]["id"]
        api.fail_next("editMessageText", retry_after=1)
        api.fail_next("answerCallbackQuery", retry_after=1)
        await asyncio.gather(
            bot.answer_press(query, "Merci"),
            bot.edit_screen(ALICE.id, second, "<b>Question 2</b> : oui", None),
        )
    for method in ("sendMessage", "editMessageText", "answerCallbackQuery"):
        assert 429 in [r.status for r in arrivals(api, method)], method
    assert [r.status for r in arrivals(api)] == [429, 200, 200], "sent again, once"
    sent = [r.at for r in arrivals(api) if r.status == 200]
    assert sent[1] - sent[0] >= 1 / 5, "one chat's messages keep its rate"
    assert [m.text for m in api.messages(ALICE.id)] == ["Question 1", "Question 2 : oui"]
    assert first != second


async def test_a_broadcast_reaches_every_chat_once_and_reports_who_blocked_the_bot(
    api: FakeBotApi,
):
    residents = list(range(1001, 1041))
    blocked = {1005, 1030}
    for resident in blocked:
        api.block(resident)
    api.fail_next("sendMessage", retry_after=1)
    with FakeBotApiServer(api) as server:
        async with ExtBot(
            api.token, base_url=server.base_url, rate_limiter=TelegramRateLimiter()
        ) as bot:
            # Each chat listed twice: still one message each.
            report = await broadcast(bot, residents * 2, "<b>Nouvelles</b> de la consultation")
    assert sorted(report.delivered) == sorted(set(residents) - blocked)
    assert report.failed == {resident: "Forbidden" for resident in blocked}
    for resident in residents:
        expected = [] if resident in blocked else ["Nouvelles de la consultation"]
        assert [m.text for m in api.messages(resident)] == expected
        tries = [r.status for r in arrivals(api) if r.params["chat_id"] == resident]
        if resident in blocked:
            assert tries == [403], "a block is final: not tried again"
        else:
            assert tries.count(200) == 1
    assert most_in_window([r.at for r in arrivals(api)], 1.0) <= 30


async def test_chats_that_went_quiet_are_forgotten(api: FakeBotApi):
    # Fast limits, so that a chat's bucket is empty again a few milliseconds after its message.
    limiter = TelegramRateLimiter(
        messages_per_second=1000, chat_messages_per_second=200, chat_burst=1
    )
    async with bot_for(api, limiter) as bot:
        for chat in range(1, SWEEP_FLOOR + 500):
            await bot.send_message(chat, "Nouvelles")
    assert limiter.chats <= SWEEP_FLOOR
