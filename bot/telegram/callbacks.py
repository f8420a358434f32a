"""Button presses: their callback data, and their answer.

Callback data says which session (or consultation, or menu), at which step, and what was
pressed. Telegram allows 64 bytes; codes are kept short by the consultation schema, and a
packed value that would not fit is refused here rather than by Telegram.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import BadRequest

from flows.events import Event, decode, encode

log = logging.getLogger(__name__)

MAX_BYTES = 64
SEPARATOR = "|"
TOAST_LIMIT = 200  # Telegram's limit for answerCallbackQuery text


def pack(scope: str, position: int, event: Event) -> str:
    """Callback data for a button of `scope` shown at `position`."""
    data = f"{scope}{SEPARATOR}{position}{SEPARATOR}{encode(event)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: str) -> tuple[str, Event] | None:
    """The scope and event (with its position) a button carries, or None if malformed."""
    parts = data.split(SEPARATOR)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    scope, position, action = parts
    event = decode(action, int(position))
    return None if event is None else (scope, event)


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (Telegram shows a spinner until then), with a short notice."""
    try:
        await query.answer(text[:TOAST_LIMIT] if text else None)
    except BadRequest as error:
        # A press delivered again after a restart was already answered, or is too old.
        log.info("could not answer a button press: %s", error.message)
