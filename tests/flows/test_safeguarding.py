"""Disclosures of violence or danger are caught; topics the consultation asks about are not."""

from __future__ import annotations

import pytest

from flows.model import Lang
from flows.safeguarding import Category, detect, fold, helplines

D, H, S, C, X, R, E = (
    Category.DANGER,
    Category.DOMESTIC,
    Category.SEXUAL,
    Category.CHILD,
    Category.SELF_HARM,
    Category.SHELTER,
    Category.ELDER,
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
    # Past tenses, passives and other persons.
    ("he raped me", {D, S}),
    ("he threatened me", {D}),
    ("he abused me", {D}),
    ("someone threatened me with a knife", {D}),
    ("she slapped me", {D}),
    ("he's beating us", {D}),
    ("I've been hit", {D}),
    ("I was beaten up", {D}),
    ("I get beaten at home", {D, H}),
    ("he kicks me", {D}),
    ("he tried to kill me", {D}),
    ("mes parents me battent", {D, C}),
    ("il m'a encore frappée", {D}),
    ("ils m'ont tabassé", {D}),
    ("je suis une femme battue", {D}),
    # Blows given or taken.
    ("il m'a donné des coups", {D}),
    ("il me donne des coups de poing", {D}),
    ("il m'a mis une claque", {D}),
    ("je prends des coups", {D}),
    ("il donne des coups à mon fils", {D, C}),
    ("il a levé la main sur moi", {D}),
    ("il m'a fait du mal", {D}),
    # Someone close who is violent, or feared.
    ("mon mari est violent avec moi", {D, H}),
    ("ma copine est très violente", {D, H}),
    ("il est violent avec nous", {D}),
    ("my dad is violent", {D, C}),
    ("my boyfriend is violent with me", {D, H}),
    ("J'ai peur de mon mari", {D, H}),
    ("j'ai très peur de mon ex", {D, H}),
    ("j'avais peur de mon père", {D, C}),
    ("mon beau-père me fait peur", {D, C}),
    ("J'ai peur de mon voisin", {D}),
    ("I'm scared of my boyfriend", {D, H}),
    ("my husband scares me", {D, H}),
    # Family members decide the kind.
    ("my stepfather abused me", {D, C}),
    ("my step-dad hits me", {D, C}),
    ("ma mère me frappe", {D, C}),
    ("mon papa me tape", {D, C}),
    ("ma conjointe me frappe", {D, H}),
    ("my partner hits me", {D, H}),
    ("he punched my son", {D, C}),
    ("le voisin m'a menacé", {D}),
    ("I was molested", {D, S}),
    # A threat quoted as it was made.
    ("il m'a dit : je vais te tuer", {D}),
    ("si tu parles je te tue", {D}),
    ("I'll kill you if you tell anyone", {D}),
    # Told of someone else, by a relay typing for the person or by a witness.
    ("son mari la frappe", {D, H}),
    ("elle dit que son mari l'a frappée hier", {D, H}),
    ("il bat sa femme", {D, H}),
    ("mon voisin frappe sa femme, on l'entend crier", {D, H}),
    ("elle est battue par son conjoint", {D, H}),
    ("il frappe ses enfants", {D, C}),
    ("son père la bat", {D, C}),
    ("her husband beats her", {D, H}),
    ("he hits his kids", {D, C}),
    # Self-harm.
    ("je ne veux plus vivre", {X}),
    ("je veux plus vivre", {X}),
    ("j'en ai marre de vivre", {X}),
    ("je n'ai plus goût à la vie", {X}),
    ("je vais me foutre en l'air", {X}),
    ("I don't want to live anymore", {X}),
    ("I'd be better off dead", {X}),
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
    # Fear of the neighbourhood is what the consultation asks about (see the module's rule).
    "on a peur de sortir le soir à cause du trafic",
    "j'ai peur de sortir le soir avec les rodéos",
    "j'ai peur pour mes enfants avec le trafic",
    "les rodéos me font peur",
    "we are scared to go out at night",
    # Words of violence in ordinary answers.
    "les jeunes se battent pour avoir un local",
    "il faut nous battre pour garder le centre social",
    "il faut abuser des fêtes de quartier",
    "the violent films on TV",
    "we need more police",
    "beat the heat with a pool",
    "the kids hit the ball against the wall",
    "les femmes battues ont besoin d'un lieu d'accueil",
    "les jeunes donnent des coups de pied dans les portes",
    "la police est violente avec les jeunes",
    "j'explique la violence à mes enfants",
    "domestic violence should be talked about at school",
    # Blows that help.
    "le centre social m'a donné un coup de main",
    "il m'a donné un coup de pouce pour trouver un stage",
    "ils nous ont donné des coups de main pour le déménagement",
    "mes voisins m'ont passé un coup de fil",
    # Not wanting to live somewhere.
    "je ne veux plus vivre ici avec les rats",
    "je ne peux plus vivre dans ce quartier",
    "je n'ai plus envie de vivre ici",
    "I don't want to live here anymore",
    "on en a marre de vivre sans rien",
    # Family, without violence.
    "my husband and I want a community garden",
    "mon mari et moi avons peur pour nos enfants",
    "ma mère a peur de sortir le soir",
    "ma femme aimerait un cours de yoga",
    "le bruit du scooter me tue",
    "ce quartier va te plaire",
    # Someone else's family, without violence.
    "il se bat pour ses enfants",
    "elle se bat pour sa fille, seule avec trois enfants",
    "sa femme aimerait un jardin",
    "son mari et elle veulent un local pour les jeunes",
    "il a blessé son copain au foot",
    "il faut punir ceux qui battent leur femme",
    "le bailleur menace ses locataires d'expulsion",
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


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("categories", [{D}, {X}, {D, H}, {D, C}, {D, S}])
def test_helplines_claim_nothing_about_keeping_the_text(categories: set[Category], lang: Lang):
    # They go out for texts that are not stored: typed before consenting, or refused as too
    # long.
    text = helplines(frozenset(categories), lang).casefold()
    for claim in ("gardé", "enregistré", "conservé", "kept", "saved", "stored"):
        assert claim not in text


# Each category adds its own line, and only its own (a threat from a neighbour is no
# domestic violence); danger no other line covers gets the victims' line, 116 006, and so
# does an older person's (the 3977 is for mistreatment by people one depends on).
HELPLINES = [
    ({D}, {"116 006"}, {"3919", "119", "3977", "3114", "115"}),
    ({D, H}, {"3919"}, {"119", "3977", "3114", "116 006", "115"}),
    ({D, C}, {"119"}, {"3919", "3977", "3114", "116 006", "115"}),
    ({D, S}, {"3919", "116 006"}, {"119", "3977", "3114", "115"}),
    ({D, H, C}, {"3919", "119"}, {"3977", "3114", "116 006", "115"}),
    ({D, E}, {"3977", "116 006"}, {"3919", "119", "3114", "115"}),
    ({D, H, E}, {"3919", "3977"}, {"119", "3114", "116 006", "115"}),
    ({X}, {"3114"}, {"3919", "119", "3977", "116 006", "115"}),
    ({R}, {"115"}, {"3919", "119", "3977", "3114", "116 006"}),
]


@pytest.mark.parametrize(("categories", "shown", "not_shown"), HELPLINES)
def test_helplines_fit_the_disclosure(
    categories: set[Category], shown: set[str], not_shown: set[str]
):
    for lang in ("fr", "en"):
        text = helplines(frozenset(categories), lang)
        assert {number for number in shown | not_shown if number in text} == shown


@pytest.mark.parametrize(("categories", "shown", "not_shown"), HELPLINES)
def test_helplines_for_a_relay_give_the_same_numbers_to_pass_on(
    categories: set[Category], shown: set[str], not_shown: set[str]
):
    for lang in ("fr", "en"):
        text = helplines(frozenset(categories), lang, relayed=True)
        assert "17" in text and "112" in text and "114" in text
        assert {number for number in shown | not_shown if number in text} == shown
    relayed = helplines(frozenset(categories), "fr", relayed=True)
    assert "Donnez-lui ces numéros" in relayed and "aidez-la à appeler" in relayed
    # Addressed to the relay, about the person: not thanked as the one who confided.
    assert "Merci de nous l'avoir écrit" not in relayed and "seul·e" not in relayed
    english = helplines(frozenset(categories), "en", relayed=True)
    assert "Give them these numbers" in english and "Thank you for telling us" not in english


def test_someone_with_suicidal_thoughts_is_told_they_are_not_alone():
    assert "Vous n'êtes pas seul·e." in helplines(frozenset({X}), "fr")
    assert "You are not alone." in helplines(frozenset({X}), "en")
    assert "seul·e" not in helplines(frozenset({D}), "fr")


def test_a_threat_from_a_neighbour_gets_no_domestic_violence_line():
    text = helplines(detect("le voisin me menace"), "fr")
    assert "17" in text and "114" in text
    assert "3919" not in text and "conjugales" not in text


def test_english_readers_hear_the_3919_can_find_them_an_interpreter():
    # The 3919 takes calls in many languages through interpreters: "in French" kept away
    # the residents who chose English.
    text = helplines(frozenset({D, H}), "en")
    assert "interpreter" in text
    assert "in French" not in text


def test_someone_without_shelter_is_given_the_115():
    for lang in ("fr", "en"):
        assert "115" in helplines(detect("je dors dans la rue avec mes enfants"), lang)
