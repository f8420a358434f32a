"""Updates as the bot reads them: the pressed message's keyboard kept as Telegram's JSON.

A button press carries the whole message it was pressed on, keyboard included. Parsing that
keyboard into python-telegram-bot's objects, button by button, cost about as much as the
rest of the update (measured with `bench/throughput.py`), and the bot only ever compares it
with a keyboard it would draw, or checks that there is one. So before python-telegram-bot
parses an update (`ParoleBot` on getUpdates, the test harnesses, the benchmarks), the
pressed message's `reply_markup` moves to `PRESSED_KEYBOARD`, which python-telegram-bot
keeps unparsed in the message's `api_kwargs`; `shown_keyboard` reads it back.
"""

from __future__ import annotations

from typing import Any, Final, cast

from telegram import Bot, MaybeInaccessibleMessage, Message, Update

# An inline keyboard as the Bot API's JSON: {"inline_keyboard": [[{"text", "callback_data"}]]}.
Keyboard = dict[str, list[list[dict[str, str]]]]

PRESSED_KEYBOARD: Final = "parole_pressed_keyboard"


def lean(update: dict[str, Any]) -> dict[str, Any]:
    """`update` (Telegram's JSON) with a pressed message's keyboard left unparsed. The input
    is not changed: only the dictionaries on the way to the keyboard are copied."""
    query = update.get("callback_query")
    if not isinstance(query, dict):
        return update
    message = query.get("message")
    if not isinstance(message, dict) or "reply_markup" not in message:
        return update
    kept = {k: v for k, v in message.items() if k != "reply_markup"}
    kept[PRESSED_KEYBOARD] = message["reply_markup"]
    return {**update, "callback_query": {**query, "message": kept}}


def decode(update: dict[str, Any], bot: Bot | None) -> Update:
    """An update as the running bot reads it from getUpdates."""
    return Update.de_json(lean(update), bot)


def shown_keyboard(message: MaybeInaccessibleMessage | None) -> Keyboard | None:
    """The inline keyboard `message` shows, as the Bot API's JSON; None if it shows none."""
    if not isinstance(message, Message):
        return None
    if message.reply_markup is not None:  # a message the bot sent, or an update built in code
        return cast(Keyboard, message.reply_markup.to_dict())
    raw = message.api_kwargs.get(PRESSED_KEYBOARD)
    return cast(Keyboard, raw) if isinstance(raw, dict) and raw.get("inline_keyboard") else None
