"""A relay's /mesdonnees tells the truth about the relay: staff keep the name they gave the
invitation, removing the relay unlinks the account at once and leaves the name in the list;
the resident's data file that follows claims nothing about the name beyond its answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.relay_texts import say as relay_say
from flows.model import Lang
from flows.texts import say
from tests.fakebotapi.model import UploadedFile
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import RELAY, STAFF, RelayChat

NAME = "Association Les Amis"


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_relay_is_told_the_name_is_kept_and_stays_after_removal(
    chat: RelayChat, lang: Lang
):
    await chat.make_relay(RELAY)
    if lang == "en":
        await chat.send(RELAY, "/langue en")
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/mesdonnees")
    kept = chat.api.messages(RELAY.id)[before]
    assert NAME in kept.text
    stays = "Le nom reste" if lang == "fr" else "The name stays"
    assert stays in kept.text
    assert kept.text == relay_say("relay_data", lang, name=NAME)

    # What it says is what removal does: the account is unlinked, the name stays.
    await chat.send(STAFF, "/relais_retirer 1")
    assert chat.rows("SELECT name, pseudonym FROM relays") == [(NAME, None)]


async def test_a_relays_own_data_file_claims_nothing_about_the_relay_name(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.click(RELAY, "Bourgogne")  # their own participation: one answer
    await chat.send(RELAY, "/mesdonnees")
    document = chat.api.messages(RELAY.id)[-1]
    assert isinstance(document.file, UploadedFile)
    content = document.file.content.decode("utf-8")
    closing = next(line for line in content.splitlines() if line.startswith("Rien d'autre"))
    # Staff keep the relay's name (the message before says so): the file speaks of what is
    # kept with these answers only.
    assert "avec vos réponses" in closing and "ni votre nom" in closing
    assert NAME not in content
