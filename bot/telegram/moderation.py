"""Moderation in Telegram: staff's /moderation, one message per resident text, each with a
button that hides the text from digests and exports ("🙈 Masquer") or shows it again.

Staff only (`StaffOnly`, `StaffButton`): anyone else gets what an unknown command or a stale
button gets. A button carries its text's reference and a fingerprint of the text shown
("md|h|<session>|<step>|<fingerprint>": hide, "md|s|…": show), so it still works after a
restart and acts only on the text staff read: a text the resident rewrote since is left
alone and redrawn as it now stands. Otherwise a press changes storage, then the message is
redrawn from what storage holds. Texts are escaped: a resident's text is never markup.
After a full page, a last message offers the older texts ("md|o|<time>|<session>|<step>",
"md|O|…" for hidden ones, naming the page's last text, its answer time in hexadecimal
microseconds): the next page starts after that text, so texts arriving meanwhile neither
bring one back nor push one past. Any text can be reached, not only the latest; each such
message brings its page once, however many presses reach it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.moderation import LATEST, Moderation, fingerprint, parse_ref
from bot.moderation_texts import say
from bot.settings import Settings
from bot.telegram.callbacks import MAX_BYTES, answer, close_buttons, edit_pressed
from bot.telegram.staff import StaffButton, StaffOnly
from digest import notes
from digest.layout import clean_text
from flows.limits import MESSAGE_UNITS, telegram_length
from flows.model import Consultation
from flows.shorten import shorten
from storage.moderation import Anchor, ModeratedText

DATA_PREFIX: Final = "md"
HIDE: Final = "h"
SHOW: Final = "s"
OLDER: Final = "o"
OLDER_HIDDEN: Final = "O"
PAGED_KEPT: Final = 256  # "older texts" presses remembered, to bring each page once
HIDDEN_ARGS: Final = frozenset({"masques", "masqués", "hidden"})
STAFF_LANG: Final = "fr"
# A question is there to recognise the text: a long one is cut, leaving the text the room.
QUESTION_LIMIT: Final = 200
# An answer's time in an "older texts" button: microseconds since the epoch, in hexadecimal
# (13 digits until 2112), so that the button names a text to the microsecond within 64 bytes.
EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROS: Final = re.compile(r"[0-9a-f]{1,13}")

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


Questions = Mapping[tuple[str, str], str]  # (consultation id, step id) -> the question


def questions(consultations: Sequence[Consultation]) -> dict[tuple[str, str], str]:
    """Every step's question as staff read it, by consultation and step."""
    return {(c.id, step.id): step.text.get(STAFF_LANG) for c in consultations for step in c.steps}


def card(text: ModeratedText, timezone: str, asked: Questions) -> str:
    """One text as staff read it: the question, the date, the state, the text."""
    question = asked.get((text.consultation_id, text.step_id), text.step_id)
    question = shorten(question, QUESTION_LIMIT)
    answered = notes.when(text.answered_at, timezone)
    hidden = None
    if text.hidden_at is not None:
        hidden = say("hidden_since", STAFF_LANG, date=notes.when(text.hidden_at, timezone))
    heading = [line for line in (question, answered, hidden) if line is not None]
    room = MESSAGE_UNITS - telegram_length("\n".join(heading)) - 1
    lines = [f"<b>{escape(question)}</b>", escape(answered)]
    if hidden is not None:
        lines.append(f"<i>{escape(hidden)}</i>")
    # Cut as Telegram counts (an emoji counts two): a text of emoji within the residents'
    # limit would otherwise make its message too long.
    lines.append(escape(clean_text(text.text, room, telegram_length), quote=False))
    return "\n".join(lines)


def keyboard(text: ModeratedText) -> InlineKeyboardMarkup:
    """The one button under a text: hide it, or show it again."""
    action, label = (SHOW, "show") if text.hidden_at is not None else (HIDE, "hide")
    # The text's fingerprint too: a press acts on the text staff read, not on a rewrite.
    data = f"{DATA_PREFIX}|{action}|{text.session_id}|{text.step_id}|{fingerprint(text.text)}"
    # Step ids are short codes (24 characters at most): this holds by construction.
    assert len(data.encode()) <= MAX_BYTES
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(say(label, STAFF_LANG), callback_data=data)]]
    )


def older_data(action: str, last: ModeratedText) -> str:
    """The "older texts" button's data: the page's last text, where the next page starts."""
    micros = (last.answered_at - EPOCH) // dt.timedelta(microseconds=1)
    data = f"{DATA_PREFIX}|{action}|{micros:x}|{last.session_id}|{last.step_id}"
    assert len(data.encode()) <= MAX_BYTES  # 5 + 13 + 1 + 18 + 1 + 24 bytes at most
    return data


def anchor(micros: str, session: str, step: str) -> Anchor | None:
    """The text an "older texts" button names; None if its data is not one `older_data`
    makes (anyone can send any data)."""
    ref = parse_ref(f"{session}:{step}")
    if ref is None or _MICROS.fullmatch(micros) is None:
        return None
    at = EPOCH + dt.timedelta(microseconds=int(micros, 16))
    return Anchor(at, ref.session_id, ref.step_id)


