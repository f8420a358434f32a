"""`parole export` (JSON lines) prints residents' words to the officer's terminal: the characters
a terminal obeys or that reorder a line are printed as JSON escapes, and read back unchanged."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from bot import bootstrap
from bot.cli import main
from bot.settings import Settings
from flows.model import TextStep
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.digest.residents import session_of

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest

CLEAR = "\x9b2J"  # C1 "control sequence introducer": clears the screen in many terminals
OVERRIDE = "\u202e"  # right-to-left override: the rest of the line reads backwards
TAG = "\U000e0001"  # a format character past U+FFFF (JSON writes it as a surrogate pair)
WORDS = f"Vélo{CLEAR} partagé{OVERRIDE}enizagam\u2028« fin »\x7f{TAG}"
RAW = (CLEAR[0], OVERRIDE, "\u2028", "\x7f", TAG)


def stored(workdir: Path, text: str) -> str:
    """A session whose first text question was answered `text`, in the default database."""
    settings = Settings()
    [consultation] = bootstrap.consultations(settings)
    step = next(s for s in consultation.questions() if isinstance(s, TextStep))

    async def fill() -> None:
        async with SqliteStore(workdir / settings.storage.path) as store:
            now = dt.datetime.now(dt.UTC)
            await session_of(store, consultation, 1, {step.id: Answer(text=text)}, now)

    asyncio.run(fill())
    return step.id


def test_jsonl_export_prints_no_raw_control_and_reads_back_the_same_words(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = stored(workdir, WORDS)
    assert main(["export", "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert not [char for char in RAW if char in out]
    assert "\\u009b2J" in out and "\\u202e" in out and "\\udb40\\udc01" in out
    assert "Vélo" in out and "partagé" in out and "« fin »" in out, "words stay readable"
    [line] = out.splitlines()
    assert json.loads(line)["answers"][step]["text"] == WORDS


def test_jsonl_export_to_a_file_reads_back_the_same_words(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    step = stored(workdir, WORDS)
    assert main(["export", "--format", "jsonl", "--out", "answers.jsonl"]) == 0
    [line] = (workdir / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["answers"][step]["text"] == WORDS
