"""The digest of a generated consultation: every figure checked against what was committed.

A seeded generator commits residents' sessions through the normal store API (turn after
turn, as the bot does) and records what it wrote; each test derives its expectations from
that record with plain Python, never from hard-coded figures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.aggregate import (
    LEFT_OUT_CHANNELS,
    NO_ANSWER_CODE,
    build_digest,
    build_totals,
    left_out,
)
from digest.model import Cell, ChoiceResult, Digest, Period, Row, Totals
from digest.render import render_plain
from digest.texts import local_day
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import (
    OTHER_CODE,
    ChoiceStepBase,
    Consultation,
    MultiStep,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.sqlite import SqliteStore

QUARTIERS = ["Bourgogne", "Pont-Rompu", "Virolois"]
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
ZONE = ZoneInfo("Europe/Paris")
# Monday 2 March 2026, midnight in Paris (UTC+1), for a week.
PERIOD = Period(
    dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 8, 23, 0, tzinfo=dt.UTC)
)
QUIET_DAY = dt.date(2026, 3, 4)  # nobody starts a session that Wednesday: a day at 0
MIN_GROUP = 5
RECENT = 3
IDLE = dt.timedelta(hours=48)
CHANNELS = {Channel.TELEGRAM: 78, Channel.ASSISTED: 12, Channel.PAPER: 7, Channel.CONSOLE: 3}
# Skewed, so that some groups are small and some are not.
QUARTIER_WEIGHTS = {"bourgogne": 40, "pont-rompu": 30, "virolois": 8, "nsp": 8, OTHER_CODE: 14}


@dataclass
class Recorded:
    """One session as the generator committed it."""

    session_id: int
    participant: str
    channel: Channel
    created: dt.datetime
    updated: dt.datetime
    completed: dt.datetime | None
    answers: dict[str, tuple[Answer, dt.datetime]] = field(default_factory=dict)


def within(moment: dt.datetime | None, period: Period) -> bool:
    """Whether `moment` is in the half-open `period`."""
    return moment is not None and period.start <= moment < period.end


class Generator:
    """Plausible residents, drawn from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def start(self) -> dt.datetime:
        """When a session starts: from before the previous period to after this one."""
        earliest = PERIOD.previous().start - dt.timedelta(days=3)
        span = (PERIOD.end + dt.timedelta(days=1) - earliest).total_seconds()
        while True:
            moment = earliest + dt.timedelta(seconds=round(self.rng.uniform(0, span)))
            if moment.astimezone(ZONE).date() != QUIET_DAY:
                return moment

    def gap(self) -> dt.timedelta:
        """The time between two answers: minutes, sometimes days (a resident coming back)."""
        if self.rng.random() < 0.12:
            return dt.timedelta(hours=self.rng.uniform(20, 80))
        return dt.timedelta(seconds=self.rng.randint(30, 1800))

    def answer(self, step: Step, number: int) -> Answer:
        """A resident's answer to `step`."""
        rng = self.rng
        if step.optional and rng.random() < 0.25:
            return Answer(skipped=True)
        if isinstance(step, TextStep):
            return Answer(text=f"texte {number} pour {step.id}")
        if isinstance(step, YesNoStep):
            return Answer(choices=[rng.choice(["yes", "no"])])
        if isinstance(step, ScaleStep):
            return Answer(choices=[str(rng.randint(step.min, step.max))])
        assert isinstance(step, ChoiceStepBase)
        codes = step.codes()
        if step.id == "quartier":
            picks = rng.choices(list(QUARTIER_WEIGHTS), list(QUARTIER_WEIGHTS.values()))
        elif isinstance(step, MultiStep):
            picks = rng.sample(codes, rng.randint(1, min(3, step.max_picks or 3)))
            picks.sort(key=codes.index)
        else:
            picks = [rng.choices(codes, [len(codes) - i for i in range(len(codes))])[0]]
        if OTHER_CODE in picks and rng.random() < 0.8:
            return Answer(choices=picks, text=f"autre {number} pour {step.id}")
        return Answer(choices=picks)

    def channel(self) -> Channel:
        """How the answers came in."""
        return self.rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]


