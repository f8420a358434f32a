"""The privacy commands every welcome names, in `parole chat`: /mesdonnees, /oubli,
/confidentialite (the terminal answered them with its help)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.console import typed
from bot.conversation import Conversations
from flows.model import Consultation
from flows.texts import say
from tests.bot.test_console import talk, to_free_text


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "parole.sqlite3"


def count(database: Path, table: str, where: str = "1") -> int:
    with closing(sqlite3.connect(database)) as db:
        return int(db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])


async def test_oubli_erases_after_a_yes_and_the_resident_can_start_again(
    conversations: Conversations, consultation: Consultation, database: Path
):
    await talk(conversations, [*to_free_text(consultation), "Les mots de Bob"], account="bob")
    before = count(database, "participants", "id > 0")
    terminal = await talk(
        conversations, [*to_free_text(consultation), "Une ludothèque", "/oubli", "1", "1"]
    )

    asked = terminal.screens[-3]
    assert say("forget_confirm", "fr", sessions=1, answers=7) in asked
    assert f"1. {say('forget_yes', 'fr')}" in asked and f"2. {say('forget_no', 'fr')}" in asked
    erased = terminal.screens[-2]
    assert say("forgotten", "fr") in erased
    welcome = typed(say("consent_prompt", "fr"), numbered=True)  # as the terminal words it
    assert welcome in erased, "the welcome again, as for a newcomer"
    # Only Bob's answers are left, and the "1" typed after the welcome started a new session.
    assert count(database, "answers", "value LIKE '%ludoth%'") == 0
    assert count(database, "answers") == count(database, "answers", "session_id = 1") == 7
    assert count(database, "participants") == before + 1
    assert count(database, "sessions", "id > 2") == 1
    assert consultation.step("quartier").text.fr in terminal.last


async def test_oubli_answered_no_erases_nothing(
    conversations: Conversations, consultation: Consultation, database: Path
):
    terminal = await talk(conversations, [*to_free_text(consultation), "/oubli", "2"])
    assert say("forget_cancelled", "fr") in terminal.last
    assert consultation.step("leviers_precision").text.fr in terminal.last
    assert count(database, "answers") == 6


async def test_mesdonnees_prints_my_answers_in_my_language_and_nobody_else_s(
    conversations: Conversations, consultation: Consultation, database: Path
):
    await talk(conversations, [*to_free_text(consultation), "Les mots de Bob"], account="bob")
    lines = [*to_free_text(consultation), "A games library", "/mesdonnees"]
    terminal = await talk(conversations, lines, lang="en")
    shown = terminal.last
    assert "Parole habitante — your data" in shown
    assert "A games library" in shown and "Les mots de Bob" not in shown
    assert "Anonymous number: 2" in shown and "Réponses" not in shown


async def test_with_nothing_stored_the_commands_say_so_and_store_nothing(
    conversations: Conversations, database: Path
):
    terminal = await talk(conversations, ["/mesdonnees", "/oubli", "/confidentialite"])
    nothing = say("nothing_stored", "fr")
    assert nothing in terminal.screens[1] and nothing in terminal.screens[2]
    assert "Vos droits" in terminal.last
    assert count(database, "participants") == 0
