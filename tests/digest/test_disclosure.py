"""No count hidden in one place of a digest can be worked out from what it prints elsewhere.

Real residents' sessions go through the store and the aggregation; `tests.digest.reader`
reads what the writers print (the shared layout) as a careful reader would and reports
what it pins down.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.aggregate import build_digest, left_out
from digest.model import Digest, Period
from digest.render import render_plain
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import (
    OTHER_CODE,
    ChoiceStepBase,
    MultiStep,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from flows.state import Answer
from storage.base import NO_FOLLOW_UP_CHANNELS, Channel
from storage.sqlite import SqliteStore
from tests.digest.reader import read
from tests.digest.residents import session_of

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Nord"])
QUESTIONS = CONSULTATION.questions()
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
CHANNELS = [Channel.TELEGRAM, Channel.ASSISTED, Channel.PAPER]


def asked(channel: Channel) -> list[Step]:
    """The questions `channel` asks, in order: not the follow-up one on paper or by a relay."""
    never = left_out(CONSULTATION) if channel in NO_FOLLOW_UP_CHANNELS else set()
    return [step for step in QUESTIONS if step.id not in never]


def section(plain: str, title: str) -> str:
    """One section of a plain-text digest, from its title to the next blank line."""
    return plain.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0]


def answer(step: object, rng: random.Random, number: int) -> Answer:
    """A plausible answer to `step`, skipped now and then when it may be."""
    if getattr(step, "optional", False) and rng.random() < 0.3:
        return Answer(skipped=True)
    if isinstance(step, TextStep):
        return Answer(text=f"texte {number}")
    if isinstance(step, YesNoStep):
        return Answer(choices=[rng.choice(["yes", "no"])])
    if isinstance(step, ScaleStep):
        return Answer(choices=[str(rng.randint(step.min, step.max))])
    assert isinstance(step, ChoiceStepBase)
    codes = step.codes()[:3]  # few options: small populations make groups worth hiding
    picks = rng.sample(codes, rng.randint(1, 2)) if isinstance(step, MultiStep) else []
    picks = picks or [rng.choice(codes)]
    text = f"autre {number}" if OTHER_CODE in picks else None
    return Answer(choices=picks, text=text)


async def commit(
    store: SqliteStore, number: int, answers: dict[str, Answer], channel: Channel, hour: int
) -> None:
    """One resident's session, answered at once, completed when every question is."""
    now = START + dt.timedelta(hours=hour)
    done = len(answers) == len(asked(channel))
    await session_of(store, CONSULTATION, number, answers, now, channel=channel, done=done)


def digest_of(sessions: Sequence[tuple[dict[str, Answer], Channel, int]], group: int) -> Digest:
    """The digest of the week in which these sessions were answered."""

    async def run(path: Path) -> Digest:
        async with SqliteStore(path, synchronous="OFF") as store:
            for number, (answers, channel, hour) in enumerate(sessions):
                await commit(store, number, answers, channel, hour)
            return await build_digest(store, CONSULTATION, PERIOD, min_group_size=group)

    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(Path(folder) / "parole.sqlite3"))


def assert_nothing_worked_out(digest: Digest) -> None:
    reading = read(digest, CONSULTATION)
    assert reading.problems == []
    assert reading.worked_out() == []


def everything(
    number: int, channel: Channel = Channel.TELEGRAM, **chosen: str
) -> dict[str, Answer]:
    """A full set of answers to what `channel` asks, with `chosen` codes for some questions."""
    answers = {step.id: answer(step, random.Random(number), number) for step in asked(channel)}
    for step_id, code in chosen.items():
        answers[step_id] = Answer(choices=[code])
    return answers


def test_counts_of_sessions_stay_visible_however_small_their_differences() -> None:
    # QA's case: ten residents, nine answer everything, one stops after the quartier. The
    # funnel line, the answers to the profile question and the completed are counts of
    # sessions, shown: they were "n.c." between a 10 and a 9, hiding nothing.
    answers = [
        everything(n, quartier="bourgogne", profil="habitant", age="26-40") for n in range(9)
    ]
    sessions = [(a, Channel.TELEGRAM, n + 1) for n, a in enumerate(answers)]
    sessions.append(({"quartier": Answer(choices=["bourgogne"])}, Channel.TELEGRAM, 12))
    digest = digest_of(sessions, 5)
    plain = render_plain([digest])
    profile = CONSULTATION.step("profil").text.fr
    funnel = section(plain, "Où les gens s'arrêtent")
    assert f"3. {profile} {len(answers)} (" in funnel  # no colon after its question mark
    question = section(plain, profile)
    assert question.splitlines()[1] == f"{len(answers)} réponses, 0 passée"
    assert f"Parcours terminés\u202f: {len(answers)}" in plain
    assert "n.c." not in funnel + question
    assert_nothing_worked_out(digest)


def test_a_small_option_hides_another_option_not_the_total() -> None:
    # Nine residents, two of them skip the age and two are 41 to 60: the answers and skips
    # are shown; the small option takes the other non-zero one with it, not the total.
    sessions = []
    for n in range(9):
        answers = everything(n, quartier="bourgogne", profil="habitant", age="26-40")
        if n < 2:
            answers["age"] = Answer(skipped=True)
        elif n < 4:
            answers["age"] = Answer(choices=["41-60"])
        sessions.append((answers, Channel.TELEGRAM, n + 1))
    digest = digest_of(sessions, 5)
    age = section(render_plain([digest]), "Quel âge avez-vous\u202f?").splitlines()
    assert age[1] == "7 réponses, 2 passées"
    assert "• 41 à 60 ans\u202f: <\u202f5" in age
    assert "• 26 à 40 ans\u202f: n.c." in age
    assert not any("%" in line for line in age if "<\u202f5" in line or "n.c." in line)
    assert_nothing_worked_out(digest)


