"""The conversation engine, as a resident would notice it: screens, buttons, notices, answers.

Most tests read like a conversation: a `Resident` taps buttons by their label (as shown on the
screen, with the session's current position) or types messages, and keeps a copy of what the
storage would hold by applying each outcome's `saved` and `removed`.
"""

from __future__ import annotations

import functools
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import events
from flows.engine import Engine, Outcome
from flows.events import (
    Accept,
    Back,
    Choose,
    Continue,
    Decline,
    Event,
    Keep,
    Restart,
    Show,
    Skip,
    TextInput,
    Toggle,
    Validate,
)
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation, InfoStep, Lang, MultiStep, TextStep, Theme
from flows.screen import Button, Screen
from flows.state import Answer, Phase, SessionState
from tests.flows.conftest import FIXTURES

ACCEPT = "✅ J'accepte"
DECLINE = "Non merci"
CONTINUE = "Continuer ➡️"
BACK = "⬅️ Retour"
SKIP = "Passer ⏭"
REVIEW = "✏️ Changer une réponse"
OTHER = "Autre…"
YES, NO = "Oui", "Non"

AGE = "Quel âge avez-vous\u202f?"
PUBLICS = "Quels publics aider en premier\u202f?"
LOCAL = "Faut-il un local pour les jeunes\u202f?"
IDEE = "Votre idée en quelques mots\u202f?"
NOTE = "Vous sentez-vous écouté·e\u202f?"
SUIVI = "Voulez-vous suivre la suite\u202f?"
MOYEN = "Par quel moyen\u202f?"
FREIN = "Qu'est-ce qui vous freine\u202f?"
INTRO = "Cela prend cinq minutes."
THANKS = "Merci pour vos réponses\u202f!"
OTHER_PROMPT = (
    "Vous avez choisi «\u202fAutre…\u202f». Écrivez votre réponse en quelques mots, "
    "dans un message."
)
USE_BUTTONS = "Je n'ai pas compris. Choisissez une réponse ci-dessous, ou écrivez son numéro."
STALE = "Ce bouton n'est plus actif. Voici où vous en êtes."
RESTART_YES, RESTART_NO = "🔄 Oui, recommencer", "▶️ Non, reprendre"
STALE_TEXT = {"fr": STALE, "en": "This button is no longer active. Here is where you are."}
# What an old button says instead, when it is the press just applied (a double tap) or the
# session is over.
AGAIN_TEXT = {
    "fr": (
        "Votre réponse est déjà enregistrée.",
        "Vous avez déjà répondu à cette consultation. Merci\u202f!",
    ),
    "en": (
        "Your answer is already saved.",
        "You have already answered this consultation. Thank you!",
    ),
}


CITY = ("Centre-ville", "Les Épis", "Les Epis", "La Gare")


@functools.cache
def load(name: str) -> Consultation:
    """A fixture or shipped consultation, loaded once (hypothesis can't use function fixtures)."""
    path = FIXTURES / f"{name}.toml"
    return load_consultation(path if path.exists() else BUILTIN_DIR / f"{name}.toml", CITY)


class Resident:
    """One resident's session, driven through the engine like a chat."""

    def __init__(self, engine: Engine, lang: Lang = "fr") -> None:
        self.engine = engine
        self.lang: Lang = lang
        self.state = engine.begin()
        self.screen = engine.render(self.state, lang)
        self.outcomes: list[Outcome] = []
        self.stored: dict[str, Answer] = {}  # what storage holds, from `saved` and `removed`

    @property
    def last(self) -> Outcome:
        return self.outcomes[-1]

    def send(self, event: Event) -> Outcome:
        before = self.state
        outcome = self.engine.handle(before, event, self.lang)
        for step_id in outcome.saved:
            self.stored[step_id] = outcome.state.answers[step_id]
        for step_id in outcome.removed:
            self.stored.pop(step_id, None)
        assert outcome.changed == (outcome.state != before)
        assert SessionState.model_validate_json(outcome.state.model_dump_json()) == outcome.state
        self.state, self.screen = outcome.state, outcome.screen
        self.outcomes.append(outcome)
        return outcome

    def labels(self, screen: Screen | None = None) -> list[str]:
        return [button.label for row in (screen or self.screen).buttons for button in row]

    def button(self, label: str, screen: Screen | None = None) -> Button:
        """The button showing `label`, with or without its ✅/▫️ selection marker."""
        wanted = {label, f"✅ {label}", f"▫️ {label}"}
        found = [b for row in (screen or self.screen).buttons for b in row if b.label in wanted]
        assert len(found) == 1, f"no single button {label!r} among {self.labels(screen)}"
        return found[0]

    def click(self, label: str) -> Outcome:
        """Tap a button of the current screen."""
        return self.send(replace(self.button(label).event, position=self.state.position))

    def click_old(self, screen: Screen, position: int, label: str) -> Outcome:
        """Tap a button of a message shown earlier, sent while the session was at `position`."""
        return self.send(replace(self.button(label, screen).event, position=position))

    def validate(self) -> Outcome:
        """Tap the "Valider" button of a multiple choice, whatever count it shows."""
        (button,) = [b for row in self.screen.buttons for b in row if isinstance(b.event, Validate)]
        return self.send(replace(button.event, position=self.state.position))

    def type(self, text: str) -> Outcome:
        return self.send(TextInput(text=text))


# -- journeys -----------------------------------------------------------------------------


def to_age(r: Resident) -> None:
    r.click(ACCEPT)
    r.click(CONTINUE)
    assert r.screen.title == AGE


def to_publics(r: Resident) -> None:
    to_age(r)
    r.click("De 25 à 60 ans")
    assert r.screen.title == PUBLICS


def to_idee(r: Resident, *publics: str) -> None:
    to_publics(r)
    for label in publics or ("Les femmes", "Les familles"):
        r.click(label)
    r.validate()
    if r.screen.title == LOCAL:
        r.click(YES)
    assert r.screen.title == IDEE


def to_suivi(r: Resident, *publics: str) -> None:
    to_idee(r, *publics)
    r.type("Un jardin partagé")
    r.click("4")
    assert r.screen.title == SUIVI


@pytest.fixture
def r(engine: Engine) -> Resident:
    return Resident(engine)


# -- consent ------------------------------------------------------------------------------


def test_welcome_asks_for_consent(r: Resident) -> None:
    assert r.screen.title == "Vivre au quartier"
    assert r.screen.body == "Quelques questions sur votre quartier. Vos réponses sont anonymes."
    assert r.labels() == [ACCEPT, DECLINE, "English"]
    assert r.screen.progress is None
    assert not r.screen.final
    assert r.state.phase is Phase.CONSENT


def test_accepting_shows_the_introduction_then_the_first_question(r: Resident) -> None:
    outcome = r.click(ACCEPT)
    assert outcome.moved and outcome.changed
    assert outcome.recap == "✔️ Accepté"
    assert outcome.saved == ()
    assert r.screen.title == INTRO
    assert r.screen.progress is None  # information is not a question
    assert r.labels() == [CONTINUE]  # nothing to go back to yet
    r.click(CONTINUE)
    assert r.screen.title == AGE
    assert r.screen.progress == "Question 1 sur 8"  # with the two that depend on later answers
    assert r.labels() == ["Moins de 25 ans", "De 25 à 60 ans", "Plus de 60 ans", OTHER, BACK]
    assert r.screen.hint == "Touchez une réponse."


def test_typing_on_an_information_step_goes_on(r: Resident) -> None:
    r.click(ACCEPT)
    r.type("ok")
    assert r.screen.title == AGE
    assert r.stored == {}


