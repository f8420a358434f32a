"""Follow-up news in Telegram: staff's /nouvelles (preview, then send) and residents' /stop.

`/nouvelles TEXTE` shows staff the message exactly as residents will get it, with the number
of recipients and two buttons; an English version, after a line starting with "EN:", is
shown too, as the residents who chose English will get it. The message waits in this
process's memory under a random token carried by the buttons (a restart forgets it: the
buttons then say the preview expired, and a token from an earlier process never matches a
later text). A press is taken once, by staff only (`StaffButton`), in the chat the preview
was shown in. The send runs as a task of the application, so residents keep being answered
meanwhile, and its counts come back to that chat.

Only the residents who have not received the text yet are counted and sent it (`bot.news`);
sends run one after another, so one text sent from two previews reaches each resident once;
a send refused because another process is sending (`parole news --send`) says so.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Final, cast

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot import news
from bot.conversation import language_from_hint
from bot.news_texts import residents, say
from bot.privacy import Privacy
from bot.settings import StaffSettings
from bot.telegram.broadcast import broadcast
from bot.telegram.callbacks import answer, close_buttons, edit_pressed
from bot.telegram.staff import StaffButton, StaffOnly
from flows.model import Lang

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
DATA_PREFIX: Final = "nw"  # callback data: "nw|s|<token>" (send) or "nw|c|<token>" (cancel)
MAX_PENDING: Final = 32  # previews awaiting an answer; the oldest is forgotten beyond that
STAFF_LANG: Final = "fr"

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Pending:
    """A previewed message, and the chat whose buttons may send it."""

    message: news.News
    chat_id: int


class NewsHandlers:
    """/nouvelles, its buttons and /stop, around the residents' privacy use cases."""

    def __init__(self, privacy: Privacy, store: news.NewsRecords) -> None:
        self.privacy = privacy
        self.store = store
        self._pending: dict[str, Pending] = {}
        # One send at a time: a second send of the same text then finds the first's record.
        self._sending = asyncio.Lock()

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stop: a resident no longer wants follow-up news."""
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        who = await self.privacy.find(user.id)
        lang = (who.lang if who else None) or language_from_hint(user.language_code)
        stopped = who is not None and await self.privacy.drop_contact(who.id)
        if stopped:
            log.info("a resident stopped follow-up news: their contact is forgotten")
        await chat.send_message(say("stopped" if stopped else "not_subscribed", lang))

    async def compose(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/nouvelles TEXTE: the message as residents will get it, and the buttons to send it."""
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        # The text after the command, its line breaks kept (context.args would lose them).
        parts = (message.text or "").split(maxsplit=1)
        typed = parts[1] if len(parts) == 2 else ""
        if not typed.strip():
            await chat.send_message(say("usage", STAFF_LANG))
            return
        try:
            draft = news.read(typed)
        except news.BadNews as problem:
            await chat.send_message(problem.text(STAFF_LANG))
            return
        audience = await news.audience(self.store, draft)
        if not audience.total:
            await chat.send_message(_nobody(audience))
            return
        token = secrets.token_urlsafe(8)
        self._pending[token] = Pending(draft, chat.id)
        while len(self._pending) > MAX_PENDING:
            del self._pending[next(iter(self._pending))]
        who = residents(audience.total, STAFF_LANG)
        await chat.send_message(_heading(draft, audience, who))
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say("send", STAFF_LANG, who=who), callback_data=f"{DATA_PREFIX}|s|{token}"
                    ),
                    InlineKeyboardButton(
                        say("cancel", STAFF_LANG), callback_data=f"{DATA_PREFIX}|c|{token}"
                    ),
                ]
            ]
        )
        # Each version as its residents will get it; the buttons under the last one.
        versions: list[Lang] = ["fr", "en"] if draft.en is not None else ["fr"]
        for lang in versions:
            await chat.send_message(
                news.html(draft.text(lang), lang),
                parse_mode=ParseMode.HTML,
                reply_markup=buttons if lang == versions[-1] else None,
            )

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on "Envoyer" or "Annuler" under a preview (staff only: see `register`)."""
        query = update.callback_query
        assert query is not None and query.message is not None
        chat_id = query.message.chat.id
        parts = (query.data or "").split("|")
        pending = self._pending.get(parts[2]) if len(parts) == 3 else None
        if pending is None or pending.chat_id != chat_id or parts[1] not in ("s", "c"):
            await answer(query, say("expired", STAFF_LANG))
            await close_buttons(query)
            return
        # Taken before any await: a second press of the same button finds nothing.
        del self._pending[parts[2]]
        await answer(query)
        if parts[1] == "c":
            await edit_pressed(query, say("cancelled", STAFF_LANG))
            return
        audience = await news.audience(self.store, pending.message)
        if not audience.total:  # reached meanwhile (another preview of the same text)
            await edit_pressed(query, _nobody(audience))
            return
        sending = say("sending", STAFF_LANG, who=residents(audience.total, STAFF_LANG))
        await edit_pressed(query, sending)
        context.application.create_task(
            self._send(context.bot, chat_id, pending.message), update=update, name="news"
        )

    async def _send(self, bot: Bot, chat_id: int, message: news.News) -> None:
        """Broadcast the news, then tell the staff chat how it went."""

        async def deliver(chats: list[int], html: str) -> news.Delivery:
            return await broadcast(bot, chats, html)

        try:
            async with self._sending:
                report = await news.send(self.privacy, self.store, message, deliver)
        except news.SendInProgress:  # `parole news --send` holds the claim
            await bot.send_message(chat_id, news.busy_text(STAFF_LANG))
            return
        except Exception as error:
            # The error's type only: its message could quote a stored value.
            log.error("sending news failed: %s", type(error).__name__)
            await bot.send_message(chat_id, say("send_failed", STAFF_LANG))
            return
        await bot.send_message(chat_id, news.report_text(report, STAFF_LANG))


def _heading(draft: news.News, audience: news.Audience, who: str) -> str:
    """What the preview says first: who gets which version, and who already got it."""
    french, english = audience.langs["fr"], audience.langs["en"]
    if draft.en is not None:
        lines = [say("preview_both", STAFF_LANG, who=who, fr=french, en=english)]
    else:
        footer = news.footer("en")
        lines = [say("preview", STAFF_LANG, who=who, fr=french, en=english, footer_en=footer)]
        if english:
            lines.append(say("no_english", STAFF_LANG, n=english))
    lines.append(news.already_text(audience.already, STAFF_LANG))
    return "\n\n".join(line for line in lines if line)


def _nobody(audience: news.Audience) -> str:
    """Why there is nobody to send to: nobody asked, or everyone already got the text."""
    return say("everyone_reached" if audience.already else "nobody", STAFF_LANG)


def staff_menu() -> list[BotCommand]:
    """The staff's news command, for their command menu."""
    return [BotCommand("nouvelles", say("cmd_nouvelles", STAFF_LANG))]


def register(application: TelegramApp, privacy: Privacy, staff: StaffSettings) -> None:
    """Add /nouvelles, its buttons and /stop; call before the residents' catch-all handlers."""
    # SqliteStore, behind privacy's store, is also a NewsStore (see storage.sqlite_news).
    h = NewsHandlers(privacy, cast(news.NewsRecords, privacy.store))
    application.add_handlers(
        [
            CommandHandler(
                "nouvelles", h.compose, filters=filters.UpdateType.MESSAGE & StaffOnly(staff)
            ),
            StaffButton(h.press, staff, pattern=rf"^{DATA_PREFIX}\|"),
            CommandHandler(["stop", "stopnouvelles"], h.stop, filters=PRIVATE),
        ]
    )
