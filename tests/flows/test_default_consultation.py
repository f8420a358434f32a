"""The default consultation (workshop #2, "Vivre ensemble") as a resident sees it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from flows.engine import Engine
from flows.events import Accept
from flows.loader import BUILTIN_DIR, ConsultationError, load_consultation
from flows.model import (
    LANGS,
    MAX_LABEL,
    ChoiceStepBase,
    Consultation,
    Lang,
    MultiStep,
    SingleStep,
    Text,
    Theme,
)

PATH = BUILTIN_DIR / "vivre-ensemble.toml"
QUARTIERS = ["Bourgogne", "Pont-Rompu"]
ACRONYMS = ("QPV", "NPNRU", "PIC", "GUP", "NEET", "GAT", "FTU")
WORKSHOP_THEMES = {
    Theme.PUBLICS,
    Theme.BESOINS,
    Theme.LEVIERS,
    Theme.FREINS,
    Theme.OBJECTIFS,
    Theme.PROPOSITIONS,
}


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return load_consultation(PATH, quartiers=QUARTIERS)


def texts(node: object) -> Iterator[Text]:
    """Every user-facing `Text` in a definition, however deeply nested."""
    if isinstance(node, Text):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from texts(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from texts(item)


def choice(consultation: Consultation, step_id: str) -> ChoiceStepBase:
    step = consultation.step(step_id)
    assert isinstance(step, ChoiceStepBase), f"{step_id} is not a choice step"
    return step


def test_identity_and_dates(consultation: Consultation) -> None:
    assert consultation.id == "vivre-ensemble"
    assert consultation.title.fr == "Vivre ensemble\u202f: lien social, prévention, sécurité"
    assert consultation.title.en == "Living together: social ties, prevention, safety"
    assert str(consultation.opens) == "2026-01-01"
    assert str(consultation.closes) == "2027-12-31"


def test_quartier_step_offers_the_city_list_other_and_no_answer(
    consultation: Consultation,
) -> None:
    step = choice(consultation, "quartier")
    assert isinstance(step, SingleStep)
    assert consultation.steps[0] is step, "the quartier comes first"
    labels = [option.label.fr for option in step.options]
    assert labels[: len(QUARTIERS)] == QUARTIERS, "the city's quartiers come first"
    assert "Je préfère ne pas dire" in labels
    assert step.other

    # What the resident actually sees on the first screen after agreeing.
    engine = Engine(consultation)
    outcome = engine.handle(engine.begin(), Accept(), "fr")
    shown = [button.label for row in outcome.screen.buttons for button in row]
    for expected in [*QUARTIERS, "Autre…", "Je préfère ne pas dire"]:
        assert expected in shown


def test_objectifs_allow_three_of_eight(consultation: Consultation) -> None:
    step = choice(consultation, "objectifs")
    assert isinstance(step, MultiStep)
    assert step.max_picks == 3
    assert len(step.options) == 8
    assert not step.other
    assert not any(option.favourite for option in step.options), "no ♥ on objectives"


def test_publics_besoins_follow_the_workshop(consultation: Consultation) -> None:
    assert len(choice(consultation, "publics").options) == 7
    assert len(choice(consultation, "besoins").options) == 7
    assert choice(consultation, "publics").other
    assert choice(consultation, "besoins").other


@pytest.mark.parametrize("lang", LANGS)
def test_every_option_label_fits_a_button(consultation: Consultation, lang: Lang) -> None:
    too_long = [
        f"{step.id}/{option.code}: {option.label.get(lang)!r}"
        for step in consultation.steps
        if isinstance(step, ChoiceStepBase)
        for option in step.options
        if len(option.label.get(lang)) > MAX_LABEL
    ]
    assert not too_long


def test_no_unexplained_acronym(consultation: Consultation) -> None:
    pattern = re.compile(r"\b(?:" + "|".join(ACRONYMS) + r")s?\b")
    found = [
        (match.group(), text.fr[:60])
        for text in texts(consultation)
        for match in [pattern.search(text.fr), pattern.search(text.en)]
        if match
    ]
    assert not found


def test_acronym_check_would_catch_one() -> None:
    # Guard for the test above: the walk finds nested texts and the pattern matches words.
    text = Text(fr="Les jeunes NEETs du QPV", en="x")
    assert list(texts([text])) == [text]
    pattern = re.compile(r"\b(?:" + "|".join(ACRONYMS) + r")s?\b")
    assert pattern.findall(text.fr) == ["NEETs", "QPV"]
    assert not pattern.search("un pic de chaleur, PICARDIE, épicerie")


def test_every_workshop_theme_is_asked(consultation: Consultation) -> None:
    asked = {step.theme for step in consultation.questions()}
    assert asked >= WORKSHOP_THEMES


def test_questions_end_with_a_question_mark(consultation: Consultation) -> None:
    for step in consultation.questions():
        assert step.text.fr.endswith("\u202f?"), step.id  # a no-break space before "?"
        assert step.text.en.endswith("?"), step.id


def test_stays_short(consultation: Consultation) -> None:
    assert 10 <= len(consultation.questions()) <= 12


def test_welcome_says_what_a_resident_must_know(consultation: Consultation) -> None:
    welcome = consultation.welcome.fr
    for needed in ["Contrat de ville 2024-2030", "anonyme", "5 minutes", "17", "112"]:
        assert needed in welcome
    assert "/start" in consultation.thanks.fr


def test_loading_without_quartiers_names_the_step() -> None:
    with pytest.raises(
        ConsultationError, match=r"step 1 \(id 'quartier'\) lists the quartiers"
    ) as caught:
        load_consultation(PATH, quartiers=[])
    assert str(PATH) in str(caught.value)


def test_the_file_is_shipped_with_the_package() -> None:
    # `parole` finds built-in consultations through the installed package, not the checkout.
    assert PATH.is_file()
