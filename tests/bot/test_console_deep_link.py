"""`/start ID` in the console opens that consultation, as a deep link does on Telegram: how
an officer tries the one a flyer will point to while several are open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.console import chat
from bot.conversation import Conversations
from flows.loader import BUILTIN_DIR, load_consultation
from storage.base import Channel
from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent.parent
QUARTIERS = ["Bourgogne", "Pont-Rompu"]


async def test_start_with_an_id_opens_that_consultation(tmp_path: Path):
    emploi = load_consultation(ROOT / "examples" / "emploi.toml", QUARTIERS)
    vivre = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    now = dt.datetime.combine(emploi.opens, dt.time(10), dt.UTC)
    lines = iter(["/start emploi"])
    shown: list[list[str]] = [[]]  # what was shown before each line typed, then after

    async def ask(prompt: str) -> str | None:
        shown.append([])
        return next(lines, None)

    store = SqliteStore(tmp_path / "parole.sqlite3")
    await store.open()
    try:
        conversations = Conversations(
            store, [vivre, emploi], "s" * 32, channel=Channel.CONSOLE, clock=lambda: now
        )
        await chat(conversations, "alice", ask, lambda text: shown[-1].append(text), "fr")
    finally:
        await store.close()
    menu, after = "\n".join(shown[0]), "\n".join(shown[1])
    assert vivre.title.fr in menu and emploi.title.fr in menu  # both open: the menu first
    assert emploi.title.fr in after and emploi.welcome.fr.split("\n")[0] in after
    assert vivre.title.fr not in after
