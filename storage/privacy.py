"""The privacy side of storage: what a resident can see and erase, retention, flags, contacts.

`PrivacyStore` is implemented by `SqliteStore` (see `storage.sqlite_privacy`). Like the rest of
storage it holds no Telegram id: a follow-up contact is stored sealed by the caller (see
`bot.privacy.seal`), and flags are counts without any text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flows.model import Lang
from flows.state import Answer
from storage.base import Channel, Flag, Participant, Status


@dataclass(frozen=True)
class StoredAnswer:
    """One answer as stored, with its dates."""

    step_id: str
    answer: Answer
    created_at: dt.datetime
    updated_at: dt.datetime
    hidden_at: dt.datetime | None = None  # when staff hid its text from digests and exports


@dataclass(frozen=True)
class SessionData:
    """One of the resident's sessions, with its answers and how many flags it raised."""

    id: int
    consultation_id: str
    channel: Channel
    status: Status
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    answers: list[StoredAnswer] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # categories, one per flag
    # Messages that raised them: one message can raise several categories.
    flagged_messages: int = 0


@dataclass(frozen=True)
class ParticipantData:
    """Everything stored about one participant (their right of access)."""

    participant: Participant
    sessions: list[SessionData]
    contact: bool  # a sealed chat id is kept for follow-up news
    contact_since: dt.datetime | None = None
    news_received: int = 0  # follow-up news recorded as delivered to them
    relay_since: dt.datetime | None = None  # when they came through a relay's link


@dataclass(frozen=True)
class Erased:
    """What an erasure removed."""

    sessions: int
    answers: int
    flags: int
    contact: bool


@dataclass(frozen=True)
class KeptContact:
    """A follow-up contact as stored: the sealed chat id and the resident's language."""

    participant_id: int
    chat: str  # sealed (see `bot.privacy.seal`)
    lang: Lang | None


@dataclass(frozen=True)
class PurgePlan:
    """What retention removes: everything older than these instants (aware, UTC)."""

    sessions_before: dt.datetime  # sessions last active before (with answers and flags)
    contacts_before: dt.datetime  # follow-up contacts, and news deliveries, recorded before
    processed_before: dt.datetime  # update keys kept against repeated deliveries


@dataclass(frozen=True)
class Purged:
    """How many rows a purge removed."""

    sessions: int = 0
    answers: int = 0
    flags: int = 0
    participants: int = 0
    contacts: int = 0
    processed: int = 0
    deliveries: int = 0  # records of follow-up news received


class PrivacyStore(Protocol):
    """Access, erasure, retention, safeguarding flags and follow-up contacts."""

    async def find_participant(self, pseudonym: str) -> Participant | None:
        """The participant with this pseudonym, if stored (never creates one)."""

    async def discard_if_unused(self, participant_id: int) -> bool:
        """Delete the participant if nothing else is stored about them (no session, contact)."""

    async def add_flags(
        self,
        flags: Sequence[Flag],
        consultation_id: str | None,
        session_id: int | None,
        now: dt.datetime,
        update_key: str | None = None,
    ) -> bool:
        """Store flags outside a turn; False (nothing stored) if `update_key` was seen."""

    async def participant_data(self, participant_id: int) -> ParticipantData | None:
        """Everything stored about a participant, in one consistent read."""

    async def forget(self, participant_id: int) -> Erased | None:
        """Erase a participant with their sessions, answers, flags and contact (None: unknown)."""

    async def set_contact(self, participant_id: int, sealed: str, now: dt.datetime) -> None:
        """Keep a sealed chat id for follow-up news."""

    async def contact(self, participant_id: int) -> str | None:
        """The sealed chat id kept for a participant, if any."""

    async def drop_contact(self, participant_id: int) -> bool:
        """Forget a participant's chat id; True if there was one."""

    async def contacts(self) -> list[KeptContact]:
        """Every follow-up contact kept, by participant id (a scan: off the event loop)."""

    async def purge(self, plan: PurgePlan) -> Purged:
        """Delete what retention no longer allows, in one transaction."""
