"""What a staff digest holds: figures for one consultation over one period, ready to render.

Every count that describes a group of residents is a `Cell`, which knows whether it is too
small to show: renderers print `cell.shown()` and never the raw value of a suppressed cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from digest.texts import DEFAULT_TIMEZONE
from flows.typography import NNBSP


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of aware UTC datetimes."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    def previous(self, zone: dt.tzinfo = dt.UTC) -> Period:
        """The period just before this one, as long on the clock of `zone`: the week before a
        Monday-08:00-to-Monday-08:00 week also runs from 08:00, when a clock change makes one
        of the two an hour longer than the other."""
        start, end = (
            moment.astimezone(zone).replace(tzinfo=None) for moment in (self.start, self.end)
        )
        before = (start - (end - start)).replace(tzinfo=zone).astimezone(dt.UTC)
        if before >= self.start:  # a period within the hour the clocks show twice
            before = self.start - (self.end - self.start)
        return Period(before, self.start)


@dataclass(frozen=True)
class Cell:
    """A count of residents; `suppressed` when it must not be shown (see digest.suppress).

    A count above zero but under the minimum group is suppressed; so is a larger count
    hidden only so that a small one cannot be worked out from a total (secondary).
    """

    value: int
    suppressed: bool = False
    threshold: int = 0

    def shown(self) -> str:
        """The count as staff may see it: "< 5" for a small group, "n.c." for a secondary.

        "<" and its number are held together by a no-break space: a phone would otherwise
        leave "<" alone at the end of a line.
        """
        if not self.suppressed:
            return str(self.value)
        # "< 5" on a secondary count would be false: it is hidden, not small.
        return f"<{NNBSP}{self.threshold}" if self.value < self.threshold else "n.c."


@dataclass(frozen=True)
class Totals:
    """Headline figures for a period: counts of sessions and participants, never hidden."""

    new_participants: int
    sessions_started: int
    completed: int
    abandoned: int
    # Of the sessions started, those completed by the period's end: what the completion rate
    # counts (`completed` has any completed in the period, started before it or not: a quiet
    # week after a busy one gave "300 %").
    finished: int


def share(count: int, of: int) -> int:
    """`count` as a whole percentage of `of` (above zero), halves rounded up as staff do by
    hand (12.5 % is 13 %; Python's `round` would say 12)."""
    return (200 * count + of) // (2 * of)


def completion_rate(totals: Totals, paper: int) -> int | None:
    """The percentage of the sessions started that were completed (by the period's end),
    leaving out the `paper` forms among them (complete by nature: counted, they would flatter
    the chat's rate); None without any other session. The digest and /stats both say this
    one."""
    if totals.sessions_started <= paper:
        return None
    return share(totals.finished - paper, totals.sessions_started - paper)


@dataclass(frozen=True)
class FunnelStep:
    """How many of the period's sessions reached a step (answered or skipped it).

    A step that assisted entries and paper forms never ask (the follow-up question) counts
    the other sessions only: `asked` says how many of the sessions started those are, and
    `previous` how many of them reached the line before (for the drop between the two).
    """

    step_id: str
    label: str
    reached: Cell
    asked: int | None = None  # None: every session started is asked the step
    previous: int | None = None  # None: the line before as printed


@dataclass(frozen=True)
class Row:
    """One labelled count of a breakdown or a choice question."""

    code: str
    label: str
    count: Cell
    favourite: bool = False  # a workshop "coup de cœur"
    total: Cell | None = None  # since the consultation opened, when the period starts later
    position: int = 0  # its place among the options, as residents see them

    def by_total(self) -> tuple[int, int]:
        """A sort key ranking rows by their running total as printed, for those whose own
        count ranks nothing (hidden, or zero): shown totals first, largest first, then hidden
        ones (above zero, never compared by their values), then zeros and none."""
        if self.total is None or (not self.total.suppressed and self.total.value == 0):
            return (2, 0)
        if self.total.suppressed:
            return (1, 0)
        return (0, -self.total.value)


@dataclass(frozen=True)
class Breakdown:
    """Sessions of the period split by one attribute (quartier, profile, channel)."""

    key: str
    title: str
    rows: list[Row]


@dataclass(frozen=True)
class CrossTab:
    """Sessions split by two attributes; no cell can single out a resident."""

    title: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[Cell]]