def test_declining_stores_nothing_and_ends(r: Resident) -> None:
    outcome = r.click(DECLINE)
    assert outcome.saved == () and outcome.removed == ()
    assert outcome.moved
    assert r.screen.final
    assert r.screen.title == (
        "D'accord. Rien n'a été enregistré. Si vous changez d'avis, tapez /start."
    )
    assert r.screen.buttons == []
    assert r.state.phase is Phase.DECLINED
    assert r.state.answers == {}
    assert r.stored == {}


def test_after_declining_only_a_restart_asks_again(r: Resident) -> None:
    r.click(DECLINE)
    declined = r.state
    for event in (Accept(), Continue(), Choose(code="jeune"), TextInput(text="oui"), Back()):
        outcome = r.send(replace(event, position=r.state.position))
        assert not outcome.changed and outcome.state == declined and outcome.screen.final
    r.send(Restart(position=r.state.position))
    assert r.state.phase is Phase.CONSENT
    assert r.labels() == [ACCEPT, DECLINE, "English"]
    assert r.state.position > declined.position  # the old consent buttons are stale
    r.click(ACCEPT)
    assert r.screen.title == INTRO


def test_typing_instead_of_consenting_asks_for_the_buttons(r: Resident) -> None:
    outcome = r.type("bonjour")
    assert outcome.screen.notice == USE_BUTTONS
    assert not outcome.changed
    assert r.labels() == [ACCEPT, DECLINE, "English"]


def test_consent_screen_restart_and_skip_do_nothing(r: Resident) -> None:
    for event in (Restart(), Skip(), Back(), Validate()):
        outcome = r.send(event)
        assert not outcome.changed
        assert r.state.phase is Phase.CONSENT


# -- each kind of step --------------------------------------------------------------------


def test_single_choice_is_saved_with_a_recap(r: Resident) -> None:
    to_age(r)
    position = r.state.position
    outcome = r.click("Plus de 60 ans")
    assert outcome.saved == ("age",)
    assert outcome.moved
    assert outcome.recap == "✔️ Votre réponse\u202f: Plus de 60 ans"
    assert r.stored == {"age": Answer(choices=["senior"])}
    assert r.state.position == position + 1
    assert r.screen.title == PUBLICS


def test_multi_choice_is_saved_in_the_order_of_the_options(r: Resident) -> None:
    to_publics(r)
    r.click("Les familles")
    r.click("Les femmes")
    outcome = r.validate()
    assert outcome.saved == ("publics",)
    assert outcome.recap == "✔️ Votre réponse\u202f: Les femmes, Les familles"
    assert r.stored["publics"] == Answer(choices=["femmes", "familles"])


def test_text_answer_is_trimmed_and_saved(r: Resident) -> None:
    to_idee(r)
    assert r.screen.expects_text
    assert r.screen.hint == "Écrivez votre réponse dans un message (20 caractères au plus)."
    assert r.labels() == [BACK]
    outcome = r.type("  Un jardin partagé \n")
    assert outcome.saved == ("idee",)
    assert outcome.recap == "✔️ Votre réponse\u202f: Un jardin partagé"
    assert r.stored["idee"] == Answer(text="Un jardin partagé")


def test_text_of_exactly_the_maximum_length_is_accepted(r: Resident) -> None:
    to_idee(r)
    r.type("x" * 20)
    assert r.stored["idee"] == Answer(text="x" * 20)


def test_scale_shows_its_points_and_labels(r: Resident) -> None:
    to_idee(r)
    r.type("Un banc")
    assert r.screen.title == NOTE
    assert r.labels() == ["1", "2", "3", "4", "5", BACK]
    assert r.screen.buttons[0] == [
        Button(str(n), Choose(code=str(n))) for n in range(1, 6)
    ]  # the points on one row
    assert r.screen.hint == "Touchez un nombre de 1 (pas du tout) à 5 (tout à fait)."
    outcome = r.click("2")
    assert outcome.recap == "✔️ Votre réponse\u202f: 2"
    assert r.stored["note"] == Answer(choices=["2"])


def test_yes_no_question(r: Resident) -> None:
    to_suivi(r)
    assert r.labels() == [YES, NO, BACK]
    outcome = r.click(NO)
    assert outcome.recap == "✔️ Votre réponse\u202f: Non"
    assert r.stored["suivi"] == Answer(choices=["no"])


def test_a_whole_journey_stores_every_answer_and_thanks(r: Resident) -> None:
    to_suivi(r, "Les jeunes", "Les aînés")
    r.click(YES)
    assert r.screen.title == MOYEN
    r.click("Réunion publique")
    assert r.screen.title == FREIN
    outcome = r.click("La langue")
    assert outcome.saved == ("frein",)
    assert outcome.removed == ()
    assert outcome.recap == "✔️ Votre réponse\u202f: La langue"
    assert r.screen.final
    assert r.screen.title == THANKS
    assert r.screen.buttons == []
    assert r.state.phase is Phase.DONE
    assert r.state.step_id is None
    assert (
        r.stored
        == r.state.answers
        == {
            "age": Answer(choices=["adulte"]),
            "publics": Answer(choices=["jeunes", "aines"]),
            "local": Answer(choices=["yes"]),
            "idee": Answer(text="Un jardin partagé"),
            "note": Answer(choices=["4"]),
            "suivi": Answer(choices=["yes"]),
            "moyen": Answer(choices=["reunion"]),
            "frein": Answer(choices=["langue"]),
        }
    )
    assert r.state.answered() == 8


def test_themes_are_read_from_the_file(every_kind: Consultation) -> None:
    themes = {step.id: step.theme for step in every_kind.steps}
    assert themes["intro"] is None
    assert themes["age"] is Theme.PROFIL
    assert themes["publics"] is Theme.PUBLICS
    assert themes["frein"] is Theme.FREINS


# -- progress -----------------------------------------------------------------------------


def test_progress_counts_the_questions_that_may_still_be_shown(r: Resident) -> None:
    # "local" depends on "publics" and "moyen" on "suivi": counted until their answer hides
    # them, so the total never grows while the resident answers on.
    to_publics(r)
    assert r.screen.progress == "Question 2 sur 8"
    r.click("Les femmes")
    r.click("Les jeunes")
    assert r.screen.progress == "Question 2 sur 8"  # a selection counts once validated
    r.validate()
    assert r.screen.title == LOCAL
    assert r.screen.progress == "Question 3 sur 8"
    r.click(NO)
    assert r.screen.progress == "Question 4 sur 8"
    r.type("Un banc")
    assert r.screen.progress == "Question 5 sur 8"
    r.click("3")
    assert r.screen.progress == "Question 6 sur 8"
    r.click(YES)
    assert r.screen.title == MOYEN
    assert r.screen.progress == "Question 7 sur 8"
    r.click("Affichage")
    assert r.screen.progress == "Question 8 sur 8"


def test_progress_total_only_shrinks_as_answers_hide_questions(r: Resident) -> None:
    to_publics(r)
    assert r.screen.progress == "Question 2 sur 8"
    r.click("Les femmes")
    r.click("Les familles")
    r.validate()
    assert r.screen.title == IDEE
    assert r.screen.progress == "Question 3 sur 7"  # no "Les jeunes": no question on their club
    r.type("Un banc")
    r.click("3")
    assert r.screen.progress == "Question 5 sur 7"
    r.click(NO)
    assert r.screen.title == FREIN
    assert r.screen.progress == "Question 6 sur 6"


