"""A resident on an old phone or a bad connection: a button tapped twice, or an old
message's button tapped after the questionnaire is over, never confuses what was saved."""

from __future__ import annotations

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import stored_answers, to_leviers_text

MOUSSA = FakeUser(id=414_141, first_name="Moussa")


async def test_a_double_tap_keeps_the_answer_in_sight(chat: Chat):
    await chat.send(MOUSSA, "/start")
    await chat.click(MOUSSA, say("accept", "fr"))
    # Both presses reach Telegram before the bot answers the first one.
    chat.api.click(MOUSSA, "Bourgogne")
    chat.api.click(MOUSSA, "Bourgogne")
    await chat.deliver()
    shown = chat.last(MOUSSA)
    # Not "this button is no longer active" in place of the answer: the answer, and that
    # it is saved.
    assert shown.text.startswith(say("your_answer", "fr", answer="Bourgogne") + "\n\n")
    assert say("already_saved", "fr") in shown.text
    assert chat.toasts() == [say("already_saved", "fr")]
    assert "Question 2 sur 12" in shown.text
    assert stored_answers(chat.database)["quartier"]["choices"] == ["bourgogne"]


async def test_a_double_tap_on_the_last_answer_thanks_once(chat: Chat, consultation: Consultation):
    await to_leviers_text(chat, consultation, MOUSSA)
    for typed in ("passer", "1", "ok", "passer", "1", "ok", "passer"):
        await chat.send(MOUSSA, typed)
    before = len(chat.api.messages(MOUSSA.id))
    chat.api.click(MOUSSA, say("no", "fr"))
    chat.api.click(MOUSSA, say("no", "fr"))
    await chat.deliver()
    sent = chat.api.messages(MOUSSA.id)[before:]
    assert [m.text for m in sent] == [consultation.thanks.fr]
    assert chat.toasts()[-1] == say("already_done", "fr")


async def test_an_old_button_after_the_end_sends_nothing_new(
    chat: Chat, consultation: Consultation
):
    await chat.send(MOUSSA, "/start")
    await chat.click(MOUSSA, say("accept", "fr"))
    question = chat.last(MOUSSA)
    await chat.send(MOUSSA, "1")
    for typed in ("1", "passer", "1", "ok", "1", "ok", "1", "ok", "passer", "1", "ok"):
        await chat.send(MOUSSA, typed)
    for typed in ("passer", "1", "ok", "passer", "non"):
        await chat.send(MOUSSA, typed)
    assert chat.last(MOUSSA).text.endswith(consultation.thanks.fr)
    before = len(chat.api.messages(MOUSSA.id))
    # Scrolled up, days later: the first question's data, as its message carried it.
    chat.api.click_data(MOUSSA, question.message_id, "s1|1|c:bourgogne")
    await chat.deliver()
    assert len(chat.api.messages(MOUSSA.id)) == before
    assert chat.toasts()[-1] == say("already_done", "fr")
