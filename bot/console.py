"""`parole chat`: the consultation in a terminal, on the same engine and storage as Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import re
import select
import shutil
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Final, TextIO

from bot.console_privacy import COMMANDS as PRIVACY_COMMANDS
from bot.console_privacy import ConsolePrivacy
from bot.conversation import Conversations, Reply, welcome_of
from flows.events import Back, Choose, Event, Skip, Toggle
from flows.model import Lang
from flows.safeguarding import fold
from flows.screen import Button, Screen
from flows.texts import say
from flows.typography import french_spacing
from storage.base import Participant

Ask = Callable[[str], Awaitable[str | None]]  # prompt -> a message, or None at end of input
Say = Callable[[str], None]

QUIT = ("/quitter", "/quit", "/q")
COMMAND = re.compile(r"/\w+")  # like a Telegram bot command; "/ rien" is an answer
NUMBER = re.compile(r"-?\d+")
CONSOLE_HELP: dict[Lang, str] = {
    "fr": "Tapez le numéro d'un bouton, ou votre réponse. /aide : toutes les commandes ; "
    "/quitter : arrêter.",
    "en": "Type a button's number, or your answer. /aide: every command; /quitter: stop.",
}
# Lines a terminal hands over closer together than this came in one paste, not typed.
PASTE_GAP: Final = 0.05
# What a wrapped line's next lines are indented under: a list's bullet or number, a note's
# mark, a question's problem ("⚠️  "), so that each item reads as one block.
HANGING = re.compile(r"\s*(?:[•·→»]\s+|\d+\.\s+|⚠️\s+)?")


# The engine's texts say how to answer on a phone ("Touchez une réponse"): here, the
# resident types. A rule per phrasing, then any button named in quotes ("touchez « Valider »"),
# in the engine's texts and the consultation's own help alike. A space in a rule matches the
# no-break spaces French texts put inside « ».
_TAPS: Final = (
    ("Touchez une réponse\\.", "Tapez le numéro d'une réponse."),
    (
        "Touchez une ou plusieurs réponses, puis « Valider »\\.",
        "Tapez les numéros de vos réponses, par exemple « 1, 3 », puis celui de « Valider ».",
    ),
    (
        "Touchez jusqu'à (\\d+) réponses, puis « Valider »\\.",
        "Tapez jusqu'à \\1 numéros de réponses, par exemple « 1, 3 », puis celui de « Valider ».",
    ),
    ("Touchez un nombre", "Tapez un nombre"),
    ("Touchez d'abord une réponse", "Tapez d'abord le numéro d'une réponse"),
    ("Tap one answer\\.", "Type the number of one answer."),
    (
        "Tap one or more answers, then “Confirm”\\.",
        "Type the numbers of your answers, for example “1, 3”, then that of “Confirm”.",
    ),
    (
        "Tap up to (\\d+) answers, then “Confirm”\\.",
        "Type up to \\1 answer numbers, for example “1, 3”, then that of “Confirm”.",
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


def screen_text(reply: Reply, recap: str | None = None) -> str:
    """A screen as plain text, buttons numbered (a scale's values go by themselves), under
    `recap`, the answer just given in words, as Telegram shows it above the next question."""
    screen: Screen = reply.screen
    # Where a message is expected, or on a scale, a number typed is the answer: the other
    # buttons go by their words there ("garder", "retour", "passer"), not a number.
    numbered = not (screen.expects_text or _scale(screen))
    lines: list[str] = [reply.urgent, ""] if reply.urgent else []  # helplines come first
    lines += [f"» {note}" for note in reply.notes]
    if recap:
        lines.append(recap)
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
    if welcome_of(shown.scope) is not None:  # nothing was accepted, nothing stored
        return say("goodbye_not_started", lang)
    return say("goodbye_done", lang)


def _buttons(screen: Screen) -> list[tuple[str, Event]]:
    return [(b.label, b.event) for row in screen.buttons for b in row]


async def chat(
    conversations: Conversations,
    account: str,
    ask: Ask,
    tell: Say,
    lang: Lang,
    *,
    database: Path | None = None,
) -> None:
    """Talk with one resident until they quit or the input ends (`database`: the file the
    answers go to, named at the end)."""
    who = await conversations.participant(account)
    lang = who.lang or lang
    privacy = ConsolePrivacy(conversations, conversations.privacy(), account)
    tell(CONSOLE_HELP[lang])
    reply = await conversations.start(who, lang)
    recap: str | None = None
    while True:
        tell("")
        tell(screen_text(reply, recap))
        if _finished(reply, lang):
            tell("")
            tell(_afterwards(lang, database))
        try:
            line = await ask("> ")
            while line is not None and not line.strip():
                line = await ask("> ")  # Enter alone, as in a shell: nothing was said
        except asyncio.CancelledError:
            # Ctrl-C: what was typed on the line is dropped; the goodbye says what is kept.
            tell("")
            tell(farewell(reply, lang))
            raise
        if line is None or line.strip().lower() in QUIT:
            tell(farewell(reply, lang))
            return
        first = line.split()[0].lower()
        if first in PRIVACY_COMMANDS:
            reply, recap = await privacy.command(first, lang, shown_again(reply), ask, tell), None
            continue
        who = await conversations.participant(account)
        shown, reply = reply, await _respond(conversations, who, lang, reply, line.strip())
        # As on Telegram: a choice, typed or by its number, is confirmed in words ("✔️ Votre
        # réponse : …"); a text typed where a text is expected is not repeated back, and a
        # command (/passer, /retour) shows its result only.
        typed_text = shown.screen.expects_text or COMMAND.fullmatch(line.split()[0])
        recap = None if typed_text else reply.recap
        lang = (await conversations.participant(account)).lang or lang


def _finished(reply: Reply, lang: Lang) -> bool:
    """Whether the resident has answered the whole consultation: its thanks, or its notice
    when they come back."""
    if reply.screen.final:
        return reply.scope.startswith("s")  # not a refusal at the welcome: nothing is kept
    return reply.screen.title == say("already_done", lang)


def _afterwards(lang: Lang, database: Path | None) -> str:
    """What a resident who has answered can still do here, and where their answers are."""
    said = say("console_done", lang)
    if database is None:
        return said
    return f"{said}\n{say('console_file', lang, path=database.resolve())}"


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
    named = _named(shown.screen, line)
    if named is not None:
        event = replace(named, position=shown.position)
        return await conversations.press(who, lang, shown.scope, event, None)
    reply = await conversations.type_text(who, lang, line, None)
    if (
        reply.scope == shown.scope
        and not reply.scope.startswith("s")
        and reply.screen.buttons
        and reply.urgent is None
    ):
        # The welcome or the list of consultations again: on Telegram their buttons are
        # tapped; here a line that names none of them is told what to type.
        return replace(reply, screen=replace(reply.screen, notice=say("use_buttons", lang)))
    return reply


def _named(screen: Screen, line: str) -> Event | None:
    """The button `line` names by its words ("j'accepte", "recommencer", "english"), on a
    screen without options: the welcome, the resume and restart menus, the list of
    consultations. Options are the engine's to read: it says how it understood them. Where
    a text is expected, only a button's whole label ("changer une réponse", which has no
    number there) is not the answer."""
    buttons = _buttons(screen)
    if any(isinstance(event, Choose | Toggle) for _, event in buttons):
        return None
    said = _words(line)
    if not said:
        return None
    for label, event in buttons:
        if _words(label) == said:
            return event
    if screen.expects_text or max(len(word) for word in said) < 3:
        return None  # "j" is in "J'accepte", but says nothing
    within = [event for label, event in buttons if set(said) <= set(_words(label))]
    return within[0] if len(within) == 1 else None


def _words(text: str) -> list[str]:
    """The words of `text`, folded: "✅ J'accepte" is "j", "accepte"."""
    return WORDS.findall(fold(text))


def _other(lang: Lang) -> Lang:
    return "en" if lang == "fr" else "fr"


async def read_message(prompt: str) -> str | None:
    """A message typed at the terminal, read without blocking the loop; None at the end of
    input.

    Lines pasted together (a text of several paragraphs) are one message, as on Telegram:
    read one by one, the second line of a proposal would answer the next question. From a
    pipe or a file, each line is a message of its own, as a script means it.

    The line is read in a daemon thread, not with `asyncio.to_thread`: on Ctrl-C,
    `asyncio.run` waits for its executor's threads, so a thread blocked in `input()` would
    hang the program until Enter is pressed.
    """
    loop = asyncio.get_running_loop()
    message: asyncio.Future[str | None] = loop.create_future()

    def settle(result: str | BaseException | None) -> None:
        if message.done():
            return
        if isinstance(result, BaseException):
            message.set_exception(result)
        else:
            message.set_result(result)

    def read() -> None:
        result: str | BaseException | None
        try:
            result = _lines(prompt)
        except Exception as error:
            result = error
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result)

    threading.Thread(target=read, name="parole-input", daemon=True).start()
    return await message


def _lines(prompt: str) -> str | None:
    """The lines typed or pasted together after `prompt`; None at the end of input."""
    try:
        lines = [input(prompt)]
    except EOFError:
        print()  # Ctrl-D leaves the cursor after the prompt: what follows starts a line
        return None
    while _pasted(sys.stdin):
        try:
            lines.append(input())
        except EOFError:
            break
    return "\n".join(lines)


def _pasted(stream: TextIO) -> bool:
    """Whether a terminal already holds another line: the rest of a paste (a terminal hands
    over one line at a time). A pipe's lines are each a message."""
    try:
        return stream.isatty() and bool(select.select([stream], [], [], PASTE_GAP)[0])
    except (OSError, ValueError):  # a terminal `select` cannot watch (Windows)
        return False


def show(text: str) -> None:
    """Print `text` for a terminal: a long line goes on at a space, under its bullet or
    number (a terminal would cut a word anywhere at its edge). To a pipe or a file, each
    line stays whole."""
    if not sys.stdout.isatty():
        print(text)
        return
    # A margin: an emoji takes two columns for one character.
    width = max(shutil.get_terminal_size().columns - 2, 20)
    print("\n".join(_wrap(line, width) for line in text.split("\n")))


def _wrap(line: str, width: int) -> str:
    hanging = HANGING.match(line)
    indent = " " * len(hanging[0]) if hanging else ""
    wrapped = textwrap.fill(
        line,
        width,
        subsequent_indent=indent,
        break_long_words=False,  # a web address or a long word stays whole
        break_on_hyphens=False,
    )
    return wrapped or line
