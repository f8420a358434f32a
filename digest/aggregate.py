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
- The previous period has the same length and ends where this one starts (`Totals` of both,
  for trends). Totals are never suppressed: they describe the whole consultation.
- Funnel: of the sessions started in the period, how many have an answer (given or
  skipped) for each question, in consultation order, after the consent (= sessions
  started). A step shown only under a condition may have fewer than the next one.
- Breakdowns and the quartier × profile cross-tabulation: the sessions with activity in the
  period (last activity in it), by the quartier step (`options_from = "quartiers"`, or id
  "quartier"), the "profil" step and the channel; and by relay (the relay whose link, assisted
  entry or paper form brought the session in, by the name staff gave it), when any did. One
  row per option (French label), then "Autre", codes no longer offered, and "Sans réponse"
  (not reached yet, or skipped); by relay, one row per relay, then "Sans relais".
- Choice questions (single, multiple, yes/no, scale): the answers given or changed in the
  period (an answer's last change decides its period), counted per option; rows ranked by
  count, ties in option order, hidden counts after the shown ones (in option order, so the
  ranking says nothing of them). `answered`/`skipped`: answers and skips in the period;
  `other_count`/`other_texts`: the "Autre" answers that came with a text, most recent first.
- Text questions: the texts given in the period (skips left out), most recent first.
- Quotes ("Autre" texts and free texts) never include an answer that raised a safeguarding
  flag; flags are counted per category, with the number of flagged messages (unsuppressed:
  they count messages, not residents, and are crossed with nothing).
- Days: sessions started per day in `timezone`, every day of the period that the
  consultation is open (plus any day with sessions), zeros included.
- Suppression (digest.suppress): every breakdown, cross-tabulation, choice and funnel count
  above zero and under `min_group_size` is hidden. Secondary suppression applies wherever
  staff can see or work out a line's total: the cross-tabulation (its margins are the
  breakdowns), each breakdown (they all add up to the same number of sessions), and the
  single-answer choices (single, yes/no, scale), whose rows add up to `answered`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digest.model import (
    Breakdown,
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
from digest.suppress import primary, protect_line, protect_table
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
    AnswerCount,
    Channel,
    ProfileCount,
    RelayReach,
    ReportStore,
    SessionTotals,
    StepCount,
)

CONSENT_ID = "consent"
CONSENT_LABEL = "Consentement (sessions commencées)"
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
NO_RELAY_CODE = "_none"
NO_RELAY_LABEL = "Sans relais"
CROSSTAB_TITLE = "Quartier × lien avec le quartier"


@dataclass(frozen=True)
class _Option:
    """A countable answer to a step: its code, French label and workshop favourite mark."""

    code: str
    label: str
    favourite: bool = False


