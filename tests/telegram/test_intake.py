"""A pressed message's keyboard reaches the handlers as Telegram sent it, unparsed."""

from __future__ import annotations

import copy

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.telegram.intake import decode, lean, shown_keyboard
from bot.telegram.screenbot import ParoleBot
from tests.fakebotapi.core import FakeBotApi
from tests.fakebotapi.model import FakeUser
from tests.fakebotapi.transport import FakeRequest

ALICE = FakeUser(42, "Alice")
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Oui", "callback_data": "yes"}, {"text": "Non", "callback_data": "no"}]
    ]
}


def bot_on(api: FakeBotApi) -> ParoleBot:
    request = FakeRequest(api)
    return ParoleBot(api.token, request=request, get_updates_request=request)


async def test_get_updates_keeps_the_pressed_keyboard_as_sent() -> None:
    api = FakeBotApi()
    async with bot_on(api) as bot:
        await bot.send_screen(ALICE.id, "Question ?", KEYBOARD)
        api.click(ALICE, "Non")
        (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "no"
    assert isinstance(query.message, Message) and query.message.text == "Question ?"
    assert query.message.reply_markup is None  # not parsed
    assert shown_keyboard(query.message) == KEYBOARD


async def test_a_closed_keyboard_shows_none() -> None:
    api = FakeBotApi()
    async with bot_on(api) as bot:
        sent = await bot.send_screen(ALICE.id, "Question ?", KEYBOARD)
        clicked = api.click(ALICE, "Oui")
        await bot.close_keyboard(ALICE.id, sent)
        stale = api.click_data(ALICE, sent, "yes")
    assert shown_keyboard(decode(clicked, bot).effective_message) == KEYBOARD
    assert shown_keyboard(decode(stale, bot).effective_message) is None


def test_lean_leaves_telegrams_update_unchanged() -> None:
    api = FakeBotApi()
    api.send_text(ALICE, "bonjour")
    (text,) = api.pop_updates()
    assert lean(text) is text  # nothing to leave unparsed
    pressed = {
        "update_id": 7,
        "callback_query": {
            "id": "1",
            "from": {"id": 42, "is_bot": False, "first_name": "Alice"},
            "chat_instance": "42",
            "data": "no",
            "message": {
                "message_id": 3,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "Question ?",
                "reply_markup": KEYBOARD,
            },
        },
    }
    before = copy.deepcopy(pressed)
    update = decode(pressed, None)
    assert pressed == before  # the same JSON can be read again (a replay, a bench)
    assert shown_keyboard(update.effective_message) == KEYBOARD


def test_an_update_built_in_code_shows_its_parsed_keyboard() -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="yes")]])
    update = decode(
        {
            "update_id": 8,
            "message": {
                "message_id": 3,
                "date": 0,
                "chat": {"id": 42, "type": "private"},
                "text": "Question ?",
                "reply_markup": markup.to_dict(),
            },
        },
        None,
    )
    assert shown_keyboard(update.effective_message) == markup.to_dict()
