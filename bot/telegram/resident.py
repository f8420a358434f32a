"""Resident handlers: commands, buttons and typed answers in a private chat."""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.conversation import Conversations, Reply, language_from_hint
from bot.telegram.callbacks import unpack
from bot.telegram.render import html, keyboard, screen_html
from flows.events import Show
from flows.model import Lang
from flows.texts import say
from storage.base import Participant

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
TOAST_LIMIT = 200  # Telegram's limit for answerCallbackQuery text


class ResidentHandlers:
    """The handlers of the resident journey, around one `Conversations`."""

    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    async def _who(self, update: Update) -> tuple[Participant, Lang]:
        user = update.effective_user
        assert user is not None, "resident handlers only receive updates with a user"
        who = await self.conversations.participant(user.id)
        return who, self.conversations.language(who, user.language_code)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [consultation]: welcome, resume or choose."""
        who, lang = await self._who(update)
        payload = context.args[0] if context.args else None
        await _send(self.conversations, update, await self.conversations.start(who, lang, payload))

    async def resume(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reprendre: the current question again."""
        who, lang = await self._who(update)
        await _send(self.conversations, update, await self.conversations.resume(who, lang))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/aide: what the bot does and its commands."""
        _, lang = await self._who(update)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(html(say("help", lang)), parse_mode=ParseMode.HTML)

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/langue [fr|en]: switch language (toggles without an argument)."""
        who, lang = await self._who(update)
        wanted = (context.args[0].lower()[:2] if context.args else "") or None
        new: Lang = "en" if wanted == "en" else "fr" if wanted == "fr" else _other(lang)
        await _send(self.conversations, update, await self.conversations.set_language(who, new))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on an inline button."""
        query = update.callback_query
        assert query is not None
        who, lang = await self._who(update)
        unpacked = unpack(query.data or "")
        key = f"tg:{update.update_id}"
        # Malformed data gets an empty scope, which the conversation treats as a stale button.
        scope, event = unpacked or ("", Show())
        reply = await self.conversations.press(who, lang, scope, event, key)
        await _answer_button(self.conversations, update, query, reply)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message."""
        message = update.effective_message
        assert message is not None and message.text is not None
        who, lang = await self._who(update)
        key = f"tg:{update.update_id}"
        await _send(
            self.conversations,
            update,
            await self.conversations.type_text(who, lang, message.text, key),
        )

    async def unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, locations…: say what the bot can read."""
        _, lang = await self._who(update)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(say("unsupported_content", lang))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not know: the help text."""
        await self.help(update, context)

    async def group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group: the consultation happens in private."""
        user = update.effective_user
        lang = language_from_hint(user.language_code if user else None)
        assert update.effective_chat is not None
        link = f"https://t.me/{context.bot.username}"
        await update.effective_chat.send_message(say("group_chat", lang, link=link))


def register(
    application: Application[Any, Any, Any, Any, Any, Any], conversations: Conversations
) -> None:
    """Add the resident handlers to `application`."""
    h = ResidentHandlers(conversations)
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            MessageHandler(groups & filters.COMMAND, h.group),
            CommandHandler("start", h.start, filters=PRIVATE),
            CommandHandler("reprendre", h.resume, filters=PRIVATE),
            CommandHandler(["aide", "help"], h.help, filters=PRIVATE),
            CommandHandler(["langue", "language"], h.language, filters=PRIVATE),
            MessageHandler(PRIVATE & filters.COMMAND, h.unknown_command),
            MessageHandler(PRIVATE & filters.TEXT, h.text),
            MessageHandler(PRIVATE & ~filters.TEXT, h.unsupported),
            CallbackQueryHandler(h.button),
        ]
    )


async def _send(
    conversations: Conversations, update: Update, reply: Reply, closed: int | None = None
) -> None:
    """Send the notes and the screen; close the keyboard of the screen it replaces.

    `closed` is a message whose keyboard was already closed (the one a button was pressed on).
    """
    chat = update.effective_chat
    assert chat is not None
    previous = int(reply.previous_screen) if reply.previous_screen else None
    if previous is not None and previous != closed:
        try:
            await chat.get_bot().edit_message_reply_markup(chat.id, previous, reply_markup=None)
        except BadRequest as error:
            log.info("could not close an old keyboard: %s", error.message)
    for note in reply.notes:
        await chat.send_message(html(note), parse_mode=ParseMode.HTML)
    markup = keyboard(reply)
    message = await chat.send_message(
        screen_html(reply.screen), parse_mode=ParseMode.HTML, reply_markup=markup
    )
    if markup is not None:
        await conversations.remember_screen(reply.scope, str(message.message_id))
    elif previous is not None:
        await conversations.remember_screen(reply.scope, None)


async def _answer_button(
    conversations: Conversations, update: Update, query: CallbackQuery, reply: Reply
) -> None:
    """Edit in place, show a short notice, or close the old keyboard and send the next screen."""
    screen = reply.screen
    if reply.stale:
        await _toast(query, screen.notice)
        await _send(conversations, update, reply)
        return
    if screen.edit or (not reply.changed and screen.notice):
        # A toggle edits the list in place; a refused press only needs a short notice.
        await _toast(query, screen.notice)
        if reply.changed:
            await query.edit_message_text(
                screen_html(screen), parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
            )
        return
    await _toast(query, None)
    await _close_keyboard(query, reply.recap)
    pressed = query.message.message_id if query.message else None
    await _send(conversations, update, reply, closed=pressed)


async def _toast(query: CallbackQuery, text: str | None) -> None:
    """Answer the button press (Telegram shows a spinner until then), with a short notice."""
    try:
        await query.answer(text[:TOAST_LIMIT] if text else None)
    except BadRequest as error:
        # A press delivered again after a restart was already answered, or is too old.
        log.info("could not answer a button press: %s", error.message)


async def _close_keyboard(query: CallbackQuery, recap: str | None) -> None:
    """Replace the pressed message's keyboard by the answer given, or just remove it."""
    message = query.message
    try:
        if recap and isinstance(message, Message) and message.text:
            await query.edit_message_text(
                f"{message.text_html}\n\n{html(recap)}", parse_mode=ParseMode.HTML
            )
        else:
            await query.edit_message_reply_markup(None)
    except BadRequest as error:
        # A message too old to edit keeps its keyboard; its buttons are stale and say so.
        log.info("could not close an old keyboard: %s", error.message)


def _other(lang: Lang) -> Lang:
    return "en" if lang == "fr" else "fr"
