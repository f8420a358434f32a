"""Flood control in groups: the bot answers every command in a group it is in, so one member
sending commands by the dozen would have it fill the group (and its queue of messages to
send, at 20 a minute per group)."""

from __future__ import annotations

from pathlib import Path

from bot.settings import LimitsSettings
from flows.loader import BUILTIN_DIR, load_consultation
from tests.conftest import QUARTIERS
from tests.fakebotapi import FakeChat, FakeUser
from tests.telegram.harness import Chat

MALLORY = FakeUser(id=666, first_name="Mallory")
NEIGHBOURS = FakeChat(id=-100_555, title="Voisins")


async def test_a_flood_of_commands_in_a_group_gets_a_few_answers_and_no_warning(tmp_path: Path):
    limits = LimitsSettings()
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    async with Chat(tmp_path / "parole.sqlite3", [consultation], limits=limits) as chat:
        for _ in range(4 * limits.flood_updates):
            chat.api.send_text(MALLORY, "/start", NEIGHBOURS)
        await chat.deliver()
        answers = [m.text for m in chat.api.messages(NEIGHBOURS.id)]
        assert 1 <= len(answers) <= limits.flood_updates
        assert len(set(answers)) == 1, "the usual answer only: no 'Doucement…' in the group"
        assert chat.api.refused == []
