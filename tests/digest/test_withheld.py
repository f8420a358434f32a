"""A question's written answers say how many are not quoted, and why (moderation or
safeguarding), so staff do not look for missing texts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.aggregate import build_digest
from digest.model import Digest, Period
from digest.render import render_plain
from digest.texts import WITHHELD_NOTE
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import OTHER_CODE
from flows.state import Answer
from flows.typography import french_spacing
from storage.base import Flag
from storage.sqlite import SqliteStore
from tests.digest.residents import session_of

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
STEP = "proposition"  # a free-text question
QUESTION = CONSULTATION.step(STEP).text.fr


def section(plain: str, title: str) -> list[str]:
    """The lines of one section of a plain-text digest, under its title's underline."""
    return plain.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]


async def week(
    tmp_path: Path, texts: list[str], hidden: set[int], flagged: set[int], *, other: bool = False
) -> Digest:
    """A week of residents each writing one of `texts` (as a proposal, or as the "Autre" of
    the profile question), some hidden by staff, some flagged."""
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, text in enumerate(texts):
            now = START + dt.timedelta(hours=number + 1)
            step = "profil" if other else STEP
            answer = Answer(choices=[OTHER_CODE], text=text) if other else Answer(text=text)
            answers = {"quartier": Answer(choices=["bourgogne"]), step: answer}
            flags = [Flag("domestic", step)] if number in flagged else []
            session = await session_of(
                store, CONSULTATION, number, answers, now, done=False, flags=flags
            )
            if number in hidden:
                assert await store.hide_text(session, step, now)
        return await build_digest(store, CONSULTATION, PERIOD, recent_texts=10)


async def test_hidden_and_withheld_texts_are_counted_aloud(tmp_path: Path):
    texts = [f"idée {n}" for n in range(10)]
    hidden, flagged = {3}, {5, 7}
    digest = await week(tmp_path, texts, hidden, flagged)
    lines = section(render_plain([digest]), QUESTION)
    # Every text not hidden nor withheld is quoted: no "les plus récentes".
    assert lines[0] == f"{len(texts)} réponses écrites (1 masquée, 2 retirées)\u202f:"
    quoted = [n for n in reversed(range(len(texts))) if n not in hidden | flagged]
    assert lines[1:] == [f"    «\u202fidée {n}\u202f»" for n in quoted]
    assert french_spacing(WITHHELD_NOTE) in render_plain([digest])


async def test_more_texts_than_quoted_say_the_most_recent(tmp_path: Path):
    texts = [f"idée {n}" for n in range(14)]
    digest = await week(tmp_path, texts, {0}, set())
    lines = section(render_plain([digest]), QUESTION)
    assert lines[0] == f"{len(texts)} réponses écrites (1 masquée), les plus récentes\u202f:"
    assert len(lines[1:]) == 10


async def test_texts_all_withheld_are_still_counted(tmp_path: Path):
    digest = await week(tmp_path, ["mon mari me frappe"], set(), {0})
    assert section(render_plain([digest]), QUESTION) == ["1 réponse écrite (1 retirée)."]


async def test_a_plain_question_says_nothing_of_it(tmp_path: Path):
    digest = await week(tmp_path, ["un banc"], set(), set())
    plain = render_plain([digest])
    assert section(plain, QUESTION) == ["1 réponse écrite\u202f:", "    «\u202fun banc\u202f»"]
    assert french_spacing(WITHHELD_NOTE) not in plain


async def test_other_texts_say_it_beside_a_shown_count(tmp_path: Path):
    texts = [f"métier {n}" for n in range(7)]
    digest = await week(tmp_path, texts, {1}, {2}, other=True)
    lines = section(render_plain([digest]), CONSULTATION.step("profil").text.fr)
    intro = next(line for line in lines if "précisions «\u202fAutre\u202f»" in line)
    assert intro == f"{len(texts)} précisions «\u202fAutre\u202f» (1 masquée, 1 retirée)\u202f:"
