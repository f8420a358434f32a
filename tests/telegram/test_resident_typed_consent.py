"""A resident who types under the welcome rather than tapping: "oui" is the "J'accepte" it
asks for, "non" its "Non merci"; anything else shows the welcome again and consents to
nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

AMINATA = FakeUser(id=737_373, first_name="Aminata")


def sessions(database: Path) -> int:
    with sqlite3.connect(database) as db:
        [(count,)] = db.execute("SELECT count(*) FROM sessions").fetchall()
    return int(count)


def participants(database: Path) -> int:
    with sqlite3.connect(database) as db:
        [(count,)] = db.execute("SELECT count(*) FROM participants").fetchall()
    return int(count)


@pytest.mark.parametrize("typed", ["oui", "Oui !", "OK", "d'accord", "J'accepte", "yes"])
async def test_a_yes_typed_under_the_welcome_starts_the_questions(chat: Chat, typed: str):
    welcome = await chat.send(AMINATA, "/start")
    assert say("accept", "fr") in welcome.buttons
    first = await chat.send(AMINATA, typed)
    assert first.text.startswith(say("accepted", "fr") + "\n\nQuestion 1 sur ")
    assert sessions(chat.database) == 1


@pytest.mark.parametrize("typed", ["non", "Non merci", "no"])
async def test_a_no_typed_under_the_welcome_stores_nothing(chat: Chat, typed: str):
    await chat.send(AMINATA, "/start")
    declined = await chat.send(AMINATA, typed)
    assert declined.text.startswith(say("declined", "fr"))
    assert sessions(chat.database) == 0 and participants(chat.database) == 0


@pytest.mark.parametrize("typed", ["bonjour", "c'est pour quoi ?", "oui mais non", "1"])
async def test_anything_else_shows_the_welcome_again_and_consents_to_nothing(
    chat: Chat, typed: str
):
    welcome = await chat.send(AMINATA, "/start")
    again = await chat.send(AMINATA, typed)
    assert again.text == welcome.text and again.buttons == welcome.buttons
    assert sessions(chat.database) == 0


@pytest.fixture
async def two_open(tmp_path: Path, consultation: Consultation) -> AsyncIterator[Chat]:
    emploi = consultation.model_copy(update={"id": "emploi"})
    async with Chat(tmp_path / "parole.sqlite3", [consultation, emploi]) as running:
        yield running
    assert running.api.refused == []


async def test_with_several_open_a_yes_chooses_nothing(two_open: Chat):
    menu = await two_open.send(AMINATA, "/start")
    assert menu.text == say("choose_consultation", "fr")
    again = await two_open.send(AMINATA, "oui")
    assert again.text == menu.text and again.buttons == menu.buttons
    assert sessions(two_open.database) == 0
