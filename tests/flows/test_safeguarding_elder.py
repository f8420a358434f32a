"""A parent hurt by their own child, and an older or disabled person mistreated: the 3919 for
violence in the family, the 3977 for mistreatment of older and disabled people, and the 119
kept for a child who is hurt. Older people and disability as topics are not disclosures."""

from __future__ import annotations

import re

import pytest

from flows.safeguarding import Category, detect, every_helpline, helplines

D, H, S, C, E = (
    Category.DANGER,
    Category.DOMESTIC,
    Category.SEXUAL,
    Category.CHILD,
    Category.ELDER,
)

# The writer (or the person told of) is hurt by their own son, daughter or grandchild:
# violence in the family, and mistreatment the 3977 takes; no child is in danger.
HURT_BY_THEIR_CHILD: list[tuple[str, set[Category]]] = [
    ("mon fils me frappe", {D, H, E}),
    ("ma fille me bat", {D, H, E}),
    ("mes enfants me tapent dessus", {D, H, E}),
    ("my son hits me", {D, H, E}),
    ("mon petit-fils me vole et me frappe", {D, H, E}),
    ("mon petit fils me vole", {D, H, E}),
    ("mon fils m'a frappée hier soir", {D, H, E}),
    ("mon fils il me menace pour avoir de l'argent", {D, H, E}),
    ("je suis battue par mon fils", {D, H, E}),
    ("mon fils me prend tout mon argent", {D, H, E}),
    ("ma fille me prend ma retraite", {D, H, E}),
    ("j'ai peur de mon fils", {D, H, E}),
    ("mon fils me fait peur quand il a bu", {D, H, E}),
    ("mon fils est violent avec moi", {D, H, E}),
    ("j'ai 70 ans, mon fils menace de me tuer", {D, H, E}),
    ("my daughter takes my money", {D, H, E}),
    ("son fils la frappe", {D, H, E}),
    ("her son beats her", {D, H, E}),
    ("la vieille dame du 3e se fait frapper par son fils", {D, H, E}),
    ("la dame que j'accompagne est enfermée par son fils", {D, H, E}),
    ("mamie se fait voler par son petit-fils", {D, H, E}),
    ("mon fils et ma belle-fille me prennent ma retraite", {D, H, E}),
    ("my grandson steals my pension", {D, H, E}),
    ("mon fils et sa copine me volent", {D, H, E}),
    ("she was beaten by her son", {D, H, E}),
]

# A child is the one hurt: the 119 stays, and no 3977.
CHILD_HURT: list[tuple[str, set[Category]]] = [
    ("mon mari frappe mon fils", {D, H, C}),
    ("mon fils est battu par son père", {D, C}),
    ("mon père me frappe", {D, C}),
    ("ma fille a des bleus", {D, C}),
    ("un enfant dans mon immeuble est battu", {D, C}),
    ("mon fils me dit que son père le frappe", {D, C}),
    # The grandparent is the one who hurts: the writer is the grandchild.
    ("mon grand-père me frappe", {D, C}),
    ("ma grand-mère me tape avec la ceinture", {D, C}),
    ("mon grand-père me touche", {D, S, C}),
    # Someone else's child hurt by other children.
    ("mon fils se fait frapper par ses petits camarades", {D, C}),
]

# An older or disabled person hurt, threatened or robbed, by family, carers or neighbours,
# told by them or by a witness.
OLDER_OR_DISABLED: list[tuple[str, set[Category]]] = [
    ("je suis âgée et mon voisin me menace", {D, E}),
    ("j'ai 82 ans et mon voisin me harcèle", {D, E}),
    ("jai 80 ans on me menace tout le temps", {D, E}),
    ("l'aide à domicile me frappe", {D, E}),
    ("l'aide à domicile me vole", {D, E}),
    ("l'auxiliaire de vie me prend mon argent", {D, E}),
    ("mamie est maltraitée à l'EHPAD", {D, E}),
    ("à l'ehpad on me bat", {D, E}),
    ("à la maison de retraite une soignante me frappe", {D, E}),
    ("ma grand-mère se fait frapper par mon oncle", {D, E}),
    ("mon grand-père est frappé par l'aide à domicile", {D, E}),
    ("mon papi se fait racketter", {D, E}),
    ("la voisine handicapée se fait frapper", {D, E}),
    ("la vieille dame d'en face est maltraitée", {D, E}),
    ("je suis handicapée et mon mari me frappe", {D, H, E}),
    ("je suis en fauteuil et on me harcèle", {D, E}),
    ("je suis en situation de handicap, mon frère me prend mes allocations", {D, H, E}),
    ("I am 80 and my neighbour threatens me", {D, E}),
    ("I am disabled and my husband hits me", {D, H, E}),
    ("my carer hits me", {D, E}),
    ("my grandmother is abused by her carer", {D, E}),
]