def test_progress_shrinks_when_a_changed_answer_hides_a_question(r: Resident) -> None:
    to_suivi(r)
    r.click(YES)
    assert r.screen.progress == "Question 6 sur 7"
    r.click(BACK)
    assert r.screen.title == SUIVI
    assert r.screen.progress == "Question 5 sur 7"  # "Oui" is still the answer on record
    r.click(NO)
    assert r.screen.title == FREIN
    assert r.screen.progress == "Question 6 sur 6"


def test_residents_of_one_engine_each_see_their_own_progress_and_ticks(engine: Engine) -> None:
    # The engine reuses question screens: what one resident saw must never leak to another
    # who stands on the same question with other answers.
    yes, no = Resident(engine), Resident(engine)
    for resident, answer in ((yes, YES), (no, NO)):
        to_suivi(resident)
        resident.click(answer)
    yes.click("Affichage")
    assert yes.screen.title == no.screen.title == FREIN
    assert (yes.screen.progress, no.screen.progress) == ("Question 7 sur 7", "Question 6 sur 6")

    first, second = Resident(engine), Resident(engine)
    to_publics(first)
    to_publics(second)
    first.click("Les femmes")
    assert "✅ Les femmes" in first.labels()
    assert "▫️ Les femmes" in second.labels()


# -- multiple choice ----------------------------------------------------------------------


def test_toggling_marks_options_and_counts_them_in_place(r: Resident) -> None:
    to_publics(r)
    assert r.screen.hint == "Touchez jusqu'à 3 réponses, puis «\u202fValider\u202f»."
    assert r.screen.body == "Deux ou trois réponses."
    assert r.labels() == [
        "▫️ Les femmes",
        "▫️ Les jeunes",
        "▫️ Les aînés",
        "▫️ Les familles",
        "▫️ Autre…",
        "Valider ✔️",
        BACK,
    ]
    position = r.state.position
    outcome = r.click("Les aînés")
    assert outcome.screen.edit
    assert not outcome.moved
    assert outcome.saved == ()
    assert r.state.position == position  # the same keyboard stays usable
    assert "✅ Les aînés" in r.labels()
    assert "Valider (1) ✔️" in r.labels()
    r.click("✅ Les aînés")
    assert "▫️ Les aînés" in r.labels()
    assert "Valider ✔️" in r.labels()
    assert r.state.picks == []


def test_too_few_picks_are_refused_with_the_minimum(r: Resident) -> None:
    to_publics(r)
    r.click("Les femmes")
    outcome = r.validate()
    assert (
        outcome.screen.notice
        == "Choisissez au moins 2 réponses, puis touchez «\u202fValider\u202f»."
    )
    assert not outcome.changed
    assert r.screen.title == PUBLICS
    assert r.stored == {"age": Answer(choices=["adulte"])}


def test_a_pick_over_the_maximum_is_refused_and_changes_nothing(r: Resident) -> None:
    to_publics(r)
    for label in ("Les femmes", "Les jeunes", "Les aînés"):
        r.click(label)
    picks = r.state.picks
    outcome = r.click("Les familles")
    assert (
        outcome.screen.notice
        == "Pas plus de 3 réponses. Touchez d'abord une réponse cochée pour l'enlever."
    )
    assert outcome.screen.edit
    assert not outcome.changed
    assert r.state.picks == picks == ["femmes", "jeunes", "aines"]
    assert "▫️ Les familles" in r.labels()
    assert "Valider (3) ✔️" in r.labels()


def test_selecting_twice_selects_once(r: Resident) -> None:
    to_publics(r)
    keyboard, position = r.screen, r.state.position
    r.click_old(keyboard, position, "Les femmes")
    outcome = r.click_old(keyboard, position, "Les femmes")  # a double tap on the same keyboard
    assert not outcome.stale
    assert not outcome.changed
    assert r.state.picks == ["femmes"]
    assert "Valider (1) ✔️" in r.labels()
    r.send(Toggle(code="femmes", on=False, position=position))
    r.send(Toggle(code="femmes", on=False, position=position))
    assert r.state.picks == []


def test_typing_a_number_or_a_label_toggles_an_option(r: Resident) -> None:
    to_publics(r)
    r.type("2")
    assert r.state.picks == ["jeunes"]
    r.type("les aines")
    assert r.state.picks == ["jeunes", "aines"]
    r.type("LES JEUNES")
    assert r.state.picks == ["aines"]
    assert r.type("un peu tout").screen.notice == USE_BUTTONS


def test_an_unknown_option_code_is_refused(r: Resident) -> None:
    to_publics(r)
    outcome = r.send(Toggle(code="martiens", position=r.state.position))
    assert outcome.screen.notice == USE_BUTTONS
    assert not outcome.changed


# -- "Autre" ------------------------------------------------------------------------------


def test_other_on_a_single_choice_asks_for_a_text(r: Resident) -> None:
    to_age(r)
    outcome = r.click(OTHER)
    assert outcome.moved and outcome.saved == ()
    assert r.state.phase is Phase.OTHER
    assert r.screen.title == OTHER_PROMPT
    assert r.screen.expects_text
    assert r.screen.progress == "Question 1 sur 8"
    assert r.labels() == [BACK, SKIP]
    outcome = r.type("Je préfère taire")
    assert outcome.saved == ("age",)
    assert outcome.recap == "✔️ Votre réponse\u202f: Autre… Je préfère taire"
    assert r.stored["age"] == Answer(choices=["autre"], text="Je préfère taire")
    assert r.screen.title == PUBLICS


def test_other_on_a_multiple_choice_keeps_the_other_picks(r: Resident) -> None:
    to_publics(r)
    r.click("Les femmes")
    r.click(OTHER)
    assert "✅ Autre…" in r.labels()
    r.validate()
    assert r.screen.title == OTHER_PROMPT
    outcome = r.type("Les voisins")
    assert outcome.recap == "✔️ Votre réponse\u202f: Les femmes, Autre… Les voisins"
    assert r.stored["publics"] == Answer(choices=["femmes", "autre"], text="Les voisins")
    assert r.screen.title == IDEE


def test_back_from_the_other_prompt_returns_to_the_choice(r: Resident) -> None:
    to_age(r)
    r.click(OTHER)
    outcome = r.click(BACK)
    assert outcome.moved
    assert r.state.phase is Phase.QUESTION
    assert r.screen.title == AGE
    assert "age" not in r.stored
    r.click("Moins de 25 ans")
    assert r.stored["age"] == Answer(choices=["jeune"])


def test_back_from_the_other_prompt_keeps_the_multiple_picks(r: Resident) -> None:
    to_publics(r)
    r.click("Les jeunes")
    r.click(OTHER)
    r.validate()
    r.click(BACK)
    assert r.screen.title == PUBLICS
    assert "✅ Les jeunes" in r.labels()
    assert "✅ Autre…" in r.labels()
    r.click("✅ Autre…")
    r.click("Les familles")
    r.validate()
    assert r.stored["publics"] == Answer(choices=["jeunes", "familles"])


def test_the_other_prompt_refuses_an_empty_message_and_buttons(r: Resident) -> None:
    to_age(r)
    r.click(OTHER)
    outcome = r.type("   ")
    assert outcome.screen.notice == "Votre message est vide. Écrivez votre réponse."
    assert not outcome.changed
    outcome = r.send(Choose(code="jeune", position=r.state.position))
    assert outcome.screen.notice == OTHER_PROMPT
    assert not outcome.changed


def test_the_other_text_can_be_skipped(r: Resident) -> None:
    to_age(r)
    r.click(OTHER)
    outcome = r.click(SKIP)
    assert outcome.recap == "✔️ Votre réponse\u202f: Autre…"
    assert r.stored["age"] == Answer(choices=["autre"])


