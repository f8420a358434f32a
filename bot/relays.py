"""Relay use cases, shared by Telegram and the command line: invitations, links, entries.

Deep-link payloads (Telegram allows 64 characters of [A-Za-z0-9_-] after `?start=`):
`i_<token>` is a single-use invitation (only the token's SHA-256 is stored) and `r_<code>` a
relay's share link. Neither can be mistaken for a consultation id, which has no "_".

A relay's Telegram account is known by `pseudonym(secret, "relay", account id)`: another
channel string than the resident pseudonym of the same account, so the two never collide
and a relay keeps their own resident participation.

Assisted entry: the relay confirms that the person met agrees; a fresh anonymous participant
(a random pseudonym, never derived from the relay) is created with the relay's attribution
and becomes the relay's "entry" in the database; the person's session runs on a
`Conversations` of channel `assisted`, which does not ask the follow-up question (news can
only reach a chat, and the person has none). While an entry is under way, the relay's typed
messages and /passer, /retour, /langue go to it, and so do its buttons; the relay's own
participation is left alone until the relay goes back to it (/start, /reprendre), which sets
the entry aside. At its end the relay is told the entry is saved, instead of the resident's
thanks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot import relay_texts
from bot.conversation import Clock, Conversations, Newcomer, Reply, utc_now
from bot.pseudonym import pseudonym
from digest.layout import clean_text
from flows.events import Accept, Back, Event, Skip
from flows.model import Consultation, Lang
from flows.safeguarding import Category
from flows.screen import Screen
from storage.base import Channel, Participant, Status, Store, StoredSession
from storage.relays import Invitation, Relay, RelayCounts, RelayStore

INVITE_PREFIX: Final = "i_"
LINK_PREFIX: Final = "r_"
RELAY_CHANNEL: Final = "relay"  # the pseudonym channel of relay accounts
PAYLOAD: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAME: Final = 60


class RelayStorage(Store, RelayStore, Protocol):
    """What relays need from storage: participants and sessions, and relays."""


def token_hash(token: str) -> str:
    """What is stored of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot with `/start <payload>`."""
    if not PAYLOAD.fullmatch(payload):
        raise ValueError(f"not a valid start payload: {payload!r}")
    return f"https://t.me/{bot_username}?start={payload}"


def share_payload(relay: Relay) -> str:
    """The payload of a relay's share link."""
    return LINK_PREFIX + relay.code


class BadName(ValueError):
    """A relay name staff gave that cannot be used: empty, or over `MAX_NAME` characters."""

    def __init__(self, *, too_long: bool) -> None:
        super().__init__(
            f"a relay name has {MAX_NAME} characters at most" if too_long else "no relay name"
        )
        self.too_long = too_long


def clean_name(raw: str) -> str:
    """A relay name as given by staff, on one line; `BadName` if empty or too long.

    Controls are dropped: a right-to-left override in a name would turn around the counts
    printed after it in `/relais` and `parole relay list` ("12" read "21")."""
    name = clean_text(raw, len(raw))
    if not name or len(name) > MAX_NAME:
        raise BadName(too_long=bool(name))
    return name


@dataclass(frozen=True)
class NewRelay:
    """A relay just created, with its invitation payload (shown once, never stored)."""

    relay: Relay
    payload: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Report:
    """A relay's counts this week (since Monday, city time) and in total."""

    relay: Relay
    week: RelayCounts
    total: RelayCounts