async def build_digest(
    source: ReportStore,
    consultation: Consultation,
    period: Period,
    *,
    min_group_size: int = 5,
    recent_texts: int = 10,
    abandon_after: dt.timedelta = dt.timedelta(hours=48),
    timezone: str = "Europe/Paris",
) -> Digest:
    """Everything staff receive about `consultation` for `period` (definitions above)."""
    zone = ZoneInfo(timezone)  # fails early on an unknown zone name
    cid, start, end = consultation.id, period.start, period.end
    quartier, profile = _quartier_step(consultation), _profile_step(consultation)
    before = period.previous()
    # Independent queries: the store may run them side by side.
    (totals, previous), reached, profiles, answers, texts, (slots, flags) = await asyncio.gather(
        asyncio.gather(
            source.session_totals(cid, start, end, abandon_after),
            source.session_totals(cid, before.start, before.end, abandon_after),
        ),
        source.steps_reached(cid, start, end),
        source.profile_counts(
            cid, start, end, quartier.id if quartier else None, profile.id if profile else None
        ),
        source.answer_counts(cid, start, end),
        source.recent_texts(cid, start, end, recent_texts),
        asyncio.gather(
            source.sessions_started(cid, start, end), source.flag_counts(cid, start, end)
        ),
    )
    by_step: dict[str, list[str]] = {}
    for text in texts:  # already most recent first within each step
        by_step.setdefault(text.step_id, []).append(text.text)
    breakdowns, crosstab = _profiles(profiles, quartier, profile, min_group_size)
    by_relay = _relays(await source.relay_reach(cid, start, end), profiles, min_group_size)
    if by_relay is not None:
        breakdowns.append(by_relay)
    choices: list[ChoiceResult] = []
    text_results: list[TextResult] = []
    for step in consultation.questions():
        if isinstance(step, TextStep):
            text_results.append(_text_result(step, answers, by_step.get(step.id, [])))
        else:
            choices.append(_choice_result(step, answers, by_step.get(step.id, []), min_group_size))
    return Digest(
        consultation_id=cid,
        title=consultation.title.fr,
        period=period,
        totals=_totals(totals),
        previous=_totals(previous),
        funnel=_funnel(consultation, totals.sessions_started, reached, min_group_size),
        breakdowns=breakdowns,
        crosstab=crosstab,
        choices=choices,
        texts=text_results,
        days=_days(consultation, period, zone, [(s.start, s.sessions) for s in slots]),
        min_group_size=min_group_size,
        timezone=timezone,
        flagged_messages=sum(found.flags for found in flags if found.category == ""),
        flags={found.category: found.flags for found in flags if found.category},
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


def _totals(found: SessionTotals) -> Totals:
    """The storage record as the digest's `Totals`."""
    return Totals(
        new_participants=found.new_participants,
        sessions_started=found.sessions_started,
        completed=found.completed,
        abandoned=found.abandoned,
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


# -- funnel -----------------------------------------------------------------------------------


def _funnel(
    consultation: Consultation,
    started: int,
    reached: Sequence[StepCount],
    threshold: int,
) -> list[FunnelStep]:
    """The consent, then each question with how many of the period's sessions reached it."""
    counts = {found.step_id: found.sessions for found in reached}
    funnel = [FunnelStep(CONSENT_ID, CONSENT_LABEL, primary(started, threshold))]
    for step in consultation.questions():
        funnel.append(FunnelStep(step.id, step.text.fr, primary(counts.get(step.id, 0), threshold)))
    return funnel


# -- breakdowns -------------------------------------------------------------------------------


def _profiles(
    profiles: Sequence[ProfileCount],
    quartier: ChoiceStepBase | None,
    profile: ChoiceStepBase | None,
    threshold: int,
) -> tuple[list[Breakdown], CrossTab | None]:
    """The breakdowns by quartier, profile and channel, and the quartier × profile table."""
    pairs: Counter[tuple[str, str]] = Counter()
    channels: Counter[str] = Counter()
    for found in profiles:
        first = found.first if found.first is not None else NO_ANSWER_CODE
        second = found.second if found.second is not None else NO_ANSWER_CODE
        pairs[first, second] += found.sessions
        channels[found.channel] += found.sessions
    breakdowns: list[Breakdown] = []
    axes: list[list[_Option]] = []
    for key, step, index in (("quartier", quartier, 0), ("profil", profile, 1)):
        if step is None:
            continue
        counts: Counter[str] = Counter()
        for pair, sessions in pairs.items():
            counts[pair[index]] += sessions
        options = _with_unknown(_options(step), counts)
        options.append(_Option(NO_ANSWER_CODE, NO_ANSWER_LABEL))
        axes.append(options)
        breakdowns.append(_breakdown(key, options, counts, threshold))
    channel_options = [_Option(c.value, CHANNEL_LABELS[c]) for c in Channel]
    breakdowns.append(
        _breakdown("channel", _with_unknown(channel_options, channels), channels, threshold)
    )
    crosstab = None
    if quartier is not None and profile is not None:
        rows, columns = axes
        table = [[pairs[r.code, c.code] for c in columns] for r in rows]
        crosstab = CrossTab(
            title=CROSSTAB_TITLE,
            row_labels=[r.label for r in rows],
            column_labels=[c.label for c in columns],
            cells=protect_table(table, threshold),
        )
    return breakdowns, crosstab


def _breakdown(
    key: str, options: Sequence[_Option], counts: Counter[str], threshold: int
) -> Breakdown:
    """One breakdown, in option order; its total is known, so it is protected as a line."""
    cells = protect_line([counts[option.code] for option in options], threshold)
    rows = [
        Row(option.code, option.label, cell, option.favourite)
        for option, cell in zip(options, cells, strict=True)
    ]
    return Breakdown(key=key, title=BREAKDOWN_TITLES[key], rows=rows)


def _relays(
    reach: Sequence[RelayReach], profiles: Sequence[ProfileCount], threshold: int
) -> Breakdown | None:
    """Sessions of the period by the relay that brought them in, then those without one.

    The same sessions as the other breakdowns (activity in the period), so the same total,
    protected as a line. None when no relay brought any session of the period.
    """
    if not reach:
        return None
    total = sum(found.sessions for found in profiles)
    by_relay = sum(found.sessions for found in reach)
    options = [_Option(f"relay-{found.relay_id}", found.name) for found in reach]
    options.append(_Option(NO_RELAY_CODE, NO_RELAY_LABEL))
    counts: Counter[str] = Counter({f"relay-{found.relay_id}": found.sessions for found in reach})
    counts[NO_RELAY_CODE] = max(total - by_relay, 0)
    return _breakdown("relay", options, counts, threshold)


# -- questions --------------------------------------------------------------------------------


def _choice_result(
    step: StepBase, answers: Sequence[AnswerCount], texts: list[str], threshold: int
) -> ChoiceResult:
    """The counts per option of one choice question, ranked, with its "Autre" texts."""
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
    options = _with_unknown(_options(step), counts)
    values = [counts[option.code] for option in options]
    if isinstance(step, MultiStep):  # several picks per answer: rows have no known total
        cells = [primary(value, threshold) for value in values]
    else:
        cells = protect_line(values, threshold)
    rows = [
        Row(option.code, option.label, cell, option.favourite)
        for option, cell in zip(options, cells, strict=True)
    ]
    return ChoiceResult(
        step_id=step.id,
        question=step.text.fr,
        theme=step.theme.value if step.theme else None,
        answered=answered,
        skipped=skipped,
        rows=_ranked(rows),
        other_texts=texts if isinstance(step, ChoiceStepBase) and step.other else [],
        other_count=other_count,
    )


def _ranked(rows: Sequence[Row]) -> list[Row]:
    """Shown counts first, largest first (ties in option order), then hidden, then zeros."""

    def key(item: tuple[int, Row]) -> tuple[int, int, int]:
        index, row = item
        if row.count.suppressed:  # in option order: a ranking would say which is larger
            return (1, 0, index)
        if row.count.value == 0:
            return (2, 0, index)
        return (0, -row.count.value, index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def _text_result(step: TextStep, answers: Sequence[AnswerCount], texts: list[str]) -> TextResult:
    """How many texts a question received in the period, and the most recent ones."""
    count = sum(
        found.answers
        for found in answers
        if found.step_id == step.id and found.has_text and not found.skipped
    )
    return TextResult(
        step_id=step.id,
        question=step.text.fr,
        theme=step.theme.value if step.theme else None,
        count=count,
        recent=texts,
    )


# -- days -------------------------------------------------------------------------------------


def _days(
    consultation: Consultation,
    period: Period,
    zone: ZoneInfo,
    slots: Sequence[tuple[dt.datetime, int]],
) -> list[DayCount]:
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
    return [DayCount(day, counts[day]) for day in sorted(days)]
