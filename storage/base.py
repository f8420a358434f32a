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


# Channels where news cannot reach the person (no chat of their own with the bot: a relay's
# entry, a paper form, the console): their sessions never ask the follow-up question.
NO_FOLLOW_UP_CHANNELS: frozenset[Channel] = frozenset(
    {Channel.ASSISTED, Channel.PAPER, Channel.CONSOLE}
)


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
class Arrival(Participant):
    """A participant as one update finds them: with their current session (None if they
    have none) and whether the update was already processed, read together."""

    update_key: str | None = None
    session: StoredSession | None = None
    seen: bool = False


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
class Flag:
    """A safeguarding flag: a text disclosed violence or danger of this `category`.

    `step_id` names the answer that carried the text (digests and exports never show it);
    None when the text was not stored as an answer (a stray message, a refused text).
    """

    category: str
    step_id: str | None = None


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
    flags: Sequence[Flag] = ()  # stored with the turn, in the same transaction


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


@dataclass(frozen=True)
class SessionTotals:
    """Headline counts of one consultation's sessions over a period (see `ReportStore`)."""

    new_participants: int
    sessions_started: int
    completed: int
    abandoned: int
    # Of the sessions started in the period, those completed by its end: the completion
    # rate's part (`completed` counts any session completed in it, started before or not).
    finished: int = 0


@dataclass(frozen=True)
class StepCount:
    """How many sessions have an answer row (given or skipped) for one step."""

    step_id: str
    sessions: int


@dataclass(frozen=True)
class ProfileCount:
    """How many sessions share a channel and the first code picked at two profile steps."""

    channel: str
    first: str | None  # None: the step was not answered, or skipped
    second: str | None
    sessions: int


@dataclass(frozen=True)
class AnswerCount:
    """How many answers of one step have the same picks, skip flag and text presence."""

    step_id: str
    choices: tuple[str, ...]
    skipped: bool
    has_text: bool
    answers: int


@dataclass(frozen=True)
class RecentText:
    """A text written for a step (a free-text answer or the text of an "Autre")."""

    step_id: str
    text: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class FlagCount:
    """Disclosures of one category in a period (counts only, never texts): sessions with
    one, each counted once however many of its messages disclosed, and messages typed
    outside a session.

    The category "" counts them whatever their categories.
    """

    category: str
    flags: int


@dataclass(frozen=True)
class SlotCount:
    """Sessions started in the quarter of an hour (UTC) beginning at `start`."""

    start: dt.datetime
    sessions: int


@dataclass(frozen=True)
class RelayReach:
    """Sessions with activity in a period that one relay brought in (link, assisted, paper)."""

    relay_id: int
    name: str
    sessions: int


class ReportStore(Protocol):
    """Aggregate queries over one consultation for the staff digests.

    Every period is half-open, [start, end), in aware datetimes. "Sessions" are those of
    `consultation_id`; an answer belongs to the period of its `updated_at` (the last time it
    was given or changed). Each method is one consistent read.

    `session_totals` counts the participants whose first session of the consultation
    started in the period, the sessions started (created_at) and completed (completed_at) in
    it, and the sessions still active whose last activity (updated_at) is in
    [start - idle, end - idle): abandoned, each in exactly one period.
    """

    async def session_totals(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, idle: dt.timedelta
    ) -> SessionTotals:
        """New participants, sessions started, completed and abandoned in the period, and
        the sessions started in it that were completed by its end."""

    async def steps_reached(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[StepCount]:
        """Per step, how many sessions started in the period have an answer row for it."""

    async def profile_counts(
        self,
        consultation_id: str,
        start: dt.datetime,
        end: dt.datetime,
        first_step: str | None,
        second_step: str | None,
    ) -> list[ProfileCount]:
        """Sessions with activity (updated_at) in the period, by channel and profile codes."""

    async def answer_counts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[AnswerCount]:
        """Answers given in the period, grouped by step and content (texts left out)."""

    async def recent_texts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, per_step: int
    ) -> list[RecentText]:
        """Up to `per_step` texts per step given in the period, by step, most recent first.

        Texts of flagged answers (a `Flag` names their session and step) are left out.
        """

    async def sessions_started(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[SlotCount]:
        """Sessions started in the period per quarter of an hour (empty slots left out)."""

    async def flag_counts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[FlagCount]:
        """Disclosures in the period per category, each session once (see `FlagCount`)."""

    async def relay_reach(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[RelayReach]:
        """Sessions with activity (updated_at) in the period, per relay that has some."""

    async def steps_reached_by_channel(
        self,
        consultation_id: str,
        start: dt.datetime,
        end: dt.datetime,
        channels: Sequence[str],
    ) -> dict[str, dict[str | None, int]]:
        """For each of `channels`, its sessions started in the period (key None) and, per
        step, how many of them have an answer row for it."""

    async def flagged_by_channel(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, int]:
        """Disclosures in the period per channel of their session ("": none), counted as
        `flag_counts` counts them."""

    async def withheld_texts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, tuple[int, int]]:
        """Per step, the texts given in the period that are never quoted: (hidden by
        moderation, flagged by safeguarding)."""


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

    async def session_for_update(
        self, session_id: int, update_key: str | None
    ) -> tuple[StoredSession | None, bool]:
        """A session by id, and whether a turn with `update_key` was committed (one read)."""

    async def arrival(self, pseudonym: str, update_key: str | None) -> Arrival | None:
        """The participant with this pseudonym, their current session and whether a turn with
        `update_key` was committed, in one read; None if no such participant is stored."""

    async def commit(self, turn: Turn) -> int:
        """Commit `turn` durably and return the session id; raise `DuplicateUpdate` if seen."""

    def export(self, consultation_id: str | None = None) -> AsyncIterator[ExportedSession]:
        """Every session (of one consultation, if given), oldest first, with its answers."""
        ...


class Ledger(Protocol):
    """Which digest periods went out: each one exactly once, enforced by the database.

    `key` names what is tracked (the bot uses "<schedule>/<destination>"); a period is
    known by its key and start. A claim is identified by the `now` it was made with.
    """

    async def claim(
        self,
        key: str,
        start: dt.datetime,
        end: dt.datetime,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """Take the period [start, end) for sending; True only for the one caller that got it.

        A claim still sending `lease` after it was made (its process died mid-send) may be
        taken over; a period marked sent never is.
        """

    async def mark_sent(
        self, key: str, start: dt.datetime, claimed_at: dt.datetime, now: dt.datetime
    ) -> bool:
        """Record a claimed period as sent; False if the claim was lost (taken over)."""

    async def release(self, key: str, start: dt.datetime, claimed_at: dt.datetime) -> bool:
        """Give up a claim after a failed delivery, so the period is sent later."""

    async def last_sent_end(self, key: str | None = None) -> dt.datetime | None:
        """The end of the latest period sent under `key` (None: under any key)."""
