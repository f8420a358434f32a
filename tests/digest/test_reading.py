"""How a digest reads for a staff member: ranks, order and percentages that say only what is
known, in the words used everywhere else in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.aggregate import build_digest
from digest.model import Cell, ChoiceResult, Period, Row
from digest.render import render_plain
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import ChoiceStepBase
from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.sqlite import SqliteStore
from tests.digest.residents import answered, session_of
from tests.digest.samples import MIN_GROUP, make_digest, row
from tests.digest.test_scale import CONSULTATION, PERIOD, START, digest_of, question

QUARTIERS = ["Bourgogne", "Pont-Rompu", "Belencontre", "Croix-Rouge", "Epidème"]


def besoins(rows: list[Row], answered: int, total_answered: int | None = None) -> list[str]:
    """The plain-text lines of a "besoins" question with these rows, after its title."""
    choice = ChoiceResult(
        "besoins", "Besoins ?", "besoins", answered, 0, rows, total_answered=total_answered
    )
    plain = render_plain([make_digest(choices=[choice])])
    return plain.split("\nBesoins\u202f?\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]


def test_a_hidden_count_gets_no_rank() -> None:
    # "3. Lieux : n.c." after "2. Transports : 6" read as fewer than 6; it is 9 here, and
    # nobody can know its place: hidden and zero rows get a bullet, not a rank.
    hidden = Row("lieux", "Lieux", Cell(9, True, MIN_GROUP))
    rows = [row("fetes", "Fêtes", 20), row("transports", "Transports", 6), hidden]
    rows.append(row("police", "Police", 0))
    lines = besoins(rows, 40)
    assert lines[1:] == [
        "1. Fêtes\u202f: 20 (50\u202f%)",
        "2. Transports\u202f: 6 (15\u202f%)",
        "• Lieux\u202f: n.c.",
        "• Police\u202f: 0 (0\u202f%)",
    ]


def test_zero_rows_with_a_hidden_running_total_come_before_those_with_none() -> None:
    # Nobody chose either option this week; since the opening, one had "< 5", the other 0:
    # "< 5" is more than 0, so it is listed first.
    never = Row("police", "Police", Cell(0, False, MIN_GROUP), total=Cell(0, False, MIN_GROUP))
    some = Row("lieux", "Lieux", Cell(0, False, MIN_GROUP), total=Cell(2, True, MIN_GROUP))
    shown = Row("fetes", "Fêtes", Cell(8, False, MIN_GROUP), total=Cell(30, False, MIN_GROUP))
    lines = besoins([shown, never, some], 8, total_answered=40)
    assert [line.split("\u202f: ")[0] for line in lines[1:]] == ["1. Fêtes", "• Lieux", "• Police"]


def test_percentages_round_halves_up() -> None:
    # 5 of 40 is 12.5 %: staff count it 13 %, as by hand (Python's round said 12, and 13 % for
    # 7 of 40, 17.5 %: two halves rounded two ways).
    rows = [row("fetes", "Fêtes", 28), row("lieux", "Lieux", 7), row("bancs", "Bancs", 5)]
    lines = besoins(rows, 40)
    assert lines[1:] == [
        "1. Fêtes\u202f: 28 (70\u202f%)",
        "2. Lieux\u202f: 7 (18\u202f%)",
        "3. Bancs\u202f: 5 (13\u202f%)",
    ]


def test_the_funnel_counts_parcours_as_the_rest_of_the_digest() -> None:
    digest = digest_of([(3, 3)] * 6)
    funnel = render_plain([digest]).split("\nOù les gens s'arrêtent\n", 1)[1]
    assert "1. Consentement (parcours commencés)\u202f: 6 (100\u202f%)" in funnel
    assert "sessions" not in render_plain([digest])
    assert question(digest, "aide")[1] == "6 réponses, 0 passée"


async def test_the_completion_rate_counts_the_sessions_started_in_the_period(
    tmp_path: Path,
) -> None:
    # A quiet week after a busy one: six residents who started the week before finish now,
    # two start, one of whom finishes. The rate was 7 completed for 2 started, "350 %".
    answers = {"quartier": Answer(choices=["nord"]), "aide": Answer(choices=["4"])}
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number in range(8):
            earlier = number < 6
            started = START + dt.timedelta(hours=number + 1, days=-4 if earlier else 0)
            who = await store.participant(f"resident-{number}", started)
            state = SessionState(consultation_id=CONSULTATION.id, phase=Phase.QUESTION)
            turn = Turn(who.id, CONSULTATION.id, Channel.TELEGRAM, state, Status.ACTIVE, started)
            session = await store.commit(turn)
            if number == 7:
                continue  # still under way
            done = state.model_copy(update={"phase": Phase.DONE, "answers": answers})
            finished = START + dt.timedelta(hours=number + 10)
            await store.commit(
                dataclasses.replace(
                    turn,
                    state=done,
                    status=Status.COMPLETED,
                    now=finished,
                    session_id=session,
                    saved=answers,
                )
            )
        digest = await build_digest(store, CONSULTATION, PERIOD)
    plain = render_plain([digest])
    assert "Parcours commencés\u202f: 2 " in plain and "Parcours terminés\u202f: 7 " in plain
    assert "Taux de réponse complète\u202f: 50\u202f%" in plain


async def test_a_digest_from_the_opening_compares_with_nothing(tmp_path: Path) -> None:
    # "Parcours commencés : 12 ▲ +12" over the whole consultation compared it with the same
    # length of time before it opened, when nobody could answer: no arrows then.
    answers = {"quartier": Answer(choices=["nord"]), "aide": Answer(choices=["4"])}
    # `parole digest --since` the opening day: its local midnight.
    opening = dt.datetime.combine(CONSULTATION.opens, dt.time(), tzinfo=ZoneInfo("Europe/Paris"))
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number in range(12):
            now = START + dt.timedelta(hours=number + 1, days=-7 * (number % 2))
            await session_of(store, CONSULTATION, number, answers, now)
        whole = await build_digest(store, CONSULTATION, Period(opening, PERIOD.end))
        week = await build_digest(store, CONSULTATION, PERIOD)
    participation = render_plain([whole]).split("\nParticipation\n", 1)[1].split("\n\n", 1)[0]
    assert "Parcours commencés\u202f: 12\n" in participation
    assert not any(arrow in participation for arrow in ("▲", "▼", " =")) and "Flèches" not in (
        participation
    )
    weekly = render_plain([week])
    assert "Parcours commencés\u202f: 6 =\n" in weekly and "Flèches" in weekly


async def test_hidden_rows_keep_the_options_order(tmp_path: Path) -> None:
    # A first small week: every quartier and age "< 5". By label they read "Autre,
    # Belencontre…" and "18 à 25 ans… Moins de 18 ans, Plus de 75 ans".
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await answered(store, consultation, 7, START)
        digest = await build_digest(store, consultation, PERIOD)
    plain = render_plain([digest])
    for title, step in (("Par quartier", "quartier"), ("Quel âge avez-vous\u202f?", "age")):
        lines = plain.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
        hidden = [line.split("\u202f: ")[0] for line in lines if line.endswith(": <\u202f5")]
        step_options = consultation.step(step)
        assert isinstance(step_options, ChoiceStepBase)
        labels = [option.label.fr for option in step_options.options]
        labels += ["Autre"] if step_options.other else []
        assert hidden == [f"• {label}" for label in labels], title
