"""Assisted entries do not ask the follow-up question: only a resident's own chat can get news."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import Conversations
from flows.loader import BUILTIN_DIR, load_consultation
from storage.base import Channel
from storage.sqlite import SqliteStore

SECRET = "an-entry-test-secret-long-enough"


@pytest.mark.parametrize(
    ("channel", "asked"),
    [(Channel.TELEGRAM, True), (Channel.CONSOLE, True), (Channel.ASSISTED, False)],
)
def test_the_follow_up_question_is_asked_only_to_residents_in_their_own_chat(
    tmp_path: Path, channel: Channel, asked: bool
):
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    conversations = Conversations(
        SqliteStore(tmp_path / "parole.sqlite3"), [consultation], SECRET, channel=channel
    )
    engine = conversations.engines[consultation.id]
    steps = [step.id for step in engine.visible_steps(engine.begin())]
    assert ("suivi" in steps) is asked
    assert "proposition" in steps  # nothing else is left out
