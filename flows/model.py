"""Consultation definitions: the schema of a consultation TOML file, validated by pydantic."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.typography import french_spacing

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
LANGUAGE_NAMES: dict[str, str] = {"fr": "French", "en": "English"}  # in authors' messages

# Codes travel inside Telegram callback data (64 bytes in all), so they stay short and plain.
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,23}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
MAX_LABEL = 60  # a button's label; longer ones are cut on a phone screen
# Telegram puts at most 8 buttons in a row, and a scale's points share one row.
MAX_SCALE_POINTS = 8


class Strict(BaseModel):
    """Base for definition models: unknown keys are errors, so typos fail at load time."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A user-facing text in every supported language."""

    fr: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    @field_validator("fr", "en")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        # Spaces alone would reach Telegram as an empty message or button, which it refuses.
        if not text.strip():
            raise ValueError("only spaces: write the text")
        # `parole chat` and `parole check --diagram` print the texts: an escape sequence in a
        # file someone handed over would clear the terminal or set its clipboard.
        control = next(
            (c for c in text if c not in "\n\t" and unicodedata.category(c) == "Cc"), None
        )
        if control is not None:
            raise ValueError(f"a control character (U+{ord(control):04X}): remove it")
        return text

    @field_validator("fr")
    @classmethod
    def _french_spacing(cls, fr: str) -> str:
        # Every French text, fixed sentence or consultation file, gets its no-break spaces
        # here, so no author has to type an invisible character.
        return french_spacing(fr)

    def get(self, lang: Lang) -> str:
        """Return the text in `lang`."""
        return self.fr if lang == "fr" else self.en


class Theme(StrEnum):
    """The workshop's question families, used to group answers in digests."""

    PROFIL = "profil"
    PUBLICS = "publics"
    BESOINS = "besoins"
    LEVIERS = "leviers"
    FREINS = "freins"
    OBJECTIFS = "objectifs"
    PROPOSITIONS = "propositions"
    SUIVI = "suivi"


class Option(Strict):
    """One choice of a choice step."""

    code: Code
    label: Text
    favourite: bool = False  # a workshop "coup de cœur" (♥), shown to staff, not to residents

    @field_validator("label")
    @classmethod
    def _fits_a_button(cls, label: Text) -> Text:
        # Telegram cuts long button labels on a phone screen and shows one line only.
        for lang in LANGS:
            text = label.get(lang)
            if "\n" in text.strip():
                raise ValueError(
                    f"the {LANGUAGE_NAMES[lang]} label has a line break: a button shows one line"
                )
            if len(text) > MAX_LABEL:
                raise ValueError(
                    f"the {LANGUAGE_NAMES[lang]} label is {len(text)} characters: a button "
                    f"shows at most {MAX_LABEL} on a phone, shorten it"
                )
        return label


class Condition(Strict):
    """Show a step only when an earlier answer equals or includes a value."""

    step: Code
    equals: str | None = None
    includes: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.includes is None):
            raise ValueError(
                "a condition needs exactly one of equals (or includes, for a multiple choice)"
            )
        return self

    @property
    def value(self) -> str:
        """The value the condition compares with."""
        return self.equals if self.equals is not None else str(self.includes)


class StepBase(Strict):
    """Fields shared by every step kind."""

    id: Code
    text: Text
    help: Text | None = None
    theme: Theme | None = None
    optional: bool = False
    show_if: Condition | None = None


class InfoStep(StepBase):
    """A message to read, with a button to go on."""

    kind: Literal["info"]


