"""On Telegram: a question answered before shows the answer (escaped), "Recommencer" asks
first, and the buttons' words typed act like the buttons."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import label, to_leviers_text

ALICE = FakeUser(id=111_222_333, first_name="Alice")


def stored(database: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT step_id, value FROM answers").fetchall()
    return {step_id: json.loads(value) for step_id, value in rows}


async def test_a_text_shown_again_is_escaped_and_kept_by_its_button(
    chat: Chat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    typed = "<b>Le parc</b> & « ses bancs »"
    await chat.send(ALICE, typed)
    again = await chat.send(ALICE, "/retour")
    assert consultation.step("leviers_precision").text.fr in again.text
    # As typed, not as markup.
    assert f"Votre réponse actuelle\u202f: «\u202f{typed}\u202f»" in again.text
    assert "&lt;b&gt;Le parc&lt;/b&gt; &amp; « ses bancs »" in again.html
    assert again.buttons == [say("keep", "fr"), say("back", "fr"), say("skip_erase", "fr")]

    kept = await chat.click(ALICE, say("keep", "fr"))
    assert consultation.step("freins").text.fr in kept.text
    assert stored(chat.database)["leviers_precision"]["text"] == typed


async def test_recommencer_asks_in_place_of_the_menu_and_non_keeps_everything(
    chat: Chat, consultation: Consultation
):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, label(consultation, "profil", "habitant"))
    menu = await chat.send(ALICE, "/start")
    assert say("resume_or_restart", "fr", title=consultation.title.fr, answered=2) in menu.text
    assert "(2 réponses)" in menu.text

    asked = await chat.click(ALICE, say("restart", "fr"))
    assert asked.message_id == menu.message_id  # the menu became the question
    assert asked.text == "Effacer vos 2 réponses et recommencer au début\u202f? C'est définitif."
    assert asked.buttons == [say("restart_yes", "fr"), say("restart_no", "fr")]
    assert stored(chat.database).keys() == {"quartier", "profil"}

    resumed = await chat.click(ALICE, say("restart_no", "fr"))
    assert resumed.text.startswith("Question 3 sur 12")
    assert stored(chat.database).keys() == {"quartier", "profil"}

    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("restart", "fr"))
    fresh = await chat.click(ALICE, say("restart_yes", "fr"))
    assert fresh.text.startswith("Question 1 sur 12")
    assert stored(chat.database) == {}


async def test_typed_valider_and_passer_act_like_their_buttons(
    chat: Chat, consultation: Consultation
):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, label(consultation, "profil", "habitant"))
    skipped = await chat.send(ALICE, "passer")  # the age question is optional
    assert "Question 4 sur 12" in skipped.text
    femmes = label(consultation, "publics", "femmes")
    await chat.click(ALICE, say("unselected", "fr", label=femmes))
    confirmed = await chat.send(ALICE, "Valider")
    assert "Question 5 sur 12" in confirmed.text
    back = await chat.send(ALICE, "retour")
    assert "Question 4 sur 12" in back.text
    answers = stored(chat.database)
    assert answers["age"]["skipped"] is True
    assert answers["publics"]["choices"] == ["femmes"]
