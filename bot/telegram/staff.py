"""Staff in Telegram: /digest [DATE], /stats and /export, and digests delivered to staff chats.

Rights are a filter checked on every update: a staff user id, in a private chat or in one of
the staff chats (`StaffOnly` for commands, `StaffButton` for buttons). For anyone else the
staff handlers do not match, so the update falls through to the resident handlers and gets
exactly what an unknown command (or a stale button) gets: nothing reveals that staff commands
exist. They must therefore be registered before the residents' catch-all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Sequence
from html import escape
from typing import Any, Final

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    CallbackQuery,
    Chat,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.conversation import Clock
from bot.failures import described
from bot.settings import Settings, StaffSettings
from bot.telegram.callbacks import ButtonCallback, GuardedButtons
from bot.telegram.ratelimit import retry_after_seconds
from digest import notes
from digest.bundle import Attachment, Bundle, build_bundle, export_attachment
from digest.charts import Chart
from digest.dispatch import DigestStore
from digest.model import Period
from digest.schedule import on_demand_period, parse_when
from digest.stats import consultation_stats, rate_note, stats_table
from flows.limits import MESSAGE_UNITS, telegram_length
from flows.model import Consultation
from flows.shorten import shorten
from flows.typography import french_spacing

log = logging.getLogger(__name__)

CAPTION_LIMIT: Final = 1024
UPLOAD_LIMIT: Final = 50 * 1024 * 1024  # the Bot API refuses larger uploads from bots
NO_PREVIEW: Final = LinkPreviewOptions(is_disabled=True)  # a quoted link is not a preview
FLOOD_WAITS: Final = 3  # flood-control pauses accepted per item before giving up
DIGEST_USAGE: Final = french_spacing(
    "Usage : /digest (depuis la dernière synthèse envoyée), /digest AAAA-MM-JJ (depuis ce "
    "jour, une date passée), /digest AAAA-MM-JJ AAAA-MM-JJ (du premier jour au second, "
    "inclus) ou /digest tout (depuis l'ouverture)"
)
WHOLE_HISTORY: Final = frozenset({"tout", "all"})
_TIME: Final = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
# The menu says what /digest takes (digest.notes words the other entries).
STAFF_COMMANDS: Final = tuple(
    {
        **notes.STAFF_MENU,
        "digest": "Synthèse : depuis la dernière envoyée, ou AAAA-MM-JJ [AAAA-MM-JJ], ou tout",
    }.items()
)
# Said instead of nothing (a staff chat) or the residents' "your answers are safe" (private).
STATS_FAILED: Final = french_spacing(
    "Les chiffres n'ont pas pu être calculés : l'erreur est dans le journal du bot."
)
EXPORT_FAILED: Final = french_spacing(
    "L'export de {id} n'a pas pu être préparé : l'erreur est dans le journal du bot."
)
STAFF_HELP: Final = "🛠 Commandes de l'équipe, en privé et dans les groupes de l'équipe :"
STAFF_HELP_END: Final = "Les habitants ne voient pas ces commandes."
STAFF_HELP_COMMAND: Final = "Les commandes de l'équipe"  # /aide in a staff chat's menu

HELP_GROUP: Final = 1  # after the residents' handlers (group 0)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def staff_commands(menu: Sequence[BotCommand] = ()) -> list[BotCommand]:
    """Every staff command for staff's menus: /digest, /stats, /export, then `menu`'s."""
    return [*(BotCommand(name, text) for name, text in STAFF_COMMANDS), *menu]


def staff_here(staff: StaffSettings, user: User | None, chat: Chat) -> bool:
    """Whether `user` may act as staff in `chat`: a staff user, in private or a staff chat."""
    if user is None or user.id not in staff.user_ids:
        return False
    return chat.type == ChatType.PRIVATE or chat.id in staff.chat_ids


class StaffOnly(filters.MessageFilter):
    """A message from a staff user, in private or in a staff chat (read on every call)."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="StaffOnly")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the sender may use staff commands here."""
        return staff_here(self.staff, message.from_user, message.chat)


