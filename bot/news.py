"""Follow-up news ("vous avez dit, nous avons fait"), over any transport.

Staff write plain text in French, and may add an English version after a line starting with
"EN:" (`read`); each resident who asked for news gets the version in their language (the
French one when there is no English version, or no language stored) with a footer in their
own language saying how to stop (`/stop`). The text is escaped for Telegram HTML, so what
staff typed is shown as typed. Sending is injected (`Deliver`: Telegram's rate-limited
broadcast in `parole run` and `parole news --send`), so this module loads no Telegram code.

A chat that refuses for good loses its contact: "Forbidden" (the resident blocked the bot or
deleted their account) always; "BadRequest" (chat not found) only when the same version
reached someone, since a message refused for its own content fails for every chat alike and
must not cost anyone their contact. Other failures (network, time-outs) keep the contact.

Who received which text is recorded (`storage.news`): sending the same text again reaches
only the residents it has not reached yet (a send stopped by an outage or a restart is
finished that way), while a changed text is a new message for everyone who gets it. The text
that counts is the one a resident gets: adding or changing the English version sends it
again to the residents who chose English, and to nobody else. One send at a time runs
against a database, whichever process starts it (the bot's /nouvelles or `parole news
--send`): a second one is refused with `SendInProgress` rather than reaching residents twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final, Protocol, TypeVar

from bot.conversation import Clock, utc_now
from bot.news_texts import say
from bot.privacy import Privacy, Recipient
from flows.limits import MESSAGE_UNITS, telegram_length
from flows.model import LANGS, Lang
from storage.news import NewsStore
from storage.privacy import KeptContact, PrivacyStore

log = logging.getLogger(__name__)

SEPARATOR: Final = "\n\n"
BLOCKED: Final = "Forbidden"
NOT_FOUND: Final = "BadRequest"
# Chats per `deliver` call. Who received the news is recorded after each chunk, so a crash
# or a restart mid-send loses the record of one chunk at most (those residents would get
# the text twice if it is sent again); smaller chunks would only mean more writes.
CHUNK: Final = 200
# How long a send's claim lasts without being renewed (it is, after every chunk): a process
# that died mid-send blocks the next send for this long at most. A chunk takes seconds, or
# as long as Telegram's 429s ask, which stay well under this.
LEASE: Final = dt.timedelta(minutes=10)
# The line that starts the English version: "EN:" at its start, in any case, with any spaces
# ("EN :" as French typography has it, "En:" as a phone capitalises it).
_ENGLISH: Final = re.compile(r"^[^\S\n]*EN[^\S\n]*:", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class News:
    """What staff send: the French text, and an English one for the residents who chose
    English (without it, they get the French text)."""

    fr: str
    en: str | None = None

    def text(self, lang: Lang) -> str:
        """The text the residents reading `lang` get."""
        return self.en if lang == "en" and self.en is not None else self.fr


class BadNews(ValueError):
    """What staff wrote cannot be sent: `key` names why in `bot.news_texts`."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, lang: Lang) -> str:
        """Why, for staff."""
        return say(self.key, lang, **self.values)


def read(typed: str, english: str | None = None) -> News:
    """The news in what staff typed: the French text, then the English one after a line
    starting with "EN:" (or given apart as `english`, from the command line)."""
    found = _ENGLISH.search(typed)
    french = typed
    if found is not None:
        if english is not None:
            raise BadNews("two_english")
        french, english = typed[: found.start()], typed[found.end() :]
    if not french.strip():
        raise BadNews("empty" if english is None or not english.strip() else "no_french")
    if english is not None and not english.strip():
        raise BadNews("empty_english")
    message = News(french.strip(), None if english is None else english.strip())
    for version, key in ((message.fr, "too_long"), (message.en, "too_long_en")):
        if version is not None and length(version) > max_length():
            raise BadNews(key, n=length(version), max=max_length())
    return message


class SendInProgress(Exception):
    """Another send of news is under way on this database (or stopped without a word less
    than `LEASE` ago): nothing was sent."""


class Delivery(Protocol):
    """What a send reports: the chats reached, and each failed chat's error type."""

    @property
    def delivered(self) -> Sequence[int]:
        """Chats that received the message."""

    @property
    def failed(self) -> Mapping[int, str]:
        """Chat id -> the error's type name ("Forbidden", "BadRequest", "NetworkError"...)."""


# Sends one HTML message to each chat (see bot.telegram.broadcast.broadcast).
Deliver = Callable[[list[int], str], Awaitable[Delivery]]


class NewsRecords(PrivacyStore, NewsStore, Protocol):
    """The store as a preview reads it: the contacts, and who received which news."""


@dataclass(frozen=True)
class NewsReport:
    """How a send went, in counts only."""

    delivered: int
    failed: int
    dropped: int  # contacts removed: their chat refuses for good (counted in `failed`)
    unreadable: int  # contacts not sealed with this secret (not tried, not counted above)
    already: int  # residents who had received this very text before (not sent again)


@dataclass(frozen=True)
class Audience:
    """Who a send would reach now, per language, and who already received the text."""

    langs: Counter[Lang]
    already: int

    @property
    def total(self) -> int:
        """Residents a send would reach now."""
        return sum(self.langs.values())


def footer(lang: Lang) -> str:
    """What ends every news message: why the resident gets it, and how to stop."""
    return say("footer", lang)


def plain(text: str, lang: Lang) -> str:
    """The news as a resident reads it: the text, then the footer in their language."""
    return f"{text.strip()}{SEPARATOR}{footer(lang)}"


def html(text: str, lang: Lang) -> str:
    """`plain` as Telegram HTML: the staff's text escaped, the footer in italics."""
    end = escape(footer(lang), quote=False)
    return f"{escape(text.strip(), quote=False)}{SEPARATOR}<i>{end}</i>"