def test_the_options_of_a_multiple_choice_question_hide_nothing_for_each_other() -> None:
    # A resident ticks several: the options add up to no total, so a small one hides alone.
    sessions = []
    for n in range(9):
        answers = everything(n, quartier="bourgogne", profil="habitant", age="26-40")
        answers["publics"] = Answer(choices=["femmes", "isoles"] if n < 2 else ["femmes"])
        sessions.append((answers, Channel.TELEGRAM, n + 1))
    digest = digest_of(sessions, 5)
    question = section(render_plain([digest]), CONSULTATION.step("publics").text.fr)
    assert question.splitlines()[1] == "9 réponses, 0 passée · plusieurs réponses possibles"
    assert "1. Les femmes\u202f: 9 (100\u202f%)" in question
    assert "Personnes isolées\u202f: <\u202f5" in question and "n.c." not in question
    assert_nothing_worked_out(digest)


def test_a_count_equal_to_the_public_total_is_shown() -> None:
    # Everyone lives in Bourgogne: hiding the count would hide nothing.
    sessions = [
        (
            everything(n, Channel.PAPER, quartier="bourgogne", profil="habitant", age="26-40"),
            Channel.PAPER,
            n,
        )
        for n in range(6)
    ]
    plain = render_plain([digest_of(sessions, 5)])
    assert "• Bourgogne\u202f: 6" in section(plain, "Par quartier")


def test_quotes_under_a_small_hidden_count_cannot_be_counted_up_to_it() -> None:
    # Four "Autre" quartiers with their texts, "< 5": four quotes would say 4.
    sessions = []
    for n in range(10):
        answers = everything(n, quartier="bourgogne", profil="habitant", age="26-40")
        if n < 4:
            answers["quartier"] = Answer(choices=[OTHER_CODE], text=f"rue {n}")
        sessions.append((answers, Channel.TELEGRAM, n + 1))
    digest = digest_of(sessions, 5)
    quartier = next(choice for choice in digest.choices if choice.step_id == "quartier")
    assert quartier.other_count == 4 and quartier.cell("other_count").shown() == "<\u202f5"
    assert quartier.other_texts == ["rue 3", "rue 2", "rue 1"]
    assert_nothing_worked_out(digest)


residents = st.lists(
    st.tuples(
        st.integers(0, len(QUESTIONS)),  # how many questions the resident answered
        st.sampled_from(CHANNELS),
        st.integers(0, 2**32 - 1),  # the answers' random seed
        st.integers(0, 6 * 24),  # the hour of the week
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=60, deadline=None)
@given(residents, st.sampled_from([3, 5]))
def test_no_hidden_count_can_be_worked_out(
    drawn: list[tuple[int, Channel, int, int]], group: int
) -> None:
    sessions = []
    for number, (reached, channel, seed, hour) in enumerate(drawn):
        rng = random.Random(seed)
        answers = {step.id: answer(step, rng, number) for step in asked(channel)[:reached]}
        sessions.append((answers, channel, hour))
    assert_nothing_worked_out(digest_of(sessions, group))


@settings(max_examples=40, deadline=None)
@given(residents, residents, st.sampled_from([3, 5]))
def test_running_totals_give_no_hidden_count_away(
    before: list[tuple[int, Channel, int, int]],
    drawn: list[tuple[int, Channel, int, int]],
    group: int,
) -> None:
    # Residents of the weeks before the period make running totals beside the period's
    # options: each is at least the period's, and they add up to their own answers.
    sessions = []
    for number, (reached, channel, seed, hour) in enumerate([*before, *drawn]):
        rng = random.Random(seed)
        answers = {step.id: answer(step, rng, number) for step in asked(channel)[:reached]}
        earlier = number < len(before)
        sessions.append((answers, channel, hour - 4 * 7 * 24 if earlier else hour))
    digest = digest_of(sessions, group)
    assert digest.since_opening is not None
    assert_nothing_worked_out(digest)


def test_a_small_week_still_ranks_its_options_by_their_running_totals() -> None:
    # Three residents this week, twelve the weeks before: the week's options are all "< 5",
    # listed by their totals since the opening rather than in the questionnaire's order.
    def needs(n: int) -> Answer:
        return Answer(choices=["isoles", "sante"] if n % 3 else ["sante"])

    sessions = []
    for n in range(15):
        answers = everything(n, quartier="bourgogne", profil="habitant", age="26-40")
        answers["besoins"] = needs(n)
        sessions.append((answers, Channel.TELEGRAM, n + 1 - (12 * 24 * 7 if n >= 3 else 0)))
    digest = digest_of(sessions, 5)
    question = section(render_plain([digest]), CONSULTATION.step("besoins").text.fr)
    sante = sum("sante" in needs(n).choices for n in range(15))
    isoles = sum("isoles" in needs(n).choices for n in range(15))
    assert sante > isoles >= 5
    lines = question.splitlines()
    assert lines[1] == "3 réponses, 0 passée · en tout 15 réponses · plusieurs réponses possibles"
    assert lines[2].endswith(f"\u202f: <\u202f5 · en tout {sante} (100\u202f%)")
    share = round(100 * isoles / 15)
    assert lines[3].endswith(f"\u202f: <\u202f5 · en tout {isoles} ({share}\u202f%)")
    assert "«\u202fen tout\u202f»\u202f: depuis l'ouverture de la consultation" in render_plain(
        [digest]
    )
    assert_nothing_worked_out(digest)
