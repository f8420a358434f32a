"""A consultation's figures for one period, from storage's report queries: the `Digest`.

Definitions (a period is half-open, [start, end); "sessions" are those of the consultation):

- New participants: residents whose first session of this consultation started in the
  period (participants are shared by consultations, so their own creation date says
  nothing about this one); a resident who starts again counts once, and not again later.
- Sessions started: created in the period (the resident accepted the welcome: a refusal
  stores nothing). Completed: completed in the period. Abandoned: still active and idle
  since `abandon_after`, counted in the period where the idle time ran out, that is with
  a last activity in [start - abandon_after, end - abandon_after): each abandoned session
  is counted in exactly one period, and again as active if it resumes.
- The previous period has the same length on the city's clock and ends where this one
  starts (`Totals` of both, for trends; no trends when this one starts at or before the
  opening: the previous one lies wholly before it). These counts of sessions are never
  suppressed: they say how many took part and how far. The funnel's first line is the
  sessions started.
- Funnel: of the sessions started in the period, how many have an answer (given or
  skipped) for each question, in consultation order, after the consent (= sessions
  started). A step shown only under a condition may have fewer than the next one. A step
  that assisted entries and paper forms never ask (`left_out`: the follow-up question)
  counts the other channels' sessions only, with how many of them started (`asked`) and
  reached the line before (`previous`, for the drop).
- Breakdowns and the quartier × profile cross-tabulation: the sessions with activity in the
  period (last activity in it), by the quartier step (`options_from = "quartiers"`, or id
  "quartier"), the "profil" step and the channel; and by relay (the relay whose link, assisted
  entry or paper form brought the session in, by the name staff gave it), when any did. One
  row per option (French label), then "Autre", codes no longer offered, and "Sans réponse"
  (not reached yet, or skipped); by relay, one row per relay, then "Sans relais".
- Choice questions (single, multiple, yes/no, scale): the answers given or changed in the
  period (an answer's last change decides its period), counted per option; rows ranked by
  count, ties in option order, hidden counts after the shown ones (in option order, so the
  ranking says nothing of them). A scale's rows stay in its order, from its lowest point
  (a point no longer offered in its place), and from four points up its lower and upper
  points are counted together too ("ends": 1 and 2, 4 and 5 of a scale of 1 to 5; the middle
  point of an odd scale in neither).
  `answered`/`skipped`: answers and skips in the period; `other_count`/`other_texts`: the
  "Autre" answers that came with a text, most recent first.
- Running totals: when the period starts after the consultation opened (local midnight of
  `opens`) and sessions started before it, the headline figures and each choice question's
  answers and options from the opening to the end of the period, counted alike, beside the
  period's (a small week still ranks its options); hidden options rank by them.
- Text questions: the texts given in the period (skips left out), most recent first.
- Quotes ("Autre" texts and free texts) never include an answer that raised a safeguarding
  flag; disclosures are counted per category and in all, one per session however many of
  its messages disclosed, one per message typed outside a session (unsuppressed and exact:
  staff follow each one up, and they are crossed with nothing).
- Days: sessions started per day in `timezone`, every day of the period that the
  consultation is open (plus any day with sessions), zeros included.
- Suppression (digest.suppress, which states the rule): counts of sessions (the totals, days,
  funnel lines, a question's answers and skips, a free-text question's texts, per channel
  and per relay) are public; every other count, under `min_group_size` and above zero, is
  hidden, and so is whatever would let staff work one out from the sums the digest's
  figures make. Under a hidden small number of "Autre" texts, at most `min_group_size - 2`
  are quoted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digest.model import (
    Breakdown,
    ChoiceCount,
    ChoiceResult,
    CrossTab,
    DayCount,
    Digest,
    FunnelStep,
    Period,
    Row,
    TextResult,
    Totals,
)
from digest.suppress import Disclosure
from digest.texts import DEFAULT_TIMEZONE, SCALE_BOTTOM, SCALE_END, SCALE_POINTS, SCALE_TOP
from flows.model import (
    OTHER_CODE,
    YES,
    ChoiceStepBase,
    Consultation,
    MultiStep,
    ScaleStep,
    StepBase,
    TextStep,
    YesNoStep,
)
from flows.texts import say
from storage.base import (
    NO_FOLLOW_UP_CHANNELS,
    AnswerCount,
    Channel,
    ProfileCount,
    RelayReach,
    ReportStore,
    SessionTotals,
    StepCount,
)

CONSENT_ID = "consent"
CONSENT_LABEL = "Consentement (parcours commencés)"  # "parcours", as everywhere in a digest
NO_ANSWER_CODE = "_none"  # cannot clash with an option code, which starts with [a-z0-9]
NO_ANSWER_LABEL = "Sans réponse"
OTHER_LABEL = "Autre"
PROFILE_STEP = "profil"
QUARTIER_STEP = "quartier"
CHANNEL_LABELS = {
    Channel.TELEGRAM: "Telegram",
    Channel.ASSISTED: "Saisie par un relais",
    Channel.PAPER: "Questionnaire papier",
    Channel.CONSOLE: "Console",
}
BREAKDOWN_TITLES = {
    "quartier": "Par quartier",
    "profil": "Par lien avec le quartier",
    "channel": "Par canal",
    "relay": "Par relais (lien, saisie, papier)",
}
# Channels whose sessions never ask the follow-up steps (news reaches only a resident's own
# chat): bot/conversation.py builds assisted entries' and the console's engines, flows/paper.py
# the paper import's, with `left_out=consultation.follow_up_steps()`.
LEFT_OUT_CHANNELS: tuple[str, ...] = tuple(sorted(NO_FOLLOW_UP_CHANNELS))
NO_RELAY_CODE = "_none"
NO_RELAY_LABEL = "Sans relais"
CROSSTAB_TITLE = "Quartier × lien avec le quartier"


@dataclass(frozen=True)
class _Option:
    """A countable answer to a step: its code, French label and workshop favourite mark."""

    code: str
    label: str
    favourite: bool = False


@dataclass(frozen=True)
class _Line:
    """Options and the figures (in a `Disclosure`) counting them: rows before suppression."""

    options: list[_Option]
    figures: list[int]

    def rows(self, guard: Disclosure) -> list[Row]:
        """The rows as printed, once `guard` has decided what is hidden."""
        return [
            Row(option.code, option.label, guard.cell(figure), option.favourite, position=n)
            for n, (option, figure) in enumerate(zip(self.options, self.figures, strict=True))
        ]

    def figure(self, code: str) -> int | None:
        """The figure counting one option."""
        codes = [option.code for option in self.options]
        return self.figures[codes.index(code)] if code in codes else None


@dataclass(frozen=True)
class _Axis:
    """The quartier or profile breakdown, which its question's options count again."""

    step: ChoiceStepBase
    line: _Line


