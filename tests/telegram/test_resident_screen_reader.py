"""A resident with a screen reader: what a list's ticks mean is said in words.

TalkBack and VoiceOver read "✅" and "▫️" by the symbols' names ("white small square, Les
femmes"): the ticks alone do not say, in words, what is chosen.
"""

from __future__ import annotations

from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

NOOR = FakeUser(id=515_151, first_name="Noor")


async def to_publics(chat: Chat) -> None:
    await chat.send(NOOR, "/start")
    await chat.click(NOOR, say("accept", "fr"))
    await chat.click(NOOR, "Bourgogne")
    await chat.click(NOOR, "J'y habite")
    await chat.click(NOOR, say("skip", "fr"))


async def test_a_tick_is_announced_and_the_list_says_what_is_chosen(chat: Chat):
    await to_publics(chat)
    picks = say("your_picks", "fr", choices="Les femmes")
    assert picks.split(":")[0] not in chat.last(NOOR).text  # nothing chosen yet, nothing said

    ticked = await chat.click(NOOR, say("unselected", "fr", label="Les femmes"))
    # The press's short notice, which a screen reader announces, says what changed.
    assert chat.toasts()[-1] == say("picked", "fr", label="Les femmes")
    assert picks in ticked.text

    both = await chat.click(NOOR, say("unselected", "fr", label="Personnes isolées"))
    assert say("your_picks", "fr", choices="Les femmes, Personnes isolées") in both.text

    await chat.click(NOOR, say("selected", "fr", label="Les femmes"))
    assert chat.toasts()[-1] == say("unpicked", "fr", label="Les femmes")
    assert say("your_picks", "fr", choices="Personnes isolées") in chat.last(NOOR).text


async def test_a_typed_pick_is_said_above_the_list(chat: Chat):
    await to_publics(chat)
    reply = await chat.send(NOOR, "femmes")
    assert reply.text.startswith(say("picked", "fr", label="Les femmes") + "\n\n")
    assert say("selected", "fr", label="Les femmes") in reply.buttons