def max_length() -> int:
    """The longest text that fits one message with any language's footer."""
    footers = max(telegram_length(footer(lang)) for lang in LANGS)
    return MESSAGE_UNITS - telegram_length(SEPARATOR) - footers


def length(text: str) -> int:
    """The length of `text` as Telegram counts it."""
    return telegram_length(text.strip())


async def audience(store: NewsRecords, message: News) -> Audience:
    """Who asked for news and has not received their language's text yet, per language
    (French when none is stored); a preview reads it without recording anything."""
    by_lang: dict[Lang, list[KeptContact]] = {}
    for kept in await store.contacts():
        by_lang.setdefault(kept.lang or "fr", []).append(kept)
    waiting: Counter[Lang] = Counter()
    already = 0
    for lang, contacts in by_lang.items():
        news_id = await store.find_news(message.text(lang))
        reached = set() if news_id is None else await store.delivered(news_id)
        left, done = _not_reached(contacts, reached)
        waiting[lang] = len(left)
        already += done
    return Audience(waiting, already)


async def send(
    privacy: Privacy,
    store: NewsStore,
    message: News,
    deliver: Deliver,
    *,
    clock: Clock = utc_now,
) -> NewsReport:
    """Send `message` to every resident who asked for news and has not received their
    language's text yet, a chunk at a time, recording each chunk's deliveries; drop the chats
    that refuse for good."""
    sending = _Sending(store, deliver, clock, secrets.token_hex(8))
    if not await sending.claim():
        raise SendInProgress
    try:
        return await _send(privacy, message, sending)
    finally:
        await store.end_lease(sending.holder)


@dataclass(frozen=True)
class _Sending:
    """One send under way: where it records, how it delivers, and its claim."""

    store: NewsStore
    deliver: Deliver
    clock: Clock
    holder: str

    async def claim(self) -> bool:
        """Take or renew the claim on sending; False if another send holds it."""
        now = self.clock()
        return await self.store.take_lease(self.holder, now, now + LEASE)

    async def version(
        self, news_id: int, body: str, waiting: Sequence[Recipient]
    ) -> tuple[int, dict[int, str]]:
        """Send one version a chunk at a time, recording each chunk's deliveries and renewing
        the claim: how many received it, and each failed participant's error type."""
        chats = {recipient.chat_id: recipient.participant_id for recipient in waiting}
        order = list(chats)
        delivered = 0
        failed: dict[int, str] = {}
        for start in range(0, len(order), CHUNK):
            outcome = await self.deliver(order[start : start + CHUNK], body)
            reached = (chats[chat] for chat in outcome.delivered)
            await self.store.record_deliveries(news_id, reached, self.clock())
            delivered += len(outcome.delivered)
            failed |= {chats[chat]: reason for chat, reason in outcome.failed.items()}
            if not await self.claim():
                # Expired and taken over: the other send now reaches whoever is left.
                raise SendInProgress
        return delivered, failed


async def _send(privacy: Privacy, message: News, sending: _Sending) -> NewsReport:
    recipients = await privacy.recipients()
    by_lang: dict[Lang, list[Recipient]] = {}
    for recipient in recipients.readable:
        by_lang.setdefault(recipient.lang, []).append(recipient)
    delivered = already = failed = 0
    refusing: list[int] = []  # participants whose chat refuses for good
    for lang, group in by_lang.items():
        text = message.text(lang)
        # Read under the claim: a send that ran just before has recorded all it reached.
        news_id = await sending.store.news_item(text, sending.clock())
        waiting, done = _not_reached(group, await sending.store.delivered(news_id))
        already += done
        reached, failures = await sending.version(news_id, html(text, lang), waiting)
        delivered += reached
        failed += len(failures)
        # Judged per version: a version refused for its own content fails in every chat.
        refused = {BLOCKED, NOT_FOUND} if reached else {BLOCKED}
        refusing += [pid for pid, reason in failures.items() if reason in refused]
    dropped = 0
    for participant_id in refusing:
        if await privacy.drop_contact(participant_id):
            dropped += 1
    report = NewsReport(delivered, failed, dropped, recipients.unreadable, already)
    # Counts only: no chat, no resident, not the text.
    log.info(
        "news: %d delivered, %d failed, %d contact(s) dropped, %d unreadable, %d already received",
        report.delivered,
        report.failed,
        report.dropped,
        report.unreadable,
        report.already,
    )
    return report


class _Resident(Protocol):
    @property
    def participant_id(self) -> int: ...


R = TypeVar("R", bound=_Resident)


def _not_reached(residents: Sequence[R], reached: set[int]) -> tuple[list[R], int]:
    """The residents a send still has to reach, and how many it already has."""
    waiting = [resident for resident in residents if resident.participant_id not in reached]
    return waiting, len(residents) - len(waiting)


def report_text(report: NewsReport, lang: Lang = "fr") -> str:
    """The report for staff, in counts."""
    lines = [say("report", lang, delivered=report.delivered, failed=report.failed)]
    if report.dropped:
        lines.append(say("report_dropped", lang, n=report.dropped))
    if report.unreadable:
        lines.append(say("report_unreadable", lang, n=report.unreadable))
    if report.already:
        lines.append(say("report_already", lang, n=report.already))
    return "\n".join(lines)


def busy_text(lang: Lang) -> str:
    """What staff read when another send holds the claim."""
    return say("busy", lang, minutes=int(LEASE.total_seconds() // 60))


def already_text(count: int, lang: Lang) -> str:
    """What a preview says of the residents who already received the text ("" if none)."""
    if not count:
        return ""
    return say("already_one", lang) if count == 1 else say("already_many", lang, n=count)