class StaffButton(GuardedButtons):
    """A staff button: matches only a press by staff where staff commands work (anyone
    else's press, a forged one included, goes on to the resident handlers)."""

    def __init__(self, callback: ButtonCallback, staff: StaffSettings, pattern: str) -> None:
        def allowed(query: CallbackQuery) -> bool:
            message = query.message
            return message is not None and staff_here(staff, query.from_user, message.chat)

        super().__init__(callback, allowed, pattern)


# -- delivery -------------------------------------------------------------------------------


class TelegramChat:
    """A staff chat as a digest destination; a retry resumes after the last item sent."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self._bundle: Bundle | None = None
        self._sent = 0

    @property
    def key(self) -> str:
        """The ledger name of this chat."""
        return f"telegram:{self.chat_id}"

    async def deliver(self, bundle: Bundle) -> None:
        """Send the text parts, the charts and the exports, in that order."""
        if bundle is not self._bundle:
            self._bundle, self._sent = bundle, 0
        items = _items(bundle)
        try:
            while self._sent < len(items):
                await _send_item(self.bot, self.chat_id, items[self._sent])
                self._sent += 1
        except TelegramError as error:
            # Errors may quote the request URL or the token: this one is safe to log.
            raise DeliveryFailed(redact(error, self.bot.token)) from None


class DeliveryFailed(Exception):
    """A digest could not be sent to a staff chat (the message carries no secret)."""


def redact(error: BaseException, token: str) -> str:
    """`error` as "Type: message", the bot token blanked out."""
    return f"{type(error).__name__}: {error}".replace(token, "<token>")


Item = str | Chart | Attachment


def _items(bundle: Bundle) -> list[Item]:
    """What a staff chat receives, message by message."""
    heading = f"<b>{escape(bundle.heading, quote=False)}</b>"
    parts = list(bundle.telegram)
    # The heading joins the first part if that still fits: Telegram counts UTF-16 code units
    # of the parsed text, which the raw HTML's count bounds from above.
    joined = f"{heading}\n\n{parts[0]}" if parts else heading
    if parts and telegram_length(joined) <= MESSAGE_UNITS:
        parts[0] = joined
    else:
        parts.insert(0, heading)
    return [*parts, *bundle.charts, *bundle.exports]


async def _send_item(bot: Bot, chat_id: int, item: Item) -> None:
    """Send one item, waiting out Telegram's flood control a few times.

    The bots of `parole run` and `parole digest --send` never get a 429 here (their rate
    limiter waits them out); this is for a bot without one (`telegram.rate_limit = false`).
    """
    for _ in range(FLOOD_WAITS):
        try:
            await _send_once(bot, chat_id, item)
            return
        except RetryAfter as error:
            await asyncio.sleep(retry_after_seconds(error))
    await _send_once(bot, chat_id, item)


async def _send_once(bot: Bot, chat_id: int, item: Item) -> None:
    if isinstance(item, str):
        await bot.send_message(
            chat_id, item, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        )
    elif isinstance(item, Chart):
        await bot.send_photo(
            chat_id, item.png, caption=_caption(item.title), filename=item.filename
        )
    elif len(item.content) > UPLOAD_LIMIT:
        await bot.send_message(chat_id, item.too_big())
    else:
        await bot.send_document(
            chat_id, item.content, filename=item.filename, caption=_caption(item.title)
        )


def _caption(title: str) -> str:
    """A photo's or file's caption within Telegram's limit, counted as Telegram counts (a
    long question with emoji, cut by characters, was refused, and the digest with it)."""
    return shorten(title, CAPTION_LIMIT, telegram_length)


# -- commands -------------------------------------------------------------------------------


class StaffHandlers:
    """The staff commands, around the store and the consultations."""

    def __init__(
        self,
        settings: Settings,
        store: DigestStore,
        consultations: Sequence[Consultation],
        clock: Clock,
        menu: Sequence[BotCommand] = (),
    ) -> None:
        self.settings = settings
        self.store = store
        self.consultations = list(consultations)
        self.clock = clock
        self.menu = staff_commands(menu)

    @property
    def timezone(self) -> str:
        """The city's time zone."""
        return self.settings.consultation.timezone

    async def digest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/digest [DATE]: a digest now, since the last one sent on any schedule (or 7 days),
        or since DATE (as `parole digest --since` reads it: a day, or an ISO date and time)."""
        chat = update.effective_chat
        assert chat is not None
        now = self.clock()
        if context.args:
            chosen = self._chosen_period(context.args, now)
            if chosen is None:  # unreadable, or nothing to show yet
                await chat.send_message(DIGEST_USAGE)
                return
            period = chosen
            heading = notes.custom_heading(period, self.timezone)
        else:
            last = await self.store.last_sent_end(None)
            period = on_demand_period(last, now, timezone=self.timezone)
            heading = notes.on_demand_heading(period, last, self.timezone)
        await _typing(context.bot, chat.id, ChatAction.TYPING)
        digest = self.settings.digest
        try:
            bundle = await build_bundle(
                self.store,
                self.consultations,
                period,
                heading=heading,
                timezone=self.timezone,
                min_group_size=digest.min_group_size,
                recent_texts=digest.recent_texts,
                abandon_after_hours=digest.abandon_after_hours,
                now=now,
            )
        except Exception as error:
            log.error("on-demand digest failed: %s", described(error))
            await chat.send_message(notes.FAILED)
            return
        await TelegramChat(context.bot, chat.id).deliver(bundle)

    def _chosen_period(self, args: Sequence[str], now: dt.datetime) -> Period | None:
        """The period of `/digest SINCE [UNTIL]` or `/digest tout`, read as `parole digest
        --since/--until` read them (UNTIL's day included) and ending now at the latest; None
        if it is not one, or holds nothing yet."""
        moments = _moments(args)
        if len(moments) == 1 and moments[0].lower() in WHOLE_HISTORY:
            moments = [min(c.opens for c in self.consultations).isoformat()]
        if not 1 <= len(moments) <= 2:
            return None
        try:
            since = parse_when(moments[0], self.timezone)
            until = (
                min(parse_when(moments[1], self.timezone, end_of_day=True), now)
                if len(moments) == 2
                else now
            )
        except ValueError:
            return None
        return Period(since, until) if since < until else None

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stats: participation today, over 7 days and in all, per consultation."""
        chat = update.effective_chat
        assert chat is not None
        now = self.clock()
        try:
            found = await consultation_stats(
                self.store,
                self.consultations,
                now,
                timezone=self.timezone,
                abandon_after_hours=self.settings.digest.abandon_after_hours,
            )
        except Exception as error:
            log.error("/stats failed: %s", described(error))
            await chat.send_message(STATS_FAILED)
            return
        blocks = [f"<b>{escape(notes.STATS_TITLE.format(now=notes.when(now, self.timezone)))}</b>"]
        for item in found:
            block = f"<b>{escape(item.title)}</b>\n<pre>{escape(stats_table(item))}</pre>"
            note = rate_note(item)
            blocks.append(block if note is None else f"{block}\n<i>{escape(note)}</i>")
        # A city running many consultations gets several messages, never a refused one.
        for text in joined_within_limit(blocks):
            await chat.send_message(text, parse_mode=ParseMode.HTML)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/aide from staff: their commands (in private, the residents' help follows)."""
        chat = update.effective_chat
        assert chat is not None
        lines = [f"/{command.command} : {command.description}" for command in self.menu]
        text = "\n\n".join([STAFF_HELP, "\n".join(lines), STAFF_HELP_END])
        await chat.send_message(french_spacing(text))

    async def export(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/export [csv|xlsx] [consultation]: every answer, pseudonymous, as a file."""
        chat = update.effective_chat
        assert chat is not None
        args = [arg.lower() for arg in context.args or []]
        fmt = args[0] if args else "csv"
        if fmt not in ("csv", "xlsx") or len(args) > 2:
            await chat.send_message(notes.EXPORT_USAGE)
            return
        chosen = self.consultations
        if len(args) == 2:
            chosen = [c for c in self.consultations if c.id == args[1]]
            if not chosen:
                known = ", ".join(c.id for c in self.consultations)
                await chat.send_message(notes.EXPORT_UNKNOWN.format(id=args[1], known=known))
                return
        await _typing(context.bot, chat.id, ChatAction.UPLOAD_DOCUMENT)
        now = self.clock()
        for consultation in chosen:
            try:
                attachment = await export_attachment(
                    self.store,
                    consultation,
                    "csv" if fmt == "csv" else "xlsx",
                    now,
                    timezone=self.timezone,
                )
            except Exception as error:  # the database, or a full disk for the temporary file
                log.error("/export failed: %s", described(error))
                await chat.send_message(EXPORT_FAILED.format(id=consultation.id))
                return
            await _send_item(context.bot, chat.id, attachment)


def joined_within_limit(blocks: Sequence[str]) -> list[str]:
    """Whole `blocks` (HTML, each within Telegram's limit) joined by blank lines into as few
    messages as fit it; the raw HTML's length bounds the parsed text's from above."""
    messages: list[str] = []
    for block in blocks:
        together = f"{messages[-1]}\n\n{block}" if messages else block
        if messages and telegram_length(together) <= MESSAGE_UNITS:
            messages[-1] = together
        else:
            messages.append(block)
    return messages


def _moments(args: Sequence[str]) -> list[str]:
    """The dates typed after /digest, a time joined to the date before it ("2026-11-01
    08:00" arrives as two arguments)."""
    moments: list[str] = []
    for arg in args:
        if moments and _TIME.match(arg) and len(moments[-1]) == len("AAAA-MM-JJ"):
            moments[-1] = f"{moments[-1]} {arg}"
        else:
            moments.append(arg)
    return moments


async def _typing(bot: Bot, chat_id: int, action: str) -> None:
    """Show that the bot is working; not worth failing the command for."""
    try:
        await bot.send_chat_action(chat_id, action)
    except TelegramError as error:
        log.info("could not show a chat action: %s", error.message)


def register(
    application: TelegramApp,
    settings: Settings,
    store: DigestStore,
    consultations: Sequence[Consultation],
    *,
    clock: Clock,
    menu: Sequence[BotCommand] = (),
) -> None:
    """Add the staff commands; call before the resident handlers (they catch every command).

    `menu`: the other staff commands (relays, news, moderation), which /aide lists too.
    """
    h = StaffHandlers(settings, store, consultations, clock, menu)
    allowed = filters.UpdateType.MESSAGE & StaffOnly(settings.staff)
    application.add_handlers(
        [
            CommandHandler("digest", h.digest, filters=allowed),
            CommandHandler("stats", h.stats, filters=allowed),
            CommandHandler("export", h.export, filters=allowed),
            # In a staff chat, instead of the residents' "answer me in private".
            CommandHandler(["aide", "help"], h.help, filters=allowed & filters.ChatType.GROUPS),
        ]
    )
    # In private, after the residents' help (a later group): staff answer consultations too.
    application.add_handler(
        CommandHandler(["aide", "help"], h.help, filters=allowed & filters.ChatType.PRIVATE),
        group=HELP_GROUP,
    )


async def register_commands(
    bot: Bot,
    staff: StaffSettings,
    resident_commands: Sequence[BotCommand],
    menu: Sequence[BotCommand] = (),
) -> None:
    """Show the staff commands (these and `menu`'s) in the menus of staff users only, in
    private and in each staff chat; failures are not fatal.

    A chat's own menu replaces the default one: in private it lists the residents' commands
    too; in a staff chat only /aide beside them (residents' commands work in private only).
    """
    commands = staff_commands(menu)
    in_groups = [*commands, BotCommand("aide", STAFF_HELP_COMMAND)]
    for user_id in staff.user_ids:
        try:
            await bot.set_my_commands(
                [*resident_commands, *commands], scope=BotCommandScopeChat(user_id)
            )
        except TelegramError as error:
            log.warning("could not set the staff command menu: %s", error.message)
        for chat_id in staff.chat_ids:
            try:
                await bot.set_my_commands(
                    in_groups, scope=BotCommandScopeChatMember(chat_id, user_id)
                )
            except TelegramError as error:  # not a member of that chat, or the bot is not
                log.warning(
                    "could not set the staff command menu in staff chat %d: %s",
                    chat_id,
                    error.message,
                )