@dataclass(frozen=True)
class _Crosstab:
    """The quartier × profile table's figures, before suppression."""

    rows: _Line
    columns: _Line
    figures: list[list[int]]

    def result(self, guard: Disclosure) -> CrossTab:
        """The table as printed."""
        return CrossTab(
            title=CROSSTAB_TITLE,
            row_labels=[option.label for option in self.rows.options],
            column_labels=[option.label for option in self.columns.options],
            cells=[[guard.cell(figure) for figure in line] for line in self.figures],
        )


@dataclass(frozen=True)
class _Texts:
    """A free-text question's figure and texts, before suppression."""

    step: TextStep
    figure: int
    texts: list[str]  # most recent first
    withheld: tuple[int, int] = (0, 0)  # not quoted: hidden by moderation, flagged

    def result(self, guard: Disclosure) -> TextResult:
        """The question as printed (its count of texts is public)."""
        return TextResult(
            step_id=self.step.id,
            question=self.step.text.fr,
            theme=self.step.theme.value if self.step.theme else None,
            count=guard.value(self.figure),
            recent=self.texts,
            masked=self.withheld[0],
            withheld=self.withheld[1],
        )


@dataclass(frozen=True)
class _Choice:
    """A choice question's figures, before suppression."""

    step: StepBase
    line: _Line
    figures: dict[ChoiceCount, int]  # answered, skipped and other_count (if "Autre")
    other_texts: list[str]
    totals: list[int] | None = None  # since the opening, per option of `line`
    total_answered: int | None = None
    withheld: tuple[int, int] = (0, 0)  # "Autre" texts not quoted: hidden, flagged
    # A scale's ends: each with its figure and its running total's (None: no running totals).
    ends: tuple[tuple[_Option, int, int | None], ...] = ()


