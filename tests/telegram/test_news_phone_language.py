"""A resident who never chose a language reads the questions in their phone's, and asking
for follow-up news keeps that language: the news reach them in it too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import news
from flows.model import Consultation, Lang
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.test_news import ALICE, NEWS, NEWS_EN, STAFF, STAFF_CHAT, NewsChat

JOHN = FakeUser(id=333_444_555, first_name="John", language_code="en")


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[NewsChat]:
    async with NewsChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == []


async def answer_all_then_yes(chat: NewsChat, user: FakeUser, lang: Lang) -> None:
    """Through the consultation the quickest way, saying yes to the follow-up question."""
    await chat.send(user, "/start")
    await chat.click(user, say("accept", lang))
    yes, skip = say("yes", lang), say("skip", lang)
    for _ in range(40):
        screen = chat.last(user)
        if screen.buttons == [] or screen.buttons is None:
            return  # the thanks
        if yes in screen.buttons:
            await chat.click(user, yes)
        elif skip in screen.buttons:
            await chat.click(user, skip)
        elif say("validate_count", lang, n=1) not in screen.buttons and any(
            b.startswith(say("unselected", lang, label="")) for b in screen.buttons
        ):
            await chat.click(user, screen.buttons[0])  # a list: tick one, then confirm
            await chat.click(user, say("validate_count", lang, n=1))
        else:
            await chat.click(user, screen.buttons[0])
    raise AssertionError("the consultation did not end")


async def test_a_resident_whose_phone_is_in_english_gets_the_english_news(chat: NewsChat):
    await answer_all_then_yes(chat, JOHN, "en")
    await answer_all_then_yes(chat, ALICE, "fr")
    heading, *_ = await chat.staff_says(f"/nouvelles {NEWS}\nEN : {NEWS_EN}")
    assert "1 habitant qui a choisi l'anglais" in heading.text
    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    assert (await chat.report()).startswith("✅ Nouvelles envoyées")
    assert chat.last(JOHN).text == news.plain(NEWS_EN, "en")
    assert chat.last(ALICE).text == news.plain(NEWS, "fr")