# -- text problems ------------------------------------------------------------------------


def test_a_text_too_long_is_refused_with_its_length(r: Resident) -> None:
    to_idee(r)
    outcome = r.type("Un très grand jardin partagé")
    assert outcome.screen.notice == (
        "Votre réponse est trop longue\u202f: 28 caractères, pour 20 au plus. "
        "Merci de la raccourcir."
    )
    assert not outcome.changed
    assert outcome.saved == ()
    assert r.screen.title == IDEE


def test_an_empty_text_is_refused(r: Resident) -> None:
    to_idee(r)
    outcome = r.type(" \n ")
    assert outcome.screen.notice == "Votre message est vide. Écrivez votre réponse."
    assert not outcome.changed


def test_a_button_event_on_a_text_question_is_refused(r: Resident) -> None:
    to_idee(r)
    outcome = r.send(Choose(code="1", position=r.state.position))
    assert outcome.screen.notice == USE_BUTTONS
    assert not outcome.changed


# -- typing on choice steps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2", "adulte"),
        (" 3 ", "senior"),
        ("plus de 60 ANS", "senior"),
        ("de 25 a 60 ans", "adulte"),
        ("MOINS DE 25 ANS.", "jeune"),
    ],
)
def test_typing_a_number_or_a_label_picks_it(r: Resident, typed: str, code: str) -> None:
    to_age(r)
    r.type(typed)
    assert r.stored["age"] == Answer(choices=[code])


@pytest.mark.parametrize("typed", ["autre", "4", "Autre…"])
def test_typing_other_asks_for_the_text(r: Resident, typed: str) -> None:
    to_age(r)
    r.type(typed)
    assert r.screen.title == OTHER_PROMPT


@pytest.mark.parametrize("typed", ["peut-être", "0", "5", "-1", "𐩀", "1.5", "", "Oui"])
def test_typing_nonsense_on_a_choice_asks_for_the_buttons(r: Resident, typed: str) -> None:
    to_age(r)
    outcome = r.type(typed)
    assert outcome.screen.notice == USE_BUTTONS
    assert not outcome.changed
    assert r.screen.title == AGE


def test_typing_yes_or_no_and_a_scale_point(r: Resident) -> None:
    to_idee(r)
    r.type("Un banc")
    assert r.type("6").screen.notice == USE_BUTTONS
    r.type("5")
    assert r.stored["note"] == Answer(choices=["5"])
    assert r.type("peut-être").screen.notice == USE_BUTTONS
    r.type("NON")
    assert r.stored["suivi"] == Answer(choices=["no"])


# -- skipping -----------------------------------------------------------------------------


def test_an_optional_question_can_be_skipped(r: Resident) -> None:
    to_suivi(r)
    r.click(NO)
    assert r.screen.title == FREIN
    assert r.screen.hint == "Touchez une réponse. Vous pouvez passer cette question."
    assert r.labels() == ["Le temps", "La langue", BACK, SKIP, REVIEW]
    outcome = r.click(SKIP)
    assert outcome.saved == ("frein",)
    assert outcome.recap == "⏭ Question passée"
    assert r.stored["frein"] == Answer(skipped=True)
    assert r.screen.final
    assert r.state.answered() == len(r.state.answers) - 1


def test_a_required_question_cannot_be_skipped(r: Resident) -> None:
    to_age(r)
    assert SKIP not in r.labels()
    outcome = r.send(Skip(position=r.state.position))
    assert outcome.screen.notice == (
        "Cette question est obligatoire\u202f: vous ne pouvez pas la passer."
    )
    assert not outcome.changed
    assert r.stored == {}


# -- going back ---------------------------------------------------------------------------


def test_back_then_a_new_answer_replaces_the_old_one(r: Resident) -> None:
    to_publics(r)
    outcome = r.click(BACK)
    assert outcome.moved and outcome.saved == ()
    assert r.screen.title == AGE
    r.click("Plus de 60 ans")
    assert r.stored["age"] == Answer(choices=["senior"])
    assert r.screen.title == PUBLICS
    r.click(BACK)
    r.click(BACK)
    assert r.screen.title == INTRO
    assert r.labels() == [CONTINUE]
    outcome = r.send(Back(position=r.state.position))
    assert outcome.screen.notice == "C'est la première question."
    assert not outcome.changed


def test_back_to_a_multiple_choice_shows_the_earlier_picks(r: Resident) -> None:
    to_idee(r, "Les femmes", "Les familles")
    r.click(BACK)
    assert r.screen.title == PUBLICS
    assert "✅ Les femmes" in r.labels()
    assert "✅ Les familles" in r.labels()
    assert "Valider (2) ✔️" in r.labels()
    r.click("✅ Les familles")
    r.click("Les aînés")
    outcome = r.validate()
    assert outcome.saved == ("publics",)
    assert r.stored["publics"] == Answer(choices=["femmes", "aines"])
    assert r.screen.title == IDEE


def test_going_forward_again_preloads_a_multiple_choice(r: Resident) -> None:
    to_idee(r, "Les femmes", "Les familles")
    r.click(BACK)
    r.click(BACK)
    assert r.screen.title == AGE
    r.click("Moins de 25 ans")
    assert r.screen.title == PUBLICS
    assert r.state.picks == ["femmes", "familles"]
    assert "Valider (2) ✔️" in r.labels()


def test_old_buttons_are_stale_after_going_back(r: Resident) -> None:
    to_publics(r)
    keyboard, position = r.screen, r.state.position
    r.click(BACK)
    outcome = r.click_old(keyboard, position, "Les femmes")
    assert outcome.stale
    assert r.screen.title == AGE


# -- a question answered before, shown again ----------------------------------------------

KEEP = "Garder ma réponse ✔️"
KEEP_TEXT = "Garder ce texte ✔️"
SKIP_ERASE = "Effacer et passer ⏭"


def to_leviers_precision(r: Resident) -> None:
    """The default consultation up to its first free-text question, which is optional."""
    r.click(ACCEPT)
    r.click("Centre-ville")
    r.click("J'y habite")
    r.click(SKIP)  # age
    for step_id in ("publics", "besoins", "leviers"):
        assert r.state.step_id == step_id
        r.click(r.labels()[0])
        r.validate()
    assert r.state.step_id == "leviers_precision"


@pytest.fixture
def default() -> Resident:
    """A resident of the default consultation, whose free-text questions are optional."""
    return Resident(Engine(load("vivre-ensemble")))


def test_a_text_question_shown_again_quotes_the_answer_and_can_keep_it(r: Resident) -> None:
    to_idee(r)
    r.type("Un jardin partagé")
    r.click(BACK)
    assert r.screen.title == IDEE
    assert r.screen.body == "Votre réponse actuelle\u202f: «\u202fUn jardin partagé\u202f»"
    assert r.screen.hint == (
        "Pour la changer, écrivez une nouvelle réponse (20 caractères au plus). "
        "Sinon, touchez «\u202fGarder ma réponse\u202f»."
    )
    assert r.labels() == [KEEP, BACK]
    outcome = r.click(KEEP)
    assert outcome.saved == () and outcome.removed == ()  # nothing to write: it is unchanged
    assert outcome.moved and outcome.recap == "✔️ Votre réponse\u202f: Un jardin partagé"
    assert r.stored["idee"] == Answer(text="Un jardin partagé")
    assert r.screen.title == NOTE


