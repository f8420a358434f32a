"""What Telegram takes: every screen of a consultation, built by the engine, measured against
Telegram's limits, so that `parole check` refuses a file the bot could not send.

Telegram refuses a message over 4,096 characters (UTF-16 code units of the text shown) and
a keyboard of more than 8 buttons in a row or 100 in all; the bot would fail in front of a
resident at the first screen that breaks one. The engine adds to the author's texts (the
progress, how to answer, an earlier answer quoted, the welcome's privacy paragraph), so the
screens are built and measured as residents would get them, with room kept for a notice
the bot may put first ("Je n'ai pas compris…").
"""

from __future__ import annotations

from typing import Final

from flows.engine import Engine
from flows.mistakes import LANGUAGE_NAMES_EN, LANGUAGE_NAMES_FR, Bilingual, describe_step
from flows.model import (
    LANGS,
    MAX_LABEL,
    OTHER_CODE,
    ChoiceStepBase,
    Consultation,
    InfoStep,
    Lang,
    Step,
    TextStep,
)
from flows.question_screen import QUOTED_TEXT
from flows.screen import Screen
from flows.state import Answer, Phase, SessionState
from flows.texts import say

MESSAGE_UNITS: Final = 4096  # Telegram's limit on a message's text, in UTF-16 code units
ROW_BUTTONS: Final = 8  # buttons Telegram takes side by side in one row of a keyboard
KEYBOARD_BUTTONS: Final = 100  # buttons Telegram takes in one keyboard
# Kept free in every message for what the bot may put before a screen: a notice about the
# last input, or the welcome's retention period in words.
NOTICE_ROOM: Final = 300


def telegram_problems(consultation: Consultation) -> list[Bilingual]:
    """What in `consultation` Telegram would refuse, one line each, saying what to shorten."""
    engine = Engine(consultation)
    problems: list[Bilingual] = []
    for lang in LANGS:
        title = len(consultation.title.get(lang))
        if title > MAX_LABEL:
            problems.append(
                Bilingual(
                    f"title.{lang} : {title} caractères ; quand plusieurs consultations sont "
                    "ouvertes, les habitants en choisissent une par un bouton qui montre son "
                    f"titre : {MAX_LABEL} au plus",
                    f"title.{lang}: {title} characters; when several consultations are open, "
                    f"residents pick one with a button showing its title: at most {MAX_LABEL}",
                )
            )
        problems += _too_long(_key("welcome"), lang, _units_of_welcome(engine, lang))
        thanks = engine.render(engine.begin().model_copy(update={"phase": Phase.DONE}), lang)
        problems += _too_long(_key("thanks"), lang, screen_units(thanks))
        for index, step in enumerate(consultation.steps):
            where = describe_step(index, step.id)
            screen = engine.render(_answered_before(consultation, step), lang)
            texts = Bilingual(f"text.{lang} avec help.{lang}", f"text.{lang} with help.{lang}")
            problems += _too_long(texts.at(where), lang, screen_units(screen))
            if lang == "fr":
                problems += _keyboard_problems(where, screen)
    return problems


def screen_units(screen: Screen) -> int:
    """A screen's text as Telegram counts it: the parts the transports show, one blank line
    (or a line break, after the progress) between them."""
    parts = [screen.title, screen.body, screen.hint]
    units = sum(telegram_length(part) + 2 for part in parts if part) - 2
    return units + (telegram_length(screen.progress) + 1 if screen.progress else 0)


def _units_of_welcome(engine: Engine, lang: Lang) -> int:
    """The welcome as residents get it: with the privacy paragraph and the consent prompt."""
    privacy = say("privacy_welcome", lang, duration="")
    added = telegram_length(privacy) + 2 + telegram_length(say("consent_prompt", lang)) + 2
    return screen_units(engine.render(engine.begin(), lang)) + added


def _key(name: str) -> Bilingual:
    """A key at the top of the file, named alike in both languages."""
    return Bilingual(name, name)


def _too_long(what: Bilingual, lang: Lang, units: int) -> list[Bilingual]:
    room = MESSAGE_UNITS - NOTICE_ROOM
    if units <= room:
        return []
    over = units - room
    return [
        Bilingual(
            f"{units} caractères en {LANGUAGE_NAMES_FR[lang]} avec ce qu'ajoute le bot ; un "
            f"message Telegram en contient {MESSAGE_UNITS}, dont {NOTICE_ROOM} gardés pour les "
            f"avis du bot : raccourcissez-le de {over}",
            f"{units} characters in {LANGUAGE_NAMES_EN[lang]} with what the bot adds; a Telegram "
            f"message holds {MESSAGE_UNITS}, {NOTICE_ROOM} of them kept for the bot's notices: "
            f"shorten it by {over}",
        ).at(what)
    ]


def _keyboard_problems(where: Bilingual, screen: Screen) -> list[Bilingual]:
    problems: list[Bilingual] = []
    widest = max((len(row) for row in screen.buttons), default=0)
    if widest > ROW_BUTTONS:
        problems.append(
            Bilingual(
                f"{widest} boutons côte à côte ; Telegram en met {ROW_BUTTONS} au plus par "
                "ligne : prenez moins de points sur l'échelle",
                f"{widest} buttons side by side; Telegram takes at most {ROW_BUTTONS} "
                "in a row: use fewer points on the scale",
            ).at(where)
        )
    buttons = sum(len(row) for row in screen.buttons)
    if buttons > KEYBOARD_BUTTONS:
        extra = buttons - KEYBOARD_BUTTONS
        problems.append(
            Bilingual(
                f"{buttons} boutons avec ceux du bot ; Telegram en prend {KEYBOARD_BUTTONS} au "
                f"plus : enlevez {extra} options",
                f"{buttons} buttons with the bot's own; Telegram takes at most "
                f"{KEYBOARD_BUTTONS}: remove {extra} options",
            ).at(where)
        )
    return problems


def _answered_before(consultation: Consultation, step: Step) -> SessionState:
    """A resident back at `step` after answering it, with an earlier step behind them: the
    largest screen of that step (the earlier answer quoted, the back and keep buttons)."""
    answers: dict[str, Answer] = {}
    long_text = "x" * (QUOTED_TEXT + 1)
    if isinstance(step, TextStep):
        answers[step.id] = Answer(text=long_text)
    elif isinstance(step, ChoiceStepBase) and step.other:
        answers[step.id] = Answer(choices=[OTHER_CODE], text=long_text)
    elif not isinstance(step, InfoStep):
        answers[step.id] = Answer(choices=[])
    return SessionState(
        consultation_id=consultation.id,
        phase=Phase.QUESTION,
        step_id=step.id,
        history=[step.id],
        answers=answers,
        position=1,
    )


def telegram_length(text: str) -> int:
    """The length of `text` as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