async def build_digest(
    source: ReportStore,
    consultation: Consultation,
    period: Period,
    *,
    min_group_size: int = 5,
    recent_texts: int = 10,
    abandon_after: dt.timedelta = dt.timedelta(hours=48),
    timezone: str = DEFAULT_TIMEZONE,
) -> Digest:
    """Everything staff receive about `consultation` for `period` (definitions above)."""
    zone = ZoneInfo(timezone)  # fails early on an unknown zone name
    cid, start, end = consultation.id, period.start, period.end
    quartier, profile = _quartier_step(consultation), _profile_step(consultation)
    before = period.previous(zone)
    opened = _opening(consultation, zone)

    async def since_opening() -> tuple[SessionTotals, list[AnswerCount]] | None:
        """The headline and the answers from the opening to the end of the period, when it
        starts later: the running totals beside a week."""
        if opened >= start:
            return None
        return await asyncio.gather(
            source.session_totals(cid, opened, end, abandon_after),
            source.answer_counts(cid, opened, end),
        )

    # Independent queries: the store may run them side by side.
    (
        (totals, previous),
        (reached, by_channel),
        profiles,
        answers,
        (texts, withheld),
        (slots, flags, flagged, running),
    ) = await asyncio.gather(
        asyncio.gather(
            source.session_totals(cid, start, end, abandon_after),
            source.session_totals(cid, before.start, before.end, abandon_after),
        ),
        asyncio.gather(
            source.steps_reached(cid, start, end),
            source.steps_reached_by_channel(cid, start, end, LEFT_OUT_CHANNELS),
        ),
        source.profile_counts(
            cid, start, end, quartier.id if quartier else None, profile.id if profile else None
        ),
        source.answer_counts(cid, start, end),
        asyncio.gather(
            source.recent_texts(cid, start, end, recent_texts),
            source.withheld_texts(cid, start, end),
        ),
        asyncio.gather(
            source.sessions_started(cid, start, end),
            source.flag_counts(cid, start, end),
            source.flagged_by_channel(cid, start, end),
            since_opening(),
        ),
    )
    reach = await source.relay_reach(cid, start, end)
    # Running totals only when something came before the period: else they repeat it.
    if running is not None and running[0].sessions_started == totals.sessions_started:
        running = None
    by_step: dict[str, list[str]] = {}
    for text in texts:  # already most recent first within each step
        by_step.setdefault(text.step_id, []).append(text.text)
    # Every count goes into one Disclosure with the sums staff can check between them, so
    # that what is hidden in one place cannot be worked out from another.
    guard = Disclosure(min_group_size)
    started, outcomes = _headline(guard, totals)
    funnel, unreached = _funnel(
        guard, consultation, started, reached, by_channel, outcomes["completed"]
    )
    on_funnel = {stage.step_id: stage.figure for stage in funnel}
    breakdowns, axes, table = _profiles(guard, profiles, quartier, profile)
    by_relay = _relays(guard, reach, profiles)
    if by_relay is not None:
        breakdowns.append(("relay", by_relay))
    choices: list[_Choice] = []
    free_texts: list[_Texts] = []
    for step in consultation.questions():
        if isinstance(step, TextStep):
            free = _texts(guard, step, answers, by_step.get(step.id, []))
            free = dataclasses.replace(free, withheld=withheld.get(step.id, (0, 0)))
            guard.rest(on_funnel[step.id], [free.figure])  # the rest: skips
            free_texts.append(free)
        else:
            axis = next((axis for axis in axes if axis.step.id == step.id), None)
            choice = _choice(
                guard,
                step,
                answers,
                by_step.get(step.id, []),
                axis,
                running[1] if running is not None else None,
            )
            choice = dataclasses.replace(choice, withheld=withheld.get(step.id, (0, 0)))
            own = choice.figures
            guard.link(on_funnel[step.id], [own["answered"], own["skipped"]])
            if axis is not None and (no_answer := axis.line.figure(NO_ANSWER_CODE)) is not None:
                missing = unreached[step.id]
                if missing is not None:
                    guard.link(no_answer, [own["skipped"], missing])
            choices.append(choice)
    days = _days(consultation, period, zone, [(s.start, s.sessions) for s in slots])
    day_figures = [guard.public(sessions) for _, sessions in days]
    guard.link(started, day_figures)
    # CPU work (tens of milliseconds in a small week): off the event loop, so the bot keeps
    # answering residents meanwhile.
    await asyncio.to_thread(guard.protect)
    return Digest(
        consultation_id=cid,
        title=consultation.title.fr,
        period=period,
        totals=_totals(totals),
        previous=_totals(previous) if opened < start else None,
        funnel=[
            FunnelStep(
                stage.step_id,
                stage.label,
                guard.cell(stage.figure),
                None if stage.asked is None else guard.value(stage.asked),
                stage.previous,
            )
            for stage in funnel
        ],
        breakdowns=[
            Breakdown(key=key, title=BREAKDOWN_TITLES[key], rows=line.rows(guard))
            for key, line in breakdowns
        ],
        crosstab=table.result(guard) if table is not None else None,
        choices=[_choice_result(guard, choice) for choice in choices],
        texts=[free.result(guard) for free in free_texts],
        days=[
            DayCount(day, guard.cell(figure))
            for (day, _), figure in zip(days, day_figures, strict=True)
        ],
        min_group_size=min_group_size,
        timezone=timezone,
        disclosures=sum(found.flags for found in flags if found.category == ""),
        flags={found.category: found.flags for found in flags if found.category},
        flagged_by_channel=flagged,
        paper_sessions=by_channel.get(Channel.PAPER, {}).get(None, 0),
        active=sum(found.sessions for found in profiles),
        since_opening=_totals(running[0]) if running is not None else None,
        opened=consultation.opens if running is not None else None,
    )


