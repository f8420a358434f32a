"""The funnel counts each step on the sessions it is asked to.

Assisted entries and paper forms never ask the follow-up question: the paper forms of a
week are not residents who stopped before it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from matplotlib.patches import Rectangle

from digest.aggregate import build_digest
from digest.charts import figures
from digest.model import Digest, Period
from digest.render import render_plain
from digest.texts import percent
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import OTHER_CODE, ChoiceStepBase, ScaleStep, TextStep, YesNoStep
from flows.state import Answer
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.digest.residents import full_answers, session_of

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
[FOLLOW_UP] = CONSULTATION.follow_up_steps()
CHAT, PAPER, ASSISTED = 9, 6, 2


def everything(channel: Channel) -> dict[str, Answer]:
    """Every question answered, but the follow-up one where the channel never asks it."""
    answers = {}
    for step in CONSULTATION.questions():
        if step.id == FOLLOW_UP and channel in (Channel.PAPER, Channel.ASSISTED):
            continue
        if isinstance(step, TextStep):
            answers[step.id] = Answer(text="un banc")
        elif isinstance(step, YesNoStep):
            answers[step.id] = Answer(choices=["yes"])
        elif isinstance(step, ScaleStep):
            answers[step.id] = Answer(choices=[str(step.min)])
        elif isinstance(step, ChoiceStepBase):
            code = next(code for code in step.codes() if code != OTHER_CODE)
            answers[step.id] = Answer(choices=[code])
    return answers


async def week(tmp_path: Path) -> Digest:
    """Completed sessions: CHAT by Telegram, PAPER on paper, ASSISTED by a relay."""
    channels = [Channel.TELEGRAM] * CHAT + [Channel.PAPER] * PAPER + [Channel.ASSISTED] * ASSISTED
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, channel in enumerate(channels):
            now = START + dt.timedelta(hours=number + 1)
            answers = everything(channel)
            await session_of(store, CONSULTATION, number, answers, now, channel=channel)
        return await build_digest(store, CONSULTATION, PERIOD)


async def test_the_follow_up_step_counts_the_sessions_it_is_asked_to(tmp_path: Path):
    digest = await week(tmp_path)
    step = next(step for step in digest.funnel if step.step_id == FOLLOW_UP)
    assert step.reached.value == CHAT and step.asked == CHAT and step.previous == CHAT
    plain = render_plain([digest])
    label = CONSULTATION.step(FOLLOW_UP).text.fr
    # Everyone it was asked to answered it: 100 %, and no drop before it.
    assert f". {label} {CHAT} sur {CHAT} (100\u202f%)" in plain
    assert "Plus forte baisse" not in plain
    assert "«\u202fsur N\u202f»\u202f: parcours à qui la question est posée" in plain
    # The other steps are still shares of every session started.
    started = CHAT + PAPER + ASSISTED
    quartier = CONSULTATION.step("quartier").text.fr
    assert f"2. {quartier} {started} (100\u202f%)" in plain


async def test_the_chart_outlines_the_sessions_asked(tmp_path: Path):
    digest = await week(tmp_path)
    [(_, figure)] = [(plan, drawn) for plan, drawn in figures(digest) if plan.kind == "funnel"]
    axes = figure.axes[0]
    bars = [patch for patch in axes.patches if isinstance(patch, Rectangle)]
    assert [bar.get_width() for bar in bars if not bar.get_fill()] == [CHAT]
    labels = [text.get_text() for text in axes.texts]
    assert f"{CHAT} sur {CHAT}" in labels
    filled = sorted(bar.get_width() for bar in bars if bar.get_fill())
    # The started are the longest bar; the follow-up step's bar is the chat sessions only.
    assert filled[0] == CHAT and filled[-1] == CHAT + PAPER + ASSISTED


async def test_the_completion_rate_leaves_paper_forms_out(tmp_path: Path):
    # Two residents finished in the chat, two stopped half-way; three paper forms, complete
    # by nature, would make the rate 5 in 7.
    sessions = [(Channel.TELEGRAM, True)] * 2 + [(Channel.TELEGRAM, False)] * 2
    sessions += [(Channel.PAPER, True)] * 3
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, (channel, done) in enumerate(sessions):
            now = START + dt.timedelta(hours=number + 1)
            answers = everything(channel)
            if not done:
                answers = dict(list(answers.items())[:3])
            await session_of(store, CONSULTATION, number, answers, now, channel=channel, done=done)
        digest = await build_digest(store, CONSULTATION, PERIOD)
    chat_done = sum(1 for channel, done in sessions if channel is Channel.TELEGRAM and done)
    chat_all = sum(1 for channel, _ in sessions if channel is Channel.TELEGRAM)
    rate = percent(round(100 * chat_done / chat_all))
    assert f"Taux de réponse complète (hors questionnaires papier)\u202f: {rate}" in render_plain(
        [digest]
    )


async def test_a_whole_history_digest_counts_the_follow_up_question_alike_twice(tmp_path: Path):
    # Realistic sessions of every channel: only the residents' own chats answer the follow-up
    # question, so its section's answers and skips are its funnel line, "N sur N".
    channels = [Channel.TELEGRAM] * 7 + [Channel.ASSISTED] * 3 + [Channel.PAPER] * 4
    channels += [Channel.CONSOLE] * 2
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, channel in enumerate(channels):
            answers = full_answers(CONSULTATION, number, channel)
            now = START + dt.timedelta(hours=number + 1)
            await session_of(store, CONSULTATION, number, answers, now, channel=channel)
        digest = await build_digest(store, CONSULTATION, Period(START, PERIOD.end))
    plain = render_plain([digest])
    label = CONSULTATION.step(FOLLOW_UP).text.fr
    assert f". {label} 7 sur 7 (100\u202f%)" in plain
    section = plain.split(f"\n{label}\n", 1)[1].splitlines()  # under its title's underline
    assert section[1] == "7 réponses, 0 passée"
    # The console's sessions are not "sur N" either: the note names it with the others.
    assert (
        "«\u202fsur N\u202f»\u202f: parcours à qui la question est posée (elle ne l'est ni en "
        "saisie par un relais, ni sur questionnaire papier, ni dans la console)."
    ) in plain
