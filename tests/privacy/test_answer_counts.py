"""What residents are told they answered counts their answers only: a question skipped is
stored (so that it is not asked again) but is no answer, in the resume menu, the /oubli
confirmation and the /mesdonnees summary, in both languages."""

from __future__ import annotations

import pytest

from bot.conversation import Conversations
from flows.model import Consultation, Lang
from flows.texts import say
from tests.bot.test_console import ACCOUNT, NOW, current, talk

# J'accepte, a quartier, a profile, then the optional age question skipped.
TWO_AND_A_SKIP = ["1", "2", "1", "/passer"]


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_skipped_question_is_not_counted_as_an_answer(
    conversations: Conversations, consultation: Consultation, lang: Lang
):
    await talk(conversations, TWO_AND_A_SKIP, lang=lang)
    stored = (await current(conversations)).state.answers
    assert len(stored) == 3 and sum(a.skipped for a in stored.values()) == 1

    menu = (await talk(conversations, [], lang=lang)).last
    title = consultation.title.get(lang)
    assert say("resume_or_restart", lang, title=title, answered=2) in menu

    asked = (await talk(conversations, ["/oubli", "2"], lang=lang)).screens[1]
    assert say("forget_confirm", lang, sessions=1, answers=2) in asked

    report = await conversations.privacy().report(ACCOUNT, lang, NOW)
    assert report is not None
    contact = say("no", lang).lower()
    assert report.summary == say("mydata_summary", lang, sessions=1, answers=2, contact=contact)
    assert ("2 réponses" if lang == "fr" else "2 answers") in report.summary
