"""The bot token never shows where an operator or a journal reads: a command asking Telegram
with a token it refuses (revoked after a leak, mistyped) says so in one line, without it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeBotApi, FakeBotApiServer

REFUSED = "999:REVOKED-TOKEN-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotApiServer]:
    """A folder with the bot's database, and a Bot API that refuses the configured token."""
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    async def create() -> None:
        async with SqliteStore(Settings().storage.path):
            pass

    asyncio.run(create())
    with FakeBotApiServer(FakeBotApi()) as running:
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", REFUSED)
        monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", running.base_url)
        yield running


def test_relay_add_with_a_refused_token_says_so_without_the_token(
    server: FakeBotApiServer, capsys: pytest.CaptureFixture[str]
):
    code = main(["relay", "add", "Centre social"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        "parole relay: Telegram a refusé le jeton ou n'a pas répondu, aucun relais n'a été "
        "créé\u202f: InvalidToken: The token `<token>` was rejected by the server."
    ]
    assert "REVOKED" not in err
