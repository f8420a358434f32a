"""Steps of the default consultation that several Telegram tests play."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from flows.model import ChoiceStepBase, Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat


def label(consultation: Consultation, step_id: str, code: str) -> str:
    """The French label of an option."""
    step = consultation.step(step_id)
    assert isinstance(step, ChoiceStepBase)
    return next(o.label.fr for o in step.options if o.code == code)


async def to_leviers_text(chat: Chat, consultation: Consultation, user: FakeUser) -> None:
    """Consent and answer up to the free-text question after the levers."""
    await chat.send(user, "/start")
    await chat.click(user, say("accept", "fr"))
    await chat.click(user, "Bourgogne")
    await chat.click(user, label(consultation, "profil", "habitant"))
    await chat.click(user, say("skip", "fr"))
    for step, code in (("publics", "femmes"), ("besoins", "sante-mentale"), ("leviers", "lieux")):
        await chat.click(user, say("unselected", "fr", label=label(consultation, step, code)))
        await chat.click(user, say("validate_count", "fr", n=1))


def stored_answers(database: Path) -> dict[str, dict[str, object]]:
    """Every answer stored, by step (one resident's journey per database)."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT step_id, value FROM answers").fetchall()
    return {step_id: json.loads(value) for step_id, value in rows}