async def resident(
    store: SqliteStore, generator: Generator, number: int, consultation: Consultation
) -> list[Recorded]:
    """One resident's sessions (a few start again later), committed turn by turn."""
    rng = generator.rng
    pseudonym = f"resident-{number}"
    sessions = 2 if rng.random() < 0.1 else 1
    plans = sorted(generator.start() for _ in range(sessions))
    channel = generator.channel()
    # Assisted entries and paper forms never ask the follow-up question, as in the bot.
    skipped_steps = left_out(consultation) if channel in LEFT_OUT_CHANNELS else set()
    questions = [step for step in consultation.questions() if step.id not in skipped_steps]
    who = await store.participant(pseudonym, plans[0])
    recorded: list[Recorded] = []
    for started in plans:
        reached = len(questions) if rng.random() < 0.45 else rng.randint(0, len(questions) - 1)
        # Each turn: (time, answers saved); the first one is the consent.
        turns: list[tuple[dt.datetime, dict[str, Answer]]] = [(started, {})]
        moment = started
        for step in questions[:reached]:
            moment += generator.gap()
            turns.append((moment, {step.id: generator.answer(step, number)}))
            # Some go back and change their quartier once the next question is shown.
            if step.id == "profil" and rng.random() < 0.15:
                moment += generator.gap()
                turns.append((moment, {"quartier": generator.answer(questions[0], number)}))
        session_id: int | None = None
        record: Recorded | None = None
        answers: dict[str, Answer] = {}
        for index, (when, saved) in enumerate(turns):
            done = reached == len(questions) and index == len(turns) - 1
            answers.update(saved)
            session_id = await store.commit(
                Turn(
                    participant_id=who.id,
                    consultation_id=consultation.id,
                    channel=channel,
                    state=SessionState(
                        consultation_id=consultation.id,
                        phase=Phase.DONE if done else Phase.QUESTION,
                        answers=answers,
                        position=index,
                    ),
                    status=Status.COMPLETED if done else Status.ACTIVE,
                    now=when,
                    session_id=session_id,
                    saved=saved,
                )
            )
            if record is None:
                record = Recorded(session_id, pseudonym, channel, when, when, None)
            record.updated = when
            record.completed = when if done else None
            for step_id, answer in saved.items():
                record.answers[step_id] = (answer, when)
        assert record is not None
        recorded.append(record)
    return recorded


async def generate(store: SqliteStore, residents: int = 90, seed: int = 2026) -> list[Recorded]:
    """Commit `residents` residents' sessions at once (group commit) and return the record."""
    # One random source per resident, so the draws do not depend on how commits interleave.
    seeds = random.Random(seed)
    tasks = [
        resident(store, Generator(seeds.randrange(2**32)), number, CONSULTATION)
        for number in range(residents)
    ]
    return [record for group in await asyncio.gather(*tasks) for record in group]


@dataclass
class World:
    """The generated data and the digest built from it."""

    records: list[Recorded]
    digest: Digest


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Generate once for the module (the store is closed before the tests run)."""
    path = tmp_path_factory.mktemp("aggregate") / "parole.sqlite3"

    async def run() -> World:
        async with SqliteStore(path, synchronous="OFF") as store:
            records = await generate(store)
            built = await build_digest(
                store,
                CONSULTATION,
                PERIOD,
                min_group_size=MIN_GROUP,
                recent_texts=RECENT,
                abandon_after=IDLE,
                timezone="Europe/Paris",
            )
        return World(records, built)

    return asyncio.run(run())


# -- expectations, from the record alone ------------------------------------------------------


def expected_totals(records: Sequence[Recorded], period: Period) -> Totals:
    """The headline figures of the module docstring's definitions."""
    first: dict[str, dt.datetime] = {}
    for record in records:
        first[record.participant] = min(
            first.get(record.participant, record.created), record.created
        )
    return Totals(
        new_participants=sum(within(moment, period) for moment in first.values()),
        sessions_started=sum(within(r.created, period) for r in records),
        completed=sum(within(r.completed, period) for r in records),
        abandoned=sum(
            r.completed is None and period.start - IDLE <= r.updated < period.end - IDLE
            for r in records
        ),
        finished=sum(
            within(r.created, period) and r.completed is not None and r.completed < period.end
            for r in records
        ),
    )


def first_code(record: Recorded, step_id: str) -> str:
    """The code a session picked at a step, or the "no answer" code."""
    found = record.answers.get(step_id)
    if found is None or found[0].skipped or not found[0].choices:
        return NO_ANSWER_CODE
    return found[0].choices[0]