class Relays:
    """Relay management and the relay's own use cases."""

    def __init__(
        self,
        store: RelayStorage,
        secret: str,
        *,
        clock: Clock = utc_now,
        timezone: str = "Europe/Paris",
        invitation_days: int = 7,
    ) -> None:
        self.store = store
        self._secret = secret
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self.invitation_days = invitation_days
        # Relay pseudonym → relay id, for every account that was a relay since start: see
        # relay_for and removed.
        self._known: dict[str, int] | None = None

    def now(self) -> dt.datetime:
        """The current time, from the injected clock."""
        return self._clock()

    # -- staff ----------------------------------------------------------------------------

    async def invite(self, name: str) -> NewRelay:
        """Create a relay and its single-use invitation, valid `invitation_days`."""
        now = self._clock()
        expires_at = now + dt.timedelta(days=self.invitation_days)
        token = secrets.token_urlsafe(32)  # 43 characters: the payload is 45
        code = secrets.token_urlsafe(6)  # 8 characters
        relay = await self.store.create_relay(
            clean_name(name), code, token_hash(token), now, expires_at
        )
        return NewRelay(relay, INVITE_PREFIX + token, expires_at)

    async def summaries(self) -> list[tuple[Relay, RelayCounts]]:
        """Every relay with its counts in total."""
        counts = await self.store.relay_counts()
        return [(relay, counts.get(relay.id, RelayCounts())) for relay in await self.store.relays()]

    async def remove(self, relay_id: int) -> Relay | None:
        """Deactivate a relay at once; None if unknown."""
        return await self.store.deactivate_relay(relay_id, self._clock())

    def local_date(self, moment: dt.datetime) -> str:
        """A day as staff read it (dd/mm/yyyy, city time)."""
        return moment.astimezone(self._zone).strftime("%d/%m/%Y")

    # -- accounts -------------------------------------------------------------------------

    def pseudonym(self, account_id: int | str) -> str:
        """The relay pseudonym of an account (never the resident one)."""
        return pseudonym(self._secret, RELAY_CHANNEL, account_id)

    async def accept(self, account_id: int | str, payload: str) -> tuple[Invitation, Relay | None]:
        """Open an invitation link: the account becomes the relay, once."""
        token = payload.removeprefix(INVITE_PREFIX)
        key = self.pseudonym(account_id)
        outcome, relay = await self.store.accept_invitation(token_hash(token), key, self._clock())
        if outcome is Invitation.ACCEPTED and relay is not None:
            (await self._relay_pseudonyms())[key] = relay.id
        return outcome, relay

    async def relay_for(self, account_id: int | str) -> Relay | None:
        """The account's relay, if it is an active one (checked on every use).

        Every update asks, and almost every sender is a resident: accounts that are not
        relays are told apart in memory. Only an invitation opened here makes a relay (see
        `accept`), so that set never misses one; a relay's own updates still read storage,
        so a removal (by staff here or by `parole relay remove`) takes effect at once.
        """
        key = self.pseudonym(account_id)
        if key not in await self._relay_pseudonyms():
            return None
        return await self.store.active_relay(key)

    async def removed(self, account_id: int | str) -> Relay | None:
        """The relay this account was until staff removed it, if this process knew the
        account as that relay, or storage still links them: a removal keeps the pseudonym
        while the entry it stopped waits (see `Entries.stopped`), so a restart changes
        nothing of what the account is told."""
        relay_id = (await self._relay_pseudonyms()).get(self.pseudonym(account_id))
        if relay_id is None:
            return None
        relay = await self.store.relay(relay_id)
        return relay if relay is not None and not relay.active else None

    def may_be_relay(self, account_id: int | str) -> bool:
        """False only for an account known here not to be a relay, without reading storage:
        the relay handlers step aside at once for residents (almost every update)."""
        return self._known is None or self.pseudonym(account_id) in self._known

    async def _relay_pseudonyms(self) -> dict[str, int]:
        """The accounts that are relays, or were since start or have an entry their removal
        stopped, with their latest relay."""
        if self._known is None:
            self._known = await self.store.relay_pseudonyms()
        return self._known

    # -- residents ------------------------------------------------------------------------

    async def attribute(self, resident: Participant, payload: str) -> Participant:
        """A resident opened a relay's link: count them for that relay (first relay only).

        The resident's row is created now if they had none (a `Newcomer`): being reached
        by a relay is counted even before consenting. It holds the pseudonym, the relay and
        the time, never an answer. The resident as stored is returned.
        """
        relay = await self.store.relay_by_code(payload.removeprefix(LINK_PREFIX))
        if relay is None:
            return resident
        if isinstance(resident, Newcomer):
            resident = await self.store.participant(resident.pseudonym, self._clock())
        await self.store.attribute(resident.id, relay.id, self._clock())
        return resident

    # -- relay ----------------------------------------------------------------------------

    def week_start(self) -> dt.datetime:
        """Monday 00:00 of this week, city time, as UTC."""
        today = self._clock().astimezone(self._zone).date()
        monday = today - dt.timedelta(days=today.weekday())
        return dt.datetime.combine(monday, dt.time(), tzinfo=self._zone).astimezone(dt.UTC)

    async def report(self, relay: Relay) -> Report:
        """The relay's counts, this week and in total: numbers only."""
        week = await self.store.relay_counts(self.week_start(), relay.id)
        total = await self.store.relay_counts(None, relay.id)
        return Report(relay, week.get(relay.id, RelayCounts()), total.get(relay.id, RelayCounts()))


