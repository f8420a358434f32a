"""The one storage interface the rest of the code depends on, and the records it returns.

Every timestamp is an aware `datetime` in UTC. Nothing here holds a Telegram id, a name or a
username: participants are known by a pseudonym (a keyed hash computed by the caller).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from flows.model import Lang
from flows.state import Answer, SessionState


class Channel(StrEnum):
    """How answers reached us."""

    TELEGRAM = "telegram"
    CONSOLE = "console"
    ASSISTED = "assisted"
    PAPER = "paper"


class Status(StrEnum):
    """Where a session stands, as staff see it."""

    ACTIVE = "active"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Participant:
    """A pseudonymous resident."""

    id: int
    lang: Lang | None
    current_session_id: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class StoredSession:
    """One resident's run through one consultation."""

    id: int
    participant_id: int
    consultation_id: str
    channel: Channel
    status: Status
    state: SessionState
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    screen: str | None = None  # the transport's reference to the message showing it


@dataclass(frozen=True)
class Turn:
    """Everything one handled event changes, committed together or not at all.

    `session_id` None creates the session. `saved` answers are inserted or replaced (one row
    per step per session), `removed` ones deleted. `update_key` makes the turn idempotent:
    a second turn with the same key changes nothing. When `make_current` is set the session
    becomes the participant's current one.
    """

    participant_id: int
    consultation_id: str
    channel: Channel
    state: SessionState
    status: Status
    now: dt.datetime
    session_id: int | None = None
    saved: Mapping[str, Answer] = field(default_factory=dict)
    removed: Sequence[str] = ()
    update_key: str | None = None
    make_current: bool = True


@dataclass(frozen=True)
class ExportedSession:
    """A session as exported: pseudonymous, answers by step id."""

    session_id: int
    participant_id: int
    consultation_id: str
    channel: Channel
    status: Status
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    answers: dict[str, Answer]


class DuplicateUpdate(Exception):
    """The turn's `update_key` was already committed: the event was handled before."""


class Store(Protocol):
    """Async persistence for participants, sessions and answers."""

    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    async def close(self) -> None:
        """Finish pending writes and disconnect."""

    async def participant(self, pseudonym: str, now: dt.datetime) -> Participant:
        """The participant with this pseudonym, created on first sight."""

    async def set_language(self, participant_id: int, lang: Lang) -> None:
        """Remember the participant's language."""

    async def set_current(self, participant_id: int, session_id: int | None) -> None:
        """Make `session_id` the participant's current session (None: no current session)."""

    async def session(self, session_id: int) -> StoredSession | None:
        """A session by id."""

    async def latest_session(
        self, participant_id: int, consultation_id: str
    ) -> StoredSession | None:
        """The participant's most recently updated session of a consultation."""

    async def set_screen(self, session_id: int, screen: str | None) -> None:
        """Remember which message shows the session's current screen."""

    async def seen(self, update_key: str) -> bool:
        """Whether a turn with this key was committed."""

    async def commit(self, turn: Turn) -> int:
        """Commit `turn` durably and return the session id; raise `DuplicateUpdate` if seen."""

    def export(self, consultation_id: str | None = None) -> AsyncIterator[ExportedSession]:
        """Every session (of one consultation, if given), oldest first, with its answers."""
        ...
