"""Resident handlers: commands, buttons and typed answers in a private chat."""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram import BotCommand, CallbackQuery, Chat, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.conversation import (
    Clock,
    Conversations,
    Reply,
    language_from_hint,
    utc_now,
    welcome_of,
)
from bot.privacy import Privacy
from bot.telegram.callbacks import answer, unpack
from bot.telegram.intake import shown_keyboard
from bot.telegram.render import html, keyboard, screen_html
from bot.telegram.screenbot import ParoleBot
from flows.events import Back, Show, Skip
from flows.model import Lang, TextStep
from flows.safeguarding import Category
from flows.state import Phase
from flows.texts import say
from storage.base import Arrival, Participant, StoredSession

log = logging.getLogger(__name__)

# The residents' command menu (relays get it too, before their own commands).
MENU: Final = (
    "start",
    "reprendre",
    "langue",
    "aide",
    "confidentialite",
    "mesdonnees",
    "oubli",
    "stop",
)


def menu(lang: Lang) -> list[BotCommand]:
    """The residents' command menu in `lang`."""
    return [BotCommand(c, say(f"cmd_{c}", lang)) for c in MENU]


PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
PRIVATE_EDITS = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE
# Telegram splits a long paste into messages sent one after the other: a text sent this many
# seconds or less after one refused as too long is taken for its rest.
FRAGMENT_SECONDS = 5.0


class CappedTexts:
    """The size limit on typed texts, and chats whose latest text was refused as too long,
    for `FRAGMENT_SECONDS` after it.

    Without it the tail of a split paste, short enough, would be stored as the answer to
    the question the refused text was meant for. Times are the messages' own dates (when
    Telegram received them), so a backlog after a restart does not join unrelated texts.
    Only refusals of the last few seconds are kept: nothing stays for an idle resident.
    """

    def __init__(self, max_length: int = 2000, seconds: float = FRAGMENT_SECONDS) -> None:
        self.max_length = max_length
        self.seconds = seconds
        self._refused: dict[int, float] = {}  # oldest first

    def refusal(self, chat_id: int, text: str, sent: float, lang: Lang) -> str | None:
        """Why `text`, sent in `chat_id` at `sent` (POSIX seconds), is not taken: too long, or
        the rest of a text refused as too long; None if it may be an answer."""
        if len(text) > self.max_length:
            self.refuse(chat_id, sent)
            return say("text_capped", lang, n=len(text), max=self.max_length)
        if self.follows(chat_id, sent):
            return say("text_capped_part", lang, max=self.max_length)
        return None

    def refuse(self, chat_id: int, sent: float) -> None:
        """A text of `chat_id` sent at `sent` (POSIX seconds) was refused as too long."""
        self._forget(sent)
        self._refused.pop(chat_id, None)
        self._refused[chat_id] = sent

    def follows(self, chat_id: int, sent: float) -> bool:
        """Whether a text sent at `sent` is the rest of a refused one (asked once per text)."""
        self._forget(sent)
        refused = self._refused.pop(chat_id, None)
        return refused is not None and sent - refused <= self.seconds

    def __len__(self) -> int:
        """How many chats are remembered."""
        return len(self._refused)

    def _forget(self, now: float) -> None:
        while self._refused:
            chat_id, refused = next(iter(self._refused.items()))
            if now - refused <= self.seconds:
                return
            del self._refused[chat_id]


