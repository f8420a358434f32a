"""Staff messages over Telegram's 4,096 characters: cut or split, never refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.moderation_texts import say
from flows.limits import MESSAGE_UNITS, telegram_length
from flows.model import Consultation
from flows.state import Answer
from tests.storage.helpers import make_turn
from tests.telegram.test_staff import STAFF, STAFF_CHAT, TUESDAY, StaffChat

# Within the residents' 2,000 characters, but 4,000 as Telegram counts (an emoji is two).
EMOJI_TEXT = "😡" * 2000


async def test_a_text_of_emoji_is_cut_and_can_still_be_hidden(
    tmp_path: Path, consultation: Consultation
):
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        for number, text in enumerate(("Plus de bancs au parc", EMOJI_TEXT, "Un marché le soir")):
            now = TUESDAY - dt.timedelta(hours=3 - number)
            who = await chat.store.participant(f"resident-{number}", now)
            saved = {"proposition": Answer(text=text)}
            await chat.store.commit(
                make_turn(who.id, consultation_id=consultation.id, saved=saved, now=now)
            )
        chat.api.send_text(STAFF, "/moderation", STAFF_CHAT)
        await chat.deliver()
        assert chat.api.refused == []
        _, newest, long, oldest = chat.api.messages(STAFF_CHAT.id)
        assert newest.text.endswith("Un marché le soir")
        assert oldest.text.endswith("Plus de bancs au parc"), "the listing went on past it"
        assert long.text.endswith("😡…") and telegram_length(long.text) <= MESSAGE_UNITS
        chat.api.click(STAFF, say("hide", "fr"), long.message_id, STAFF_CHAT)
        await chat.deliver()
        [hidden] = await chat.store.texts_for_moderation(10, hidden_only=True)
        assert hidden.text == EMOJI_TEXT, "hidden whole; only the message is cut"
        [redrawn] = [m for m in chat.api.messages(STAFF_CHAT.id) if m.message_id == long.message_id]
        assert redrawn.buttons == [say("show", "fr")] and "🙈 Masqué le" in redrawn.text
        assert chat.api.refused == []


async def test_stats_for_many_consultations_come_in_several_messages(
    tmp_path: Path, consultation: Consultation
):
    # A city that kept every workshop's file since the first contract.
    workshops = [consultation.model_copy(update={"id": f"atelier-{n}"}) for n in range(30)]
    async with StaffChat(tmp_path / "parole.sqlite3", workshops) as chat:
        chat.api.send_text(STAFF, "/stats", STAFF_CHAT)
        await chat.deliver()
        assert chat.api.refused == []
        sent = chat.api.messages(STAFF_CHAT.id)
        assert len(sent) > 1
        assert sent[0].text.startswith("Participation")
        tables = "".join(m.text for m in sent).count("Participants")
        assert tables == len(workshops), "every consultation, none cut"
