"""The paper questionnaire a relay prints and fills in door to door: one HTML document.

It holds what the paper template (`flows.paper`) has, in the same order: each question
numbered, what to tick, a box per option with the code its CSV column takes printed small
beside it, so that typing a form in is copying codes. A question asked only after some
answer says so ("Seulement si … à la question 3"); an optional one says it may be skipped.
Above the questions, what the relay reads out before asking (the consultation's welcome and
what is kept, the very texts the bot uses) and the person's agreement; below them, every
helpline (`flows.safeguarding`) and the consultation's id with the day it was printed.

The document is print-ready on A4, black on white, with nothing outside it (no font, image
or style sheet to fetch): it opens in any browser, offline, and prints from there.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from html import escape
from typing import Final

from flows.model import (
    NO,
    OTHER_CODE,
    YES,
    ChoiceStepBase,
    Consultation,
    Lang,
    MultiStep,
    ScaleStep,
    Step,
    Text,
    TextStep,
    YesNoStep,
)
from flows.paper import on_paper, paper_code
from flows.safeguarding import every_helpline
from flows.texts import Messages
from flows.texts import say as say_resident

# Handwriting on an A4 line at this size holds about 60 characters; a free text gets the
# lines its longest answer needs, within a page's reach.
CHARS_PER_LINE: Final = 60
MIN_LINES: Final = 2
MAX_LINES: Final = 15
BOX: Final = "☐"
BOX_HTML: Final = f'<span class="box">{BOX}</span>'

MESSAGES: dict[str, Text] = {
    "subtitle": Text(fr="Questionnaire papier", en="Paper questionnaire"),
    "read_out": Text(
        fr="À lire à la personne avant de commencer",
        en="Read this to the person before you start",
    ),
    # Nothing can tell that a person answered already (everyone is anonymous).
    "answered_before": Text(
        fr="Si la personne a déjà répondu (sur son téléphone ou sur papier), ne remplissez pas "
        "ce questionnaire : ses réponses compteraient deux fois.",
        en="If the person already answered (on their phone or on paper), do not fill in this "
        "form: their answers would count twice.",
    ),
    "consent": Text(fr="La personne est d'accord", en="The person agrees"),
    "consent_not": Text(
        fr="Si elle n'est pas d'accord, ne remplissez rien.",
        en="If they do not agree, fill in nothing.",
    ),
    "how": Text(
        fr="Lisez chaque question à la personne et cochez ses réponses. Le petit code à côté "
        "de chaque case sert à saisir le questionnaire.",
        en="Read each question to the person and tick their answers. The small code beside "
        "each box is for typing the form in.",
    ),
    "single": Text(fr="Une seule réponse.", en="One answer only."),
    "multi": Text(fr="Plusieurs réponses possibles.", en="Several answers possible."),
    "multi_max": Text(
        fr="Plusieurs réponses possibles, {max} au plus.",
        en="Several answers possible, {max} at most.",
    ),
    "multi_min": Text(
        fr="Plusieurs réponses possibles, {min} au moins.",
        en="Several answers possible, {min} at least.",
    ),
    "multi_range": Text(
        fr="Plusieurs réponses possibles : de {min} à {max}.",
        en="Several answers possible: {min} to {max}.",
    ),
    "scale": Text(fr="De {min} à {max} : une seule case.", en="From {min} to {max}: one box."),
    "yesno": Text(fr="Oui ou non.", en="Yes or no."),
    "text": Text(
        fr="Écrivez ce que dit la personne, {max} caractères au plus.",
        en="Write what the person says, {max} characters at most.",
    ),
    "other": Text(fr="Autre :", en="Other:"),
    "other_label": Text(fr="Autre", en="Other"),
    "optional": Text(
        fr="On peut passer cette question : laissez-la vide.",
        en="This question may be skipped: leave it blank.",
    ),
    "only_if": Text(
        fr="Seulement si « {label} » est coché à la question {n}. Sinon, passez à la suivante.",
        en="Only if “{label}” is ticked at question {n}. Otherwise, go on to the next one.",
    ),
    "helplines": Text(
        fr="Si la personne parle de violence ou de danger, donnez-lui ces numéros :",
        en="If the person speaks of violence or danger, give them these numbers:",
    ),
    "printed": Text(fr="{id} · imprimé le {date}", en="{id} · printed on {date}"),
}

say = Messages(MESSAGES).say

STYLE: Final = """
@page { size: A4; margin: 14mm 16mm; }
html { color: #000; background: #fff; }
body { font-family: Arial, Helvetica, "Liberation Sans", "DejaVu Sans", sans-serif;
  font-size: 13pt; line-height: 1.35; margin: 0; }
h1 { font-size: 20pt; margin: 0; }
h2 { font-size: 14pt; margin: 0 0 1.5mm; }
p { margin: 0 0 2mm; }
.subtitle { font-size: 12pt; margin: 0 0 5mm; }
.read-out { border: 2pt solid #000; padding: 3mm 4mm; margin: 0 0 5mm; }
.consent { font-size: 15pt; font-weight: bold; margin: 3mm 0 1mm; }
.box { font-size: 1.4em; line-height: 1; margin-right: 1.5mm; }
.question { break-inside: avoid; page-break-inside: avoid; margin: 0 0 6mm; }
.help { font-size: 12pt; }
.note { font-style: italic; }
.condition { font-weight: bold; }
.code { font-family: "Courier New", Courier, monospace; font-size: 9pt; margin-left: 2mm; }
ul.options { list-style: none; padding: 0; margin: 1mm 0 0; }
ul.options li { margin: 0 0 1.5mm; }
ul.inline li { display: inline-block; margin-right: 9mm; }
.write { display: inline-block; width: 60%; height: 1em; border-bottom: 1pt solid #000; }
.line { height: 9mm; border-bottom: 1pt solid #000; }
.helplines { border-top: 2pt solid #000; padding-top: 3mm; margin-top: 8mm;
  break-inside: avoid; page-break-inside: avoid; }
.helplines ul { margin: 0; padding-left: 6mm; }
.printed { font-size: 9pt; margin-top: 5mm; }
"""


# A help text's way to name a button, written for a phone.
_TAP = re.compile(r"\b(Touchez|touchez|Tap|tap)(?=\s+[«“])")
_TICK = {"Touchez": "Cochez", "touchez": "cochez", "Tap": "Tick", "tap": "tick"}


def file_name(consultation: Consultation, lang: Lang) -> str:
    """The document's file name: the consultation's, and the language when not French."""
    suffix = "" if lang == "fr" else f"-{lang}"
    return f"questionnaire-{consultation.id}{suffix}.html"


def paper_form(consultation: Consultation, lang: Lang, *, privacy: str, printed: dt.date) -> str:
    """The printable questionnaire of `consultation` in `lang`, as one HTML document.

    `privacy` is what is kept of the answers, as a relay reads it out (the bot's own text,
    which the caller fills with the retention period); `printed` the day it is made.
    """
    questions = on_paper(consultation)
    numbers = {step.id: n for n, step in enumerate(questions, start=1)}
    title = escape(consultation.title.get(lang))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="subtitle">{escape(say("subtitle", lang))}</p>',
        _read_out(consultation, lang, privacy),
        f'<p class="note">{escape(say("how", lang))}</p>',
        *(_question(consultation, step, numbers, lang) for step in questions),
        _helplines(lang),
        f'<p class="printed">{escape(_printed(consultation, printed, lang))}</p>',
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _printed(consultation: Consultation, printed: dt.date, lang: Lang) -> str:
    return say("printed", lang, id=consultation.id, date=printed.strftime("%d/%m/%Y"))


def _paragraphs(text: str, css: str = "") -> str:
    """A text's blank-line-separated blocks as paragraphs, its other line breaks kept."""
    attribute = f' class="{css}"' if css else ""
    blocks = [block.strip() for block in text.strip().split("\n\n") if block.strip()]
    return "\n".join(
        f"<p{attribute}>{'<br>'.join(escape(line) for line in block.splitlines())}</p>"
        for block in blocks
    )


def _for_paper(help_text: str) -> str:
    """A question's help as paper reads it: a button it names ("touchez « Autre… »") is a box
    to tick there."""
    return _TAP.sub(lambda m: _TICK[m.group(1)], help_text)


def _box(label: str, code: str | None) -> str:
    """A box to tick, its label, and the code to type for it, printed small."""
    small = f'<span class="code">{escape(code)}</span>' if code is not None else ""
    return f"<li>{BOX_HTML}{escape(label)}{small}</li>"


def _read_out(consultation: Consultation, lang: Lang, privacy: str) -> str:
    return "\n".join(
        [
            '<section class="read-out">',
            f"<h2>{escape(say('read_out', lang))}</h2>",
            _paragraphs(consultation.welcome.get(lang)),
            _paragraphs(privacy),
            f'<p class="note">{escape(say("answered_before", lang))}</p>',
            f'<p class="consent">{escape(say("consent", lang))} {BOX_HTML}</p>',
            f'<p class="note">{escape(say("consent_not", lang))}</p>',
            "</section>",
        ]
    )


def _helplines(lang: Lang) -> str:
    lines = "".join(f"<li>{escape(line)}</li>" for line in every_helpline(lang))
    heading = escape(say("helplines", lang))
    return f'<section class="helplines">\n<h2>{heading}</h2>\n<ul>{lines}</ul>\n</section>'


def _question(consultation: Consultation, step: Step, numbers: dict[str, int], lang: Lang) -> str:
    parts = [
        f'<section class="question" id="q-{escape(step.id)}">',
        f"<h2>{numbers[step.id]}. {escape(step.text.get(lang))}"
        f'<span class="code">{escape(step.id)}</span></h2>',
    ]
    if step.help is not None:
        parts.append(_paragraphs(_for_paper(step.help.get(lang)), "help"))
    if step.show_if is not None:
        target = consultation.step(step.show_if.step)
        label = _answer_label(target, step.show_if.value, lang)
        condition = say("only_if", lang, label=label, n=numbers[target.id])
        parts.append(f'<p class="note condition">{escape(condition)}</p>')
    parts.append(f'<p class="note">{escape(_what_to_do(step, lang))}</p>')
    if step.optional:
        parts.append(f'<p class="note skip">{escape(say("optional", lang))}</p>')
    parts += [_answers(step, lang), "</section>"]
    return "\n".join(parts)


def _answer_label(step: Step, code: str, lang: Lang) -> str:
    """What a ticked box of `step` says for `code` (a condition's value)."""
    if isinstance(step, ChoiceStepBase):
        found = [option.label.get(lang) for option in step.options if option.code == code]
        return found[0] if found else say("other_label", lang)
    if isinstance(step, YesNoStep):
        return say_resident("yes" if code == YES else "no", lang)
    return code  # a scale's point is its number


def _what_to_do(step: Step, lang: Lang) -> str:
    if isinstance(step, MultiStep):
        least, most = step.min_picks, step.max_picks
        if most is not None and least > 1:
            return say("multi_range", lang, min=least, max=most)
        if most is not None:
            return say("multi_max", lang, max=most)
        if least > 1:
            return say("multi_min", lang, min=least)
        return say("multi", lang)
    if isinstance(step, ChoiceStepBase):
        return say("single", lang)
    if isinstance(step, ScaleStep):
        return say("scale", lang, min=step.min, max=step.max)
    if isinstance(step, YesNoStep):
        return say("yesno", lang)
    assert isinstance(step, TextStep)  # on_paper holds questions only, never an info step
    return say("text", lang, max=step.max_length)


def _answers(step: Step, lang: Lang) -> str:
    """Where the answer goes: boxes with their codes, or lines to write on."""
    if isinstance(step, ChoiceStepBase):
        boxes = [_box(option.label.get(lang), option.code) for option in step.options]
        if step.other:
            boxes.append(
                f"<li>{BOX_HTML}{escape(say('other', lang))} "
                f'<span class="write"></span><span class="code">{OTHER_CODE}</span></li>'
            )
        return f'<ul class="options">{"".join(boxes)}</ul>'
    if isinstance(step, YesNoStep):
        # The template's codes are the French words whatever the form's language.
        boxes = [
            _box(say_resident("yes", lang), paper_code(YES)),
            _box(say_resident("no", lang), paper_code(NO)),
        ]
        return f'<ul class="options inline">{"".join(boxes)}</ul>'
    if isinstance(step, ScaleStep):
        points = [_box(str(n), None) for n in range(step.min, step.max + 1)]
        scale = f'<ul class="options inline">{"".join(points)}</ul>'
        if step.min_label is None or step.max_label is None:
            return scale
        ends = f"{step.min} = {step.min_label.get(lang)} · {step.max} = {step.max_label.get(lang)}"
        return f'{scale}\n<p class="help">{escape(ends)}</p>'
    assert isinstance(step, TextStep)
    count = min(MAX_LINES, max(MIN_LINES, math.ceil(step.max_length / CHARS_PER_LINE)))
    return '<div class="lines">' + '<div class="line"></div>' * count + "</div>"