class ModerationHandlers:
    """/moderation and its buttons, around the moderation use cases."""

    def __init__(self, moderation: Moderation, timezone: str, asked: Questions) -> None:
        self.moderation = moderation
        self.timezone = timezone
        self.asked = asked
        # The "older texts" messages already pressed, by (chat, message), the latest ones.
        self._paged: OrderedDict[tuple[int, int], None] = OrderedDict()

    async def list_texts(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/moderation [masques]: the latest texts (or the hidden ones), one message each."""
        chat = update.effective_chat
        assert chat is not None
        args = [arg.lower() for arg in context.args or []]
        hidden_only = bool(args) and args[0] in HIDDEN_ARGS
        if len(args) > 1 or (args and not hidden_only):
            await chat.send_message(say("usage", STAFF_LANG))
            return
        texts = await self.moderation.latest(LATEST + 1, hidden_only=hidden_only)
        if not texts:
            await chat.send_message(say("none_hidden" if hidden_only else "none", STAFF_LANG))
            return
        heading = "latest_hidden" if hidden_only else "latest"
        await chat.send_message(say(heading, STAFF_LANG, n=min(len(texts), LATEST)))
        await self._page(update, texts, hidden_only)

    async def _page(
        self, update: Update, texts: Sequence[ModeratedText], hidden_only: bool
    ) -> None:
        """A page of texts, one message each (`texts` holds one more if there are more), then
        the button to the older ones."""
        chat = update.effective_chat
        assert chat is not None
        for text in texts[:LATEST]:
            await chat.send_message(
                card(text, self.timezone, self.asked),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(text),
            )
        if len(texts) > LATEST:
            data = older_data(OLDER_HIDDEN if hidden_only else OLDER, texts[LATEST - 1])
            button = InlineKeyboardButton(say("older", STAFF_LANG, n=LATEST), callback_data=data)
            await chat.send_message(
                say("more", STAFF_LANG), reply_markup=InlineKeyboardMarkup([[button]])
            )

    async def older(self, update: Update, query: CallbackQuery, action: str, after: Anchor) -> None:
        """A press on "older texts": the next page, in place of the button."""
        message = query.message
        assert message is not None
        pressed = (message.chat.id, message.message_id)
        # Taken before any await: a double tap, or two staff pressing it in a staff chat at
        # once, would each bring the page (the second press still sees the button).
        if pressed in self._paged:
            await answer(query)
            return
        self._paged[pressed] = None
        while len(self._paged) > PAGED_KEPT:
            self._paged.popitem(last=False)
        hidden_only = action == OLDER_HIDDEN
        texts = await self.moderation.latest(LATEST + 1, hidden_only=hidden_only, after=after)
        await answer(query)
        await close_buttons(query)
        if not texts:
            assert update.effective_chat is not None
            await update.effective_chat.send_message(say("no_older", STAFF_LANG))
            return
        await self._page(update, texts, hidden_only)

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on "Masquer" or "Réafficher" (staff only: see `register`)."""
        query = update.callback_query
        assert query is not None and query.message is not None
        parts = (query.data or "").split("|")
        if len(parts) > 1 and parts[1] in (OLDER, OLDER_HIDDEN):
            after = anchor(*parts[2:]) if len(parts) == 5 else None
            if after is None:  # not `older_data`'s: an earlier version's page button counted texts
                await answer(query, say("stale", STAFF_LANG))
                await close_buttons(query)
                return
            await self.older(update, query, parts[1], after)
            return
        # A button from before fingerprints (four parts) acts on the text as it now stands.
        ref = parse_ref(f"{parts[2]}:{parts[3]}") if len(parts) in (4, 5) else None
        if ref is None or parts[1] not in (HIDE, SHOW):
            await answer(query)
            return
        seen = parts[4] if len(parts) == 5 else None
        if parts[1] == HIDE:
            result = await self.moderation.hide(ref, seen=seen)
        else:
            result = await self.moderation.show(ref, seen=seen)
        if result is None:
            await answer(query, say("gone", STAFF_LANG))
            await close_buttons(query)
            return
        text = result.text
        if not result.changed:
            notice = "rewritten"
        else:
            notice = "done_hidden" if text.hidden_at else "done_shown"
        await answer(query, say(notice, STAFF_LANG))
        await edit_pressed(
            query, card(text, self.timezone, self.asked), keyboard(text), parse_mode=ParseMode.HTML
        )


def staff_menu() -> list[BotCommand]:
    """The staff's moderation command, for their command menu."""
    return [BotCommand("moderation", say("cmd_moderation", STAFF_LANG))]


def register(
    application: TelegramApp,
    moderation: Moderation,
    settings: Settings,
    consultations: Sequence[Consultation],
) -> None:
    """Add /moderation and its buttons; call before the residents' catch-all handlers."""
    h = ModerationHandlers(moderation, settings.consultation.timezone, questions(consultations))
    application.add_handlers(
        [
            CommandHandler(
                "moderation",
                h.list_texts,
                filters=filters.UpdateType.MESSAGE & StaffOnly(settings.staff),
            ),
            StaffButton(h.press, settings.staff, pattern=rf"^{DATA_PREFIX}\|"),
        ]
    )