async def build_totals(
    source: ReportStore,
    consultation: Consultation,
    period: Period,
    *,
    abandon_after: dt.timedelta = dt.timedelta(hours=48),
) -> Totals:
    """Only the headline figures of `build_digest` (one cheap query), for summaries."""
    found = await source.session_totals(consultation.id, period.start, period.end, abandon_after)
    return _totals(found)


def _opening(consultation: Consultation, zone: ZoneInfo) -> dt.datetime:
    """When the consultation opened: local midnight of its first day, in UTC."""
    midnight = dt.datetime.combine(consultation.opens, dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.UTC)


def _headline(guard: Disclosure, found: SessionTotals) -> tuple[int, dict[str, int]]:
    """The sessions started and the completed and abandoned ones (all public: how many took
    part and how far), which leave the sessions still under way."""
    started = guard.public(found.sessions_started)
    outcomes = {
        "completed": guard.public(found.completed),
        "abandoned": guard.public(found.abandoned),
    }
    guard.rest(started, list(outcomes.values()))
    return started, outcomes


def _totals(found: SessionTotals) -> Totals:
    """The storage record as the digest's `Totals`."""
    return Totals(
        new_participants=found.new_participants,
        sessions_started=found.sessions_started,
        completed=found.completed,
        abandoned=found.abandoned,
        finished=found.finished,
    )


# -- steps and options ------------------------------------------------------------------------


def _quartier_step(consultation: Consultation) -> ChoiceStepBase | None:
    """The step asking for the quartier: the one listing the city's, else the one so named."""
    steps = [step for step in consultation.steps if isinstance(step, ChoiceStepBase)]
    for step in steps:
        if step.options_from == "quartiers":
            return step
    return next((step for step in steps if step.id == QUARTIER_STEP), None)


def _profile_step(consultation: Consultation) -> ChoiceStepBase | None:
    """The step asking for the resident's link with the quartier."""
    return next(
        (
            step
            for step in consultation.steps
            if isinstance(step, ChoiceStepBase) and step.id == PROFILE_STEP
        ),
        None,
    )


