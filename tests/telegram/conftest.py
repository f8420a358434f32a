"""Fixtures shared by the in-process Telegram tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.model import Consultation
from tests.telegram.harness import Chat


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[Chat]:
    """The bot in-process; every request it made must be one the real Bot API accepts."""
    async with Chat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == []
