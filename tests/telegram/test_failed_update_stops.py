"""An update whose handler fails goes no further: the sender is told their answers are safe,
and no handler of a later group reads the update another way."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import LimitsSettings
from bot.telegram.flood import FloodGate, Verdict
from flows.model import Consultation
from flows.texts import ERROR_MESSAGE
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

ALICE = FakeUser(id=111_222_444, first_name="Alice")


async def test_a_failure_in_an_earlier_group_is_the_only_answer(
    tmp_path: Path, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = FloodGate.check

    def failing_once(gate: FloodGate, user_id: int, now: float, *, press: bool) -> Verdict:
        # The flood guard's group runs before the residents': an unexpected failure there.
        monkeypatch.setattr(FloodGate, "check", check)
        raise RuntimeError("a bug in an earlier handler")

    monkeypatch.setattr(FloodGate, "check", failing_once)
    async with Chat(tmp_path / "parole.sqlite3", [consultation], limits=LimitsSettings()) as chat:
        await chat.send(ALICE, "/start")
        assert [m.text for m in chat.api.messages(ALICE.id)] == [ERROR_MESSAGE]
        welcome = await chat.send(ALICE, "/start")  # sent again, it is answered as usual
        assert welcome.text != ERROR_MESSAGE and welcome.reply_markup is not None
    assert chat.api.refused == []
