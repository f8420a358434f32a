"""Safeguarding as residents and staff meet it: helplines first, flags counted, never quoted;
and logs that hold no resident text, id or name, even when something fails."""

from __future__ import annotations

import datetime as dt
import io
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.console import chat as console_chat
from bot.conversation import Conversations
from digest.aggregate import build_digest
from digest.exports import write_csv
from digest.model import Period
from digest.render import render_email_html, render_plain, render_telegram
from flows.model import Consultation
from flows.safeguarding import Category, helplines
from flows.texts import ERROR_MESSAGE, say
from storage.base import Channel
from storage.sqlite import SqliteStore
from storage.sqlite_reports import WITHHELD_TEXT
from tests.fakebotapi import FakeUser
from tests.telegram.harness import SECRET, Chat
from tests.telegram.journey import to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice", username="alice_du_quartier")
DISCLOSURE = "Mon mari me frappe tous les soirs"
TOPIC = "La violence des rodéos la nuit"


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


def period(chat: Chat) -> Period:
    return Period(chat.now - dt.timedelta(days=1), chat.now + dt.timedelta(days=1))


async def test_a_disclosure_gets_the_helplines_before_the_next_question(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))

    await chat.send(ALICE, DISCLOSURE)

    new = chat.api.messages(ALICE.id)[before:]
    assert new[0].text == helplines(frozenset({Category.DANGER, Category.DOMESTIC}), "fr")
    assert "3919" in new[0].text and "17" in new[0].text and "114" in new[0].text
    assert "pas surveillé en temps réel" in new[0].text
    assert new[-1].text.startswith("Question 8 sur 12")  # then the next question
    # Stored as given, and flagged on that answer, in the same turn.
    stored = dict(rows(chat.database, "SELECT step_id, json_extract(value, '$.text') FROM answers"))
    assert stored["leviers_precision"] == DISCLOSURE
    flags = rows(chat.database, "SELECT step_id, category, session_id FROM flags ORDER BY 2")
    assert [(step, category) for step, category, _ in flags] == [
        ("leviers_precision", "danger"),
        ("leviers_precision", "domestic"),
    ]
    assert all(session is not None for _, _, session in flags)


async def test_a_topic_is_not_a_disclosure(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    reply = await chat.send(ALICE, TOPIC)
    assert reply.text.startswith("Question 8 sur 12")
    assert not [m for m in chat.api.messages(ALICE.id) if m.text.startswith("💛")]
    assert rows(chat.database, "SELECT count(*) FROM flags") == [(0,)]


async def test_digests_count_flags_and_never_quote_them(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, DISCLOSURE)
    other = FakeUser(id=5, first_name="Zoé")
    await to_leviers_text(chat, consultation, other)
    await chat.send(other, TOPIC)

    digest = await build_digest(chat.store, consultation, period(chat))

    assert digest.disclosures == 1
    assert digest.flags == {"danger": 1, "domestic": 1}
    [leviers] = [t for t in digest.texts if t.step_id == "leviers_precision"]
    assert leviers.count == 2  # both answers are counted…
    assert leviers.recent == [TOPIC]  # …only the topic is quoted
    telegram = "\n".join(render_telegram([digest]))
    outputs = [telegram, render_plain([digest]), render_email_html([digest])]
    for output in outputs:
        assert "me frappe" not in output
        assert "Signalements" in output
    assert "⚠️ 1 personne (danger ou menace 1, violences conjugales ou familiales 1)" in (
        render_plain([digest])
    )


async def test_exports_withhold_flagged_texts(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, DISCLOSURE)
    out = io.StringIO()
    await write_csv(chat.store.export(consultation.id), consultation, out, bom=False)
    assert "me frappe" not in out.getvalue()
    assert WITHHELD_TEXT in out.getvalue()
    # The database keeps the answer as given; the resident sees it in /mesdonnees.
    await chat.send(ALICE, "/mesdonnees")
    document = chat.api.messages(ALICE.id)[-1]
    assert document.file is not None and not isinstance(document.file, str)
    content = document.file.content.decode()
    assert DISCLOSURE in content
    # One message, two categories: one message counted.
    counted = "numéros d'aide\u202f: 1 (danger ou menace, violences conjugales ou familiales)"
    assert counted in content


async def test_an_other_text_disclosure_is_flagged_on_its_step(
    chat: Chat, consultation: Consultation
):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, say("other", "fr"))
    before = len(chat.api.messages(ALICE.id))
    await chat.send(ALICE, "je veux mourir")
    assert "3114" in chat.api.messages(ALICE.id)[before].text
    assert rows(chat.database, "SELECT step_id, category FROM flags") == [("profil", "self_harm")]


