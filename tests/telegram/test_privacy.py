"""Privacy as residents meet it on Telegram: consent, /confidentialite, /mesdonnees, /oubli,
follow-up contacts, the size cap, flood control and replayed buttons."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from bot.privacy import unseal
from bot.settings import LimitsSettings
from digest.aggregate import build_digest
from digest.model import Period
from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.fakebotapi.model import UploadedFile
from tests.telegram.harness import SECRET, Chat
from tests.telegram.journey import label, to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice")
BOB = FakeUser(id=444_555_666, first_name="Bob", language_code="en")
CHLOE = FakeUser(id=777_888_999, first_name="Chloé")


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


def count(database: Path, table: str) -> int:
    return int(rows(database, f"SELECT count(*) FROM {table}")[0][0])


async def finish(chat: Chat, c: Consultation, follow_up: str, user: FakeUser = ALICE) -> None:
    """From the first free-text question to the end, answering the follow-up question."""
    await chat.send(user, "La ludothèque du quartier")
    await chat.click(user, say("unselected", "fr", label=label(c, "freins", "rodeos")))
    await chat.click(user, say("validate_count", "fr", n=1))
    await chat.click(user, say("skip", "fr"))
    for code in ("isolement", "convivialite", "culture"):
        await chat.click(user, say("unselected", "fr", label=label(c, "objectifs", code)))
    await chat.click(user, say("validate_count", "fr", n=3))
    await chat.send(user, "Des jardins partagés")
    await chat.click(user, say(follow_up, "fr"))


# -- 1. consent and transparency ----------------------------------------------------------------


async def test_the_welcome_says_what_is_kept_for_what_who_reads_and_how_long(chat: Chat):
    welcome = await chat.send(ALICE, "/start")
    text = welcome.text
    for needed in (
        "Ce qui est gardé",  # what is collected
        "Contrat de ville",  # what for
        "politique de la ville",  # who reads it
        "1 an",  # how long (privacy.retention_days = 365)
        "anonyme",
        "pas un service d'urgence",
        "/mesdonnees",
        "/oubli",
        "/confidentialite",
    ):
        assert needed in text, needed
    assert text.rstrip().endswith(say("consent_prompt", "fr"))
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]


async def test_reading_the_welcome_and_declining_stores_nothing(chat: Chat):
    await chat.send(ALICE, "/start")
    assert count(chat.database, "participants") == 0
    refused = await chat.click(ALICE, say("decline", "fr"))
    assert refused.text == say("declined", "fr")
    for table in ("participants", "sessions", "answers", "contacts", "flags"):
        assert count(chat.database, table) == 0, table


async def test_choosing_a_language_then_declining_leaves_no_participant(chat: Chat):
    await chat.send(ALICE, "/langue en")
    assert count(chat.database, "participants") == 1
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("decline", "en"))
    assert count(chat.database, "participants") == 0


async def test_consenting_creates_the_participant(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    assert count(chat.database, "participants") == 1
    assert count(chat.database, "sessions") == 1


async def test_confidentialite_names_the_controller_contact_and_retention(
    tmp_path: Path, consultation: Consultation
):
    async with Chat(tmp_path / "db.sqlite3", [consultation]) as running:
        shown = await running.send(BOB, "/confidentialite")
    assert "la mairie (service politique de la ville)" in shown.text  # the default controller
    assert "1 year" in shown.text and "17 (police) or 112" in shown.text
    # Staff get every answer in tables (digest attachments, exports): the notice says so.
    assert "the table of all answers" in shown.text
    assert count(tmp_path / "db.sqlite3", "participants") == 0  # asking stores nothing


async def test_confidentialite_uses_the_configured_controller(tmp_path: Path):
    from bot.privacy import PrivacyNotice

    notice = PrivacyNotice(controller="Ville de Reims", contact="dpo@reims.fr", retention_days=180)
    text = notice.full("fr")
    assert "Ville de Reims" in text and "dpo@reims.fr" in text and "6 mois" in text
    assert "180" not in text


# -- 2. access and erasure ----------------------------------------------------------------------


async def test_mesdonnees_sends_a_summary_and_a_file_of_my_data_only(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, CHLOE)
    await chat.send(CHLOE, "Les mots de Chloé")
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, "La maison de quartier")

    await chat.send(ALICE, "/mesdonnees")

    sent = chat.api.messages(ALICE.id)
    summary, document = sent[-2], sent[-1]
    # Seven questions reached, the age skipped: six answers.
    assert "1 consultation," in summary.text and "6 réponses." in summary.text
    assert document.kind == "document"
    assert isinstance(document.file, UploadedFile)
    content = document.file.content.decode("utf-8")
    assert "La maison de quartier" in content
    assert "Vivre ensemble" in content and "Bourgogne" in content
    assert "Message de suivi\u202f: non" in content
    assert "Chloé" not in content
    assert str(ALICE.id) not in content


async def test_mesdonnees_for_a_stranger_says_nothing_is_stored(chat: Chat):
    reply = await chat.send(ALICE, "/mesdonnees")
    assert reply.text == say("nothing_stored", "fr")
    assert count(chat.database, "participants") == 0


async def test_oubli_erases_everything_after_confirmation(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "yes")
    await to_leviers_text(chat, consultation, CHLOE)
    assert count(chat.database, "contacts") == 1

    asked = await chat.send(ALICE, "/oubli")
    assert asked.buttons == [say("forget_yes", "fr"), say("forget_no", "fr")]
    assert count(chat.database, "answers") > 0  # nothing happens before the confirmation
    done = await chat.click(ALICE, say("forget_yes", "fr"))

    assert done.text == say("forgotten", "fr") and done.buttons == []
    assert count(chat.database, "participants") == 1  # Chloé's
    assert count(chat.database, "contacts") == 0
    assert rows(chat.database, "SELECT count(*) FROM sessions")[0][0] == 1
    # A replayed confirmation erases nothing more (and Chloé keeps her data).
    chat.api.click_data(ALICE, asked.message_id, "oubli|y|2")
    await chat.deliver()
    assert count(chat.database, "sessions") == 1
    again = await chat.send(ALICE, "/mesdonnees")
    assert again.text == say("nothing_stored", "fr")


async def test_oubli_can_be_cancelled(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await chat.send(ALICE, "/oubli")
    cancelled = await chat.click(ALICE, say("forget_no", "fr"))
    assert cancelled.text == say("forget_cancelled", "fr")
    assert count(chat.database, "answers") == 6


async def test_a_forged_erasure_button_for_someone_else_does_nothing(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, CHLOE)
    await to_leviers_text(chat, consultation, ALICE)
    bob = rows(chat.database, "SELECT participant_id FROM sessions ORDER BY id LIMIT 1")[0][0]
    asked = await chat.send(ALICE, "/oubli")
    chat.api.click_data(ALICE, asked.message_id, f"oubli|y|{bob}")
    await chat.deliver()
    assert count(chat.database, "participants") == 2
    assert chat.toasts()[-1] == say("stale", "fr")


async def test_later_digests_no_longer_count_erased_answers(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "no")
    period = Period(chat.now - dt.timedelta(days=1), chat.now + dt.timedelta(days=1))
    before = await build_digest(chat.store, consultation, period)
    assert before.totals.sessions_started == 1 and before.totals.completed == 1
    assert any("jardins" in text for result in before.texts for text in result.recent)

    await chat.send(ALICE, "/oubli")
    await chat.click(ALICE, say("forget_yes", "fr"))

    after = await build_digest(chat.store, consultation, period)
    assert after.totals.sessions_started == 0 and after.totals.completed == 0
    assert after.texts and all(result.recent == [] for result in after.texts)
    assert all(result.answered == 0 for result in after.choices)


# -- 3. follow-up contacts ----------------------------------------------------------------------


async def test_saying_yes_to_follow_up_keeps_the_chat_id_sealed(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "yes")
    [(participant_id, sealed)] = rows(chat.database, "SELECT participant_id, chat FROM contacts")
    assert str(ALICE.id) not in str(sealed)
    assert isinstance(participant_id, int) and isinstance(sealed, str)
    assert unseal(SECRET, participant_id, sealed) == ALICE.id


async def test_saying_no_to_follow_up_keeps_no_chat_id(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "no")
    assert count(chat.database, "contacts") == 0
    assert count(chat.database, "answers") == 12


async def test_blocking_the_bot_drops_the_contact(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "yes")
    assert count(chat.database, "contacts") == 1
    await chat.redeliver(
        {
            "update_id": 9_000_001,
            "my_chat_member": {
                "chat": ALICE.private_chat(),
                "from": ALICE.to_dict(),
                "date": 1_700_000_000,
                "old_chat_member": {"user": BOT_USER, "status": "member"},
                "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
            },
        }
    )
    assert count(chat.database, "contacts") == 0
    assert count(chat.database, "answers") == 12  # the answers stay: only the chat id goes


BOT_USER = {"id": 42, "is_bot": True, "first_name": "Parole"}


# -- 5. abuse and limits ------------------------------------------------------------------------


async def test_a_text_over_the_cap_is_refused_with_a_clear_message(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    reply = await chat.send(ALICE, "x" * 2001)
    assert reply.text == say("text_capped", "fr", n=2001, max=2000)
    assert "leviers_precision" not in dict(rows(chat.database, "SELECT step_id, 1 FROM answers"))
    # A stray message (no question open) is capped too, and stores nothing.
    stray = await chat.send(BOB, "y" * 3000)
    assert stray.text == say("text_capped", "en", n=3000, max=2000)
    assert count(chat.database, "participants") == 1


async def test_flooding_gets_one_warning_and_others_are_unaffected(
    tmp_path: Path, consultation: Consultation
):
    limits = LimitsSettings(flood_updates=5, flood_seconds=60, flood_pause_seconds=60)
    async with Chat(tmp_path / "db.sqlite3", [consultation], limits=limits) as running:
        for _ in range(12):
            running.api.send_text(ALICE, "/aide")
        await running.deliver()
        texts = [m.text for m in running.api.messages(ALICE.id)]
        assert texts.count(say("flood", "fr")) == 1
        assert len(texts) == 6  # five answers, one warning, then silence
        reply = await running.send(BOB, "/aide")
        assert reply.text.startswith("I ask you")
        assert running.api.refused == []


async def test_button_presses_beyond_the_flood_limit_are_answered_and_ignored(
    tmp_path: Path, consultation: Consultation
):
    limits = LimitsSettings(
        flood_updates=3, flood_presses=3, flood_seconds=60, flood_pause_seconds=60
    )
    async with Chat(tmp_path / "db.sqlite3", [consultation], limits=limits) as running:
        await running.send(ALICE, "/start")
        await running.click(ALICE, say("accept", "fr"))
        question = running.last(ALICE)
        for _ in range(4):
            running.api.click(ALICE, "Bourgogne", question.message_id)
        await running.deliver()
        # The first press answers; the ones past the limit leave no spinner and no answer.
        assert running.api.unanswered_callbacks == []
        assert count(running.database, "answers") == 1
        assert say("flood_buttons", "fr") in [m.text for m in running.api.messages(ALICE.id)]


async def test_a_replayed_button_after_back_changes_nothing(chat: Chat, consultation: Consultation):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    first = chat.last(ALICE)
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, say("back", "fr"))
    before = rows(chat.database, "SELECT step_id, value FROM answers ORDER BY step_id")
    # The first question's message, pressed again with its old data (older position).
    stale = next(b for b in (first.reply_markup or {})["inline_keyboard"][1] if b)
    chat.api.click_data(ALICE, first.message_id, stale["callback_data"])
    await chat.deliver()
    assert rows(chat.database, "SELECT step_id, value FROM answers ORDER BY step_id") == before
    assert chat.toasts()[-1] == say("stale", "fr")


async def test_a_replayed_button_after_restart_changes_nothing(
    chat: Chat, consultation: Consultation
):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    question = chat.last(ALICE)
    old_data = (question.reply_markup or {})["inline_keyboard"][0][0]["callback_data"]
    await chat.click(ALICE, "Bourgogne")
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("restart", "fr"))
    await chat.click(ALICE, say("restart_yes", "fr"))
    assert count(chat.database, "answers") == 0
    chat.api.click_data(ALICE, question.message_id, old_data)
    await chat.deliver()
    assert count(chat.database, "answers") == 0
    assert chat.toasts()[-1] == say("stale", "fr")
