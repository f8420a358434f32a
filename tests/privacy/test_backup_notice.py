"""Residents are told that the city's backups keep their data until replaced (README, "Privacy
and safety": a copy holds the database as it was, residents erased since included): in the
/confidentialite notice and in the erasure's confirmation, in French and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.conversation import Conversations
from bot.privacy import PrivacyNotice
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation, Lang
from tests.bot.test_console import QUARTIERS, opened, talk

BACKUPS = {"fr": "copies de sauvegarde", "en": "backup copies"}
REPLACED = {"fr": "remplacées", "en": "replaced"}


@pytest.fixture
async def conversations(tmp_path: Path) -> AsyncIterator[Conversations]:
    consultation: Consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    async with opened(tmp_path / "parole.sqlite3", consultation) as running:
        yield running


def backup_sentence(text: str, lang: Lang) -> str:
    """The sentence of `text` about backups, or "" if it has none."""
    sentences = text.replace("\n", " ").split(". ")
    return next((s for s in sentences if BACKUPS[lang] in s), "")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_privacy_notice_says_backups_keep_data_until_replaced(lang: Lang):
    sentence = backup_sentence(PrivacyNotice().full(lang), lang)
    assert REPLACED[lang] in sentence


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_the_erasure_confirmation_says_backups_keep_data_until_replaced(
    conversations: Conversations, lang: Lang
):
    terminal = await talk(conversations, ["1", "2", "/oubli", "1"], lang=lang)
    erased = terminal.screens[-1]
    assert REPLACED[lang] in backup_sentence(erased, lang)