class ChoiceStepBase(StepBase):
    """A step answered by picking among options."""

    options: list[Option] = Field(default_factory=list)
    # "quartiers": the options come first from the city's list in the configuration.
    options_from: Literal["quartiers"] | None = None
    other: bool = False  # adds an "Autre" option that asks for a short text

    @field_validator("options")
    @classmethod
    def _unique_codes(cls, options: list[Option]) -> list[Option]:
        codes = [option.code for option in options]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(
                f"option code(s) {', '.join(duplicates)} used twice: give each option its own code"
            )
        if OTHER_CODE in codes:
            raise ValueError(
                f"option code '{OTHER_CODE}' is reserved: remove that option and write "
                "other = true, which adds « Autre… » and asks for a text"
            )
        return options

    @model_validator(mode="after")
    def _has_options(self) -> ChoiceStepBase:
        if not self.options and self.options_from is None:
            raise ValueError('a choice step needs options = [...] (or options_from = "quartiers")')
        return self

    def codes(self) -> list[str]:
        """Every code a resident can pick, "Autre" included."""
        return [o.code for o in self.options] + ([OTHER_CODE] if self.other else [])


class SingleStep(ChoiceStepBase):
    """Pick one option."""

    kind: Literal["single"]


class MultiStep(ChoiceStepBase):
    """Pick between `min_picks` and `max_picks` options, then validate."""

    kind: Literal["multi"]
    min_picks: Annotated[int, Field(ge=1)] = 1
    max_picks: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> MultiStep:
        if self.max_picks is not None and self.max_picks < self.min_picks:
            raise ValueError(
                f"max_picks ({self.max_picks}) is smaller than min_picks ({self.min_picks})"
            )
        choices = len(self.codes())
        # The city's quartiers are only known once the configuration is read (see the loader).
        if self.options_from is None and self.min_picks > choices:
            raise ValueError(
                f"min_picks is {self.min_picks} but there are {choices} options: "
                "nobody could answer"
            )
        return self


class TextStep(StepBase):
    """A free-text answer."""

    kind: Literal["text"]
    max_length: Annotated[int, Field(ge=1, le=4000)] = 1000


class ScaleStep(StepBase):
    """A number on a short scale, such as 1 to 5."""

    kind: Literal["scale"]
    min: int = 1
    max: int = 5
    min_label: Text | None = None
    max_label: Text | None = None

    @model_validator(mode="after")
    def _range(self) -> ScaleStep:
        points = self.max - self.min + 1
        if not 2 <= points <= MAX_SCALE_POINTS:
            raise ValueError(
                f"min = {self.min} and max = {self.max} make {points} points: a scale has "
                f"2 to {MAX_SCALE_POINTS} (its buttons share one row, and Telegram takes "
                f"{MAX_SCALE_POINTS} in a row)"
            )
        if (self.min_label is None) != (self.max_label is None):
            raise ValueError("give both min_label and max_label, or neither")
        return self


class YesNoStep(StepBase):
    """A yes or no question."""

    kind: Literal["yesno"]


Step = Annotated[
    InfoStep | SingleStep | MultiStep | TextStep | ScaleStep | YesNoStep,
    Field(discriminator="kind"),
]
ChoiceStep = SingleStep | MultiStep
OTHER_CODE = "autre"
OTHER_TEXT_SUFFIX = "_autre"  # the column of an "Autre" text, in exports and on paper
YES, NO = "yes", "no"
FOLLOW_UP_STEP = "suivi"  # the question "do you want to hear what the city did?"