def _options(step: StepBase) -> list[_Option]:
    """What can be counted for a choice step, in the order residents see it."""
    if isinstance(step, ChoiceStepBase):
        options = [_Option(o.code, o.label.fr, o.favourite) for o in step.options]
        return options + ([_Option(OTHER_CODE, OTHER_LABEL)] if step.other else [])
    if isinstance(step, YesNoStep):
        return [_Option(YES, say("yes", "fr")), _Option("no", say("no", "fr"))]
    if isinstance(step, ScaleStep):
        ends = {step.min: step.min_label, step.max: step.max_label}
        options = []
        for n in range(step.min, step.max + 1):
            end = ends.get(n)
            options.append(_Option(str(n), f"{n} ({end.fr})" if end else str(n)))
        return options
    return []


def _with_unknown(options: list[_Option], counts: Iterable[str]) -> list[_Option]:
    """`options` followed by any code found in the data but no longer offered (sorted)."""
    known = {option.code for option in options}
    extra = sorted({code for code in counts if code not in known and code != NO_ANSWER_CODE})
    return options + [_Option(code, code) for code in extra]


def _scale_points(options: list[_Option]) -> list[_Option]:
    """A scale's points from its lowest, those no longer offered (the scale was narrowed
    after answers came in) in their place: "0" before "1", "10" after "9"."""

    def point(option: _Option) -> tuple[int, int | str]:
        code = option.code
        return (0, int(code)) if code.lstrip("-").isdigit() else (1, code)

    return sorted(options, key=point)


# -- funnel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stage:
    """A funnel line's figures: how many sessions reached the step, of how many it is asked
    to (None: every session started), and the line before counted on those same sessions."""

    step_id: str
    label: str
    figure: int
    asked: int | None = None
    previous: int | None = None


def left_out(consultation: Consultation) -> set[str]:
    """The steps that assisted entries and paper forms never ask: the follow-up steps, and
    any step whose condition names one (as `Engine(left_out=...)` passes them over)."""
    found = set(consultation.follow_up_steps())
    for step in consultation.steps:
        if step.show_if is not None and step.show_if.step in found:
            found.add(step.id)
    return found


def _funnel(
    guard: Disclosure,
    consultation: Consultation,
    started: int,
    reached: Sequence[StepCount],
    by_channel: Mapping[str, Mapping[str | None, int]],
    completed: int,
) -> tuple[list[_Stage], dict[str, int | None]]:
    """The consent (the public number of sessions started), then each question with how many
    of the period's sessions reached it; and per question, the sessions that did not.

    A step that some channels never ask (`LEFT_OUT_CHANNELS`, `by_channel` their counts) is
    counted on the other channels' sessions, with how many of those started (`asked`) and
    reached the line before: the paper forms that never see the follow-up question do not
    stop before it. Staff know that each line is at most the one before (those who stopped
    in between make the difference, unless a step is shown on a condition), and that the
    last question's line is the sessions completed, when they agree.
    """
    counts = {found.step_id: found.sessions for found in reached}
    not_asked = left_out(consultation)
    total = guard.value(started)
    funnel = [_Stage(CONSENT_ID, CONSENT_LABEL, started)]
    for step in consultation.questions():
        figure = counts.get(step.id, 0)
        if step.id not in not_asked:
            funnel.append(_Stage(step.id, step.text.fr, guard.public(figure)))
            continue
        # Counted without the channels that leave it out (they have no answer to it, but for
        # a session under way when it was left out).
        prior = None if funnel[-1].step_id == CONSENT_ID else funnel[-1].step_id
        before = total if prior is None else counts.get(prior, 0)
        for channel in by_channel.values():
            figure -= channel.get(step.id, 0)
            before -= channel.get(prior, 0)  # None: the channel's sessions started
        asked = total - sum(channel.get(None, 0) for channel in by_channel.values())
        of = guard.public(asked)
        stage = _Stage(step.id, step.text.fr, guard.public(figure), of, before)
        guard.rest(of, [stage.figure])
        funnel.append(stage)
    for above, below in itertools.pairwise(funnel):
        if guard.rest(above.figure, [below.figure]) is None:
            guard.rest(below.figure, [above.figure])  # a step shown on a condition
    unreached = {stage.step_id: guard.rest(started, [stage.figure]) for stage in funnel[1:]}
    if len(funnel) > 1:
        guard.link(completed, [funnel[-1].figure])
    return funnel, unreached


# -- breakdowns -------------------------------------------------------------------------------