ChoiceCount = Literal["answered", "skipped", "other_count"]


@dataclass(frozen=True)
class ChoiceResult:
    """Counts per option of a choice question, most chosen first, with the "Autre" texts."""

    step_id: str
    question: str
    theme: str | None
    answered: int
    skipped: int
    rows: list[Row]
    other_texts: list[str] = field(default_factory=list)  # most recent first
    other_count: int = 0
    # Which of `answered`, `skipped` and `other_count` are suppressed (`other_count` only, as
    # digests run: answers and skips count sessions), and the minimum group: renderers
    # print them with `cell`, never the raw value.
    hidden: frozenset[ChoiceCount] = frozenset()
    threshold: int = 0
    multiple: bool = False  # several answers possible: the shares add up to more than 100 %
    # "Autre" texts never quoted: hidden by moderation, flagged by safeguarding (said only
    # when `other_count` is shown).
    other_masked: int = 0
    other_withheld: int = 0
    total_answered: int | None = None  # since the opening, with the rows' running totals
    # A scale's points: `rows` in the scale's order (never ranked: staff read a scale from
    # one end to the other), and `ends`, its lower and upper points grouped ("Plutôt
    # « beaucoup » (4 ou 5)"), when the scale has four points or more.
    scale: bool = False
    ends: list[Row] = field(default_factory=list)

    def cell(self, name: ChoiceCount) -> Cell:
        """One of the question's own counts as a cell, with its suppression."""
        return Cell(getattr(self, name), name in self.hidden, self.threshold)


@dataclass(frozen=True)
class TextResult:
    """The free-text answers of a question: how many (never hidden: a count of answers, like
    a question's), and the most recent ones."""

    step_id: str
    question: str
    theme: str | None
    count: int
    recent: list[str]  # most recent first
    masked: int = 0  # texts among `count` never quoted: hidden by moderation,
    withheld: int = 0  # and flagged by safeguarding


@dataclass(frozen=True)
class DayCount:
    """Sessions started on one day (in the city's time zone)."""

    day: dt.date
    sessions: Cell


@dataclass(frozen=True)
class Digest:
    """Everything staff receive about one consultation for one period."""

    consultation_id: str
    title: str
    period: Period
    totals: Totals
    # The period of the same length just before, for trends; None when this one starts at or
    # before the consultation's opening: "▲ +71" against a time nobody could answer says nothing.
    previous: Totals | None
    funnel: list[FunnelStep]
    breakdowns: list[Breakdown]
    crosstab: CrossTab | None
    choices: list[ChoiceResult]
    texts: list[TextResult]
    days: list[DayCount]
    min_group_size: int
    timezone: str = DEFAULT_TIMEZONE  # the city's: the period's dates and times are read in it
    # Safeguarding: questionnaires (or messages outside one) that disclosed violence or
    # danger, in all and per category. Never suppressed (each must be followed up, and they
    # carry no attribute that a breakdown could cross), never quoted.
    disclosures: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    active: int = 0  # sessions with activity in the period: what breakdowns add up to
    # Since the consultation opened (`opened`, a local day) to the end of the period, when
    # the period starts later: the headline figures (the choice questions' rows carry their
    # own running totals).
    since_opening: Totals | None = None
    opened: dt.date | None = None
    # The flagged messages per channel of their session ("" for none): whether the helplines
    # reached the person (chat), their relay (assisted entry) or nobody (paper form).
    flagged_by_channel: dict[str, int] = field(default_factory=dict)
    # Paper forms imported in the period: always complete, so left out of the completion rate.
    paper_sessions: int = 0
