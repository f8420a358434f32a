"""Consultation definitions: the schema of a consultation TOML file, validated by pydantic."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.mistakes import (
    LANGUAGE_NAMES_EN,
    LANGUAGE_NAMES_FR,
    Bilingual,
    BilingualError,
    describe_step,
    one_of,
)
from flows.typography import french_spacing

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

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
            raise BilingualError(
                Bilingual("rien que des espaces : écrivez le texte", "only spaces: write the text")
            )
        # `parole chat` and `parole check --diagram` print the texts: an escape sequence in a
        # file someone handed over would clear the terminal or set its clipboard.
        control = next(
            (c for c in text if c not in "\n\t" and unicodedata.category(c) == "Cc"), None
        )
        if control is not None:
            code = f"U+{ord(control):04X}"
            raise BilingualError(
                Bilingual(
                    f"un caractère de contrôle ({code}) : enlevez-le",
                    f"a control character ({code}): remove it",
                )
            )
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
            french, english = LANGUAGE_NAMES_FR[lang], LANGUAGE_NAMES_EN[lang]
            if "\n" in text.strip():
                raise BilingualError(
                    Bilingual(
                        f"le libellé {french} passe à la ligne : un bouton n'a qu'une ligne",
                        f"the {english} label has a line break: a button shows one line",
                    )
                )
            if len(text) > MAX_LABEL:
                raise BilingualError(
                    Bilingual(
                        f"le libellé {french} fait {len(text)} caractères : un bouton en montre "
                        f"{MAX_LABEL} au plus sur un téléphone, raccourcissez-le",
                        f"the {english} label is {len(text)} characters: a button "
                        f"shows at most {MAX_LABEL} on a phone, shorten it",
                    )
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
            raise BilingualError(
                Bilingual(
                    "une condition demande un seul test : equals (ou includes, pour un choix "
                    "multiple)",
                    "a condition needs exactly one of equals (or includes, for a multiple choice)",
                )
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
            twice = ", ".join(duplicates)
            raise BilingualError(
                Bilingual(
                    f"code(s) d'option {twice} en double : donnez à chaque option son code",
                    f"option code(s) {twice} used twice: give each option its own code",
                )
            )
        if OTHER_CODE in codes:
            raise BilingualError(
                Bilingual(
                    f"le code d'option « {OTHER_CODE} » est réservé : enlevez cette option et "
                    "écrivez other = true, qui ajoute « Autre… » et demande un texte",
                    f"option code '{OTHER_CODE}' is reserved: remove that option and write "
                    "other = true, which adds « Autre… » and asks for a text",
                )
            )
        return options

    @model_validator(mode="after")
    def _has_options(self) -> ChoiceStepBase:
        if not self.options and self.options_from is None:
            raise BilingualError(
                Bilingual(
                    'une question à choix demande options = [...] (ou options_from = "quartiers")',
                    'a choice step needs options = [...] (or options_from = "quartiers")',
                )
            )
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
            most, least = self.max_picks, self.min_picks
            raise BilingualError(
                Bilingual(
                    f"max_picks ({most}) est plus petit que min_picks ({least})",
                    f"max_picks ({most}) is smaller than min_picks ({least})",
                )
            )
        # The city's quartiers are only known once the configuration is read (see the loader).
        if self.options_from is None and self.min_picks > len(self.codes()):
            raise BilingualError(too_few_options(self.min_picks, len(self.codes())))
        return self


def too_few_options(min_picks: int, choices: int) -> Bilingual:
    """A multiple choice asking for more picks than it has options."""
    return Bilingual(
        f"min_picks vaut {min_picks} mais il n'y a que {choices} options : personne ne "
        "pourrait répondre",
        f"min_picks is {min_picks} but there are {choices} options: nobody could answer",
    )


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
            most = MAX_SCALE_POINTS
            raise BilingualError(
                Bilingual(
                    f"min = {self.min} et max = {self.max} font {points} points : une échelle "
                    f"en a de 2 à {most} (ses boutons sont sur une seule ligne, et Telegram en "
                    f"met {most} au plus par ligne)",
                    f"min = {self.min} and max = {self.max} make {points} points: a scale has "
                    f"2 to {most} (its buttons share one row, and Telegram takes {most} in a row)",
                )
            )
        if (self.min_label is None) != (self.max_label is None):
            raise BilingualError(
                Bilingual(
                    "donnez min_label et max_label, ou aucun des deux",
                    "give both min_label and max_label, or neither",
                )
            )
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
        problems: list[Bilingual] = []
        if self.closes < self.opens:
            closes, opens = self.closes, self.opens
            problems.append(
                Bilingual(
                    f"closes ({closes}) est avant opens ({opens}) : la consultation fermerait "
                    "avant d'ouvrir",
                    f"closes ({closes}) is before opens ({opens})",
                )
            )
        if not any(step.kind != "info" for step in self.steps):
            problems.append(
                Bilingual(
                    'une consultation demande au moins une question (kind autre que "info")',
                    'a consultation needs at least one question (kind other than "info")',
                )
            )
        seen: dict[str, int] = {}
        for index, step in enumerate(self.steps):
            where = describe_step(index, step.id)
            if step.id in seen:
                first = seen[step.id] + 1
                problems.append(
                    Bilingual(
                        f"l'étape {first} a déjà l'id « {step.id} » : donnez à chaque étape "
                        "son propre id",
                        f"step {first} has the id '{step.id}' already: give each step its own id",
                    ).at(where)
                )
                continue
            if step.show_if is not None:
                problem = _condition_problem(self.steps, index, step.show_if)
                if problem:
                    problems.append(problem.at(where.key("show_if")))
            seen[step.id] = index
        problems += _paper_column_clashes(self.steps)
        if problems:
            raise BilingualError(*problems)
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


def _condition_problem(steps: list[Step], index: int, condition: Condition) -> Bilingual | None:
    """What is wrong with the condition of `steps[index]`, if anything."""
    ids = [step.id for step in steps]
    named = condition.step
    if named not in ids[:index]:
        if named == ids[index]:
            return Bilingual(
                "une étape ne peut pas dépendre de sa propre réponse : nommez une étape d'avant",
                "a step cannot depend on its own answer: name an earlier step",
            )
        if named in ids:
            later = ids.index(named) + 1
            return Bilingual(
                f"« {named} » est l'étape {later}, après celle-ci : une condition ne lit "
                "qu'une réponse déjà donnée (placez cette étape après elle)",
                f"'{named}' is step {later}, after this one: a condition can only "
                "read an answer already given (move this step after it)",
            )
        return _suggest(named, ids[:index]).at(
            Bilingual(
                f"aucune étape « {named} » avant celle-ci", f"no step '{named}' before this one"
            )
        )
    target = steps[ids.index(named)]
    if condition.includes is not None and not isinstance(target, MultiStep):
        return Bilingual(
            f"includes demande un choix multiple, et « {target.id} » n'en est pas un : "
            "utilisez equals",
            f"includes needs a multiple-choice step, and '{target.id}' is not: use equals",
        )
    if isinstance(target, SingleStep | MultiStep):
        allowed = target.codes()
        if target.options_from is not None:
            return None  # the city's list is only known once the configuration is read
    elif isinstance(target, YesNoStep):
        allowed = [YES, NO]
    elif isinstance(target, ScaleStep):
        allowed = [str(n) for n in range(target.min, target.max + 1)]
    else:
        return Bilingual(
            f"« {named} » n'a pas de choix à tester : nommez une étape avec des options",
            f"'{named}' has no choices to test: name a step with options",
        )
    if condition.value not in allowed:
        return one_of(allowed).at(not_a_code(condition.value, named))
    return None


def not_a_code(value: str, step_id: str) -> Bilingual:
    """A condition's value that the step it reads cannot give."""
    return Bilingual(
        f"« {value} » n'est pas un code de « {step_id} »", f"'{value}' is not a code of '{step_id}'"
    )


def _suggest(wrong: str, known: list[str]) -> Bilingual:
    """A likely meant name, or the names there are."""
    close = difflib.get_close_matches(wrong, known, n=1)
    if close:
        return Bilingual(f"vouliez-vous dire « {close[0]} » ?", f"did you mean '{close[0]}'?")
    if known:
        listed = ", ".join(known)
        return Bilingual(f"les étapes d'avant sont {listed}", f"the earlier steps are {listed}")
    return Bilingual("c'est la première étape", "it is the first step")


def _paper_column_clashes(steps: list[Step]) -> list[Bilingual]:
    """Step ids that the paper template's "Autre" columns (`<step>_autre`) would repeat."""
    others = {step.id + OTHER_TEXT_SUFFIX: step.id for step in steps if _has_other(step)}
    return [
        Bilingual(
            f"cet id est aussi la colonne du modèle papier pour le texte « Autre » de "
            f"« {others[step.id]} » : renommez cette étape",
            f"this id is also the paper template's column for the « Autre » text of "
            f"'{others[step.id]}': rename this step",
        ).at(describe_step(index, step.id))
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
