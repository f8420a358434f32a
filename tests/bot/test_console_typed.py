"""`parole chat` says what to do in a terminal: type a button's number (or, where a number
is the answer, the button's word), never Telegram's "touch"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.conversation import Conversations
from flows.loader import load_consultation
from flows.model import Consultation
from flows.state import Answer
from flows.typography import NNBSP
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.bot.test_console import (
    NOW,
    SECRET,
    buttons,
    current,
    talk,
    to_free_text,
)

SCALED = """\
id = "note"
opens = 2026-01-01
closes = 2027-12-31
title = { fr = "Une note", en = "A mark" }
welcome = { fr = "Bonjour !", en = "Hello!" }
thanks = { fr = "Merci !", en = "Thank you!" }

[[steps]]
id = "accueil"
kind = "single"
text = { fr = "Vous êtes ?", en = "You are?" }
help = { fr = "Pas dans la liste ? Touchez « Autre… ».", en = "Not listed? Tap “Other…”." }
other = true
options = [{ code = "habitant", label = { fr = "Habitant·e", en = "Resident" } }]

[[steps]]
id = "note"
kind = "scale"
min = 0
max = 4
optional = true
text = { fr = "Quelle note de 0 à 4 ?", en = "Which mark from 0 to 4?" }

[[steps]]
id = "idee"
kind = "text"
text = { fr = "Une idée ?", en = "An idea?" }
"""


@pytest.fixture
async def scaled(tmp_path: Path) -> AsyncIterator[Conversations]:
    """Conversations on a consultation with a scale from 0."""
    (tmp_path / "note.toml").write_text(SCALED, encoding="utf-8")
    consultation: Consultation = load_consultation(tmp_path / "note.toml")
    store = SqliteStore(tmp_path / "parole.sqlite3")
    await store.open()
    try:
        yield Conversations(
            store, [consultation], SECRET, channel=Channel.CONSOLE, clock=lambda: NOW
        )
    finally:
        await store.close()


def spaced(text: str) -> str:
    """`text` with the no-break spaces French typography puts inside « »."""
    for mark in ":?»":
        text = text.replace(f" {mark}", f"{NNBSP}{mark}")
    return text.replace("« ", f"«{NNBSP}")


async def test_no_screen_of_a_journey_says_touch(conversations: Conversations):
    c_lines = ["1", "1", "1", "1", "1", "/aide", "2"]
    terminal = await talk(conversations, c_lines)
    shown = "\n".join(terminal.screens)
    assert "ouchez" not in shown
    consent = terminal.screens[0]
    assert spaced("Tapez le numéro de « J'accepte » pour commencer :") in consent
    assert "(Tapez le numéro d'une réponse.)" in terminal.screens[1]
    assert spaced("tapez le numéro de « Autre… »") in terminal.screens[1]  # the question's help
    assert (
        spaced(
            "(Tapez les numéros de vos réponses, par exemple « 1, 3 », puis celui de « Valider ».)"
        )
        in terminal.last
    )


async def test_in_english_too(conversations: Conversations):
    terminal = await talk(conversations, ["1", "1"], lang="en")
    shown = "\n".join(terminal.screens)
    assert "Tap " not in shown and " tap " not in shown
    assert "Type the number of “I agree” to start" in terminal.screens[0]
    assert "(Type the number of one answer.)" in terminal.screens[1]


async def test_where_a_number_is_the_answer_the_button_goes_by_its_word(
    conversations: Conversations, consultation: Consultation
):
    lines = [*to_free_text(consultation), "Le centre social", "/retour"]
    terminal = await talk(conversations, lines)
    assert spaced("Sinon, tapez « garder ».") in terminal.last


async def test_a_scale_from_zero_takes_the_number_typed_as_the_value(scaled: Conversations):
    terminal = await talk(scaled, ["1", "1", "3"])
    scale = terminal.screens[2]
    assert "(Tapez un nombre de 0 à 4. Vous pouvez passer cette question.)" in scale
    assert "  0   1   2   3   4" in scale.splitlines()
    # The values go by themselves; the other buttons by their words ("retour", "passer").
    assert buttons(scale) == {}
    assert "  · ⬅️ Retour" in scale.splitlines()
    answers = (await current(scaled)).state.answers
    assert answers["note"] == Answer(choices=["3"])
    assert spaced("Une idée ?") in terminal.last


async def test_a_scale_typed_word_still_goes_back(scaled: Conversations):
    terminal = await talk(scaled, ["1", "1", "retour"])
    assert spaced("Vous êtes ?") in terminal.last
    assert spaced("Tapez le numéro de « Autre… »") in terminal.last
