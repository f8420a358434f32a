"""Relays in Telegram: invitations, /monlien, /saisie, /bilan; staff's /relais commands.

Rights are checked on every update, in the database: an account is a relay while its relay is
active, so a removed relay loses every relay command and button at once. For anyone else the
relay handlers let the update through untouched, and the resident handlers answer it as they
answer an unknown command: nothing reveals that relay commands exist. Staff commands use the
staff filter (bot.telegram.staff) and are equally invisible to others.

The relay handlers run in an earlier handler group than the residents'; when they handle an
update they stop it there (`ApplicationHandlerStop`), otherwise the residents' handlers get it.
While an entry is under way they take everything that would otherwise reach the relay's own
participation (typed text, /passer, /retour, /langue, photos, buttons), so nothing done for
the person lands in the relay's own answers; /start and /reprendre set the entry aside first.
A relay removed while an entry was under way is told so at their next message or press, which
is stored nowhere, until /start or /reprendre takes them back to their own participation.

The bot stores no relay's chat, so a removal cannot take back the command menu a relay got
when joining: the first time the bot hears from them after it (told their entry stopped, or a
relay command from a stale menu entry), that chat's menu goes back to the residents' default.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from html import escape
from typing import Any, Final, NamedTuple, Protocol

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import relay_texts
from bot.conversation import Clock, Conversations, Reply, utc_now
from bot.flyer import flyer_png
from bot.privacy import PrivacyNotice
from bot.relays import (
    INVITE_PREFIX,
    LINK_PREFIX,
    MAX_NAME,
    BadName,
    Entries,
    EntrySession,
    Relays,
    deep_link,
    share_payload,
)
from bot.settings import Settings, StaffSettings
from bot.telegram.callbacks import GuardedButtons, answer, close_buttons, parse_id, unpack
from bot.telegram.resident import (
    CappedTexts,
    answer_button,
    at_free_text,
    helplines_first,
    refuse_forward,
    send_reply,
)
from bot.telegram.resident import menu as resident_menu
from bot.telegram.staff import StaffOnly, staff_here
from digest.dispatch import DigestStore
from flows.events import Back, Skip
from flows.model import Consultation, Lang
from flows.paper_form import file_name, paper_form
from flows.texts import say as say_resident
from flows.typography import NNBSP
from storage.base import Channel, Participant
from storage.relays import Invitation, Relay, RelayCounts, RelayStore

log = logging.getLogger(__name__)

GROUP: Final = -1  # before the residents' handlers (group 0)
DATA_PREFIX: Final = "rl|"
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
PRIVATE_EDITS = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE
RELAY_COMMANDS: Final = ("monlien", "saisie", "bilan", "papier")
STAFF_RELAY_COMMANDS: Final = ("relais", "relais_nouveau", "relais_retirer")
INVITATION_TEXTS: Final = {
    Invitation.USED: "invitation_used",
    Invitation.INACTIVE: "invitation_cancelled",
    Invitation.EXPIRED: "invitation_expired",
    Invitation.UNKNOWN: "invitation_unknown",
    Invitation.ALREADY_RELAY: "invitation_already_relay",
}

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class AppStore(DigestStore, RelayStore, Protocol):
    """What the Telegram application needs from storage."""


def use_cases(
    settings: Settings,
    store: AppStore,
    consultations: Sequence[Consultation],
    *,
    notice: PrivacyNotice,
    clock: Clock = utc_now,
) -> tuple[Relays, Entries]:
    """The relay use cases, and assisted entries on a `Conversations` of channel `assisted`.

    `notice` is the residents' own: what a relay reads out to a person (how long answers
    are kept) must be what the city set.
    """
    secret = settings.privacy.pseudonym_secret
    if secret is None:
        raise ValueError("privacy.pseudonym_secret is missing")
    timezone = settings.consultation.timezone
    relays = Relays(
        store,
        secret.get_secret_value(),
        clock=clock,
        timezone=timezone,
        invitation_days=settings.relays.invitation_days,
    )
    assisted = Conversations(
        store,
        consultations,
        secret.get_secret_value(),
        channel=Channel.ASSISTED,
        clock=clock,
        timezone=timezone,
        notice=notice,
    )
    return relays, Entries(relays, assisted)


def say(key: str, lang: Lang, **values: object) -> str:
    """A relay text."""
    return relay_texts.say(key, lang, **values)


def relay_menu(lang: Lang) -> list[BotCommand]:
    """A relay's command menu: the residents' commands, then the relay's."""
    return [
        *resident_menu(lang),
        *(BotCommand(c, say(f"cmd_{c}", lang)) for c in RELAY_COMMANDS),
    ]