def counts(rows: Sequence[Row]) -> dict[str, int]:
    """Raw values by code (the test may look behind suppression)."""
    return {row.code: row.count.value for row in rows}


def given_in_period(
    records: Sequence[Recorded], step_id: str
) -> list[tuple[Answer, dt.datetime, int]]:
    """Answers to a step given (last changed) in the period, with time and session."""
    return [
        (record.answers[step_id][0], record.answers[step_id][1], record.session_id)
        for record in records
        if step_id in record.answers and within(record.answers[step_id][1], PERIOD)
    ]


def most_recent(found: Sequence[tuple[str, dt.datetime, int]], limit: int) -> list[str]:
    """Texts, most recent first (ties: latest session first), at most `limit`."""
    ordered = sorted(found, key=lambda item: (item[1], item[2]), reverse=True)
    return [text for text, _, _ in ordered[:limit]]


# -- tests ------------------------------------------------------------------------------------


def test_the_dataset_exercises_every_case(world: World) -> None:
    digest = world.digest
    assert 40 < len(world.records) < 200
    cells = [row.count for b in digest.breakdowns for row in b.rows]
    assert any(c.suppressed and c.value < MIN_GROUP for c in cells)
    assert any(not c.suppressed and c.value >= MIN_GROUP for c in cells)
    assert any(c.value == 0 for c in cells)
    assert any(choice.other_texts for choice in digest.choices)
    assert digest.totals.abandoned and digest.previous and digest.previous.sessions_started
    assert len({r.participant for r in world.records}) < len(world.records)  # some restart


def test_totals_and_the_previous_period(world: World) -> None:
    assert world.digest.totals == expected_totals(world.records, PERIOD)
    assert world.digest.previous == expected_totals(world.records, PERIOD.previous())
    assert world.digest.period == PERIOD
    assert world.digest.min_group_size == MIN_GROUP
    assert world.digest.consultation_id == CONSULTATION.id
    assert world.digest.title == CONSULTATION.title.fr


def test_build_totals_alone_matches(world: World, tmp_path: Path) -> None:
    async def run() -> Totals:
        async with SqliteStore(tmp_path / "empty.sqlite3") as store:
            return await build_totals(store, CONSULTATION, PERIOD, abandon_after=IDLE)

    assert asyncio.run(run()) == Totals(0, 0, 0, 0, 0)


def test_funnel_exact_and_monotonic(world: World) -> None:
    started = [r for r in world.records if within(r.created, PERIOD)]
    funnel = world.digest.funnel
    assert funnel[0].step_id == "consent"
    assert funnel[0].reached.value == len(started)
    questions = CONSULTATION.questions()
    assert [step.step_id for step in funnel[1:]] == [q.id for q in questions]
    assert not funnel[0].reached.suppressed  # the sessions started: public
    asked_all = [r for r in started if r.channel not in LEFT_OUT_CHANNELS]
    assert len(asked_all) < len(started), "some sessions are never asked the follow-up"
    for above, step, question in zip(funnel[:-1], funnel[1:], questions, strict=True):
        assert step.label == question.text.fr
        assert step.reached.value == sum(question.id in r.answers for r in started)
        assert not step.reached.suppressed  # a count of sessions: public
        if question.id in CONSULTATION.follow_up_steps():
            # Counted on the sessions it is asked to, and so is the line before it.
            assert step.asked == len(asked_all)
            assert step.previous == sum(above.step_id in r.answers for r in asked_all)
        else:
            assert step.asked is None and step.previous is None
    # No conditional step in this consultation, and answers are given in order.
    values = [step.reached.value for step in funnel]
    assert values == sorted(values, reverse=True)