class Consultation(Strict):
    """One workshop theme carried to residents' phones."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
    title: Text
    welcome: Text  # what it is for, who reads the answers, that they are anonymous
    thanks: Text
    opens: dt.date
    closes: dt.date
    steps: list[Step]

    @model_validator(mode="after")
    def _coherent(self) -> Consultation:
        # Every problem at once, one per line: an author fixes them all in one go.
        problems: list[str] = []
        if self.closes < self.opens:
            problems.append(f"closes ({self.closes}) is before opens ({self.opens})")
        if not any(step.kind != "info" for step in self.steps):
            problems.append('a consultation needs at least one question (kind other than "info")')
        seen: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            where = describe_step(index, step.id)
            if step.id in seen:
                first = seen[step.id]
                problems.append(
                    f"{where}: step {first + 1} has the id '{step.id}' already: "
                    "give each step its own id"
                )
                continue
            if step.show_if is not None:
                problem = _condition_problem(self.steps, index, step.show_if)
                if problem:
                    problems.append(f"{where}, show_if: {problem}")
            seen[step.id] = index
        problems += _paper_column_clashes(self.steps)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def is_open(self, today: dt.date) -> bool:
        """Whether residents can answer on `today` (both dates included)."""
        return self.opens <= today <= self.closes

    def step(self, step_id: str) -> Step:
        """The step with this id."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def questions(self) -> list[Step]:
        """The steps that ask something (information steps excluded)."""
        return [step for step in self.steps if step.kind != "info"]

    def follow_up_steps(self) -> list[str]:
        """The ids of the steps asking to hear what the city did (see `is_follow_up`)."""
        return [step.id for step in self.steps if is_follow_up(step)]


def is_follow_up(step: Step) -> bool:
    """Whether `step` asks to hear what the city did with the answers: a yes/no or choice
    step named or themed "suivi". A yes keeps the resident's chat for news, so it is only
    asked where news can reach them (not on paper, not in an assisted entry)."""
    if not isinstance(step, YesNoStep | ChoiceStepBase):
        return False
    return step.id == FOLLOW_UP_STEP or step.theme is Theme.SUIVI


def describe_step(index: int, step_id: str) -> str:
    """A step as an author finds it in the file: its rank among the [[steps]] and its id."""
    return f"step {index + 1} (id '{step_id}')"


def _condition_problem(steps: list[Step], index: int, condition: Condition) -> str | None:
    """What is wrong with the condition of `steps[index]`, if anything."""
    ids = [step.id for step in steps]
    if condition.step not in ids[:index]:
        if condition.step == ids[index]:
            return "a step cannot depend on its own answer: name an earlier step"
        if condition.step in ids:
            later = ids.index(condition.step) + 1
            return (
                f"'{condition.step}' is step {later}, after this one: a condition can only "
                "read an answer already given (move this step after it)"
            )
        return f"no step '{condition.step}' before this one: " + _suggest(
            condition.step, ids[:index]
        )
    target = steps[ids.index(condition.step)]
    if condition.includes is not None and not isinstance(target, MultiStep):
        return f"includes needs a multiple-choice step, and '{target.id}' is not: use equals"
    if isinstance(target, SingleStep | MultiStep):
        allowed = target.codes()
        if target.options_from is not None:
            return None  # the city's list is only known once the configuration is read
    elif isinstance(target, YesNoStep):
        allowed = [YES, NO]
    elif isinstance(target, ScaleStep):
        allowed = [str(n) for n in range(target.min, target.max + 1)]
    else:
        return f"'{condition.step}' has no choices to test: name a step with options"
    if condition.value not in allowed:
        return (
            f"'{condition.value}' is not a code of '{condition.step}': "
            f"use one of {', '.join(allowed)}"
        )
    return None


def _suggest(wrong: str, known: list[str]) -> str:
    """A likely meant name, or the names there are."""
    close = difflib.get_close_matches(wrong, known, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"the earlier steps are {', '.join(known)}" if known else "it is the first step"


def _paper_column_clashes(steps: list[Step]) -> list[str]:
    """Step ids that the paper template's "Autre" columns (`<step>_autre`) would repeat."""
    others = {step.id + OTHER_TEXT_SUFFIX: step.id for step in steps if _has_other(step)}
    return [
        f"{describe_step(index, step.id)}: this id is also the paper template's column for "
        f"the « Autre » text of '{others[step.id]}': rename this step"
        for index, step in enumerate(steps)
        if step.id in others
    ]


def _has_other(step: Step) -> bool:
    return isinstance(step, ChoiceStepBase) and step.other


def slug(label: str) -> str:
    """A short option code made from a label (for the city's quartier list)."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    code = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")
    return (code or "q")[:24].rstrip("-")