def test_a_text_question_reached_again_going_forward_shows_its_answer(default: Resident) -> None:
    # The QA report's path: answer the text, go back past it, change the list before it;
    # the text question comes again with its answer, and "Passer" no longer erases it
    # unannounced.
    r = default
    to_leviers_precision(r)
    r.type("Le centre social Jean Moulin")
    r.click(BACK)
    r.click(BACK)
    assert r.state.step_id == "leviers"
    r.click(r.labels()[1])
    r.validate()
    assert r.state.step_id == "leviers_precision"
    assert (
        r.screen.body == "Votre réponse actuelle\u202f: «\u202fLe centre social Jean Moulin\u202f»"
    )
    assert r.labels() == [KEEP, BACK, SKIP_ERASE]
    assert SKIP not in r.labels()
    r.click(KEEP)
    assert r.state.step_id == "freins"
    assert r.stored["leviers_precision"] == Answer(text="Le centre social Jean Moulin")


def test_skipping_an_answered_question_says_it_erases_the_answer(default: Resident) -> None:
    r = default
    to_leviers_precision(r)
    r.type("Mon adresse, finalement non")
    r.click(BACK)
    outcome = r.click(SKIP_ERASE)
    assert outcome.saved == ("leviers_precision",)
    assert outcome.recap == "⏭ Réponse effacée, question passée"
    assert r.stored["leviers_precision"] == Answer(skipped=True)
    r.click(BACK)  # a skipped question has no answer to show or keep: a plain "Passer"
    assert r.screen.body is None
    assert r.labels() == [BACK, SKIP]
    assert r.send(Skip(position=r.state.position)).recap == "⏭ Question passée"


def test_a_new_text_replaces_the_one_shown(r: Resident) -> None:
    to_idee(r)
    r.type("Un banc")
    r.click(BACK)
    outcome = r.type("Un jardin")
    assert outcome.saved == ("idee",)
    assert r.stored["idee"] == Answer(text="Un jardin")


def test_a_long_answer_is_quoted_cut_at_a_word_and_on_one_line(default: Resident) -> None:
    r = default
    to_leviers_precision(r)
    text = "Le centre social\nJean Moulin " + "et la ludothèque du quartier " * 10
    r.type(text)
    r.click(BACK)
    assert r.screen.body is not None
    shown = r.screen.body.split("\n\n")[-1]  # after the question's help
    assert shown.startswith(
        "Votre réponse actuelle\u202f: «\u202fLe centre social Jean Moulin et la"
    )
    quoted = shown.removeprefix("Votre réponse actuelle\u202f: «\u202f").removesuffix("\u202f»")
    assert quoted.endswith("…") and "\n" not in quoted and len(quoted) <= 201
    flat = " ".join(text.split())
    cut = quoted.removesuffix("…")
    assert flat.startswith(cut) and flat[len(cut)] == " "  # at the end of a word
    assert r.stored["leviers_precision"] == Answer(text=text.strip())  # kept whole