def test_breakdowns_by_quartier_profile_and_channel(world: World) -> None:
    active = [r for r in world.records if within(r.updated, PERIOD)]
    by_key = {b.key: b for b in world.digest.breakdowns}
    assert list(by_key) == ["quartier", "profil", "channel"]
    quartier = by_key["quartier"]
    assert [row.label for row in quartier.rows] == [
        *QUARTIERS,
        "Je préfère ne pas dire",
        "Autre",
        "Sans réponse",
    ]
    assert counts(quartier.rows) == {
        code: sum(first_code(r, "quartier") == code for r in active)
        for code in ["bourgogne", "pont-rompu", "virolois", "nsp", OTHER_CODE, NO_ANSWER_CODE]
    }
    profil = by_key["profil"]
    assert [row.label for row in profil.rows][-2:] == ["Autre", "Sans réponse"]
    assert counts(profil.rows) == {
        row.code: sum(first_code(r, "profil") == row.code for r in active) for row in profil.rows
    }
    channel = by_key["channel"]
    assert counts(channel.rows) == {c.value: sum(r.channel is c for r in active) for c in Channel}
    for breakdown in world.digest.breakdowns:
        assert sum(row.count.value for row in breakdown.rows) == len(active)
        cells = [row.count for row in breakdown.rows]
        if breakdown.key == "channel":  # how sessions came in: operational, exact
            assert not any(c.suppressed for c in cells)
        else:
            assert all(c.suppressed for c in cells if 0 < c.value < MIN_GROUP)
        assert not any(c.suppressed for c in cells if c.value == 0)
        assert sum(c.suppressed for c in cells) != 1  # a hidden count never alone


def test_crosstab_quartier_by_profile(world: World) -> None:
    active = [r for r in world.records if within(r.updated, PERIOD)]
    crosstab = world.digest.crosstab
    assert crosstab is not None
    by_key = {b.key: b for b in world.digest.breakdowns}
    rows, columns = by_key["quartier"].rows, by_key["profil"].rows
    assert crosstab.row_labels == [row.label for row in rows]
    assert crosstab.column_labels == [column.label for column in columns]
    pairs = Counter((first_code(r, "quartier"), first_code(r, "profil")) for r in active)
    table = [[pairs[row.code, column.code] for column in columns] for row in rows]
    assert [[cell.value for cell in line] for line in crosstab.cells] == table
    # The margins are the breakdowns.
    assert [sum(line) for line in table] == [row.count.value for row in rows]
    assert [sum(col) for col in zip(*table, strict=True)] == [c.count.value for c in columns]
    flat = [cell for line in crosstab.cells for cell in line]
    assert all(cell.suppressed for cell in flat if 0 < cell.value < MIN_GROUP)
    assert any(cell.suppressed for cell in flat)
    assert any(cell.suppressed and cell.value >= MIN_GROUP for cell in flat)  # secondary


def expected_rank(step: Step, rows: Sequence[Row]) -> list[str]:
    """Codes in the order the digest must list them."""
    order = {code: index for index, code in enumerate(option_codes(step))}

    def total(row: Row) -> float:
        """A running total as printed: a hidden one is above zero, below any shown one."""
        if row.total is None:
            return -1
        return 0.5 if row.total.suppressed else row.total.value

    def key(row: Row) -> tuple[int, float, int]:
        if row.count.suppressed:
            return (1, -total(row), order[row.code])
        if row.count.value == 0:
            return (2, -total(row), order[row.code])
        return (0, -row.count.value, order[row.code])

    return [row.code for row in sorted(rows, key=key)]


def option_codes(step: Step) -> list[str]:
    """The step's option codes, in the order residents see them."""
    if isinstance(step, ChoiceStepBase):
        return step.codes()
    if isinstance(step, YesNoStep):
        return ["yes", "no"]
    assert isinstance(step, ScaleStep)
    return [str(n) for n in range(step.min, step.max + 1)]


def test_choice_questions(world: World) -> None:
    choices = {choice.step_id: choice for choice in world.digest.choices}
    expected_steps = [
        step.id
        for step in CONSULTATION.questions()
        if isinstance(step, ChoiceStepBase | YesNoStep | ScaleStep)
    ]
    assert list(choices) == expected_steps
    for step_id, choice in choices.items():
        step = CONSULTATION.step(step_id)
        given = given_in_period(world.records, step_id)
        check_choice(step, choice, given)