# Disclosures that say an age or a place without the writer being old.
NOT_OLDER: list[tuple[str, set[Category]]] = [
    ("à l'âge de 12 ans j'ai été violée", {D, S}),
    ("il m'a frappée, j'ai 35 ans et deux enfants", {D}),
    ("mon fils a été frappé à l'école, il a 8 ans", {D, C}),
    # The writer looks after older people for a living.
    ("je suis aide-soignante et un patient m'a frappée", {D}),
    ("je travaille dans un ehpad et mon chef me harcèle", {D}),
]

# Older people, disability and family as the neighbourhood's topics: no disclosure.
TOPICS = [
    "il faut plus de places en EHPAD",
    "les personnes âgées se sentent seules",
    "rendre les bus accessibles aux handicapés",
    "les personnes âgées sont maltraitées dans certains EHPAD",
    "les personnes âgées se font agresser près du marché",
    "il faut protéger les personnes handicapées",
    "j'ai 82 ans et je vis seule",
    "mon fils m'aide beaucoup pour les courses",
    "ma fille me manque depuis qu'elle est partie",
    "ma grand-mère me raconte le quartier d'avant",
    "l'aide à domicile de ma mère est super",
    "mon petit-fils se bat pour trouver un travail",
    "my son helps me with the shopping",
]

CASES = [*HURT_BY_THEIR_CHILD, *CHILD_HURT, *OLDER_OR_DISABLED, *NOT_OLDER]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_disclosures_are_read_with_who_is_hurt(text: str, expected: set[Category]):
    assert detect(text) == expected


@pytest.mark.parametrize("text", TOPICS)
def test_older_people_and_disability_as_topics_are_not_disclosures(text: str):
    assert detect(text) == frozenset()


def test_a_parent_hit_by_their_son_is_given_the_3919_and_the_3977_not_the_119():
    for lang in ("fr", "en"):
        text = helplines(detect("mon fils me frappe"), lang)
        assert "3919" in text and "3977" in text
        assert "119" not in text and "116 006" not in text


def test_the_3977_line_says_what_it_is_for_in_both_languages_without_opening_hours():
    french = helplines(frozenset({D, E}), "fr")
    english = helplines(frozenset({D, E}), "en")
    assert "3977" in french and "personne âgée ou handicapée" in french
    assert "3977" in english and "older or disabled person" in english
    # Hours such as "24 h/24", "de 9 h à 19 h", "24/7", "9am-7pm".
    hours = re.compile(r"\d\s?h\b|\d\s?(?:am|pm)\b|/\s?(?:24|7)\b|\b(?:lundi|monday)\b")
    line = next(line for line in french.splitlines() if "3977" in line)
    assert "gratuit" in line and not hours.search(line)
    line = next(line for line in english.splitlines() if "3977" in line)
    assert "free" in line and not hours.search(line)
    # The pattern finds the hours the other lines give.
    assert hours.search(helplines(frozenset({D, H}), "fr"))


def test_an_older_person_hurt_keeps_the_victims_line_too():
    # The 3977 is for mistreatment by people one depends on; an older person robbed in the
    # street is helped by the 116 006, and a text rarely tells which.
    text = helplines(detect("je suis âgée et on m'a agressée dans le hall"), "fr")
    assert "3977" in text and "116 006" in text


def test_the_printed_form_lists_the_3977_for_a_relay_to_pass_on():
    assert any("3977" in line for line in every_helpline("fr"))
    assert any("3977" in line for line in every_helpline("en"))
    relayed = helplines(detect("son fils la frappe"), "fr", relayed=True)
    assert "3977" in relayed and "Donnez-lui ces numéros" in relayed