def _profiles(
    guard: Disclosure,
    profiles: Sequence[ProfileCount],
    quartier: ChoiceStepBase | None,
    profile: ChoiceStepBase | None,
) -> tuple[list[tuple[str, _Line]], list[_Axis], _Crosstab | None]:
    """The breakdowns by quartier, profile and channel (by key), the first two as axes for
    their questions, and the quartier × profile table."""
    pairs: Counter[tuple[str, str]] = Counter()
    channels: Counter[str] = Counter()
    for found in profiles:
        first = found.first if found.first is not None else NO_ANSWER_CODE
        second = found.second if found.second is not None else NO_ANSWER_CODE
        pairs[first, second] += found.sessions
        channels[found.channel] += found.sessions
    # The sessions of the period: what every breakdown adds up to.
    active = guard.public(sum(found.sessions for found in profiles))
    breakdowns: list[tuple[str, _Line]] = []
    axes: list[_Axis] = []
    for key, step, index in (("quartier", quartier, 0), ("profil", profile, 1)):
        if step is None:
            continue
        counts: Counter[str] = Counter()
        for pair, sessions in pairs.items():
            counts[pair[index]] += sessions
        options = _with_unknown(_options(step), counts)
        options.append(_Option(NO_ANSWER_CODE, NO_ANSWER_LABEL))
        line = _line(guard, options, counts, active)
        axes.append(_Axis(step, line))
        breakdowns.append((key, line))
    # How sessions reached the city is staff's operational data, as per relay (`_relays`):
    # shown exactly.
    channel_options = _with_unknown(
        [_Option(c.value, CHANNEL_LABELS[c]) for c in Channel], channels
    )
    breakdowns.append(("channel", _line(guard, channel_options, channels, active, public=True)))
    table = None
    if len(axes) == 2:
        rows, columns = axes[0].line, axes[1].line
        figures = [
            [guard.count(pairs[r.code, c.code]) for c in columns.options] for r in rows.options
        ]
        guard.table(figures, rows.figures, columns.figures, active)
        table = _Crosstab(rows, columns, figures)
    return breakdowns, axes, table


def _line(
    guard: Disclosure,
    options: Sequence[_Option],
    counts: Counter[str],
    total: int,
    *,
    public: bool = False,
) -> _Line:
    """A breakdown's figures, in option order, adding up to `total` if they do; `public`:
    never hidden."""
    figure = guard.public if public else guard.count
    figures = [figure(counts[option.code]) for option in options]
    guard.link(total, figures)
    return _Line(list(options), figures)


def _relays(
    guard: Disclosure, reach: Sequence[RelayReach], profiles: Sequence[ProfileCount]
) -> _Line | None:
    """Sessions of the period by the relay that brought them in, then those without one.

    The same sessions as the other breakdowns (activity in the period), so the same total.
    None when no relay brought any session of the period. Exact: relays' activity is staff's
    operational data, which /relais and `parole relay list` show exactly too.
    """
    if not reach:
        return None
    total = sum(found.sessions for found in profiles)
    by_relay = sum(found.sessions for found in reach)
    options = [_Option(f"relay-{found.relay_id}", found.name) for found in reach]
    options.append(_Option(NO_RELAY_CODE, NO_RELAY_LABEL))
    counts: Counter[str] = Counter({f"relay-{found.relay_id}": found.sessions for found in reach})
    counts[NO_RELAY_CODE] = max(total - by_relay, 0)
    return _line(guard, options, counts, guard.public(total), public=True)


# -- questions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tally:
    """A choice question's answers counted: per option, answered, skipped, "Autre" texts."""

    counts: Counter[str]
    answered: int
    skipped: int
    other_count: int


def _tally(step: StepBase, answers: Sequence[AnswerCount]) -> _Tally:
    """Count the answers to `step` among `answers`."""
    counts: Counter[str] = Counter()
    answered = skipped = other_count = 0
    for found in answers:
        if found.step_id != step.id:
            continue
        if found.skipped:
            skipped += found.answers
            continue
        answered += found.answers
        for code in set(found.choices):
            counts[code] += found.answers
        if found.has_text and OTHER_CODE in found.choices:
            other_count += found.answers
    return _Tally(counts, answered, skipped, other_count)


