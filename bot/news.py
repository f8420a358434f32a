"""Follow-up news ("vous avez dit, nous avons fait"), over any transport.

Staff write plain text; each resident who asked for news gets it with a footer in their own
language saying how to stop (`/stop`). The text is escaped for Telegram HTML, so what staff
typed is shown as typed. Sending is injected (`Deliver`: Telegram's rate-limited broadcast in
`parole run` and `parole news --send`), so this module loads no Telegram code.

A chat that refuses for good loses its contact: "Forbidden" (the resident blocked the bot or
deleted their account) always; "BadRequest" (chat not found) only when the same send reached
someone, since a message refused for its own content fails for every chat alike and must not
cost anyone their contact. Other failures (network, time-outs) keep the contact.

Who received which text is recorded (`storage.news`): sending the same text again reaches
only the residents it has not reached yet (a send stopped by an outage or a restart is
finished that way), while a changed text is a new message for everyone. One send at a time
runs against a database, whichever process starts it (the bot's /nouvelles or `parole news
--send`): a second one is refused with `SendInProgress` rather than reaching residents twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final, Protocol, TypeVar

from bot.conversation import Clock, utc_now
from bot.news_texts import say
from bot.privacy import Privacy
from flows.model import LANGS, Lang
from storage.news import NewsStore
from storage.privacy import PrivacyStore

log = logging.getLogger(__name__)

MESSAGE_LIMIT: Final = 4096  # Telegram's, in UTF-16 code units of the text as displayed
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
    footers = max(_units(footer(lang)) for lang in LANGS)
    return MESSAGE_LIMIT - _units(SEPARATOR) - footers


def length(text: str) -> int:
    """The length of `text` as Telegram counts it."""
    return _units(text.strip())


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def audience(store: NewsRecords, text: str) -> Audience:
    """Who asked for news and has not received `text` yet, per language (French when none
    is stored); a preview reads it without recording anything."""
    news_id = await store.find_news(text)
    reached = set() if news_id is None else await store.delivered(news_id)
    waiting, already = _not_reached(await store.contacts(), reached)
    return Audience(Counter(kept.lang or "fr" for kept in waiting), already)


async def send(
    privacy: Privacy,
    store: NewsStore,
    text: str,
    deliver: Deliver,
    *,
    clock: Clock = utc_now,
) -> NewsReport:
    """Send `text` to every resident who asked for news and has not received it yet, a chunk
    at a time, recording each chunk's deliveries; drop the chats that refuse for good."""
    holder = secrets.token_hex(8)
    if not await _claim(store, holder, clock):
        raise SendInProgress
    try:
        return await _send(privacy, store, text, deliver, clock, holder)
    finally:
        await store.end_lease(holder)


async def _claim(store: NewsStore, holder: str, clock: Clock) -> bool:
    now = clock()
    return await store.take_lease(holder, now, now + LEASE)


async def _send(
    privacy: Privacy, store: NewsStore, text: str, deliver: Deliver, clock: Clock, holder: str
) -> NewsReport:
    # Read under the claim: a send that ran just before has recorded all it reached.
    news_id = await store.news_item(text, clock())
    reached = await store.delivered(news_id)
    recipients = await privacy.recipients()
    waiting, already = _not_reached(recipients.readable, reached)
    by_lang: dict[Lang, dict[int, int]] = {}  # language -> chat id -> participant id
    for recipient in waiting:
        by_lang.setdefault(recipient.lang, {})[recipient.chat_id] = recipient.participant_id
    delivered = 0
    failed: dict[int, str] = {}  # participant id -> error type
    for lang, chats in by_lang.items():
        message = html(text, lang)
        order = list(chats)
        for start in range(0, len(order), CHUNK):
            outcome = await deliver(order[start : start + CHUNK], message)
            await store.record_deliveries(
                news_id, (chats[chat] for chat in outcome.delivered), clock()
            )
            delivered += len(outcome.delivered)
            failed |= {chats[chat]: reason for chat, reason in outcome.failed.items()}
            if not await _claim(store, holder, clock):
                # Expired and taken over: the other send now reaches whoever is left.
                raise SendInProgress
    refused = {BLOCKED, NOT_FOUND} if delivered else {BLOCKED}
    dropped = 0
    for participant_id, reason in failed.items():
        if reason in refused and await privacy.drop_contact(participant_id):
            dropped += 1
    report = NewsReport(delivered, len(failed), dropped, recipients.unreadable, already)
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
