"""`parole chat`: the consultation in a terminal, on the same engine and storage as Telegram."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.console_privacy import COMMANDS as PRIVACY_COMMANDS
from bot.console_privacy import ConsolePrivacy
from bot.conversation import Conversations, Reply
from flows.events import Back, Event, Skip
from flows.model import Lang
from flows.screen import Screen
from flows.texts import say
from storage.base import Participant

Ask = Callable[[str], Awaitable[str | None]]  # prompt -> a line, or None at end of input
Say = Callable[[str], None]

QUIT = ("/quitter", "/quit", "/q")
COMMAND = re.compile(r"/\w+")  # like a Telegram bot command; "/ rien" is an answer
CONSOLE_HELP: dict[Lang, str] = {
    "fr": "Tapez le numéro d'un bouton, ou votre réponse. /retour, /passer, /quitter.",
    "en": "Type a button's number, or your answer. /retour (back), /passer (skip), /quitter.",
}


def screen_text(reply: Reply) -> str:
    """A screen as plain text, buttons numbered."""
    screen: Screen = reply.screen
    lines: list[str] = [reply.urgent, ""] if reply.urgent else []  # helplines come first
    lines += [f"» {note}" for note in reply.notes]
    if screen.notice:
        lines.append(f"⚠️  {screen.notice}")
    if lines and lines[-1]:
        lines.append("")  # what was said stands apart from the question
    if screen.progress:
        lines.append(f"[{screen.progress}]")
    lines.append(screen.title)
    if screen.body:
        lines += ["", screen.body]
    if screen.hint:
        lines += ["", f"({screen.hint})"]
    for number, button in enumerate(_buttons(screen), start=1):
        # Where a message is expected, a number typed is the answer: the buttons go by their
        # words there ("garder", "retour", "passer") or /retour and /passer, not a number.
        lines.append(f"  · {button[0]}" if screen.expects_text else f"  {number}. {button[0]}")
    return "\n".join(lines)


def shown_again(shown: Reply, notes: tuple[str, ...] = ()) -> Reply:
    """The screen on display, shown again under a command's output: the notes, helplines and
    problem that came with it the first time are about an earlier input, not this one."""
    return Reply(replace(shown.screen, notice=None), shown.scope, shown.position, notes=notes)


def farewell(shown: Reply, lang: Lang) -> str:
    """The last words: /reprendre is offered only when a session is under way."""
    if shown.scope.startswith("s") and not shown.screen.final:
        return say("goodbye", lang)
    if shown.scope.startswith("c"):  # the welcome: nothing was accepted, nothing stored
        return say("goodbye_not_started", lang)
    return say("goodbye_done", lang)


def _buttons(screen: Screen) -> list[tuple[str, Event]]:
    return [(b.label, b.event) for row in screen.buttons for b in row]


async def chat(conversations: Conversations, account: str, ask: Ask, tell: Say, lang: Lang) -> None:
    """Talk with one resident until they quit or the input ends."""
    who = await conversations.participant(account)
    lang = who.lang or lang
    privacy = ConsolePrivacy(conversations, conversations.privacy(), account)
    tell(CONSOLE_HELP[lang])
    reply = await conversations.start(who, lang)
    while True:
        tell("")
        tell(screen_text(reply))
        line = await ask("> ")
        if line is None or line.strip().lower() in QUIT:
            tell(farewell(reply, lang))
            return
        first = line.split()[0].lower() if line.split() else ""
        if first in PRIVACY_COMMANDS:
            reply = await privacy.command(first, lang, shown_again(reply), ask, tell)
            continue
        who = await conversations.participant(account)
        reply = await _respond(conversations, who, lang, reply, line.strip())
        lang = (await conversations.participant(account)).lang or lang


async def _respond(
    conversations: Conversations, who: Participant, lang: Lang, shown: Reply, line: str
) -> Reply:
    words = line.split()
    command = words[0].lower() if words and COMMAND.fullmatch(words[0]) else ""
    buttons = _buttons(shown.screen)
    if command in ("/retour", "/back", "/passer", "/skip"):
        wanted = Back if command in ("/retour", "/back") else Skip
        event: Event = wanted(position=shown.position)
        return await conversations.press(who, lang, shown.scope, event, None)
    if command == "/start":
        # As a deep link does on Telegram: `/start emploi` opens that consultation.
        return await conversations.start(who, lang, words[1] if len(words) > 1 else None)
    if command == "/reprendre":
        return await conversations.resume(who, lang)
    if command in ("/langue", "/language"):
        # As on Telegram: `/langue en` or `/langue fr` chooses, `/langue` alone switches.
        asked = words[1].lower()[:2] if len(words) > 1 else ""
        new: Lang = "en" if asked == "en" else "fr" if asked == "fr" else _other(lang)
        return await conversations.set_language(who, new)
    if command:
        # /aide, and as on Telegram any unknown command: never stored as an answer. The
        # terminal's own help: Telegram's names commands (news, relays) it does not have.
        return shown_again(shown, (say("console_help", lang),))
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if line.isdecimal() and not shown.screen.expects_text and 1 <= int(line) <= len(buttons):
        event = replace(buttons[int(line) - 1][1], position=shown.position)
        return await conversations.press(who, lang, shown.scope, event, None)
    return await conversations.type_text(who, lang, line, None)


def _other(lang: Lang) -> Lang:
    return "en" if lang == "fr" else "fr"