def _choice(
    guard: Disclosure,
    step: StepBase,
    answers: Sequence[AnswerCount],
    texts: list[str],
    axis: _Axis | None,
    running: Sequence[AnswerCount] | None = None,
) -> _Choice:
    """The figures of one choice question and the sums between them; with `running` (the
    answers since the opening), the running totals too.

    The options of the quartier and profile questions count the same sessions as their
    breakdown's rows (as a digest usually runs): where the counts agree, they are one figure.
    """
    tally = _tally(step, answers)
    counts = tally.counts
    since = _tally(step, running) if running is not None else None
    options = _with_unknown(_options(step), counts + (since.counts if since else Counter()))
    if isinstance(step, ScaleStep):
        options = _scale_points(options)
    figures = []
    for option in options:
        shared = axis.line.figure(option.code) if axis is not None else None
        if shared is not None and guard.value(shared) == counts[option.code]:
            figures.append(shared)
        else:
            figures.append(guard.count(counts[option.code]))
    own: dict[ChoiceCount, int] = {
        "answered": guard.public(tally.answered),
        "skipped": guard.public(tally.skipped),
    }
    _options_sum(guard, step, own["answered"], figures)
    quoted = texts if isinstance(step, ChoiceStepBase) and step.other else []
    if isinstance(step, ChoiceStepBase) and step.other:
        own["other_count"] = guard.count(tally.other_count, at_least=_quotable(guard, quoted))
        other = figures[[option.code for option in options].index(OTHER_CODE)]
        guard.rest(other, [own["other_count"]])
    totals: list[int] | None = None
    total_answered: int | None = None
    ends = _scale_ends(step) if isinstance(step, ScaleStep) else []
    end_figures = _grouped(guard, ends, options, figures, own["answered"])
    end_totals: list[int | None] = [None] * len(ends)
    if since is not None:
        total_answered = guard.public(since.answered)
        totals = [guard.count(since.counts[option.code]) for option in options]
        _options_sum(guard, step, total_answered, totals)
        for figure, total in zip(figures, totals, strict=True):
            guard.rest(total, [figure])  # the period's answers are among them
        end_totals = list(_grouped(guard, ends, options, totals, total_answered))
        for figure, end_total in zip(end_figures, end_totals, strict=True):
            assert end_total is not None
            guard.rest(end_total, [figure])
    return _Choice(
        step,
        _Line(options, figures),
        own,
        quoted,
        totals,
        total_answered,
        ends=tuple(
            (end, figure, total)
            for (end, _), figure, total in zip(ends, end_figures, end_totals, strict=True)
        ),
    )


def _scale_ends(step: ScaleStep) -> list[tuple[_Option, list[str]]]:
    """A scale's lower and upper points, each group labelled by its end's words: "Plutôt
    « pas du tout » (1 ou 2)". None under four points: each end would be one point alone."""
    points = [str(n) for n in range(step.min, step.max + 1)]
    half = len(points) // 2
    if half < 2:
        return []
    ends = []
    for code, codes, words, bare in (
        ("_low", points[:half], step.min_label, SCALE_BOTTOM),
        ("_high", points[-half:], step.max_label, SCALE_TOP),
    ):
        which = SCALE_POINTS[len(codes) > 2].format(first=codes[0], last=codes[-1])
        label = SCALE_END.format(end=words.fr, points=which) if words else bare.format(points=which)
        ends.append((_Option(code, label), codes))
    return ends


def _grouped(
    guard: Disclosure,
    ends: Sequence[tuple[_Option, list[str]]],
    options: Sequence[_Option],
    figures: Sequence[int],
    answered: int,
) -> list[int]:
    """The figures of a scale's `ends`, each the sum of its points' `figures`, which staff
    know, and that with the points in neither (the middle) they make the `answered`: a
    hidden point is never the difference of an end and its shown neighbours."""
    codes = [option.code for option in options]
    grouped = []
    for _, points in ends:
        parts = [figures[codes.index(code)] for code in points]
        grouped.append(guard.count(sum(guard.value(part) for part in parts)))
        guard.add(grouped[-1], parts)
    if grouped:
        inside = {code for _, points in ends for code in points}
        rest = [figure for code, figure in zip(codes, figures, strict=True) if code not in inside]
        guard.link(answered, [*grouped, *rest])
    return grouped


