"""`parole chat` after a command that is not an answer (/aide, /mesdonnees, /oubli cancelled,
/confidentialite): the command's output, then the current question again, cleanly, as the
question stays on screen on Telegram: no help text nor old warning carried over."""

from __future__ import annotations

import pytest

from bot.conversation import Conversations
from flows.model import Consultation
from flows.texts import say
from tests.bot.test_console import heading, notice, talk

HELP = f"» {say('console_help', 'fr')}"
WARNING = notice("use_buttons")


async def test_aide_drops_the_warning_about_the_line_before(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "n'importe quoi", "/aide"])
    assert WARNING in terminal.screens[2]  # the line not understood is said so, once
    assert HELP in terminal.last and WARNING not in terminal.last
    assert heading(consultation, "quartier") in terminal.last


async def test_the_help_stands_apart_from_the_question(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "/aide"])
    lines = terminal.last.splitlines()
    progress = heading(consultation, "quartier").splitlines()[0]
    assert lines[lines.index(progress) - 1] == "", "a blank line between the help and the question"


@pytest.mark.parametrize(
    ("command", "output"),
    [
        (["/mesdonnees"], "Parole habitante — vos données"),
        (["/oubli", "2"], say("forget_cancelled", "fr")),
        (["/confidentialite"], "🔒 Vos données et vos droits"),
    ],
    ids=["mesdonnees", "oubli-cancelled", "confidentialite"],
)
async def test_after_a_privacy_command_the_question_comes_back_alone(
    conversations: Conversations, consultation: Consultation, command: list[str], output: str
):
    terminal = await talk(conversations, ["1", "n'importe quoi", "/aide", *command])
    shown = terminal.last
    assert output in shown
    after = shown[shown.index(output) :]
    assert heading(consultation, "quartier") in after
    assert say("console_help", "fr") not in after
    assert WARNING not in after