def test_a_long_answer_of_flags_is_quoted_with_whole_flags(default: Resident) -> None:
    r = default
    to_leviers_precision(r)
    r.type("à" + "🇫🇷" * 150)  # a flag is two characters: a cut can fall inside one
    r.click(BACK)
    assert r.screen.body is not None
    quoted = r.screen.body.split("«\u202f")[-1].removesuffix("\u202f»").removesuffix("…")
    flags = quoted.removeprefix("à")
    assert flags and flags == "🇫🇷" * (len(flags) // 2)


def test_a_single_choice_shown_again_marks_the_answer(r: Resident) -> None:
    to_publics(r)
    r.click(BACK)
    assert r.screen.title == AGE
    assert r.labels() == ["Moins de 25 ans", "✅ De 25 à 60 ans", "Plus de 60 ans", OTHER, BACK]
    assert r.screen.hint == "Touchez une réponse. ✅\u202f: votre réponse actuelle."
    outcome = r.click("✅ De 25 à 60 ans")  # the same answer again: it stays
    assert r.stored["age"] == Answer(choices=["adulte"])
    assert outcome.recap == "✔️ Votre réponse\u202f: De 25 à 60 ans"
    assert r.screen.title == PUBLICS


def test_a_scale_and_a_yes_no_shown_again_mark_the_answer(r: Resident) -> None:
    to_suivi(r)
    r.click(NO)
    r.click(BACK)
    assert r.labels() == [YES, "✅ Non", BACK]
    r.click(BACK)
    assert r.screen.title == NOTE
    assert r.labels() == ["1", "2", "3", "✅ 4", "5", BACK]
    assert (
        r.screen.hint == "Touchez un nombre de 1 (pas du tout) à 5 (tout à fait). "
        "✅\u202f: votre réponse actuelle."
    )


def test_an_other_text_is_shown_again_and_can_be_kept(r: Resident) -> None:
    to_age(r)
    r.click(OTHER)
    r.type("Je préfère taire")
    r.click(BACK)
    assert "✅ Autre…" in r.labels()
    assert r.screen.body == "Vous aviez précisé\u202f: «\u202fJe préfère taire\u202f»"
    r.click("✅ Autre…")
    assert r.screen.title == OTHER_PROMPT
    assert r.screen.body == "Votre réponse actuelle\u202f: «\u202fJe préfère taire\u202f»"
    assert r.labels() == [KEEP_TEXT, BACK, SKIP_ERASE]
    outcome = r.click(KEEP_TEXT)
    assert outcome.saved == ()
    assert r.stored["age"] == Answer(choices=["autre"], text="Je préfère taire")
    assert r.screen.title == PUBLICS


def test_an_other_text_kept_with_a_changed_list_is_saved_with_the_new_picks(r: Resident) -> None:
    to_publics(r)
    r.click("Les femmes")
    r.click(OTHER)
    r.validate()
    r.type("Les voisins")
    r.click(BACK)
    assert r.screen.title == PUBLICS
    assert "Vous aviez précisé\u202f: «\u202fLes voisins\u202f»" in (r.screen.body or "")
    r.click("✅ Les femmes")
    r.click("Les aînés")
    r.validate()
    outcome = r.click(KEEP_TEXT)
    assert outcome.saved == ("publics",)
    assert r.stored["publics"] == Answer(choices=["aines", "autre"], text="Les voisins")


def test_a_question_shown_again_is_never_served_to_another_resident(engine: Engine) -> None:
    # Screens are kept for reuse: one showing a resident's own words must not be.
    first, second = Resident(engine), Resident(engine)
    to_idee(first)
    first.type("Mon secret")
    first.click(BACK)
    to_idee(second)
    assert second.screen.body is None
    assert KEEP not in second.labels()
    assert "Mon secret" not in repr(engine._screens)


def test_keep_with_nothing_kept_changes_nothing(r: Resident) -> None:
    to_idee(r)
    outcome = r.send(Keep(position=r.state.position))
    assert not outcome.changed and outcome.saved == ()
    assert outcome.screen.notice == USE_BUTTONS


# -- typing a button's word ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Valider", "valider", "VALIDER (2)", "ok", "Confirm"])
def test_typing_valider_confirms_a_multiple_choice(r: Resident, typed: str) -> None:
    to_publics(r)
    r.type("les femmes")
    r.type("les familles")
    outcome = r.type(typed)
    assert outcome.saved == ("publics",)
    assert r.stored["publics"] == Answer(choices=["femmes", "familles"])
    assert r.screen.title == IDEE


def test_typing_valider_with_too_few_picks_says_how_many(r: Resident) -> None:
    to_publics(r)
    r.type("les femmes")
    assert r.type("valider").screen.notice == (
        "Choisissez au moins 2 réponses, puis touchez «\u202fValider\u202f»."
    )


@pytest.mark.parametrize("typed", ["retour", "Retour", "back", "⬅️ Retour"])
def test_typing_retour_goes_back(r: Resident, typed: str) -> None:
    to_publics(r)
    outcome = r.type(typed)
    assert outcome.moved and outcome.saved == ()
    assert r.screen.title == AGE


@pytest.mark.parametrize("typed", ["passer", "Passer", "skip", "Passer ⏭"])
def test_typing_passer_skips_an_optional_question(r: Resident, typed: str) -> None:
    to_suivi(r)
    r.click(NO)
    assert r.screen.title == FREIN
    outcome = r.type(typed)
    assert outcome.saved == ("frein",)
    assert r.stored["frein"] == Answer(skipped=True)
    assert r.screen.final


def test_typing_retour_on_a_text_question_goes_back_and_stores_nothing(r: Resident) -> None:
    to_idee(r)
    r.type("retour")
    assert r.screen.title == PUBLICS
    assert "idee" not in r.stored


def test_typing_garder_keeps_a_text_shown_again(r: Resident) -> None:
    to_idee(r)
    r.type("Un banc")
    r.click(BACK)
    outcome = r.type("garder")
    assert outcome.saved == ()
    assert r.stored["idee"] == Answer(text="Un banc")
    assert r.screen.title == NOTE


def test_a_button_s_word_does_nothing_where_the_button_is_not_shown(r: Resident) -> None:
    to_age(r)
    for typed in ("passer", "valider", "garder"):  # required, a single choice, not answered
        outcome = r.type(typed)
        assert outcome.screen.notice == USE_BUTTONS
        assert not outcome.changed
    assert r.stored == {}


def test_english_words_work_in_english() -> None:
    r = Resident(Engine(load("every-kind")), lang="en")
    r.click("✅ I agree")
    r.click("Continue ➡️")
    r.type("over 60")
    r.type("women")
    r.type("families")
    r.type("confirm")
    assert r.screen.title == "Your idea in a few words?"
    r.type("back")
    assert r.screen.title == "Which people should be helped first?"


# -- conditions ---------------------------------------------------------------------------


def test_includes_shows_a_question_only_for_that_pick(r: Resident) -> None:
    to_publics(r)
    r.click("Les jeunes")
    r.click("Les femmes")
    r.validate()
    assert r.screen.title == LOCAL

    other = Resident(r.engine)
    to_publics(other)
    other.click("Les femmes")
    other.click("Les aînés")
    other.validate()
    assert other.screen.title == IDEE


def test_equals_shows_a_question_only_for_that_answer(r: Resident) -> None:
    to_suivi(r)
    r.click(YES)
    assert r.screen.title == MOYEN
    r.click(BACK)
    r.click(NO)
    assert r.screen.title == FREIN


def test_answers_of_questions_that_became_hidden_are_removed_at_the_end(r: Resident) -> None:
    to_suivi(r, "Les jeunes", "Les femmes")
    r.click(YES)
    r.click("Affichage")
    assert set(r.stored) == {"age", "publics", "local", "idee", "note", "suivi", "moyen"}
    # Back to the multiple choice: no more "Les jeunes", no more "Oui" to the follow-up.
    for title in (MOYEN, SUIVI, NOTE, IDEE, LOCAL, PUBLICS):
        r.click(BACK)
        assert r.screen.title == title
    r.click("✅ Les jeunes")
    r.click("Les familles")
    r.validate()
    assert r.screen.title == IDEE
    assert r.screen.progress == "Question 3 sur 7"
    r.type("Un banc")
    r.click("4")
    r.click(NO)
    outcome = r.click(SKIP)
    assert r.screen.final
    assert set(outcome.removed) == {"local", "moyen"}
    assert outcome.saved == ("frein",)
    assert (
        set(r.stored)
        == set(r.state.answers)
        == {
            "age",
            "publics",
            "idee",
            "note",
            "suivi",
            "frein",
        }
    )


def test_a_condition_on_a_hidden_question_is_false(chain: Consultation) -> None:
    r = Resident(Engine(chain))
    r.click(ACCEPT)
    r.click(YES)
    assert r.screen.title == "B\u202f?"
    r.click("Ix")
    assert r.screen.title == "C\u202f?"
    r.click(BACK)
    r.click(BACK)
    assert r.screen.title == "A\u202f?"
    r.click(NO)
    # B is hidden now, so its "Ix" on record no longer shows C.
    assert r.screen.title == "D\u202f?"
    assert r.screen.progress == "Question 2 sur 2"
    assert [s.id for s in r.engine.visible_steps(r.state)] == ["a", "d"]
    outcome = r.type("fin")
    assert outcome.removed == ("b",)
    assert r.state.answers.keys() == {"a", "d"}


# -- steps left out (an assisted entry does not ask the follow-up question) --------------


def test_a_left_out_step_is_passed_over_with_the_steps_that_depend_on_it(
    every_kind: Consultation,
) -> None:
    r = Resident(Engine(every_kind, left_out={"suivi"}))
    to_idee(r)
    assert r.screen.progress == "Question 3 sur 5"  # age, publics, idee, note, frein
    r.type("Un banc")
    assert r.screen.title == NOTE and r.screen.progress == "Question 4 sur 5"
    r.click("3")
    assert r.screen.title == FREIN  # neither "suivi" nor "moyen", shown only after a yes
    assert r.screen.progress == "Question 5 sur 5"
    r.click(BACK)
    assert r.screen.title == NOTE
    r.click("3")
    r.click(SKIP)
    assert r.screen.final and r.state.phase is Phase.DONE
    assert "suivi" not in r.state.history
    assert r.stored == r.state.answers
    assert r.stored.keys() == {"age", "publics", "idee", "note", "frein"}


def test_a_session_already_at_a_left_out_step_goes_on_without_keeping_its_answer(
    every_kind: Consultation,
) -> None:
    # An entry under way when the follow-up question stopped being asked in entries.
    before = Resident(Engine(every_kind))
    to_suivi(before)
    r = Resident(Engine(every_kind, left_out={"suivi"}))
    r.state, r.stored = before.state, dict(before.stored)
    r.screen = r.engine.render(r.state, "fr")
    outcome = r.click(YES)
    assert outcome.saved == () and outcome.removed == ()
    assert r.screen.title == FREIN  # "moyen" depends on the answer not kept
    r.click("Le temps")
    assert r.state.phase is Phase.DONE
    assert "suivi" not in r.stored and r.stored == r.state.answers


def test_leaving_out_an_unknown_step_or_every_step_is_refused(every_kind: Consultation) -> None:
    with pytest.raises(ValueError, match="no step nope"):
        Engine(every_kind, left_out={"nope"})
    with pytest.raises(ValueError, match="nothing to ask"):
        Engine(every_kind, left_out={step.id for step in every_kind.steps})


# -- restart ------------------------------------------------------------------------------


def test_restart_asks_first_then_erases_the_answers_and_starts_again(r: Resident) -> None:
    to_idee(r, "Les jeunes", "Les femmes")
    keyboard, position = r.screen, r.state.position
    asked = r.send(Restart(position=r.state.position))
    assert asked.screen.title == (
        "Effacer vos 3 réponses et recommencer au début\u202f? C'est définitif."
    )
    assert r.labels() == [RESTART_YES, RESTART_NO]
    assert asked.screen.edit  # in place of the menu that offered "Recommencer"
    assert not asked.changed and asked.removed == () and not asked.moved
    assert r.stored.keys() == {"age", "publics", "local"}
    outcome = r.click(RESTART_YES)
    assert set(outcome.removed) == {"age", "publics", "local"}
    assert outcome.moved
    assert r.stored == {}
    assert r.state.answers == {} and r.state.history == [] and r.state.picks == []
    assert r.state.position > position
    assert r.screen.title == INTRO
    r.click(CONTINUE)
    assert r.screen.title == AGE
    assert r.screen.progress == "Question 1 sur 8"
    assert r.click_old(keyboard, position, BACK).stale


def test_declining_to_restart_resumes_with_every_answer(r: Resident) -> None:
    to_publics(r)
    state = r.state
    r.send(Restart(position=r.state.position))
    assert r.screen.title == "Effacer votre réponse et recommencer au début\u202f? C'est définitif."
    outcome = r.click(RESTART_NO)
    assert not outcome.changed and outcome.removed == ()
    assert r.state == state and r.stored == {"age": Answer(choices=["adulte"])}
    assert r.screen.title == PUBLICS


def test_restart_with_nothing_answered_does_not_ask(r: Resident) -> None:
    to_age(r)
    outcome = r.send(Restart(position=r.state.position))
    assert outcome.moved and outcome.removed == ()
    assert r.screen.title == INTRO


def test_restart_from_the_other_prompt(r: Resident) -> None:
    to_publics(r)
    r.click(OTHER)
    r.click("Les femmes")
    r.validate()
    r.send(Restart())
    outcome = r.click(RESTART_YES)
    assert outcome.removed == ("age",)
    assert r.state.phase is Phase.QUESTION
    assert r.state.picks == []


# -- stale buttons ------------------------------------------------------------------------


def test_a_button_from_an_earlier_screen_is_stale(r: Resident) -> None:
    to_age(r)
    keyboard, position = r.screen, r.state.position
    r.click("De 25 à 60 ans")
    state, stored = r.state, dict(r.stored)
    outcome = r.click_old(keyboard, position, "Plus de 60 ans")
    assert outcome.stale
    assert not outcome.changed and not outcome.moved
    assert outcome.saved == () and outcome.removed == ()
    assert outcome.state == state
    assert outcome.screen.notice == STALE
    assert outcome.screen.title == PUBLICS
    assert r.stored == stored == {"age": Answer(choices=["adulte"])}


def test_a_consent_button_after_accepting_is_stale(r: Resident) -> None:
    consent = r.screen
    r.click(ACCEPT)
    outcome = r.click_old(consent, 0, DECLINE)
    assert outcome.stale
    assert r.state.phase is Phase.QUESTION


# -- after the end ------------------------------------------------------------------------


ANY_EVENT: list[Event] = [
    Show(),
    Accept(),
    Decline(),
    Continue(),
    Choose(code="jeune"),
    Toggle(code="femmes"),
    Validate(),
    TextInput(text="encore"),
    Skip(),
    Back(),
    Restart(),
]


@pytest.mark.parametrize("event", ANY_EVENT, ids=lambda e: type(e).__name__)
def test_nothing_changes_once_done(r: Resident, event: Event) -> None:
    to_suivi(r)
    r.click(NO)
    r.click("Le temps")
    assert r.screen.final
    done, stored = r.state, dict(r.stored)
    for position in (r.state.position, None):
        outcome = r.send(replace(event, position=position))
        assert outcome.state == done
        assert not outcome.changed
        assert outcome.saved == () and outcome.removed == ()
        assert outcome.screen.final
        assert outcome.screen.title == THANKS
    assert r.stored == stored


# -- recap, describe, English -------------------------------------------------------------


def test_describe_says_each_answer_in_words(engine: Engine, every_kind: Consultation) -> None:
    step = every_kind.step
    assert engine.describe(step("age"), Answer(choices=["senior"]), "fr") == "Plus de 60 ans"
    assert engine.describe(step("age"), Answer(choices=["senior"]), "en") == "Over 60"
    assert (
        engine.describe(step("publics"), Answer(choices=["femmes", "autre"], text="Nous"), "en")
        == "Women, Other… Nous"
    )
    assert engine.describe(step("idee"), Answer(text="Un banc"), "fr") == "Un banc"
    assert engine.describe(step("suivi"), Answer(choices=["yes"]), "en") == "Yes"
    assert engine.describe(step("note"), Answer(choices=["3"]), "fr") == "3"
    assert engine.describe(step("frein"), Answer(skipped=True), "en") == "⏭ Question skipped"


def test_show_repeats_the_screen_without_change(r: Resident) -> None:
    to_publics(r)
    r.click("Les femmes")
    screen = r.screen
    outcome = r.send(Show())
    assert not outcome.changed
    assert outcome.screen.title == screen.title
    assert r.labels(outcome.screen) == r.labels(screen)


def test_english_uses_english_texts(engine: Engine) -> None:
    r = Resident(engine, lang="en")
    assert r.screen.title == "Living in the neighbourhood"
    assert r.labels() == ["✅ I agree", "No thanks", "Français"]
    assert r.click("✅ I agree").recap == "✔️ Agreed"
    assert r.screen.title == "It takes five minutes."
    r.click("Continue ➡️")
    assert r.screen.title == "How old are you?"
    assert r.screen.hint == "Tap one answer."
    assert r.labels() == ["Under 25", "25 to 60", "Over 60", "Other…", "⬅️ Back"]
    assert r.type("over 60").recap == "✔️ Your answer: Over 60"
    assert r.screen.hint == "Tap up to 3 answers, then “Confirm”."
    r.click("Women")
    assert "Confirm (1) ✔️" in r.labels()
    assert r.validate().screen.notice == "Choose at least 2 answers, then tap “Confirm”."
    r.click("Families")
    r.validate()
    assert r.screen.title == "Your idea in a few words?"
    assert r.type("x" * 21).screen.notice == (
        "Your answer is too long: 21 characters, 20 at most. Please shorten it."
    )
    r.type("A bench")
    assert r.screen.hint == "Tap a number from 1 (not at all) to 5 (completely)."
    r.click("5")
    assert r.labels() == ["Yes", "No", "⬅️ Back"]
    assert (
        r.type("maybe").screen.notice
        == "I did not understand. Pick an answer below, or type its number."
    )
    r.type("yes")
    assert r.screen.title == "How?"
    r.click("Posters")
    assert r.labels() == ["Time", "Language", "⬅️ Back", "Skip ⏭", "✏️ Change an answer"]
    r.click("Skip ⏭")
    assert r.screen.title == "Thank you for your answers!"


def test_english_consent_refusal() -> None:
    r = Resident(Engine(load("every-kind")), lang="en")
    r.click("No thanks")
    assert r.screen.title == "All right. Nothing was saved. If you change your mind, type /start."


def test_state_survives_json_at_every_step_of_a_journey(r: Resident) -> None:
    # `Resident.send` checks the round trip after every event; this journey visits every
    # phase and kind of step, including "Autre", back, a refusal and a stale button.
    states = [r.state]
    to_age(r)
    r.click(OTHER)
    r.click(BACK)
    r.click(OTHER)
    r.type("Sans âge")
    r.click("Les jeunes")
    r.click(OTHER)
    r.validate()
    r.type("Tous")
    r.click(NO)
    r.type("x" * 30)
    r.type("Un banc")
    r.click("1")
    r.click(YES)
    r.click("Affichage")
    r.click(SKIP)
    states.extend(o.state for o in r.outcomes)
    assert r.screen.final
    for state in states:
        assert SessionState.model_validate_json(state.model_dump_json()) == state
    assert r.stored["age"] == Answer(choices=["autre"], text="Sans âge")
    assert r.stored["publics"] == Answer(choices=["jeunes", "autre"], text="Tous")


# -- random conversations -----------------------------------------------------------------


TYPED = st.one_of(
    st.text(max_size=25),
    st.sampled_from(
        ["1", "2", "3", "4", "5", "6", "0", "autre", "Oui", "no", "Les jeunes", " ", "x" * 21]
    ),
)


def _total(screen: Screen) -> int | None:
    """The total of a screen's "Question n sur total", if it shows one."""
    return int(screen.progress.rpartition(" ")[2]) if screen.progress else None


def _buttons(screen: Screen) -> list[Button]:
    return [button for row in screen.buttons for button in row]


PROPERTY_CASES = [
    "every-kind",
    "chain",
    *(path.stem for path in sorted(BUILTIN_DIR.glob("*.toml"))),
]


@pytest.mark.parametrize("name", PROPERTY_CASES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), lang=st.sampled_from(["fr", "en"]))
def test_random_conversations_keep_the_session_sound(
    name: str, data: st.DataObject, lang: Lang
) -> None:
    consultation = load(name)
    engine = Engine(consultation)
    step_ids = {step.id for step in consultation.steps}
    question_ids = {step.id for step in consultation.questions()}
    state = engine.begin()
    screen = engine.render(state, lang)
    stored: dict[str, Answer] = {}
    for _ in range(data.draw(st.integers(0, 60), label="length")):
        kind = data.draw(
            st.sampled_from(["button"] * 6 + ["text", "skip", "back", "restart", "stale"]),
            label="kind",
        )
        event: Event
        buttons = _buttons(screen)
        if kind == "button" and buttons:
            event = replace(data.draw(st.sampled_from(buttons)).event, position=state.position)
        elif kind == "text":
            event = TextInput(text=data.draw(TYPED, label="typed"))
        elif kind == "skip":
            event = Skip(position=state.position)
        elif kind == "back":
            event = Back(position=state.position)
        elif kind == "restart":
            event = Restart(position=state.position)
        else:
            base = data.draw(st.sampled_from([*[b.event for b in buttons], Skip(), Back()]))
            offset = data.draw(st.sampled_from([-3, -1, 1, 2]), label="offset")
            event = replace(base, position=state.position + offset)

        outcome = engine.handle(state, event, lang)
        new = outcome.state

        if kind == "stale":
            assert outcome.stale
            assert new == state
            assert outcome.screen.notice in (STALE_TEXT[lang], *AGAIN_TEXT[lang])
        assert outcome.changed == (new != state)
        assert SessionState.model_validate_json(new.model_dump_json()) == new
        assert new.position >= state.position
        assert set(outcome.saved) <= step_ids
        assert set(outcome.removed) <= step_ids
        assert set(outcome.saved) <= set(new.answers)
        for step_id in outcome.saved:
            stored[step_id] = new.answers[step_id]
        for step_id in outcome.removed:
            stored.pop(step_id, None)
        assert stored == new.answers  # storage follows the session exactly
        assert set(new.answers) <= question_ids
        visible_ids = [s.id for s in engine.visible_steps(new)]
        for shown in engine.visible_steps(new):
            if shown.show_if is not None:  # shown only after the step it depends on
                assert visible_ids.index(shown.show_if.step) < visible_ids.index(shown.id)
        if new.phase in (Phase.QUESTION, Phase.OTHER):
            assert new.step_id is not None
            step = consultation.step(new.step_id)
            assert step in engine.visible_steps(new)
            if isinstance(step, MultiStep):
                assert len(set(new.picks)) == len(new.picks)
                assert set(new.picks) <= set(step.codes())
                if step.max_picks is not None:
                    assert len(new.picks) <= step.max_picks
            if new.phase is Phase.OTHER:
                assert not isinstance(step, InfoStep | TextStep)
        elif new.phase is Phase.DONE:
            assert new.step_id is None
            visible = {s.id for s in engine.visible_steps(new)}
            assert set(new.answers) <= visible
        elif new.phase is Phase.DECLINED:
            assert new.answers == {}
        for button in _buttons(outcome.screen):
            assert events.decode(events.encode(button.event)) == button.event
        before, after = _total(screen), _total(outcome.screen)
        if before and after and not outcome.removed and not set(outcome.saved) & set(state.answers):
            assert after <= before  # only changing an answer given before can add a question
        state, screen = new, outcome.screen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chance=st.randoms(use_true_random=False))