def _options_sum(guard: Disclosure, step: StepBase, answered: int, figures: list[int]) -> None:
    """What staff know of a question's options from its (public) number of answers."""
    if isinstance(step, MultiStep):  # several picks per answer: each option splits them
        for figure in figures:
            guard.rest(answered, [figure])
    else:
        guard.link(answered, figures)


def _choice_result(guard: Disclosure, choice: _Choice) -> ChoiceResult:
    """A choice question as printed: counts ranked, with its "Autre" texts (fewer under a
    hidden count, see `_quotable`)."""
    step = choice.step
    hidden = frozenset(
        name for name, figure in choice.figures.items() if guard.cell(figure).suppressed
    )
    rows = choice.line.rows(guard)
    scale = isinstance(step, ScaleStep)
    if choice.totals is not None:
        rows = [
            dataclasses.replace(row, total=guard.cell(total))
            for row, total in zip(rows, choice.totals, strict=True)
        ]
    return ChoiceResult(
        step_id=step.id,
        question=step.text.fr,
        theme=step.theme.value if step.theme else None,
        answered=guard.value(choice.figures["answered"]),
        skipped=guard.value(choice.figures["skipped"]),
        rows=rows if scale else _ranked(rows),
        other_texts=choice.other_texts[: _quotable(guard, choice.other_texts)]
        if "other_count" in hidden
        else choice.other_texts,
        other_count=guard.value(choice.figures["other_count"])
        if "other_count" in choice.figures
        else 0,
        # Said only beside a shown count: more known texts would bound a hidden one.
        other_masked=0 if "other_count" in hidden else choice.withheld[0],
        other_withheld=0 if "other_count" in hidden else choice.withheld[1],
        hidden=hidden,
        threshold=guard.threshold,
        multiple=isinstance(step, MultiStep),
        total_answered=None
        if choice.total_answered is None
        else guard.value(choice.total_answered),
        scale=scale,
        ends=[
            Row(
                end.code,
                end.label,
                guard.cell(figure),
                total=None if total is None else guard.cell(total),
            )
            for end, figure, total in choice.ends
        ],
    )


def _ranked(rows: Sequence[Row]) -> list[Row]:
    """Shown counts first, largest first (ties in option order), then hidden, then zeros;
    hidden and zeros by their shown running totals, largest first (see `charts.ranked`)."""

    def key(item: tuple[int, Row]) -> tuple[int, ...]:
        index, row = item
        if row.count.suppressed:  # never by its value: a ranking would say which is larger
            return (1, *row.by_total(), index)
        if row.count.value == 0:
            return (2, *row.by_total(), index)
        return (0, -row.count.value, 0, index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def _texts(
    guard: Disclosure, step: TextStep, answers: Sequence[AnswerCount], texts: list[str]
) -> _Texts:
    """How many texts a question received in the period, and the most recent ones."""
    count = sum(
        found.answers
        for found in answers
        if found.step_id == step.id and found.has_text and not found.skipped
    )
    return _Texts(step, guard.public(count), texts)


def _quotable(guard: Disclosure, texts: list[str]) -> int:
    """How many of `texts` may be quoted under a hidden count: staff count quotes, and t - 1
    of them would pin a count shown "< t", so at most t - 2 (the exports hold them all)."""
    return min(len(texts), max(guard.threshold - 2, 0))


# -- days -------------------------------------------------------------------------------------


def _days(
    consultation: Consultation,
    period: Period,
    zone: ZoneInfo,
    slots: Sequence[tuple[dt.datetime, int]],
) -> list[tuple[dt.date, int]]:
    """Sessions started per local day: every day of the period the consultation is open."""
    counts: Counter[dt.date] = Counter()
    for start, sessions in slots:
        # Slots are quarters of an hour, and zone offsets are whole quarters: a slot lies in
        # one local day.
        counts[start.astimezone(zone).date()] += sessions
    first = period.start.astimezone(zone).date()
    last = (period.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    # A period may start long before the consultation opened (a digest "since ever"):
    # days it could not have any session are left out.
    first, last = max(first, consultation.opens), min(last, consultation.closes)
    days = {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
    days |= set(counts)
    return [(day, counts[day]) for day in sorted(days)]
