"""Residents' privacy commands: /confidentialite, /mesdonnees, /oubli, and blocking the bot.

None of them creates a participant: someone nothing is stored about is told so. The erasure
button carries the participant id it was shown for, so a replayed or forged press, or one
after the erasure, erases nothing.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.conversation import Clock, language_from_hint, utc_now
from bot.privacy import Privacy
from bot.telegram.callbacks import GuardedButtons, answer, close_buttons, edit_pressed
from flows.model import Lang
from flows.texts import say

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
FORGET: Final = "oubli"  # callback data: "oubli|y|<participant id>" or "oubli|n|<id>"
YES_NO: Final = ("y", "n")


class PrivacyHandlers:
    """The privacy handlers, around one `Privacy`."""

    def __init__(self, privacy: Privacy, clock: Clock = utc_now) -> None:
        self.privacy = privacy
        self.clock = clock

    async def _lang(self, update: Update) -> Lang:
        user = update.effective_user
        assert user is not None
        who = await self.privacy.find(user.id)
        return (who.lang if who else None) or language_from_hint(user.language_code)

    async def notice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/confidentialite: what is kept, for what, who reads it, how long, the rights."""
        lang = await self._lang(update)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(self.privacy.notice.full(lang))

    async def my_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mesdonnees: a summary and a text file of everything stored about the resident."""
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        lang = await self._lang(update)
        report = await self.privacy.report(user.id, lang, self.clock())
        if report is None:
            await chat.send_message(say("nothing_stored", lang))
            return
        await chat.send_message(report.summary)
        await chat.send_document(
            InputFile(report.document.encode("utf-8"), filename=report.filename),
            filename=report.filename,
        )

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/oubli: ask for confirmation before erasing everything."""
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        lang = await self._lang(update)
        found = await self.privacy.counts(user.id)
        if found is None:
            await chat.send_message(say("nothing_stored", lang))
            return
        who, sessions, answers = found
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say("forget_yes", lang), callback_data=f"{FORGET}|y|{who.id}"
                    ),
                    InlineKeyboardButton(
                        say("forget_no", lang), callback_data=f"{FORGET}|n|{who.id}"
                    ),
                ]
            ]
        )
        await chat.send_message(
            say("forget_confirm", lang, sessions=sessions, answers=answers), reply_markup=buttons
        )

    async def confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on the erasure confirmation: erase, or cancel."""
        query, user = update.callback_query, update.effective_user
        assert query is not None and user is not None
        lang = await self._lang(update)
        parts = (query.data or "").split("|")
        who = await self.privacy.find(user.id)
        if len(parts) != 3 or who is None or parts[2] != str(who.id) or parts[1] not in YES_NO:
            # Replayed after an erasure, forged, or shown to someone else: nothing happens.
            await answer(query, say("stale", lang) if who else say("nothing_stored", lang))
            await close_buttons(query)
            return
        await answer(query)
        if parts[1] == "n":
            await _edit(query, say("forget_cancelled", lang))
            return
        erased = await self.privacy.forget(who.id)
        # The anonymous number lets an operator who restores an older backup erase them again.
        log.info(
            "erasure at a resident's request: participant %d, %d session(s), %d answer(s)",
            who.id,
            erased.sessions if erased else 0,
            erased.answers if erased else 0,
        )
        await _edit(query, say("forgotten", lang))

    async def member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The resident blocked the bot: forget the chat id kept for follow-up news."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        if change.new_chat_member.status != ChatMember.BANNED:
            return
        who = await self.privacy.find(change.from_user.id)
        if who is not None and await self.privacy.drop_contact(who.id):
            log.info("a resident blocked the bot: their follow-up contact is forgotten")


def _in_private(query: CallbackQuery) -> bool:
    """Whether the pressed message is in a private chat (the presser's own, with the bot)."""
    return query.message is not None and query.message.chat.type == ChatType.PRIVATE


async def _edit(query: CallbackQuery, text: str) -> None:
    """`text` in the pressed message, or in a new one if Telegram refuses the edit."""
    if not await edit_pressed(query, text) and query.message is not None:
        await query.message.chat.send_message(text)


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    privacy: Privacy,
    clock: Clock = utc_now,
) -> None:
    """Add the privacy handlers (before the residents' catch-all handlers)."""
    h = PrivacyHandlers(privacy, clock)
    application.add_handlers(
        [
            CommandHandler(["confidentialite", "privacy"], h.notice, filters=PRIVATE),
            CommandHandler(["mesdonnees", "mydata"], h.my_data, filters=PRIVATE),
            CommandHandler(["oubli", "forget"], h.forget, filters=PRIVATE),
            # Shown in private only: a press elsewhere (forged on a message of a group) is
            # left to the residents' handlers, which only answer it.
            GuardedButtons(h.confirm, _in_private, pattern=rf"^{FORGET}\|"),
            ChatMemberHandler(h.member, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