class EntrySession(StrEnum):
    """What a session is to a relay's entries (see `Entries.session_kind`)."""

    UNDER_WAY = "under_way"
    SET_ASIDE = "set_aside"
    OVER = "over"  # completed, abandoned, or an entry of a former relay of this account
    NOT_AN_ENTRY = "not_an_entry"  # the relay's own participation, or nothing


@dataclass(frozen=True)
class PendingEntry:
    """An unfinished entry: under way (the relay's chat types in it) or set aside."""

    participant: Participant
    answered: int
    under_way: bool


class Entries:
    """Assisted entries: a relay answers on behalf of a person met in person.

    An entry the relay leaves unfinished (/start, /reprendre) is set aside: /saisie offers to
    resume it or to start a new one, which abandons it (its session stays unfinished). Its
    questions are shown in the relay's language, or in the one chosen for the entry with
    /langue while it runs (`language`).
    """

    def __init__(self, relays: Relays, assisted: Conversations) -> None:
        self.relays = relays
        self.store = relays.store
        self.conversations = assisted

    def open_consultations(self) -> list[Consultation]:
        """The consultations an entry can be made for today."""
        today = self.conversations.today()
        return [
            engine.consultation
            for engine in self.conversations.engines.values()
            if engine.is_open(today)
        ]

    async def entry(self, relay: Relay) -> Participant | None:
        """The anonymous participant of the entry under way, if any."""
        if relay.entry_participant_id is None:
            return None
        return await self.store.participant_by_id(relay.entry_participant_id)

    @staticmethod
    def language(who: Participant, lang: Lang) -> Lang:
        """The entry's language: the one chosen for it, else the relay's (`lang`)."""
        return who.lang or lang

    async def pending(self, relay: Relay) -> PendingEntry | None:
        """The entry under way if it is unfinished, else the latest one set aside."""
        who = await self.under_way(relay)
        under_way = who is not None
        if who is None:
            set_aside = await self.store.set_aside_entries(relay.id)
            who = set_aside[0] if set_aside else None
        if who is None or who.current_session_id is None:
            return None
        session = await self.store.session(who.current_session_id)
        answered = session.state.answered() if session is not None else 0
        return PendingEntry(who, answered, under_way)

    async def take_up(self, relay: Relay, lang: Lang, participant_id: int) -> Reply | None:
        """Resume an unfinished entry (under way or set aside) at its current question;
        None if it is no longer unfinished (completed or abandoned meanwhile)."""
        if relay.entry_participant_id != participant_id and not await self.store.resume_entry(
            relay.id, participant_id
        ):
            return None
        who = await self.store.participant_by_id(participant_id)
        if who is None or await self._unfinished(who) is None:
            return None
        return await self.conversations.resume(who, self.language(who, lang))

    async def begin(
        self, relay: Relay, lang: Lang, consultation_id: str, key: str | None
    ) -> Reply | None:
        """The person agreed: start their session (or show the entry already under way).

        Starting a new entry abandons the one set aside, if any. None if the consultation is
        not open for entries.
        """
        if consultation_id not in {c.id for c in self.open_consultations()}:
            return None
        who = await self.entry(relay)
        if who is None or (
            who.current_session_id is not None and await self._unfinished(who) is None
        ):
            # No entry, or one whose session is over: this person's is a new one. (An entry
            # with no session yet is this one, its consent not stored before a crash.)
            who = await self.store.start_entry(relay.id, self.relays.now())
        lang = self.language(who, lang)
        if who.current_session_id is not None:
            return await self.conversations.resume(who, lang)
        return await self.conversations.press(who, lang, f"c{consultation_id}", Accept(), key)

    async def type_text(self, relay: Relay, lang: Lang, text: str, key: str | None) -> Reply:
        """A message typed during an entry: the person's answer."""
        who = await self.entry(relay)
        assert who is not None, "only called while an entry is under way"
        # The helplines tell the relay what to do: in the relay's language, whatever the
        # entry's.
        disclosed, urgent = self.conversations.safeguard(text, lang)
        reply = await self.conversations.type_text(
            who, self.language(who, lang), text, key, disclosed=disclosed
        )
        return await self._after(relay, lang, replace(reply, urgent=urgent))

    async def session_kind(self, relay: Relay, session_id: int) -> EntrySession:
        """What a session whose button the relay pressed is to the relay's entries."""
        session = await self.store.session(session_id)
        if session is None or session.channel is not Channel.ASSISTED:
            return EntrySession.NOT_AN_ENTRY
        if session.status is Status.ACTIVE:
            if session.participant_id == relay.entry_participant_id:
                return EntrySession.UNDER_WAY
            set_aside = await self.store.set_aside_entries(relay.id)
            if session.participant_id in {who.id for who in set_aside}:
                return EntrySession.SET_ASIDE
        return EntrySession.OVER

    async def press(
        self, relay: Relay, lang: Lang, scope: str, event: Event, key: str | None
    ) -> Reply:
        """A button of the entry's session."""
        who = await self.entry(relay)
        assert who is not None, "only called while an entry is under way"
        reply = await self.conversations.press(who, self.language(who, lang), scope, event, key)
        return await self._after(relay, lang, reply)

    async def typed_button(
        self, relay: Relay, lang: Lang, event: type[Back] | type[Skip], key: str | None
    ) -> Reply | None:
        """/retour or /passer during an entry: the entry's current question's button, as for
        a resident; None if no entry is under way."""
        who = await self.under_way(relay)
        if who is None:
            return None
        where = await self.conversations.resume(who, self.language(who, lang))
        if not where.scope.startswith("s"):
            return where  # no question on screen: shown as it is
        return await self.press(relay, lang, where.scope, event(position=where.position), key)

    async def set_language(
        self, relay: Relay, lang: Lang, wanted: Lang | None
    ) -> tuple[Lang, Reply] | None:
        """/langue during an entry: the entry's questions in `wanted` (None: the other
        language), and its current screen in it; the relay's own language is left alone.
        None if no entry is under way."""
        who = await self.under_way(relay)
        if who is None:
            return None
        current = self.language(who, lang)
        new: Lang = wanted or ("en" if current == "fr" else "fr")
        return new, await self.conversations.set_language(who, new)

    async def record_flags(
        self, relay: Relay, categories: frozenset[Category], key: str | None
    ) -> None:
        """Count a disclosure typed during an entry but not stored (a photo's caption) with
        the entry's session, never the relay's own."""
        who = await self.entry(relay)
        if who is not None:
            await self.conversations.record_flags(who, categories, key)

    async def stopped(self, account_id: int | str) -> Relay | None:
        """The removed relay this account was, if their entry was under way at the removal
        and is still unfinished: its answers so far stay stored, as an unfinished session,
        and nothing more can be added to it. Until the account goes back to its own
        participation (`leave`), what it sends was meant for that entry."""
        relay = await self.relays.removed(account_id)
        if relay is None or await self.under_way(relay) is None:
            return None
        return relay

    async def leave(self, relay: Relay) -> bool:
        """Set the entry under way aside (unfinished, to resume with /saisie); whether
        there was one."""
        if await self.under_way(relay) is None:
            return False
        await self.store.end_entry(relay.id)
        return True

    async def under_way(self, relay: Relay) -> Participant | None:
        """The participant of the entry under way, if it is unfinished; an entry whose session
        is over (or gone) is no longer the relay's entry."""
        who = await self.entry(relay)
        if who is None:
            return None
        if await self._unfinished(who) is None:
            await self.store.end_entry(relay.id)
            return None
        return who

    async def _unfinished(self, who: Participant) -> StoredSession | None:
        """The participant's current session, if it is still under way."""
        if who.current_session_id is None:
            return None
        session = await self.store.session(who.current_session_id)
        return session if session is not None and session.status is Status.ACTIVE else None

    async def _after(self, relay: Relay, lang: Lang, reply: Reply) -> Reply:
        """Once the person's session is over, the relay's chat is theirs again.

        The consultation's thanks speak to a resident in their own chat; the relay is told
        instead, in their own language, that this person's answers are saved.
        """
        if not reply.screen.final:
            return reply
        await self.store.end_entry(relay.id)
        return replace(reply, screen=Screen(title=relay_texts.say("entry_done", lang), final=True))