def test_random_conversations_never_reach_a_left_out_step(chance: random.Random) -> None:
    engine = Engine(load("every-kind"), left_out={"suivi"})
    outcome = engine.handle(engine.begin(), Accept(), "fr")
    state, screen = outcome.state, outcome.screen
    stored: dict[str, Answer] = {}
    others: list[Event] = [TextInput(text="Un banc"), Skip(), Back(), Restart()]
    for _ in range(100):
        # Mostly buttons, drawn evenly, so that many journeys reach the end.
        buttons = [b.event for b in _buttons(screen)] or [Show()]
        event = chance.choice(buttons * 8 + others)
        outcome = engine.handle(state, replace(event, position=state.position), "fr")
        state, screen = outcome.state, outcome.screen
        for step_id in outcome.saved:
            stored[step_id] = state.answers[step_id]
        for step_id in outcome.removed:
            stored.pop(step_id, None)
        assert stored == state.answers
        assert not {"suivi", "moyen"} & {*state.answers, *state.history, state.step_id}
        if screen.progress is not None:
            # The questions shown, and "local" while "publics" is not answered: never the
            # follow-up question nor "moyen", which depends on it.
            questions = [s for s in engine.visible_steps(state) if not isinstance(s, InfoStep)]
            total = int(screen.progress.rpartition(" ")[2])
            assert len(questions) <= total <= 6