async def test_a_stray_disclosure_gets_helplines_and_stores_no_participant(chat: Chat):
    await chat.send(ALICE, "aidez moi il va me tuer")
    first, *rest = chat.api.messages(ALICE.id)
    assert "17" in first.text and "112" in first.text
    assert rest and "Ce qui est gardé" in rest[-1].text  # then the welcome
    assert rows(chat.database, "SELECT count(*) FROM participants") == [(0,)]
    assert rows(chat.database, "SELECT consultation_id, session_id, step_id FROM flags") == [
        ("vivre-ensemble", None, None)
    ]


async def test_a_stray_disclosure_delivered_twice_is_counted_once(chat: Chat):
    update = chat.api.send_text(ALICE, "au secours")
    await chat.deliver()
    await chat.redeliver(update)
    assert rows(chat.database, "SELECT count(*) FROM flags") == [(1,)]


async def test_the_console_shows_the_helplines_first(tmp_path: Path, consultation: Consultation):
    store = SqliteStore(tmp_path / "console.sqlite3")
    conversations = Conversations(store, [consultation], SECRET, channel=Channel.CONSOLE)
    lines = iter(["1", DISCLOSURE])
    shown: list[str] = []

    async def ask(prompt: str) -> str | None:
        return next(lines, None)

    await store.open()
    try:
        await console_chat(conversations, "alice", ask, shown.append, "fr")
    finally:
        await store.close()
    screens = [s for s in shown if s]
    disclosed = next(s for s in screens if "3919" in s)
    assert disclosed.startswith("💛")


# -- logs ---------------------------------------------------------------------------------------


