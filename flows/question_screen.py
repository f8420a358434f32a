"""What a question's screen and the review show: the options as buttons, the hint, the way
back or on, the prompt for the words of "Autre…", and a resident's earlier answers quoted
short enough for an old phone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Final

from flows.events import Back, Choose, Continue, GoTo, Keep, Review, Show, Skip, Toggle, Validate
from flows.model import OTHER_CODE, InfoStep, Lang, MultiStep, ScaleStep, Step, TextStep
from flows.screen import Button, Screen
from flows.shorten import shorten
from flows.state import Answer, Phase, SessionState
from flows.texts import say

# How much of an earlier text answer a question shown again quotes: enough to recognise it,
# short enough for an old phone's screen (the answer itself is kept whole).
QUOTED_TEXT: Final = 200
# The review lists every answer: each question and answer cut shorter, so that a dozen of
# them stay one message an old phone shows whole.
REVIEW_QUESTION: Final = 60
REVIEW_ANSWER: Final = 80
# Characters of the review's list at most: Telegram takes 4,096 in a message, and a long
# consultation's list goes on in its buttons only.
REVIEW_BUDGET: Final = 3000
_SPACES: Final = re.compile(r"[^\S\u00a0\u202f]+")  # any run of breakable white space


def question_screen(
    step: Step,
    earlier: Answer | None,
    state: SessionState,
    lang: Lang,
    *,
    codes: tuple[str, ...],
    named: Callable[[str], str],
    progress: str | None,
    last: bool,
    notice: str | None,
    edit: bool,
) -> Screen:
    """A question's screen; `earlier`, the answer given to it before, is shown (text),
    marked (choices) and can be kept as it is. `codes` are its options in the order shown,
    `named` gives one's label in `lang`; `last`: no question follows it."""
    rows: list[list[Button]] = []
    hint: str | None = None
    body = [step.help.get(lang)] if step.help else []
    chosen = earlier.choices if earlier is not None else []
    if earlier is not None and earlier.text is not None:
        key = "current_answer" if isinstance(step, TextStep) else "current_other"
        body.append(say(key, lang, answer=quoted(earlier.text)))
    if isinstance(step, InfoStep):
        rows.append([Button(say("continue", lang), Continue())])
    elif isinstance(step, TextStep):
        if earlier is not None:
            hint = say("hint_text_answered", lang, max=step.max_length)
            rows.append([Button(say("keep", lang), Keep())])
        else:
            hint = say("hint_text", lang, max=step.max_length)
    elif isinstance(step, MultiStep):
        for code in codes:
            key = "selected" if code in state.picks else "unselected"
            shown = say(key, lang, label=named(code))
            rows.append([Button(shown, Toggle(code=code, on=code not in state.picks))])
        rows.append([Button(_count(lang, len(state.picks)), Validate())])
        if state.picks:
            picked = ", ".join(named(code) for code in state.picks)
            body.append(say("your_picks", lang, choices=picked))
        hint = (
            say("hint_multi_max", lang, max=step.max_picks)
            if step.max_picks
            else say("hint_multi", lang)
        )
    elif isinstance(step, ScaleStep):
        rows.append(
            [
                Button(_marked(str(n), str(n) in chosen, lang), Choose(code=str(n)))
                for n in range(step.min, step.max + 1)
            ]
        )
        if step.min_label and step.max_label:
            hint = say(
                "hint_scale_labels",
                lang,
                min=step.min,
                max=step.max,
                min_label=step.min_label.get(lang),
                max_label=step.max_label.get(lang),
            )
        else:
            hint = say("hint_scale", lang, min=step.min, max=step.max)
    else:
        for code in codes:
            label = _marked(named(code), code in chosen, lang)
            rows.append([Button(label, Choose(code=code))])
        hint = say("hint_single", lang)
    if chosen and not isinstance(step, MultiStep):
        hint = f"{hint} {say('hint_current', lang)}"
    if step.optional:
        hint = f"{hint} {say('hint_optional', lang)}" if hint else say("hint_optional", lang)
    row = nav(state, lang, skippable=step.optional, erases=earlier is not None)
    if row:
        rows.append(row)
    if last:
        # The last question: an earlier answer can be changed without going back one
        # question at a time.
        rows.append([Button(say("review", lang), Review())])
    return Screen(
        title=step.text.get(lang),
        progress=progress,
        body="\n\n".join(body) if body else None,
        hint=hint,
        notice=notice,
        buttons=rows,
        expects_text=isinstance(step, TextStep),
        edit=edit,
    )


def other_text_screen(
    state: SessionState,
    lang: Lang,
    earlier: Answer | None,
    *,
    notice: str | None,
    progress: str | None,
) -> Screen:
    """The prompt for the words of "Autre…", once ticked; `earlier`, the question's answer
    given before, may be kept."""
    # The "Autre" text given before, if the resident comes back to it.
    text = earlier.text if earlier is not None and OTHER_CODE in earlier.choices else None
    rows = [[Button(say("keep_text", lang), Keep())]] if text is not None else []
    rows.append(nav(state, lang, skippable=True, erases=text is not None))
    return Screen(
        title=say("other_prompt", lang),
        progress=progress,
        body=None if text is None else say("current_answer", lang, answer=quoted(text)),
        notice=notice,
        buttons=rows,
        expects_text=True,
    )


def nav(state: SessionState, lang: Lang, skippable: bool, erases: bool = False) -> list[Button]:
    """Back and skip; `erases`: skipping would erase an answer given before, and says so."""
    row: list[Button] = []
    if state.history or state.phase is Phase.OTHER:
        row.append(Button(say("back", lang), Back()))
    if skippable:
        row.append(Button(say("skip_erase" if erases else "skip", lang), Skip()))
    return row


def review_screen(answered: Iterable[tuple[str, int, str, str]], lang: Lang) -> Screen:
    """The answers given so far, each with a button back to its question; `answered` holds
    each one's step, number (as the progress counts), question and answer in words."""
    lines: list[str] = []
    room = REVIEW_BUDGET
    rows: list[list[Button]] = []
    for step_id, n, question, described in answered:
        line = say(
            "review_line",
            lang,
            n=n,
            question=quoted(question, REVIEW_QUESTION),
            answer=quoted(described, REVIEW_ANSWER),
        )
        room -= len(line) + 2
        if room >= 0:
            lines.append(line)
        rows.append([Button(quoted(f"{n}. {question}", REVIEW_QUESTION), GoTo(step=step_id))])
    rows.append([Button(say("resume", lang), Show())])
    return Screen(
        title=say("review_title", lang),
        body="\n\n".join(lines),
        hint=say("review_hint", lang),
        buttons=rows,
        edit=True,  # in place of the question that offered it
    )


def quoted(text: str, limit: int = QUOTED_TEXT) -> str:
    """An earlier text answer as a screen quotes it: on one line, cut at a word if long, never
    inside a flag, an emoji family or an accented letter.

    No-break spaces stay: French typography keeps "?" and ":" with their word."""
    return shorten(_SPACES.sub(" ", text).strip(), limit)


def _marked(label: str, chosen: bool, lang: Lang) -> str:
    """An option's label, marked when it is the answer given before."""
    return say("selected", lang, label=label) if chosen else label


def _count(lang: Lang, n: int) -> str:
    return say("validate_count", lang, n=n) if n else say("validate", lang)