def staff_menu() -> list[BotCommand]:
    """The staff's relay commands, for their command menu."""
    return [BotCommand(c, say(f"cmd_{c}", "fr")) for c in STAFF_RELAY_COMMANDS]


async def _text(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(
        escape(text, quote=False), parse_mode=ParseMode.HTML, reply_markup=markup
    )


def _button(label: str, *parts: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=DATA_PREFIX + "|".join(parts))


class _InEntry(NamedTuple):
    """An update sent while the relay's entry is under way."""

    relay: Relay
    person: Participant  # the entry's anonymous participant
    message: Message
    chat: Chat


class RelayHandlers:
    """The relay's handlers, around the use cases."""

    def __init__(
        self,
        relays: Relays,
        entries: Entries,
        residents: Conversations,
        *,
        staff: StaffSettings,
        staff_commands: Sequence[BotCommand] = (),
        max_text_length: int = 2000,
    ) -> None:
        self.relays = relays
        self.entries = entries
        self.residents = residents
        self.staff = staff
        self.staff_commands = list(staff_commands)
        # The residents' limit on typed texts, and the rest of a long paste refused with it.
        self.capped = CappedTexts(max_text_length)

    async def _lang(self, update: Update) -> Lang:
        user = update.effective_user
        assert user is not None
        who = await self.residents.participant(user.id)
        return self.residents.language(who, user.language_code)

    async def _relay(self, update: Update) -> Relay | None:
        """The sender's relay, if the sender is an active relay (checked on every update)."""
        user = update.effective_user
        if user is None:
            return None
        return await self.relays.relay_for(user.id)

    async def _in_entry(self, update: Update) -> _InEntry | None:
        """The sender's relay, the person and where the update came, while an entry of theirs
        is under way; None otherwise (the update is then the relay's own, for the residents'
        handlers)."""
        relay = await self._relay(update)
        person = None if relay is None else await self.entries.under_way(relay)
        if relay is None or person is None:
            return None
        message, chat = update.effective_message, update.effective_chat
        assert message is not None and chat is not None
        return _InEntry(relay, person, message, chat)

    # -- commands ---------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start i_…: accept an invitation; /start r_…: a resident through a relay's link."""
        payload = context.args[0] if context.args else ""
        user = update.effective_user
        assert user is not None
        if payload.startswith(INVITE_PREFIX):
            lang = await self._lang(update)
            outcome, relay = await self.relays.accept(user.id, payload)
            if outcome is Invitation.ACCEPTED and relay is not None:
                await _text(update, say("invitation_accepted", lang, name=relay.name))
                menu = relay_menu(lang)
                if user.id in self.staff.user_ids:
                    # Staff trying the relay flow on themselves keep their own commands.
                    menu += self.staff_commands
                try:
                    await context.bot.set_my_commands(menu, scope=BotCommandScopeChat(user.id))
                except TelegramError as error:
                    log.warning("could not set a relay's command menu: %s", error.message)
            else:
                mine = await self._relay(update)
                name = mine.name if mine else ""
                await _text(update, say(INVITATION_TEXTS[outcome], lang, name=name))
            raise ApplicationHandlerStop
        if payload.startswith(LINK_PREFIX):
            # What follows is the relay's own participation: the entry goes aside first.
            await self._leave_entry(update)
            who = await self.residents.participant(user.id)
            lang = self.residents.language(who, user.language_code)
            mine = await self._relay(update)
            if mine is not None and payload == share_payload(mine):
                # A relay trying their own link is not someone it reached.
                await _text(update, say("own_link", lang))
            else:
                who = await self.relays.attribute(who, payload)
            await send_reply(self.residents, update, await self.residents.start(who, lang))
            raise ApplicationHandlerStop
        await self._leave_entry(update)

    async def own(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/reprendre (and /start): a relay goes back to their own participation."""
        await self._leave_entry(update)

    async def _leave_entry(self, update: Update) -> None:
        """Set the entry under way aside, and say so: what comes next is the relay's own."""
        relay = await self._relay(update)
        if relay is not None and await self.entries.leave(relay):
            await _text(update, say("entry_left", await self._lang(update)))
        elif relay is None and (stopped := await self._stopped_entry(update)) is not None:
            await self.entries.leave(stopped)  # already told the entry stopped
            await self._default_menu(update)
        # Not stopped: the resident handlers answer the command as usual.

    async def _stopped_entry(self, update: Update) -> Relay | None:
        """The removed relay the sender was, while their entry stopped by the removal waits
        for them to go back to their own participation (see `Entries.stopped`)."""
        user = update.effective_user
        return None if user is None else await self.entries.stopped(user.id)

    async def _stop_if_removed(self, update: Update) -> None:
        """What a removed relay sends meant for their stopped entry: nothing is stored, not in
        their own answers either, and they are told why and what they can do."""
        if await self._stopped_entry(update) is None:
            return
        if update.callback_query is not None:
            await answer(update.callback_query)
        await _text(update, say("entry_stopped", await self._lang(update)))
        await self._default_menu(update)
        raise ApplicationHandlerStop

    async def _default_menu(self, update: Update) -> None:
        """Take back the chat's own command menu, so the residents' default shows again: for
        a removed relay, told their entry stopped or tapping a relay command of their old menu
        (anyone else's relay command changes nothing they can see). Staff keep theirs
        (bot.telegram.staff). A failure only leaves the stale menu."""
        chat = update.effective_chat
        if chat is None:
            return
        bot, scope = chat.get_bot(), BotCommandScopeChat(chat.id)
        try:
            if staff_here(self.staff, update.effective_user, chat):
                # Their private menu is the staff one, as bot.telegram.staff sets it.
                staff_menu = [*resident_menu("fr"), *self.staff_commands]
                await bot.set_my_commands(staff_menu, scope=scope)
            else:
                await bot.delete_my_commands(scope=scope)
        except TelegramError as error:
            log.warning("could not reset a former relay's command menu: %s", error.message)

    async def _relay_or_stop(self, update: Update) -> Relay | None:
        """The sender's relay; None for anyone else, but a removed relay whose entry stopped
        is told so and the update goes no further (`_stop_if_removed`)."""
        relay = await self._relay(update)
        if relay is None:
            await self._stop_if_removed(update)
        return relay

    async def _entry_or_stop(self, update: Update) -> _InEntry | None:
        """`_in_entry`, and a removed relay's update meant for their stopped entry stopped."""
        found = await self._in_entry(update)
        if found is None:
            await self._stop_if_removed(update)
        return found

    async def my_link(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/monlien: the relay's share link and a print-ready QR code."""
        relay = await self._relay(update)
        if relay is None:
            await self._default_menu(update)
            return  # answered as an unknown command
        lang = await self._lang(update)
        link = deep_link(context.bot.username, share_payload(relay))
        await _text(update, say("my_link", lang, link=link))
        titles = [c.title.get(lang) for c in self.entries.open_consultations()]
        title = " · ".join(titles) or "Parole habitante"
        chat = update.effective_chat
        assert chat is not None
        await chat.send_photo(
            flyer_png(link, title),
            caption=say("qr_caption", lang, title=title, link=link)[:1024],
            filename="qr-code.png",
        )
        raise ApplicationHandlerStop

    async def paper(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/papier: the paper questionnaire of each open consultation, an HTML document to
        open in a browser and print, in the relay's language."""
        relay = await self._relay(update)
        if relay is None:
            await self._default_menu(update)
            return
        lang = await self._lang(update)
        conversations = self.entries.conversations
        privacy = relay_texts.privacy_read_out(conversations.notice.retention_days, lang)
        chat = update.effective_chat
        assert chat is not None
        consultations = self.entries.open_consultations()
        if not consultations:
            await _text(update, say_resident("no_consultation", lang))
        for consultation in consultations:
            form = paper_form(consultation, lang, privacy=privacy, printed=conversations.today())
            await chat.send_document(
                form.encode(),
                filename=file_name(consultation, lang),
                caption=say("paper_caption", lang, title=consultation.title.get(lang))[:1024],
            )
        raise ApplicationHandlerStop

    async def entry(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/saisie: answers for a person met in person, after their consent."""
        relay = await self._relay(update)
        if relay is None:
            await self._default_menu(update)
            return
        await self._offer(update, relay, await self._lang(update))
        raise ApplicationHandlerStop

    async def _offer(self, update: Update, relay: Relay, lang: Lang) -> None:
        """/saisie or "Nouvelle saisie": an unfinished entry (under way or set aside) to resume
        or to replace by a new one; else the consent read-out for a new one."""
        pending = await self.entries.pending(relay)
        if pending is None:
            await self._consent(update, lang)
            return
        # The participant id, so a press after that entry ended resumes nothing else.
        resume = _button(say("entry_resume", lang), "resume", str(pending.participant.id))
        markup = InlineKeyboardMarkup([[resume], [_button(say("entry_next", lang), "new")]])
        key = "entry_pending" if pending.under_way else "entry_set_aside"
        await _text(update, say(key, lang, answered=pending.answered), markup)

    async def _consent(self, update: Update, lang: Lang) -> None:
        """Ask the relay to confirm that the person agrees to answer."""
        consultations = self.entries.open_consultations()
        if not consultations:
            await _text(update, say_resident("no_consultation", lang))
            return
        if len(consultations) == 1:
            rows = [[_button(say("entry_agree", lang), "agree", consultations[0].id)]]
            welcome = consultations[0].welcome.get(lang)
        else:
            rows = [
                [_button(say("entry_agree_for", lang, title=c.title.get(lang)), "agree", c.id)]
                for c in consultations
            ]
            welcome = "\n\n".join(
                f"{c.title.get(lang)}\n{c.welcome.get(lang)}" for c in consultations
            )
        rows.append([_button(say("entry_cancel", lang), "cancel")])
        days = self.entries.conversations.notice.retention_days
        privacy = relay_texts.privacy_read_out(days, lang)
        text = say("entry_consent", lang, welcome=welcome, privacy=privacy)
        await _text(update, text, InlineKeyboardMarkup(rows))

    async def own_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mesdonnees or /oubli from a relay: first what is kept as a relay, which the
        resident's answer that follows (their own participation) does not cover."""
        relay = await self._relay(update)
        if relay is None:
            return
        lang = await self._lang(update)
        await _text(update, say("relay_data", lang, name=relay.name))
        if await self.entries.under_way(relay) is not None:
            await _text(update, say("entry_own_data", lang))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/aide from a relay: the relay's commands and what they do during an entry, then
        the residents' help (not stopped)."""
        relay = await self._relay(update)
        if relay is not None:
            await _text(update, say("relay_help", await self._lang(update)))

    async def back(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/retour during an entry: the entry's back button, typed."""
        await self._typed_button(update, Back)

    async def skip(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/passer during an entry: the entry's skip button, typed."""
        await self._typed_button(update, Skip)

    async def _typed_button(self, update: Update, event: type[Back] | type[Skip]) -> None:
        relay = await self._relay_or_stop(update)
        if relay is None:
            return
        lang = await self._lang(update)
        key = f"tg:{update.update_id}"
        reply = await self.entries.typed_button(relay, lang, event, key)
        if reply is None:
            return  # no entry under way: the relay's own question's button
        await send_reply(self.entries.conversations, update, reply)
        await self._done(update, reply, lang)
        raise ApplicationHandlerStop

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/langue [fr|en] during an entry: the language of the entry's questions (the person
        may read or hear another language than the relay); the relay's own stays."""
        relay = await self._relay_or_stop(update)
        if relay is None:
            return
        wanted = (context.args[0].lower()[:2] if context.args else "") or None
        lang = await self._lang(update)
        switched = await self.entries.set_language(
            relay, lang, "en" if wanted == "en" else "fr" if wanted == "fr" else None
        )
        if switched is None:
            return  # no entry under way: the relay's own language
        new, reply = switched
        # Said to the relay, in the relay's language, instead of the resident's "C'est noté".
        note = say(f"entry_language_{new}", lang)
        await send_reply(self.entries.conversations, update, replace(reply, notes=(note,)))
        raise ApplicationHandlerStop

    async def unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo, sticker, voice note… during an entry: what the bot can read, as for a
        resident (a caption is not an answer, the text alone is)."""
        found = await self._entry_or_stop(update)
        if found is None:
            return
        relay, _, message, chat = found
        lang = await self._lang(update)
        guidance = "caption_not_kept" if message.caption else "unsupported_content"
        said = say_resident(guidance, lang)
        await self._not_an_answer(update, relay, chat, lang, message.caption, said)
        raise ApplicationHandlerStop

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message edited during an entry: never taken as an answer, as for a resident."""
        found = await self._entry_or_stop(update)
        if found is None:
            return
        relay, _, message, chat = found
        lang = await self._lang(update)
        text, said = message.text or message.caption, say_resident("edit_ignored", lang)
        await self._not_an_answer(update, relay, chat, lang, text, said)
        raise ApplicationHandlerStop

    async def forwarded(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A forwarded message during an entry: refused as a resident's is, never the person's
        answer; a disclosure in it gets the numbers to pass on, and no flag (someone else's
        words)."""
        found = await self._in_entry(update)
        if found is None:
            return  # the relay's own participation: the residents' handler refuses it
        await refuse_forward(
            found.chat, self.entries.conversations, found.message, await self._lang(update)
        )
        raise ApplicationHandlerStop

    async def _not_an_answer(
        self, update: Update, relay: Relay, chat: Chat, lang: Lang, text: str | None, why: str
    ) -> None:
        """Something sent during an entry that is not an answer: a disclosure in its `text`
        gets the numbers to pass on and is counted with the entry, not with the relay's own
        participation; the relay then reads `why`."""
        disclosed = await helplines_first(chat, self.entries.conversations, text, lang)
        if disclosed:
            await self.entries.record_flags(relay, disclosed, f"tg:{update.update_id}")
        await chat.send_message(why)

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/bilan: the relay's counts, this week and in total; never an answer."""
        relay = await self._relay(update)
        if relay is None:
            await self._default_menu(update)
            return
        lang = await self._lang(update)
        found = await self.relays.report(relay)
        await _text(update, say("report", lang, name=relay.name, w=found.week, t=found.total))
        raise ApplicationHandlerStop

    # -- messages and buttons ---------------------------------------------------------------

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: the person's answer while an entry is under way.

        As for a resident, a text over the size limit is refused, and so is the one sent right
        after it (the rest of a long paste that Telegram split): neither is stored.
        """
        found = await self._entry_or_stop(update)
        if found is None:
            return
        relay, person, message, chat = found
        assert message.text is not None
        lang = await self._lang(update)
        refusal = self.capped.refusal(chat.id, message.text, message.date.timestamp(), lang)
        if refusal is not None:
            await self._not_an_answer(update, relay, chat, lang, message.text, refusal)
            raise ApplicationHandlerStop
        # As for a resident, a typed choice is recapped like a tap; a free text is not.
        conversations = self.entries.conversations
        assert person.current_session_id is not None  # under way: the entry has its session
        session = await conversations.store.session(person.current_session_id)
        free_text = at_free_text(conversations, session)
        reply = await self.entries.type_text(relay, lang, message.text, f"tg:{update.update_id}")
        await send_reply(conversations, update, reply, recap=None if free_text else reply.recap)
        await self._done(update, reply, lang)
        raise ApplicationHandlerStop

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A relay button, or a button of the entry under way."""
        query = update.callback_query
        assert query is not None
        if query.message is None or query.message.chat.type != ChatType.PRIVATE:
            return
        data = query.data or ""
        relay = await self._relay_or_stop(update)
        if relay is None:
            return  # not a relay: the resident handlers take it
        lang = await self._lang(update)
        key = f"tg:{update.update_id}"
        if data.startswith(DATA_PREFIX):
            await self._relay_button(update, relay, lang, data.removeprefix(DATA_PREFIX), key)
            raise ApplicationHandlerStop
        unpacked = unpack(data)
        if unpacked is None:
            return  # another feature's button (/oubli's confirmation…)
        scope, event = unpacked
        kind = EntrySession.NOT_AN_ENTRY
        if scope.startswith("s") and scope[1:].isdigit():
            kind = await self.entries.session_kind(relay, int(scope[1:]))
        if kind is EntrySession.UNDER_WAY:
            reply = await self.entries.press(relay, lang, scope, event, key)
            await answer_button(self.entries.conversations, update, query, reply)
            await self._done(update, reply, lang)
        elif kind is EntrySession.SET_ASIDE:
            # Its keyboard stays: resuming the entry shows its question anew and closes it.
            await answer(query, say("entry_button_set_aside", lang))
        elif kind is EntrySession.OVER:
            await answer(query, say("entry_button_over", lang))
            await close_buttons(query)
        elif await self.entries.under_way(relay) is not None:
            # A button of the relay's own participation (a question scrolled up to, their
            # welcome): the person's answer must not land there.
            await answer(query, say("entry_button_own", lang))
        else:
            return  # the relay's own participation: the resident handlers take it
        raise ApplicationHandlerStop

    async def _relay_button(
        self, update: Update, relay: Relay, lang: Lang, action: str, key: str
    ) -> None:
        query = update.callback_query
        assert query is not None
        await answer(query)
        await self._relay_action(update, relay, lang, action, key)
        # Closed once what the press did is stored and shown: the close is an edit, which
        # lets Telegram forget the press (bot.telegram.confirmation), and a crash before the
        # commit must leave the buttons to press again.
        await close_buttons(query)

    async def _relay_action(
        self, update: Update, relay: Relay, lang: Lang, action: str, key: str
    ) -> None:
        kind, _, argument = action.partition("|")
        if kind == "agree":
            reply = await self.entries.begin(relay, lang, argument, key)
            if reply is None:
                await _text(update, say_resident("no_consultation", lang))
                return
            await _text(update, say("entry_started", lang))
            await send_reply(self.entries.conversations, update, reply)
        elif kind == "cancel":
            await _text(update, say("entry_cancelled", lang))
            if await self.entries.pending(relay) is not None:
                await _text(update, say("entry_still_set_aside", lang))
        elif kind == "next":
            await self._offer(update, relay, lang)
        elif kind == "resume" and (entry_id := parse_id(argument)) is not None:
            reply = await self.entries.take_up(relay, lang, entry_id)
            if reply is None:
                await _text(update, say("entry_gone", lang))
                await self._offer(update, relay, lang)
                return
            await _text(update, say("entry_resumed", lang))
            await send_reply(self.entries.conversations, update, reply)
        elif kind == "new":
            # The consent comes first: the entry under way only goes aside, and is abandoned
            # once the new person agrees (a cancel keeps it, to resume).
            await self.entries.leave(relay)
            await self._consent(update, lang)
        elif kind == "finish":
            user = update.effective_user
            assert user is not None
            own = await self.residents.participant(user.id)
            under_way = await self.residents.under_way(own)
            await _text(
                update, say("entry_finished_resume" if under_way else "entry_finished_start", lang)
            )

    async def _done(self, update: Update, reply: Reply, lang: Lang) -> None:
        """After the last answer of an entry (its screen says it is saved): what next."""
        if not reply.screen.final:
            return
        markup = InlineKeyboardMarkup(
            [
                [
                    _button(say("entry_next", lang), "next"),
                    _button(say("entry_finish", lang), "finish"),
                ]
            ]
        )
        await _text(update, say("entry_what_next", lang), markup)


class StaffRelayHandlers:
    """Staff's relay commands: create (with an invitation), list, remove."""

    def __init__(self, relays: Relays) -> None:
        self.relays = relays

    async def create(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/relais_nouveau NOM: a relay and their single-use invitation link."""
        name = " ".join(context.args or [])
        try:
            new = await self.relays.invite(name)
        except BadName as error:
            key = "relay_name_too_long" if error.too_long else "relay_new_usage"
            await _text(update, say(key, "fr", max=MAX_NAME))
            return
        link = deep_link(context.bot.username, new.payload)
        await _text(
            update,
            say(
                "relay_created",
                "fr",
                name=new.relay.name,
                id=new.relay.id,
                date=self.relays.local_date(new.expires_at),
                link=link,
            ),
        )

    async def list(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/relais: every relay with their counts."""
        summaries = await self.relays.summaries()
        if not summaries:
            await _text(update, say("relay_list_empty", "fr"))
            return
        await _text(update, "\n".join([say("relay_list_title", "fr"), *relay_lines(summaries)]))

    async def remove(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/relais_retirer N: the relay loses their rights at once."""
        args = context.args or []
        if len(args) != 1 or not args[0].isdigit():
            await _text(update, say("relay_remove_usage", "fr"))
            return
        relay = await self.relays.remove(int(args[0]))
        if relay is None:
            await _text(update, say("relay_unknown", "fr", id=args[0]))
            return
        await _text(update, say("relay_removed", "fr", name=relay.name, id=relay.id))


def relay_lines(summaries: Sequence[tuple[Relay, RelayCounts]], lang: Lang = "fr") -> list[str]:
    """One line per relay: number, name, state, counts."""
    colon = f"{NNBSP}: " if lang == "fr" else ": "
    lines = []
    for relay, counts in summaries:
        state = ""
        if not relay.active:
            state = f" ({say('relay_inactive', lang)})"
        elif not relay.joined:
            state = f" ({say('relay_pending', lang)})"
        lines.append(
            f"{relay.id}. {relay.name}{state}{colon}{counts.reached} / {counts.completed} / "
            f"{counts.assisted} / {counts.paper}"
        )
    return lines


def register_staff(application: TelegramApp, relays: Relays, staff: StaffSettings) -> None:
    """Add staff's relay commands; call before the resident handlers (like bot.telegram.staff)."""
    h = StaffRelayHandlers(relays)
    allowed = filters.UpdateType.MESSAGE & StaffOnly(staff)
    application.add_handlers(
        [
            CommandHandler("relais", h.list, filters=allowed),
            CommandHandler("relais_nouveau", h.create, filters=allowed),
            CommandHandler("relais_retirer", h.remove, filters=allowed),
        ]
    )


class _MayBeRelay(filters.UpdateFilter):
    """Lets through updates whose sender may be a relay (see `Relays.may_be_relay`)."""

    def __init__(self, relays: Relays) -> None:
        super().__init__(name="MayBeRelay")
        self.relays = relays

    def filter(self, update: Update) -> bool:
        """Whether the relay handlers should look at `update`."""
        user = update.effective_user
        return user is not None and self.relays.may_be_relay(user.id)


def register(
    application: TelegramApp,
    relays: Relays,
    entries: Entries,
    residents: Conversations,
    *,
    staff: StaffSettings,
    staff_commands: Sequence[BotCommand] = (),
    max_text_length: int = 2000,
) -> None:
    """Add the relay handlers, in a group that runs before the residents'.

    Invitations (/start i_…), relays' links (/start r_…) and the relay commands come from
    anyone (a relay command from a removed relay, known here or not, resets their menu); the
    other handlers only see senders who may be relays, so a resident's typed answer or press
    does not wait for a relay check.
    """
    h = RelayHandlers(
        relays,
        entries,
        residents,
        staff=staff,
        staff_commands=staff_commands,
        max_text_length=max_text_length,
    )
    relay_only = PRIVATE & _MayBeRelay(relays)
    application.add_handlers(
        [
            CommandHandler("start", h.start, filters=PRIVATE),
            CommandHandler("reprendre", h.own, filters=relay_only),
            CommandHandler(["passer", "skip"], h.skip, filters=relay_only),
            CommandHandler(["retour", "back"], h.back, filters=relay_only),
            CommandHandler(["langue", "language"], h.language, filters=relay_only),
            CommandHandler(["aide", "help"], h.help, filters=relay_only),
            CommandHandler("monlien", h.my_link, filters=PRIVATE),
            CommandHandler("saisie", h.entry, filters=PRIVATE),
            CommandHandler("bilan", h.report, filters=PRIVATE),
            CommandHandler("papier", h.paper, filters=PRIVATE),
            CommandHandler(
                ["mesdonnees", "mydata", "oubli", "forget"], h.own_data, filters=relay_only
            ),
            # First: a forwarded message is never the person's answer, whatever it holds.
            MessageHandler(relay_only & filters.FORWARDED, h.forwarded),
            MessageHandler(relay_only & filters.TEXT & ~filters.COMMAND, h.text),
            MessageHandler(relay_only & ~filters.TEXT, h.unsupported),
            MessageHandler(PRIVATE_EDITS & _MayBeRelay(relays), h.edited),
            GuardedButtons(h.button, lambda query: relays.may_be_relay(query.from_user.id)),
        ],
        group=GROUP,
    )