def test_running_totals_since_the_opening(world: World) -> None:
    # The period starts after the consultation opened: each choice question's options carry
    # their count from the opening to the end of the period, and the headline too.
    opened = dt.datetime.combine(CONSULTATION.opens, dt.time(), tzinfo=ZONE)
    since = Period(opened.astimezone(dt.UTC), PERIOD.end)
    digest = world.digest
    assert digest.opened == CONSULTATION.opens
    assert digest.since_opening == expected_totals(world.records, since)
    assert digest.since_opening.sessions_started > digest.totals.sessions_started
    for choice in digest.choices:
        given = [
            record.answers[choice.step_id][0]
            for record in world.records
            if choice.step_id in record.answers and within(record.answers[choice.step_id][1], since)
        ]
        assert choice.total_answered == sum(not answer.skipped for answer in given)
        picked = Counter(code for answer in given for code in answer.choices)
        for row in choice.rows:
            assert row.total is not None and row.total.value == picked[row.code]
            assert row.total.value >= row.count.value
            assert row.total.suppressed or not 0 < row.total.value < MIN_GROUP
        assert choice.multiple == isinstance(CONSULTATION.step(choice.step_id), MultiStep)


def check_choice(
    step: Step, choice: ChoiceResult, given: Sequence[tuple[Answer, dt.datetime, int]]
) -> None:
    """One choice question against the answers given in the period."""
    assert choice.question == step.text.fr
    assert choice.theme == (step.theme.value if step.theme else None)
    assert choice.answered == sum(not answer.skipped for answer, _, _ in given)
    assert choice.skipped == sum(answer.skipped for answer, _, _ in given)
    picked = Counter(code for answer, _, _ in given for code in answer.choices)
    assert counts(choice.rows) == {row.code: picked[row.code] for row in choice.rows}
    assert set(picked) <= {row.code for row in choice.rows}
    assert [row.code for row in choice.rows] == expected_rank(step, choice.rows)
    for row in choice.rows:
        assert row.count.suppressed or not 0 < row.count.value < MIN_GROUP
    # A question's answers and skips count sessions: public, however few.
    assert not choice.cell("answered").suppressed and not choice.cell("skipped").suppressed
    other = choice.cell("other_count")
    assert other.suppressed or not 0 < other.value < MIN_GROUP
    if isinstance(step, ChoiceStepBase):
        favourites = {option.code for option in step.options if option.favourite}
        assert {row.code for row in choice.rows if row.favourite} == favourites
        labels = {option.code: option.label.fr for option in step.options}
        labels[OTHER_CODE] = "Autre"
        assert {row.code: row.label for row in choice.rows} == {
            row.code: labels[row.code] for row in choice.rows
        }
    others = [
        (answer.text, moment, session)
        for answer, moment, session in given
        if OTHER_CODE in answer.choices and answer.text is not None
    ]
    assert choice.other_count == len(others)
    assert choice.other_texts == most_recent(others, RECENT)


def test_a_favourite_option_is_marked(world: World) -> None:
    leviers = next(c for c in world.digest.choices if c.step_id == "leviers")
    assert {row.code for row in leviers.rows if row.favourite} == {"solidarite", "attachement"}


def test_yes_no_labels_in_french(world: World) -> None:
    suivi = next(c for c in world.digest.choices if c.step_id == "suivi")
    assert {row.code: row.label for row in suivi.rows} == {"yes": "Oui", "no": "Non"}


def test_text_questions_most_recent_first(world: World) -> None:
    texts = {result.step_id: result for result in world.digest.texts}
    steps = [step for step in CONSULTATION.questions() if isinstance(step, TextStep)]
    assert list(texts) == [step.id for step in steps]
    for step in steps:
        given = [
            (answer.text, moment, session)
            for answer, moment, session in given_in_period(world.records, step.id)
            if answer.text is not None
        ]
        result = texts[step.id]
        assert result.count == len(given)
        assert result.recent == most_recent(given, RECENT)
        assert result.question == step.text.fr


def test_days_in_paris_with_the_quiet_day_at_zero(world: World) -> None:
    started = Counter(
        r.created.astimezone(ZONE).date() for r in world.records if within(r.created, PERIOD)
    )
    days = world.digest.days
    assert [day.day for day in days] == [
        dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(7)
    ]
    assert {day.day: day.sessions.value for day in days} == {
        day.day: started[day.day] for day in days
    }
    assert {day.day: day.sessions for day in days}[QUIET_DAY] == Cell(0, False, MIN_GROUP)
    assert not any(day.sessions.suppressed for day in days)  # sessions started: public


