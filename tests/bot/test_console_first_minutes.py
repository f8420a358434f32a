"""`parole chat` as an officer or a journalist first tries it: typing the words of the
buttons, pressing Enter on nothing, stopping with Ctrl-C, coming back after the end."""

from __future__ import annotations

import asyncio

import pytest

from bot.console import chat
from bot.conversation import Conversations
from flows.model import Consultation
from flows.state import Answer
from flows.texts import say
from tests.bot.test_console import (
    ACCOUNT,
    Terminal,
    buttons,
    current,
    exported,
    heading,
    label,
    notice,
    talk,
    to_free_text,
    validate,
)

# -- a choice is said back, as on Telegram -------------------------------------------------


async def test_a_choice_by_its_number_is_said_back_in_words(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "2"])  # J'accepte, then quartier n°2
    pont_rompu = label(consultation, "quartier", "pont-rompu")
    assert terminal.last.startswith(f"\n{say('your_answer', 'fr', answer=pont_rompu)}\n\n")
    assert heading(consultation, "profil") in terminal.last


async def test_a_tick_typed_is_said_in_words_above_the_list(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "1", "1", "1", "femmes"])
    femmes = label(consultation, "publics", "femmes")
    assert say("picked", "fr", label=femmes) in terminal.last


async def test_a_free_text_is_not_repeated_back(
    conversations: Conversations, consultation: Consultation
):
    words = "La maison de quartier"
    terminal = await talk(conversations, [*to_free_text(consultation), words])
    assert heading(consultation, "freins") in terminal.last
    assert words not in terminal.last


# -- the buttons' words at the welcome and the menus ---------------------------------------


async def test_the_welcome_takes_its_buttons_words(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["English"])
    assert consultation.welcome.en in terminal.last
    assert buttons(terminal.last)[say("accept", "en")] == 1

    terminal = await talk(conversations, ["/langue fr", "j'accepte"])
    assert heading(consultation, "quartier") in terminal.last


async def test_a_line_the_welcome_cannot_read_is_told_what_to_type(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["peut-être"])
    assert terminal.last.startswith(f"\n{notice('use_buttons')}")
    assert consultation.welcome.fr in terminal.last
    assert await exported(conversations) == []


async def test_recommencer_typed_at_the_resume_menu_asks_then_starts_again(
    conversations: Conversations, consultation: Consultation
):
    await talk(conversations, ["1", "1"])
    terminal = await talk(conversations, ["recommencer", "oui"])
    assert buttons(terminal.screens[1]) == {say("restart_yes", "fr"): 1, say("restart_no", "fr"): 2}
    assert heading(consultation, "quartier") in terminal.last
    assert (await current(conversations)).state.answers == {}


# -- Enter, Ctrl-C -------------------------------------------------------------------------


async def test_enter_on_an_empty_line_asks_again_without_a_warning(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "", "   ", "2"])
    assert terminal.prompts == ["> "] * 5  # the empty lines got the prompt again, nothing else
    assert terminal.screens[2] == terminal.screens[3] == ""
    assert notice("use_buttons") not in "\n".join(terminal.screens)
    assert (await current(conversations)).state.answers == {
        "quartier": Answer(choices=["pont-rompu"])
    }


async def test_ctrl_c_says_what_is_kept(conversations: Conversations):
    terminal = Terminal(["1", "1"])

    async def interrupted(prompt: str) -> str | None:
        line = await terminal.ask(prompt)
        if line is None:
            raise asyncio.CancelledError  # what asyncio.run does to the chat on Ctrl-C
        return line

    with pytest.raises(asyncio.CancelledError):
        await chat(conversations, ACCOUNT, interrupted, terminal.tell, "fr")
    assert terminal.farewell == f"\n{say('goodbye', 'fr')}"
    assert "/reprendre" not in terminal.farewell  # a command of the chat, which has ended


# -- the end, and coming back after it -----------------------------------------------------


def to_the_proposal(c: Consultation) -> list[str]:
    """Lines that lead to the last question, the resident's own proposal."""
    return [
        *to_free_text(c),
        "Le marché",
        "1",
        validate(c, "freins"),
        "/passer",
        "1",
        validate(c, "objectifs"),
    ]


async def test_coming_back_after_the_end_says_how_to_see_or_erase_the_answers(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    await talk(conversations, [*to_the_proposal(c), "Un banc"])
    again = await talk(conversations, ["/oubli", "1"])
    assert again.screens[0].endswith(f"{say('already_done', 'fr')}\n\n{say('console_done', 'fr')}")
    assert say("forgotten", "fr") in again.last
    assert c.welcome.fr in again.last  # erased: the consultation can be answered again
    assert say("console_done", "fr") not in again.last


async def test_changer_une_reponse_at_the_last_question_opens_the_list_of_answers(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, [*to_the_proposal(c), "Changer une réponse"])
    assert f"· {say('review', 'fr')}" in terminal.screens[-2]  # shown at the last question
    assert say("review_title", "fr") in terminal.last
    assert "proposition" not in (await current(conversations)).state.answers
