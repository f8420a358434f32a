"""The console has no chat to send news to: like an assisted entry, it never asks the
follow-up question, and digests count that question on the sessions that ask it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from digest.aggregate import build_digest
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from flows.texts import say
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.bot.test_console import (
    QUARTIERS,
    exported,
    opened,
    talk,
    to_free_text,
    validate,
)
from tests.digest.residents import full_answers, session_of

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)


async def test_the_console_journey_ends_without_the_follow_up_question(tmp_path: Path):
    c, database = CONSULTATION, tmp_path / "parole.sqlite3"
    [follow_up] = c.follow_up_steps()
    lines = [
        *to_free_text(c),
        "Le centre social",
        "1",  # freins
        validate(c, "freins"),
        "/passer",  # freins_precision
        "1",  # objectifs
        validate(c, "objectifs"),
        "Un banc",  # proposition
    ]
    async with opened(database, c) as conversations:
        terminal = await talk(conversations, lines)
        [session] = await exported(conversations)

    shown = "\n".join(terminal.screens)
    assert c.step(follow_up).text.fr not in shown
    # The last question says it is the last one, and the thanks come right after it.
    last = c.questions()[-2]  # the one before the follow-up question
    total = len(c.questions()) - 1
    assert f"[{say('progress', 'fr', n=total, total=total)}]\n{last.text.fr}" in shown
    assert terminal.last.endswith(f"{c.thanks.fr}\n\n{say('console_done', 'fr')}")
    assert terminal.farewell == say("goodbye_done", "fr")
    assert follow_up not in session.answers and last.id in session.answers
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (0,)


async def test_digests_do_not_count_console_sessions_as_stopping_before_it(tmp_path: Path):
    c = CONSULTATION
    [follow_up] = c.follow_up_steps()
    start = NOW - dt.timedelta(days=1)
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        # Two residents finished on Telegram (follow-up answered), three in the console.
        for number in range(2):
            await session_of(store, c, number, full_answers(c, number), start)
        for number in range(2, 5):
            answers = full_answers(c, number)
            del answers[follow_up]
            await session_of(store, c, number, answers, start, channel=Channel.CONSOLE)
        digest = await build_digest(store, c, Period(start - dt.timedelta(hours=1), NOW))
    step = next(step for step in digest.funnel if step.step_id == follow_up)
    assert (step.reached.value, step.asked) == (2, 2)
