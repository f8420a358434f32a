"""/papier: a relay gets the paper questionnaire to print, as a document the Bot API accepts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.relay_texts import say as relay_say
from bot.telegram.app import build_application
from flows.model import Consultation
from tests.fakebotapi import FakeRequest, FakeUser, UploadedFile
from tests.fakebotapi.model import SentMessage
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import ALICE, RELAY, STAFF, RelayChat

ENGLISH_RELAY = FakeUser(id=500_000_003, first_name="Amy", language_code="en")
RETENTION_DAYS = 90  # "3 mois": not the default year


class PaperChat(RelayChat):
    """The relay harness, with the city keeping answers 90 days instead of a year."""

    def __init__(self, database: Path, consultations: list[Consultation], clock: Clock) -> None:
        super().__init__(database, consultations, clock)
        privacy = self.settings.privacy.model_copy(update={"retention_days": RETENTION_DAYS})
        self.settings = self.settings.model_copy(update={"privacy": privacy})
        self.app = build_application(
            self.settings, self.store, consultations, clock=clock, request=FakeRequest(self.api)
        )


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[PaperChat]:
    async with PaperChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def html_of(message: SentMessage) -> str:
    assert message.kind == "document" and isinstance(message.file, UploadedFile)
    return message.file.content.decode("utf-8")


async def test_a_relay_gets_the_form_to_print_in_french(chat: PaperChat):
    await chat.make_relay(RELAY)
    sent = await chat.send(RELAY, "/papier")
    assert isinstance(sent.file, UploadedFile)
    assert sent.file.filename == "questionnaire-mini.html"
    assert sent.text == relay_say("paper_caption", "fr", title="Vivre ensemble au quartier")
    assert "navigateur" in sent.text and "\n" not in sent.text
    form = html_of(sent)
    assert form.startswith("<!DOCTYPE html>") and '<html lang="fr">' in form
    assert "1. Votre quartier" in form and "4. Une note" in form
    assert "Être informé" not in form  # the follow-up question is not on paper
    assert "imprimé le 26/11/2026" in form


async def test_a_relay_reading_english_gets_the_english_form(chat: PaperChat):
    welcome = await chat.send(ENGLISH_RELAY, f"/start {await chat.invite()}")
    assert "You are now relay" in welcome.text
    sent = await chat.send(ENGLISH_RELAY, "/papier")
    assert isinstance(sent.file, UploadedFile)
    assert sent.file.filename == "questionnaire-mini-en.html"
    assert sent.text == relay_say("paper_caption", "en", title="Living together")
    form = html_of(sent)
    assert '<html lang="en">' in form and "1. Your area?" in form
    assert "Votre quartier" not in form


async def test_the_read_out_gives_the_citys_retention_period(chat: PaperChat):
    await chat.make_relay(RELAY)
    form = html_of(await chat.send(RELAY, "/papier"))
    assert "effacé 3 mois après" in form and "effacé 1 an" not in form
    # The same text is read out before an assisted entry, with the same period.
    consent = await chat.send(RELAY, "/saisie")
    assert "effacé 3 mois après" in consent.text and "effacé 1 an" not in consent.text


async def test_only_relays_get_it_anyone_else_gets_an_unknown_commands_answer(chat: PaperChat):
    await chat.make_relay(RELAY)
    for someone in (ALICE, STAFF):
        unknown = await chat.send(someone, "/inconnue")
        answered = await chat.send(someone, "/papier")
        assert (answered.kind, answered.text) == ("text", unknown.text)
    await chat.send(STAFF, "/relais_retirer 1")
    unknown = await chat.send(RELAY, "/inconnue")
    answered = await chat.send(RELAY, "/papier")
    assert (answered.kind, answered.text) == ("text", unknown.text)
    sent = [m for user in (ALICE, STAFF, RELAY) for m in chat.api.messages(user.id)]
    assert [m for m in sent if m.kind == "document"] == []


async def test_the_relays_menu_and_help_name_it(chat: PaperChat):
    await chat.make_relay(RELAY)
    menu = [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": RELAY.id})]
    assert "papier" in menu
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/aide")
    relay_help = chat.api.messages(RELAY.id)[before]
    assert relay_help.text == relay_say("relay_help", "fr") and "/papier" in relay_help.text
