"""Button presses: their callback data, their answer, the pressed message's redraw, and
handlers that only take the presses of some senders.

Callback data says which session (or consultation, or menu), at which step, and what was
pressed. Telegram allows 64 bytes; codes are kept short by the consultation schema, and a
packed value that would not fit is refused here rather than by Telegram.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.telegram.intake import shown_keyboard
from bot.telegram.screenbot import ParoleBot
from flows.events import Event, decode, encode

log = logging.getLogger(__name__)

MAX_BYTES = 64
SEPARATOR = "|"
TOAST_LIMIT = 200  # Telegram's limit for answerCallbackQuery text
# Any client can send any callback data: only the shapes `pack` makes are read, with ids in
# ASCII digits that fit SQLite's integers ("²" is a digit to `str.isdigit`, not to `int`).
ID_DIGITS = 18
_ID = re.compile(rf"[0-9]{{1,{ID_DIGITS}}}")
# Scopes: the menu "m", a session "s<id>", a consultation's welcome "c<consultation id>".
_PACKED = re.compile(rf"(m|s{_ID.pattern}|c[a-z0-9-]{{1,32}})\|({_ID.pattern})\|([^|]+)")


def pack(scope: str, position: int, event: Event) -> str:
    """Callback data for a button of `scope` shown at `position`."""
    data = f"{scope}{SEPARATOR}{position}{SEPARATOR}{encode(event)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str) -> tuple[str, Event] | None:
    """The scope and event (with its position) a button carries, or None if malformed."""
    found = _PACKED.fullmatch(data)
    if found is None:
        return None
    scope, position, action = found.groups()
    event = decode(action, int(position))
    return None if event is None else (scope, event)


def parse_id(text: str) -> int | None:
    """The id (or count) a button carries, or None if it is not one a store could hold."""
    return int(text) if _ID.fullmatch(text) else None


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (Telegram shows a spinner until then), with a short notice."""
    bot = query.get_bot()
    assert isinstance(bot, ParoleBot), "the application is built by bot.telegram.app"
    try:
        await bot.answer_press(query.id, text[:TOAST_LIMIT] if text else None)
    except BadRequest as error:
        # A press delivered again after a restart was already answered, or is too old.
        log.info("could not answer a button press: %s", error.message)


async def close_buttons(query: CallbackQuery) -> None:
    """Take the buttons away from the pressed message, if it still shows some."""
    message = query.message
    if shown_keyboard(message) is None:
        return  # no keyboard left to close (an edit would be refused as "not modified")
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:  # too old to edit
        log.info("could not close an old keyboard: %s", error.message)


async def edit_pressed(
    query: CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
) -> bool:
    """Show `text` (and `markup`) in the pressed message instead of what it showed; False
    if Telegram refused (the message is unchanged, or too old to edit)."""
    try:
        await query.edit_message_text(text, parse_mode=parse_mode, reply_markup=markup)
    except BadRequest as error:
        log.info("could not edit a pressed message: %s", error.message)
        return False
    return True


ButtonCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class GuardedButtons(CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]):
    """Button presses that `allowed` lets through (and `pattern` matches, if given).

    Any other press does not match, and goes on to the next handlers: the residents' answer
    it as any stale button, so nothing reveals what the buttons were for.
    """

    def __init__(
        self,
        callback: ButtonCallback,
        allowed: Callable[[CallbackQuery], bool],
        pattern: str | None = None,
    ) -> None:
        super().__init__(callback, pattern=pattern)
        self.allowed = allowed

    def check_update(self, update: object) -> bool | object | None:
        """PTB's check, for the presses `allowed` lets through only."""
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        if not self.allowed(update.callback_query):
            return None
        return super().check_update(update)
