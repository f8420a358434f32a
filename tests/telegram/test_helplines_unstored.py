"""The helplines go out for texts that are not stored too: they promise nothing about keeping
the text, and indeed nothing of it is kept."""

from __future__ import annotations

import sqlite3

from flows.model import Consultation
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import to_leviers_text

BOB = FakeUser(id=444_555_666, first_name="Bob")
CLAIMS = ("gardé", "enregistré", "conservé", "kept", "saved", "stored")


def _helpline(chat: Chat, user: FakeUser) -> str:
    [text] = [m.text for m in chat.api.messages(user.id) if m.text.startswith("💛")]
    return text.casefold()


async def test_a_newcomer_who_discloses_before_consenting_is_told_no_claim(chat: Chat):
    await chat.send(BOB, "mon mari me frappe")
    helpline = _helpline(chat, BOB)
    assert "3919" in helpline
    assert not [claim for claim in CLAIMS if claim in helpline]
    with sqlite3.connect(chat.database) as db:
        assert db.execute("SELECT count(*) FROM participants").fetchall() == [(0,)]
        assert db.execute("SELECT count(*) FROM answers").fetchall() == [(0,)]


async def test_a_refused_long_text_that_discloses_is_told_no_claim(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, BOB)
    await chat.send(BOB, "je ne veux plus vivre. " + "x" * 2500)
    helpline = _helpline(chat, BOB)
    assert "3114" in helpline
    assert not [claim for claim in CLAIMS if claim in helpline]
    with sqlite3.connect(chat.database) as db:
        texts = db.execute("SELECT count(*) FROM answers WHERE value LIKE '%vivre%'").fetchall()
        flags = db.execute("SELECT step_id, category FROM flags").fetchall()
    assert texts == [(0,)]
    assert flags == [(None, "self_harm")]  # counted, not stored