async def test_a_journey_with_a_disclosure_logs_no_text_id_or_name(
    chat: Chat, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, DISCLOSURE)
    await chat.send(ALICE, "x" * 2500)
    await chat.send(ALICE, "/mesdonnees")
    await chat.send(ALICE, "/oubli")
    await chat.click(ALICE, say("forget_yes", "fr"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    logged += "\n".join(str(record.args) for record in caplog.records)
    assert logged, "something was logged"
    for secret in (
        "frappe",
        "xxxxx",
        str(ALICE.id),
        "Alice",
        "alice_du_quartier",
        chat.api.token,
        SECRET,
    ):
        assert secret not in logged, secret


async def test_a_failure_tells_the_resident_and_logs_no_text(
    chat: Chat,
    consultation: Consultation,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    await to_leviers_text(chat, consultation, ALICE)

    async def broken(turn: object) -> int:
        raise ValueError(f"cannot store {DISCLOSURE!r} for {ALICE.id}")

    monkeypatch.setattr(chat.store, "commit", broken)
    caplog.set_level(logging.DEBUG, logger="bot")
    reply = await chat.send(ALICE, "Le centre social " + DISCLOSURE)

    assert reply.text == ERROR_MESSAGE
    assert (
        "réponses déjà données sont bien gardées" in reply.text and "answers are safe" in reply.text
    )
    # The helplines went out before the failure.
    assert any("3919" in m.text for m in chat.api.messages(ALICE.id))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "ValueError" in errors[0].getMessage()
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "frappe" not in everything and str(ALICE.id) not in everything
    assert all(r.exc_info is None for r in errors)


async def test_a_photo_whose_caption_discloses_gets_the_helplines(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    chat.api.send_photo(ALICE, caption=DISCLOSURE)
    await chat.deliver()
    *_, helpline, guidance = chat.api.messages(ALICE.id)
    assert helpline.text == helplines(frozenset({Category.DANGER, Category.DOMESTIC}), "fr")
    assert guidance.text == say("caption_not_kept", "fr")
    # Counted for staff like a typed disclosure; the caption is no answer.
    assert rows(chat.database, "SELECT category FROM flags ORDER BY 1") == [
        ("danger",),
        ("domestic",),
    ]
    assert rows(chat.database, "SELECT count(*) FROM answers WHERE value LIKE '%frappe%'") == [(0,)]
    chat.api.send_photo(ALICE, caption="Le square du quartier")
    await chat.deliver()
    assert chat.last(ALICE).text == say("caption_not_kept", "fr")
    assert rows(chat.database, "SELECT count(*) FROM flags") == [(2,)]


# -- edited messages ----------------------------------------------------------------------------


async def test_an_edit_into_a_disclosure_gets_the_helplines_and_keeps_the_answer(
    chat: Chat, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    await to_leviers_text(chat, consultation, ALICE)
    sent = chat.api.send_text(ALICE, "Le centre social Jean Moulin")
    await chat.deliver()
    before = len(chat.api.messages(ALICE.id))

    edit = chat.api.edit_text(ALICE, sent["message"]["message_id"], DISCLOSURE)
    await chat.deliver()

    helpline, notice = chat.api.messages(ALICE.id)[before:]
    assert helpline.text == helplines(frozenset({Category.DANGER, Category.DOMESTIC}), "fr")
    assert notice.text == say("edit_ignored", "fr")
    # Counted for staff like a typed disclosure, in the resident's session; the answer
    # stored is the one sent, not the edit.
    flags = rows(chat.database, "SELECT category, step_id, session_id FROM flags ORDER BY 1")
    assert [(category, step) for category, step, _ in flags] == [
        ("danger", None),
        ("domestic", None),
    ]
    assert all(session is not None for _, _, session in flags)
    stored = dict(rows(chat.database, "SELECT step_id, json_extract(value, '$.text') FROM answers"))
    assert stored["leviers_precision"] == "Le centre social Jean Moulin"
    # Telegram may deliver the edit again: counted once.
    await chat.redeliver(edit)
    assert rows(chat.database, "SELECT count(*) FROM flags") == [(2,)]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "frappe" not in logged and "Jean Moulin" not in logged


async def test_an_ordinary_edit_is_explained_and_changes_nothing(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    sent = chat.api.send_text(ALICE, "Le centre social")
    await chat.deliver()

    chat.api.edit_text(ALICE, sent["message"]["message_id"], "La médiathèque")
    await chat.deliver()

    assert chat.last(ALICE).text == say("edit_ignored", "fr")
    assert rows(chat.database, "SELECT count(*) FROM flags") == [(0,)]
    stored = dict(rows(chat.database, "SELECT step_id, json_extract(value, '$.text') FROM answers"))
    assert stored["leviers_precision"] == "Le centre social"
    assert (await chat.send(ALICE, "/reprendre")).text.startswith("Question 8 sur 12")


async def test_a_disclosure_typed_as_on_a_phone_gets_the_helplines(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))

    await chat.send(ALICE, "jme fait taper par mon mec 😢")

    new = chat.api.messages(ALICE.id)[before:]
    assert new[0].text == helplines(frozenset({Category.DANGER, Category.DOMESTIC}), "fr")
    assert "3919" in new[0].text
    assert new[-1].text.startswith("Question 8 sur 12")


async def test_nowhere_to_sleep_gets_the_115_and_is_counted_never_quoted(
    chat: Chat, consultation: Consultation
):
    text = "jdors dehors avec mes 2 enfants depuis l'expulsion"
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))

    await chat.send(ALICE, text)

    assert "115" in chat.api.messages(ALICE.id)[before].text
    assert rows(chat.database, "SELECT step_id, category FROM flags") == [
        ("leviers_precision", "shelter")
    ]
    digest = await build_digest(chat.store, consultation, period(chat))
    plain = render_plain([digest])
    assert "⚠️ 1 personne (sans endroit où dormir 1)" in plain
    assert "expulsion" not in plain


async def test_a_parent_hit_by_their_son_gets_the_3919_and_the_3977_not_the_119(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    before = len(chat.api.messages(ALICE.id))

    await chat.send(ALICE, "mon fils me frappe")

    helpline = chat.api.messages(ALICE.id)[before].text
    assert "3919" in helpline and "3977" in helpline
    assert "119" not in helpline and "Enfance en danger" not in helpline
    assert "Maltraitance d'une personne âgée ou handicapée" in helpline
    assert rows(chat.database, "SELECT category FROM flags ORDER BY 1") == [
        ("danger",),
        ("domestic",),
        ("elder",),
    ]
    # Staff read the kind in words, as for every other one.
    plain = render_plain([await build_digest(chat.store, consultation, period(chat))])
    assert "personne âgée ou handicapée maltraitée 1" in plain
    assert "me frappe" not in plain
