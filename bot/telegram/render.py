"""Screens as Telegram messages: HTML text (every text escaped) and an inline keyboard."""

from __future__ import annotations

from html import escape

from bot.conversation import Reply
from bot.telegram.callbacks import pack
from bot.telegram.intake import Keyboard
from flows.screen import Screen


def html(text: str) -> str:
    """`text` made safe for parse_mode=HTML."""
    return escape(text, quote=False)


def screen_html(screen: Screen) -> str:
    """The message text of a screen."""
    blocks: list[str] = []
    if screen.notice:
        blocks.append(f"⚠️ <i>{html(screen.notice)}</i>")
    head = [html(screen.progress)] if screen.progress else []
    head.append(f"<b>{html(screen.title)}</b>")
    blocks.append("\n".join(head))
    if screen.body:
        blocks.append(html(screen.body))
    if screen.hint:
        blocks.append(f"<i>{html(screen.hint)}</i>")
    return "\n\n".join(blocks)


def keyboard(reply: Reply) -> Keyboard | None:
    """The inline keyboard of a reply's screen, its buttons tied to the reply's scope.

    As the Bot API's JSON, not PTB objects: it is sent as is (see `bot.telegram.screenbot`).
    """
    if not reply.screen.buttons:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.label, "callback_data": pack(reply.scope, reply.position, b.event)}
                for b in row
            ]
            for row in reply.screen.buttons
        ]
    }
