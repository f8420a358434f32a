"""A staff command that fails says so to staff, without the error's words."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram.staff import EXPORT_FAILED, STATS_FAILED
from flows.model import Consultation
from tests.telegram.test_staff import STAFF, STAFF_CHAT, StaffChat, replies

SECRET_WORDS = "the answer quoted: Le voisin du 3e"


def broken(*args: object, **kwargs: object) -> None:
    """The database failing under the command (a disk error, a corrupted page)."""
    raise sqlite3.OperationalError(f"disk I/O error; {SECRET_WORDS}")


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


@pytest.mark.parametrize(
    ("command", "method", "said"),
    [
        ("/export", "export", EXPORT_FAILED.format(id="vivre-ensemble")),
        ("/export xlsx", "export", EXPORT_FAILED.format(id="vivre-ensemble")),
        ("/stats", "steps_reached_by_channel", STATS_FAILED),
    ],
)
async def test_a_failed_command_tells_staff_where_they_asked(
    chat: StaffChat,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    command: str,
    method: str,
    said: str,
):
    monkeypatch.setattr(chat.store, method, broken)
    # In the staff chat the bot said nothing at all; in private, the residents' error text.
    assert await replies(chat, STAFF, command, STAFF_CHAT) == [("text", said)]
    assert await replies(chat, STAFF, command) == [("text", said)]
    assert "OperationalError" in caplog.text and SECRET_WORDS not in caplog.text