async def test_period_bounds_start_included_end_excluded(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "bounds.sqlite3", synchronous="OFF") as store:

        async def session(number: int, when: dt.datetime, code: str) -> None:
            who = await store.participant(f"bound-{number}", when)
            state = SessionState(consultation_id=CONSULTATION.id)
            sid = await store.commit(
                Turn(who.id, CONSULTATION.id, Channel.TELEGRAM, state, Status.ACTIVE, when)
            )
            await store.commit(
                Turn(
                    who.id,
                    CONSULTATION.id,
                    Channel.TELEGRAM,
                    state,
                    Status.ACTIVE,
                    when,
                    session_id=sid,
                    saved={"suivi": Answer(choices=[code])},
                )
            )

        await session(1, PERIOD.start, "yes")  # at the start: in
        await session(2, PERIOD.end, "no")  # at the end: the next period's
        await session(3, PERIOD.end - dt.timedelta(microseconds=1), "yes")  # last instant: in
        built = await build_digest(store, CONSULTATION, PERIOD, min_group_size=1)
    suivi = next(c for c in built.choices if c.step_id == "suivi")
    assert counts(suivi.rows) == {"yes": 2, "no": 0}
    assert built.totals.sessions_started == 2
    assert built.funnel[0].reached == Cell(2, False, 1)
    assert sum(day.sessions.value for day in built.days) == 2


async def test_an_empty_period(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "empty.sqlite3") as store:
        built = await build_digest(store, CONSULTATION, PERIOD)
    assert built.totals == built.previous == Totals(0, 0, 0, 0, 0)
    assert all(step.reached == Cell(0, False, MIN_GROUP) for step in built.funnel)
    assert all(choice.rows and choice.answered == 0 for choice in built.choices)
    assert [day.sessions for day in built.days] == [Cell(0, False, MIN_GROUP)] * 7
    assert built.crosstab is not None
    assert all(not cell.suppressed for line in built.crosstab.cells for cell in line)


async def test_an_empty_period_says_only_so(tmp_path: Path) -> None:
    # Nothing at all: one line, not every question with its zeros.
    async with SqliteStore(tmp_path / "empty.sqlite3") as store:
        built = await build_digest(store, CONSULTATION, PERIOD)
    plain = render_plain([built])
    assert "Aucune participation sur la période." in plain
    assert CONSULTATION.step("besoins").text.fr not in plain and "Par quartier" not in plain
    assert "Depuis l'ouverture" not in plain  # nothing since either
    assert len(plain.splitlines()) < 10


async def test_an_empty_week_after_busy_ones_gives_the_totals_since_the_opening(
    world: World, tmp_path: Path
) -> None:
    # The week after the generated data: nobody, but the running totals say where things are.
    later = Period(PERIOD.end + dt.timedelta(days=14), PERIOD.end + dt.timedelta(days=21))
    async with SqliteStore(tmp_path / "aggregate.sqlite3", synchronous="OFF") as store:
        records = await generate(store)
        built = await build_digest(store, CONSULTATION, later, abandon_after=IDLE)
    opened = dt.datetime.combine(CONSULTATION.opens, dt.time(), tzinfo=ZONE)
    since = expected_totals(records, Period(opened.astimezone(dt.UTC), later.end))
    plain = render_plain([built])
    participation = plain.split("\nParticipation\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert participation[1:] == [
        "Aucune participation sur la période.",
        f"📈 Depuis l'ouverture ({local_day(CONSULTATION.opens)})\u202f: "
        f"{since.sessions_started} parcours commencés, {since.completed} terminés",
    ]
    assert "Où les gens s'arrêtent" not in plain and "Par quartier" not in plain
    assert CONSULTATION.step("besoins").text.fr not in plain


async def test_a_period_from_long_ago_lists_only_the_days_the_consultation_is_open(
    tmp_path: Path,
) -> None:
    # /stats asks for "ever": decades of days before the consultation opened are left out.
    since = Period(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), PERIOD.end)
    async with SqliteStore(tmp_path / "ever.sqlite3") as store:
        built = await build_digest(store, CONSULTATION, since)
    assert built.days[0].day == CONSULTATION.opens
    assert built.days[-1].day == dt.date(2026, 3, 8)


async def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "zone.sqlite3") as store:
        with pytest.raises(Exception, match="Mars"):
            await build_digest(store, CONSULTATION, PERIOD, timezone="Europe/Mars")