class ResidentHandlers:
    """The handlers of the resident journey, around one `Conversations`."""

    def __init__(
        self,
        conversations: Conversations,
        privacy: Privacy | None = None,
        *,
        max_text_length: int = 2000,
        clock: Clock = utc_now,
    ) -> None:
        self.conversations = conversations
        self.privacy = privacy
        self.clock = clock
        self.capped = CappedTexts(max_text_length)

    async def _follow_up(self, update: Update, reply: Reply) -> None:
        """Keep the chat id of a resident who said yes to follow-up news; drop it on a no."""
        follow_up, chat = reply.follow_up, update.effective_chat
        if follow_up is None or self.privacy is None or chat is None:
            return
        if follow_up.wanted:
            await self.privacy.keep_contact(follow_up.participant_id, chat.id, self.clock())
        else:
            await self.privacy.drop_contact(follow_up.participant_id)

    async def _who(self, update: Update, key: str | None = None) -> tuple[Participant, Lang]:
        """Who sent `update`, and their language; with `key` (an answer's update key), read
        with their current session and whether the update was already processed."""
        user = update.effective_user
        assert user is not None, "resident handlers only receive updates with a user"
        who = await self.conversations.participant(user.id, key)
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
        if query.message is None or query.message.chat.type != ChatType.PRIVATE:
            # A press in inline mode or in a group: the consultation only happens in private,
            # and a reply there would show a resident's journey to others.
            await answer(query, None)
            return
        key = f"tg:{update.update_id}"
        who, lang = await self._who(update, key)
        unpacked = unpack(query.data or "")
        # Malformed data gets an empty scope, which the conversation treats as a stale button.
        scope, event = unpacked or ("", Show())
        reply = await self.conversations.press(who, lang, scope, event, key)
        await self._follow_up(update, reply)
        await _answer_button(self.conversations, update, query, reply)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: helplines first if it discloses violence or danger, then the rest.

        A text over the size limit is refused, and so is the one sent right after it (the
        rest of a long paste that Telegram split): neither is stored.
        """
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and message.text is not None and chat is not None
        text = message.text
        key = f"tg:{update.update_id}"
        who, lang = await self._who(update, key)
        # Before anything else, and before any write that could fail.
        disclosed = await helplines_first(chat, self.conversations, text, lang)
        refusal = self.capped.refusal(chat.id, text, message.date.timestamp(), lang)
        if refusal is not None:
            await self.conversations.record_flags(who, disclosed, key)
            await chat.send_message(refusal)
            return
        # The session read with the update: where the text was typed.
        free_text = at_free_text(
            self.conversations, who.session if isinstance(who, Arrival) else None
        )
        reply = await self.conversations.type_text(who, lang, text, key, disclosed=disclosed)
        await self._follow_up(update, reply)
        if _on_screen_already(reply, message.message_id):
            return
        await _send(self.conversations, update, reply, recap=None if free_text else reply.recap)

    async def unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, locations…: say what the bot can read.

        A caption is typed text: a disclosure there gets the helplines at once and is
        counted, as in a message. The caption itself is not taken as an answer (it often
        only makes sense with the photo, which is never kept): the resident is asked to send
        their text on its own.
        """
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        key = f"tg:{update.update_id}"
        who, lang = await self._who(update, key)
        disclosed = await helplines_first(chat, self.conversations, message.caption, lang)
        await self.conversations.record_flags(who, disclosed, key)
        guidance = "caption_not_kept" if message.caption else "unsupported_content"
        await chat.send_message(say(guidance, lang))

    async def forwarded(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A forwarded message: not the resident's own words, so never stored.

        It may name or quote someone else (a neighbour's message, with their phone number).
        A disclosure in it still gets the helplines: forwarding a threat one received is a
        way to ask for help, and the numbers harm nobody. It is not counted as a flag: the
        words are someone else's (or an article's, a chain message's), and nothing derived
        from them is kept.
        """
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        _, lang = await self._who(update)
        await refuse_forward(chat, self.conversations, message, lang)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message the resident edited: checked for a disclosure, never taken as an answer.

        An edit can add a disclosure to a message already answered: it gets the helplines
        and is counted like a typed text. What is stored stays as it was (the edited message
        may answer an earlier question, or none), and the resident is told how to change it.
        """
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        who, lang = await self._who(update)
        text = message.text or message.caption
        disclosed = await helplines_first(chat, self.conversations, text, lang)
        await self.conversations.record_flags(who, disclosed, f"tg:{update.update_id}")
        await chat.send_message(say("edit_ignored", lang))

    async def back(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/retour: the current question's back button, typed."""
        await self._typed_button(update, Back)

    async def skip(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/passer: the current question's skip button, typed."""
        await self._typed_button(update, Skip)

    async def _typed_button(self, update: Update, event: type[Back] | type[Skip]) -> None:
        key = f"tg:{update.update_id}"
        who, lang = await self._who(update, key)
        where = await self.conversations.resume(who, lang)
        if where.scope.startswith("s"):  # a question is on screen: press its button
            where = await self.conversations.press(
                who, lang, where.scope, event(position=where.position), key
            )
        message = update.effective_message
        if message is not None and _on_screen_already(where, message.message_id):
            return
        await _send(self.conversations, update, where)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not know: the help text."""
        await self.help(update, context)

    async def group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group: the consultation happens in private."""
        message = update.effective_message
        if message is not None and _for_another_bot(message, context.bot.username):
            return  # several bots may share the group: /start@autre_bot is not for us
        user = update.effective_user
        lang = language_from_hint(user.language_code if user else None)
        assert update.effective_chat is not None
        link = f"https://t.me/{context.bot.username}"
        await update.effective_chat.send_message(say("group_chat", lang, link=link))


async def helplines_first(
    chat: Chat, conversations: Conversations, text: str | None, lang: Lang
) -> frozenset[Category]:
    """Safeguarding's check of a text someone sent (a message, a caption, an edit): the
    helplines go out at once if it discloses something. The kinds found (none without text),
    for the caller to count or not."""
    if not text:
        return frozenset()
    disclosed, helpline = conversations.safeguard(text, lang)
    if helpline is not None:
        await chat.send_message(html(helpline), parse_mode=ParseMode.HTML)
    return disclosed


def at_free_text(conversations: Conversations, session: StoredSession | None) -> bool:
    """Whether `session` is at a free-text question, before a typed text is applied.

    A number or a label typed at a choice question (or an "Autre" text) is recapped like a
    tap, "✔️ Votre réponse : …", so that whoever typed it sees how the bot understood it; a
    free text is not, since that would only repeat the message just above it.
    """
    if session is None or session.state.phase is not Phase.QUESTION:
        return False
    engine = conversations.engines.get(session.consultation_id)
    step_id = session.state.step_id
    if engine is None or step_id is None:
        return False
    return isinstance(engine.consultation.step(step_id), TextStep)


async def refuse_forward(
    chat: Chat, conversations: Conversations, message: Message, lang: Lang
) -> None:
    """A forwarded message, never an answer: the helplines if it discloses something (not
    counted: the words are someone else's), then the refusal."""
    await helplines_first(chat, conversations, message.text or message.caption, lang)
    await chat.send_message(say("forwarded_refused", lang))


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    conversations: Conversations,
    privacy: Privacy | None = None,
    *,
    max_text_length: int = 2000,
    clock: Clock = utc_now,
) -> None:
    """Add the resident handlers to `application`."""
    h = ResidentHandlers(conversations, privacy, max_text_length=max_text_length, clock=clock)
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            MessageHandler(groups & filters.COMMAND, h.group),
            CommandHandler("start", h.start, filters=PRIVATE),
            CommandHandler("reprendre", h.resume, filters=PRIVATE),
            CommandHandler(["aide", "help"], h.help, filters=PRIVATE),
            CommandHandler(["langue", "language"], h.language, filters=PRIVATE),
            CommandHandler(["retour", "back"], h.back, filters=PRIVATE),
            CommandHandler(["passer", "skip"], h.skip, filters=PRIVATE),
            MessageHandler(PRIVATE & filters.COMMAND, h.unknown_command),
            MessageHandler(PRIVATE & filters.FORWARDED, h.forwarded),
            MessageHandler(PRIVATE & filters.TEXT, h.text),
            MessageHandler(PRIVATE & ~filters.TEXT, h.unsupported),
            MessageHandler(PRIVATE_EDITS, h.edited),
            CallbackQueryHandler(h.button),
        ]
    )


async def _send(
    conversations: Conversations,
    update: Update,
    reply: Reply,
    closed: int | None = None,
    *,
    recap: str | None = None,
) -> None:
    """Send the notes and the screen; close the keyboard of the screen it replaces.

    `closed` is a message whose keyboard was already closed (the one a button was pressed on).
    `recap` (the answer just given) comes above the screen, as it does when a tap shows the
    next question in place of the answered one.
    """
    chat = update.effective_chat
    assert chat is not None
    if reply.urgent:  # helplines the conversation found: before anything else
        await chat.send_message(html(reply.urgent), parse_mode=ParseMode.HTML)
    bot = screen_bot(update)
    previous = int(reply.previous_screen) if reply.previous_screen else None
    await _close_previous(bot, chat.id, previous, closed)
    for note in reply.notes:
        await chat.send_message(html(note), parse_mode=ParseMode.HTML)
    markup = keyboard(reply)
    text = screen_html(reply.screen)
    if recap:
        text = f"{html(recap)}\n\n{text}"
    message_id = await bot.send_screen(chat.id, text, markup)
    if markup is not None:
        await conversations.remember_screen(reply.scope, str(message_id))
    elif previous is not None:
        await conversations.remember_screen(reply.scope, None)


def _on_screen_already(reply: Reply, message_id: int) -> bool:
    """Whether `reply` follows an update processed before (handed again after a crash) whose
    screen was shown: the session's screen is in message `message_id` (a button pressed on
    it) or a later one. Showing it again would only repeat it. A new screen the crash lost
    was never noted, so it is shown; a redraw in place it lost is made by the resident's
    next tap on that message (a stale press redraws it)."""
    screen = reply.previous_screen
    return reply.repeated and screen is not None and int(screen) >= message_id


async def _answer_button(
    conversations: Conversations, update: Update, query: CallbackQuery, reply: Reply
) -> None:
    """Edit in place, show a short notice, or close the old keyboard and send the next screen."""
    if query.message is not None and _on_screen_already(reply, query.message.message_id):
        await answer(query, None)
        return
    screen = reply.screen
    if reply.stale:
        await answer(query, screen.notice)
        if screen.final:
            return  # the thanks is in the chat already: the notice says it is finished
        message = query.message
        if (
            isinstance(message, Message)
            and message.is_accessible
            and (str(message.message_id) == reply.previous_screen or _welcome_again(query, reply))
        ):
            # A press on the message that shows the resident's current screen (a second
            # tap, or a tap after a crash lost the redraw): the notice says why nothing
            # happened, and the message is brought up to date if the resident's copy of it
            # shows another screen.
            if _shows_other_buttons(query, reply):
                try:
                    await _redraw(update, message, reply, reply.recap)
                except BadRequest as error:  # it already shows just that (a third tap)
                    log.info("could not redraw a screen in place: %s", error.message)
            return
        await _send(conversations, update, reply, closed=_gone(query))
        return
    if screen.edit or (not reply.changed and screen.notice):
        # A toggle edits the list in place, its notice saying in words what was ticked (a
        # screen reader announces it); a refused press only needs a short notice.
        await answer(query, screen.notice or reply.recap)
        # A list showing less than what is stored (its edit was lost in a crash) is redrawn
        # even when this press changes nothing.
        outdated = reply.changed or (screen.edit and _shows_other_buttons(query, reply))
        if outdated and _gone(query) is not None:
            # The message can no longer be edited (deleted, or too old): show the list anew.
            await _send(conversations, update, reply, closed=_gone(query))
        elif outdated and query.message is not None:
            try:
                await _redraw(update, query.message, reply)
            except BadRequest as error:
                # A double tap: both presses left the phone showing the same list, and the
                # first one's redraw already shows what this one would.
                log.info("could not redraw a list in place: %s", error.message)
        return
    await answer(query, None)
    if await _replace_in_place(conversations, update, query, reply):
        return
    await _close_keyboard(update, query, reply.recap)
    pressed = query.message.message_id if query.message else None
    await _send(conversations, update, reply, closed=pressed)


async def _replace_in_place(
    conversations: Conversations, update: Update, query: CallbackQuery, reply: Reply
) -> bool:
    """Show the next question in the message that was answered, under the answer given.

    Telegram lets a bot send about 30 messages a second in all: a crowd answering by buttons
    would otherwise wait in that queue at every tap. Edits are not new messages. A screen
    without buttons (the thanks), the first question after the welcome (which stays, with
    what residents agreed to) and anything sent with notes still come as new messages.
    """
    message = query.message
    unpacked = unpack(query.data or "")
    markup = keyboard(reply)
    if (
        not reply.changed  # a repeated update, or "Reprendre": the pressed message stays
        or not isinstance(message, Message)
        or not message.is_accessible  # deleted, or too old: Telegram cannot edit it
        or unpacked is None
        or unpacked[0] != reply.scope
        or markup is None
        or reply.notes
        or reply.urgent
    ):
        return False
    if welcome_of(reply.scope) is not None and not _shows_other_buttons(query, reply):
        # A welcome's buttons say its language: a stale copy's language button, pressed after
        # the message was redrawn in that language, finds it showing what the press asks for
        # (Telegram refuses an edit that changes nothing).
        return True
    text = screen_html(reply.screen)
    if reply.recap:
        text = f"{html(reply.recap)}\n\n{text}"
    bot, here = screen_bot(update), str(message.message_id)
    try:
        await bot.edit_screen(message.chat.id, message.message_id, text, markup)
    except BadRequest as error:
        log.info("could not show the next question in place: %s", error.message)
        return False
    if reply.previous_screen != here:
        previous = int(reply.previous_screen) if reply.previous_screen else None
        await _close_previous(bot, message.chat.id, previous, message.message_id)
        await conversations.remember_screen(reply.scope, here)
    return True


async def _redraw(
    update: Update, message: MaybeInaccessibleMessage, reply: Reply, recap: str | None = None
) -> None:
    """Show `reply`'s screen in `message`, in place of what it showed, under `recap` (the
    answer a press gave, when the press comes again) if any."""
    text = screen_html(reply.screen)
    if recap:
        text = f"{html(recap)}\n\n{text}"
    await screen_bot(update).edit_screen(message.chat.id, message.message_id, text, keyboard(reply))


async def _close_previous(
    bot: ParoleBot, chat_id: int, previous: int | None, shown: int | None
) -> None:
    """Close the keyboard of the message that showed the session's screen until now, unless
    it is `shown` (the message the screen is now in, or one already closed)."""
    if previous is None or previous == shown:
        return
    try:
        await bot.close_keyboard(chat_id, previous)
    except BadRequest as error:
        log.info("could not close an old keyboard: %s", error.message)


def _shows_other_buttons(query: CallbackQuery, reply: Reply) -> bool:
    """Whether the pressed message's keyboard differs from the one `reply` would show."""
    if not isinstance(query.message, Message):
        return False
    return shown_keyboard(query.message) != keyboard(reply)


def _welcome_again(query: CallbackQuery, reply: Reply) -> bool:
    """Whether a welcome's button was pressed and the same welcome is the answer (its
    language button pressed twice): the pressed message is the one to bring up to date."""
    pressed = unpack(query.data or "")
    welcome = welcome_of(reply.scope) is not None
    return welcome and pressed is not None and pressed[0] == reply.scope


def _gone(query: CallbackQuery) -> int | None:
    """The pressed message, if Telegram can no longer show it (so its keyboard is gone too)."""
    message = query.message
    return None if message is None or message.is_accessible else message.message_id


async def _close_keyboard(update: Update, query: CallbackQuery, recap: str | None) -> None:
    """Replace the pressed message's keyboard by the answer given, or just remove it."""
    message = query.message
    if message is None or not message.is_accessible:
        return  # Telegram can no longer show it (deleted, or too old): nothing to close
    if isinstance(message, Message) and shown_keyboard(message) is None:
        return  # already closed (a second tap): editing it again would be refused
    bot, chat_id = screen_bot(update), message.chat.id
    try:
        if recap and isinstance(message, Message) and message.text:
            text = f"{message.text_html}\n\n{html(recap)}"
            await bot.edit_screen(chat_id, message.message_id, text, None)
        else:
            await bot.close_keyboard(chat_id, message.message_id)
    except BadRequest as error:
        # A message too old to edit keeps its keyboard; its buttons are stale and say so.
        log.info("could not close an old keyboard: %s", error.message)


def screen_bot(update: Update) -> ParoleBot:
    """The bot that received `update` (built by `bot.telegram.app`, with the screen calls)."""
    bot = update.get_bot()
    assert isinstance(bot, ParoleBot), "the application is built by bot.telegram.app"
    return bot


def _for_another_bot(message: Message, username: str | None) -> bool:
    """Whether a command names another bot (/start@autre_bot) than `username`."""
    # The text's first word, not its entity: a client may send entities that do not fit it.
    words = (message.text or "").split(maxsplit=1)
    _, at, name = (words[0] if words else "").partition("@")
    return bool(at) and name.lower() != (username or "").lower()


def _other(lang: Lang) -> Lang:
    return "en" if lang == "fr" else "fr"


# The relay handlers (bot.telegram.relay) show assisted entries exactly as residents see them.
send_reply = _send
answer_button = _answer_button