# -- the review: changing an earlier answer from the last question -------------------------


def test_the_last_question_offers_to_change_an_earlier_answer(r: Resident) -> None:
    to_suivi(r)
    assert REVIEW not in r.labels()  # not the last question: the follow-up ones come next
    r.click(NO)
    assert r.screen.title == FREIN
    review = r.click(REVIEW)
    assert not review.changed and review.screen.edit  # in place, nothing stored
    assert review.screen.body is not None
    assert f"1. {AGE}\nDe 25 à 60 ans" in review.screen.body
    r.click(f"1. {AGE}")
    assert r.screen.title == AGE
    assert "✅ De 25 à 60 ans" in r.labels()
    changed = r.click("Plus de 60 ans")
    # Straight back to the last question, past the ones answered after it.
    assert changed.saved == ("age",)
    assert changed.recap == "✔️ Votre réponse\u202f: Plus de 60 ans"
    assert r.screen.title == FREIN
    assert r.click(BACK).screen.title == SUIVI  # the way back still leads through each


def test_a_question_an_answer_changed_in_review_brings_is_asked_on_the_way(r: Resident) -> None:
    to_suivi(r)
    r.click(NO)
    r.click(REVIEW)
    r.click(f"2. {PUBLICS}")
    r.click("Les jeunes")
    r.validate()
    assert r.screen.title == LOCAL  # shown now that "Les jeunes" is ticked
    r.click(YES)
    assert r.screen.title == FREIN
    assert r.stored["local"] == Answer(choices=["yes"])


def test_the_review_can_be_left_as_it_is(r: Resident) -> None:
    to_suivi(r)
    r.click(NO)
    r.click(REVIEW)
    back = r.click(say_resume := "▶️ Reprendre")
    assert not back.changed
    assert r.screen.title == FREIN
    assert say_resume not in r.labels()
