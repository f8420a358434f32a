"""Disclosures of violence or danger are caught; topics the consultation asks about are not."""

from __future__ import annotations

import pytest

from flows.safeguarding import Category, detect, fold, helplines

D, H, S, C, X = (
    Category.DANGER,
    Category.DOMESTIC,
    Category.SEXUAL,
    Category.CHILD,
    Category.SELF_HARM,
)

DISCLOSURES = [
    ("Mon mari me frappe quand il boit", {D, H}),
    ("mon mari me frape", {D, H}),  # misspelling
    ("Il m’a frappée hier soir", {D}),  # typographic apostrophe
    ("il ma frappe", {D}),  # apostrophe lost
    ("IL M'A FRAPPÉÉÉÉ", {D}),
    ("je suis battue par mon conjoint", {D, H}),
    ("J'ai été agressée dans le hall de mon immeuble", {D}),
    ("je me suis fait agresser en rentrant", {D}),
    ("Mon copain me menace et me surveille", {D, H}),
    ("il m'a violée", {D, S}),
    ("j ai ete violee quand j avais 15 ans", {D, S}),
    ("mon beau père me touche les seins", {D, S, C}),
    ("Mon père nous bat ma mère et moi", {D, C}),
    ("mes parents me frappent à la maison", {D, C, H}),
    ("mon fils a été frappé à l'école", {D, C}),
    ("Le voisin frappe ma fille", {D, C}),
    ("je subis des violences conjugales depuis des années", {D, H}),
    ("au secours", {D}),
    ("Aidez-moi svp il va me tuer", {D}),
    ("je suis en danger chez moi", {D}),
    ("J'ai peur qu'il me tue", {D}),
    ("on me harcèle dans la cage d'escalier", {D}),
    ("je veux mourir", {X}),
    ("j'ai envie d'en finir", {X}),
    ("je pense à me suicider", {X}),
    ("je vais me suicidé", {X}),
    ("Je n'ai plus envie de vivre", {X}),
    ("je me scarifie le soir", {X}),
    ("des idées noires tout le temps", {X}),
    ("My husband hits me", {D, H}),
    ("I was raped last year", {D, S}),
    ("I want to die", {X}),
    ("help me", {D}),
]

TOPICS = [
    "la violence des rodéos",
    "Les violences intrafamiliales sont un vrai problème dans le quartier",
    "Il faut lutter contre les violences faites aux femmes",
    "prévenir le suicide chez les jeunes",
    "plus de prévention contre le harcèlement scolaire",
    "Je trouve que les rodéos sont dangereux",
    "ça me touche beaucoup de voir le quartier comme ça",
    "les jeunes se battent pour avoir un terrain de foot",
    "Je propose des ateliers d'autodéfense pour les femmes",
    "Il y a des agressions le soir près de la gare",
    "ma fille aimerait un club de théâtre",
    "mon mari et moi voulons un jardin partagé",
    "Créer des sites de signalement en dehors des commissariats",
    "je suis mère de trois enfants et je travaille tard",
    "La police ne vient jamais quand on l'appelle",
    "mourir de rire avec les fêtes de quartier",
    "on manque de médecins et de psychologues",
    "Le viol des règles d'urbanisme par le bailleur",  # wrong but plausible: see rule
    "",
    "🙂🙂🙂",
]


@pytest.mark.parametrize(("text", "expected"), DISCLOSURES, ids=[t for t, _ in DISCLOSURES])
def test_disclosures_are_caught_with_their_kind(text: str, expected: set[Category]):
    assert detect(text) == expected


@pytest.mark.parametrize("text", TOPICS)
def test_topics_are_not_disclosures(text: str):
    assert detect(text) == frozenset()


def test_folding_tolerates_accents_case_apostrophes_and_stretched_letters():
    assert fold("Il M’A FRAPPÉÉÉÉ") == "il m a frappee"
    assert fold("Aidez-moi") == "aidez moi"


def test_helplines_always_give_the_emergency_numbers_and_say_nobody_watches():
    for categories in (frozenset({D}), frozenset({X}), frozenset({D, C}), frozenset({D, H, S})):
        for lang in ("fr", "en"):
            text = helplines(categories, lang)
            assert "17" in text and "112" in text and "114" in text
    assert "pas surveillé en temps réel" in helplines(frozenset({D}), "fr")
    assert "not watched in real time" in helplines(frozenset({D}), "en")


def test_helplines_fit_the_disclosure():
    assert "3114" in helplines(frozenset({X}), "fr")
    assert "3919" not in helplines(frozenset({X}), "fr")
    assert "119" in helplines(frozenset({D, C}), "fr")
    assert "3919" in helplines(frozenset({D, H}), "fr")
    assert "3919" in helplines(frozenset({D}), "fr")  # violence of an unknown kind
    assert "3114" not in helplines(frozenset({D, H}), "fr")
