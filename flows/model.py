"""Consultation definitions: the schema of a consultation TOML file, validated by pydantic."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

# Codes travel inside Telegram callback data (64 bytes in all), so they stay short and plain.
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,23}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
MAX_LABEL = 60


class Strict(BaseModel):
    """Base for definition models: unknown keys are errors, so typos fail at load time."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A user-facing text in every supported language."""

    fr: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

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
        # Telegram cuts long button labels on a phone screen; keep each on one line.
        for lang in LANGS:
            if len(label.get(lang)) > MAX_LABEL:
                raise ValueError(f"label ({lang}) is longer than {MAX_LABEL} characters")
        return label


class Condition(Strict):
    """Show a step only when an earlier answer equals or includes a value."""

    step: Code
    equals: str | None = None
    includes: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.includes is None):
            raise ValueError("a condition needs exactly one of 'equals' or 'includes'")
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
            raise ValueError(f"duplicate option code(s): {', '.join(duplicates)}")
        if OTHER_CODE in codes:
            raise ValueError(f"option code '{OTHER_CODE}' is reserved: use other = true")
        return options

    @model_validator(mode="after")
    def _has_options(self) -> ChoiceStepBase:
        if not self.options and self.options_from is None:
            raise ValueError("a choice step needs options or options_from")
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
            raise ValueError("max_picks is smaller than min_picks")
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
        if not 2 <= self.max - self.min + 1 <= 11:
            raise ValueError("a scale has between 2 and 11 points")
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
        if self.closes < self.opens:
            raise ValueError("closes is before opens")
        if not any(step.kind != "info" for step in self.steps):
            raise ValueError("a consultation needs at least one question")
        seen: dict[str, Step] = {}
        for index, step in enumerate(self.steps):
            where = f"steps[{index}] (id '{step.id}')"
            if step.id in seen:
                raise ValueError(f"{where}: duplicate step id")
            if step.show_if is not None:
                _check_condition(where, step.show_if, seen)
            seen[step.id] = step
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


def _check_condition(where: str, condition: Condition, earlier: dict[str, Step]) -> None:
    target = earlier.get(condition.step)
    if target is None:
        raise ValueError(f"{where}: show_if refers to '{condition.step}', not an earlier step")
    if condition.includes is not None and not isinstance(target, MultiStep):
        raise ValueError(f"{where}: 'includes' needs a multiple-choice step, use 'equals'")
    if isinstance(target, SingleStep | MultiStep):
        allowed = target.codes()
        if target.options_from is not None:
            return  # the city's list is only known once the configuration is read
    elif isinstance(target, YesNoStep):
        allowed = [YES, NO]
    elif isinstance(target, ScaleStep):
        allowed = [str(n) for n in range(target.min, target.max + 1)]
    else:
        raise ValueError(f"{where}: show_if on '{condition.step}', a step without choices")
    if condition.value not in allowed:
        raise ValueError(
            f"{where}: show_if value '{condition.value}' is not an option of '{condition.step}'"
        )


def slug(label: str) -> str:
    """A short option code made from a label (for the city's quartier list)."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    code = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")
    return (code or "q")[:24].rstrip("-")
