"""Set up for the whole test suite, and the fixtures tests of several folders share."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.conversation import Conversations
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation

# As `parole` itself does (bot/cli.py): without it, python-telegram-bot 22 warns whenever it
# builds a RetryAfter, and with filterwarnings = error that warning would replace the 429
# the rate limiter waits out.
os.environ["PTB_TIMEDELTA"] = "true"

QUARTIERS = ["Bourgogne", "Pont-Rompu"]


@pytest.fixture
def consultation() -> Consultation:
    """The default consultation with two quartiers (a test module may define its own)."""
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)


@pytest.fixture
async def conversations(tmp_path: Path, consultation: Consultation) -> AsyncIterator[Conversations]:
    """The console's conversations (`parole chat`) on tmp_path/parole.sqlite3."""
    from tests.bot.test_console import opened  # a test module: imported only when used

    async with opened(tmp_path / "parole.sqlite3", consultation) as running:
        yield running
