"""`parole chat`: the consultation in a terminal, on the same engine and storage as Telegram."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Final

from bot.console_privacy import COMMANDS as PRIVACY_COMMANDS
from bot.console_privacy import ConsolePrivacy
from bot.conversation import Conversations, Reply
from flows.events import Back, Choose, Event, Skip
from flows.model import Lang
from flows.screen import Button, Screen
from flows.texts import say
from flows.typography import french_spacing
from storage.base import Participant

Ask = Callable[[str], Awaitable[str | None]]  # prompt -> a line, or None at end of input
Say = Callable[[str], None]

QUIT = ("/quitter", "/quit", "/q")
COMMAND = re.compile(r"/\w+")  # like a Telegram bot command; "/ rien" is an answer
NUMBER = re.compile(r"-?\d+")
CONSOLE_HELP: dict[Lang, str] = {
    "fr": "Tapez le numéro d'un bouton, ou votre réponse. /retour, /passer, /quitter.",
    "en": "Type a button's number, or your answer. /retour (back), /passer (skip), /quitter.",
}


# The engine's texts say how to answer on a phone ("Touchez une réponse"): here, the
# resident types. A rule per phrasing, then any button named in quotes ("touchez « Valider »"),
# in the engine's texts and the consultation's own help alike. A space in a rule matches the
# no-break spaces French texts put inside « ».
_TAPS: Final = (
    ("Touchez une réponse\\.", "Tapez le numéro d'une réponse."),
    (
        "Touchez une ou plusieurs réponses, puis « Valider »\\.",
        "Tapez le numéro de chaque réponse choisie, un à la fois, puis celui de « Valider ».",
    ),
    (
        "Touchez jusqu'à (\\d+) réponses, puis « Valider »\\.",
        "Tapez le numéro de chaque réponse choisie (\\1 au plus), un à la fois, puis celui de "
        "« Valider ».",
    ),
    ("Touchez un nombre", "Tapez un nombre"),
    ("Touchez d'abord une réponse", "Tapez d'abord le numéro d'une réponse"),
    ("Tap one answer\\.", "Type the number of one answer."),
    (
        "Tap one or more answers, then “Confirm”\\.",
        "Type the number of each answer you choose, one at a time, then that of “Confirm”.",
    ),
    (
        "Tap up to (\\d+) answers, then “Confirm”\\.",
        "Type the number of each answer you choose (\\1 at most), one at a time, then that of "
        "“Confirm”.",
    ),
    ("Tap a number", "Type a number"),
    ("First tap a ticked answer", "First type the number of a ticked answer"),
)
TAPS: Final = tuple(
    (re.compile(pattern.replace(" ", r"\s")), french_spacing(console)) for pattern, console in _TAPS
)
TAP_BUTTON = re.compile(r"\b(?:([Tt])ouchez («\s*[^»]+?\s*»)|([Tt])ap (“[^”]+”))")
WORDS = re.compile(r"[^\W\d_]+")


def typed(text: str, *, numbered: bool) -> str:
    """`text` with Telegram's "touch" said the console's way: the number of a button (or,
    where buttons go by their words, its first word)."""
    for pattern, console in TAPS:
        text = pattern.sub(console, text)
    return TAP_BUTTON.sub(lambda found: _tap(found, numbered=numbered), text)


def _tap(found: re.Match[str], *, numbered: bool) -> str:
    french = found[1] is not None
    label = found[2] if french else found[4]
    verb = "apez" if french else "ype"
    verb = ("T" if (found[1] or found[3]).isupper() else "t") + verb
    if numbered:
        return f"{verb} {'le numéro de' if french else 'the number of'} {label}"
    word = WORDS.search(label)
    if word is None:
        return f"{verb} {label}"
    quoted = french_spacing(f"« {word[0].lower()} »") if french else f"“{word[0].lower()}”"
    return f"{verb} {quoted}"


def screen_text(reply: Reply) -> str:
    """A screen as plain text, buttons numbered (a scale's values go by themselves)."""
    screen: Screen = reply.screen
    # Where a message is expected, or on a scale, a number typed is the answer: the other
    # buttons go by their words there ("garder", "retour", "passer"), not a number.
    numbered = not (screen.expects_text or _scale(screen))
    lines: list[str] = [reply.urgent, ""] if reply.urgent else []  # helplines come first
    lines += [f"» {note}" for note in reply.notes]
    if screen.notice:
        lines.append(f"⚠️  {typed(screen.notice, numbered=numbered)}")
    if lines and lines[-1]:
        lines.append("")  # what was said stands apart from the question
    if screen.progress:
        lines.append(f"[{screen.progress}]")
    lines.append(screen.title)
    if screen.body:
        lines += ["", typed(screen.body, numbered=numbered)]
    if screen.hint:
        lines += ["", f"({typed(screen.hint, numbered=numbered)})"]
    scale = _scale(screen)
    if scale:
        lines.append("  " + "   ".join(button.label for button in scale))
    others = [b for row in screen.buttons for b in row if b not in scale]
    for number, button in enumerate(others, start=1):
        lines.append(f"  {number}. {button.label}" if numbered else f"  · {button.label}")
    return "\n".join(lines)


def _scale(screen: Screen) -> list[Button]:
    """A scale's buttons (one row of numbers), or none: there, a number typed is the value."""
    for row in screen.buttons:
        if len(row) > 1 and all(
            isinstance(b.event, Choose) and NUMBER.fullmatch(b.event.code) for b in row
        ):
            return row
    return []


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
    # isdecimal, not isdigit: "²" is a digit that int() refuses. On a scale the number is
    # the value, which the engine reads from the text.
    numbered = not (shown.screen.expects_text or _scale(shown.screen))
    if line.isdecimal() and numbered and 1 <= int(line) <= len(buttons):
        event = replace(buttons[int(line) - 1][1], position=shown.position)
        return await conversations.press(who, lang, shown.scope, event, None)
    return await conversations.type_text(who, lang, line, None)


def _other(lang: Lang) -> Lang:
    return "en" if lang == "fr" else "fr"
