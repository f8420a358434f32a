"""Two staff members acting at once in the staff chat (or one tapping twice)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.moderation import LATEST
from flows.model import Consultation
from flows.state import Answer
from tests.fakebotapi import FakeUser
from tests.storage.helpers import make_turn
from tests.telegram.test_staff import STAFF, STAFF_CHAT, TUESDAY, StaffChat

COLLEAGUE = FakeUser(id=777_000_002, first_name="Karim")


async def test_older_texts_pressed_twice_come_once(tmp_path: Path, consultation: Consultation):
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        chat.settings.staff.user_ids.append(COLLEAGUE.id)
        for number in range(LATEST + 3):
            now = TUESDAY - dt.timedelta(hours=30 - number)
            who = await chat.store.participant(f"resident-{number}", now)
            saved = {"proposition": Answer(text=f"Idée numéro {number}")}
            await chat.store.commit(
                make_turn(who.id, consultation_id=consultation.id, saved=saved, now=now)
            )
        chat.api.send_text(STAFF, "/moderation", STAFF_CHAT)
        await chat.deliver()
        more = chat.api.messages(STAFF_CHAT.id)[-1]
        [older] = more.buttons
        before = len(chat.api.messages(STAFF_CHAT.id))
        # Both press before the bot has taken the button away; then one taps it again.
        chat.api.click(STAFF, older, more.message_id, STAFF_CHAT)
        chat.api.click(COLLEAGUE, older, more.message_id, STAFF_CHAT)
        chat.api.click(STAFF, older, more.message_id, STAFF_CHAT)
        await chat.deliver()
        page = [m.text.rsplit("\n", 1)[1] for m in chat.api.messages(STAFF_CHAT.id)[before:]]
        assert page == ["Idée numéro 2", "Idée numéro 1", "Idée numéro 0"]
        assert chat.api.unanswered_callbacks == [], "every press is answered"
        assert chat.api.refused == []
