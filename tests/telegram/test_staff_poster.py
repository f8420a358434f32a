"""/affiche: staff get a print-ready poster whose QR code opens the bot on a consultation."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import UploadedFile
from tests.fakebotapi.model import SentMessage
from tests.telegram.test_staff import RESIDENT, STAFF, STAFF_CHAT, TUESDAY, StaffChat, replies


def decoded(message: SentMessage) -> list[str]:
    assert message.kind == "photo" and isinstance(message.file, UploadedFile)
    image = Image.open(io.BytesIO(message.file.content))
    return [code.text for code in zxingcpp.read_barcodes(image)]


def other(consultation: Consultation, id: str, opens: dt.date, closes: dt.date) -> Consultation:
    return consultation.model_copy(update={"id": id, "opens": opens, "closes": closes})


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    consultations = [
        consultation,
        other(consultation, "emploi", dt.date(2027, 1, 4), dt.date(2027, 3, 31)),
        other(consultation, "sante", dt.date(2026, 1, 5), dt.date(2026, 6, 30)),
    ]
    async with StaffChat(tmp_path / "parole.sqlite3", consultations) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def posters(chat: StaffChat, text: str) -> list[SentMessage]:
    before = len(chat.api.messages(STAFF_CHAT.id))
    chat.api.send_text(STAFF, text, STAFF_CHAT)
    await chat.deliver()
    return chat.api.messages(STAFF_CHAT.id)[before:]


async def test_a_poster_for_each_consultation_open_or_to_come(chat: StaffChat):
    sent = await posters(chat, "/affiche")
    assert [decoded(m) for m in sent] == [
        ["https://t.me/parole_test_bot?start=vivre-ensemble"],
        ["https://t.me/parole_test_bot?start=emploi"],
    ]  # not "sante", closed in June
    open_now, to_come = sent
    assert "ouverte jusqu'au 31/12/2027" in open_now.text
    assert "du 04/01/2027 au 31/03/2027" in to_come.text
    assert "https://t.me/parole_test_bot?start=emploi" in to_come.text


async def test_what_the_code_opens_is_the_consultation_it_names(chat: StaffChat):
    [poster] = await posters(chat, "/affiche vivre-ensemble")
    [link] = decoded(poster)
    payload = link.rpartition("?start=")[2]
    welcome = await chat.send(RESIDENT, f"/start {payload}")
    assert welcome.buttons[0] == say("accept", "fr")
    [upcoming] = await posters(chat, "/affiche emploi")
    [link] = decoded(upcoming)
    early = await chat.send(RESIDENT, f"/start {link.rpartition('?start=')[2]}")
    assert "ouvrira le 04/01/2027" in early.text


async def test_a_closed_or_unknown_consultation_gets_no_poster(chat: StaffChat):
    [closed] = await posters(chat, "/affiche sante")
    assert closed.kind == "text" and "fermée depuis le 30/06/2026" in closed.text
    [unknown] = await posters(chat, "/affiche emplois")
    assert unknown.kind == "text"
    assert "vivre-ensemble, emploi, sante" in unknown.text


async def test_nothing_to_post_once_every_consultation_closed(chat: StaffChat):
    chat.now = TUESDAY.replace(year=2028)
    [nothing] = await posters(chat, "/affiche")
    assert nothing.kind == "text" and "pas d'affiche" in nothing.text


async def test_a_resident_gets_what_an_unknown_command_gets(chat: StaffChat):
    unknown = await replies(chat, RESIDENT, "/nimportequoi")
    assert await replies(chat, RESIDENT, "/affiche") == unknown
