"""Fixed texts: counts read as a resident would write them, never "réponse(s)"."""

from __future__ import annotations

import pytest

from flows.model import Lang, Text
from flows.texts import MESSAGES, Messages, say


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (0, "(0 réponse)", "(0 answers)"),
        (1, "(1 réponse)", "(1 answer)"),
        (2, "(2 réponses)", "(2 answers)"),
    ],
)
def test_the_resume_menu_counts_answers_in_the_singular_or_the_plural(
    n: int, fr: str, en: str
) -> None:
    assert f"«\u202fVivre\u202f» {fr}." in say("resume_or_restart", "fr", title="Vivre", answered=n)
    assert f"“Vivre” {en}." in say("resume_or_restart", "en", title="Vivre", answered=n)


def test_the_data_summary_counts_consultations_and_answers() -> None:
    one = say("mydata_summary", "fr", sessions=1, answers=1, contact="non")
    assert "gardé sur vous\u202f: 1 consultation, 1 réponse. Message" in one
    many = say("mydata_summary", "en", sessions=2, answers=7, contact="no")
    assert "kept about you: 2 consultations, 7 answers. Follow-up" in many


def test_the_restart_question_says_your_answer_or_your_n_answers() -> None:
    assert say("restart_confirm", "fr", answered=1).startswith("Effacer votre réponse et ")
    assert say("restart_confirm", "fr", answered=4).startswith("Effacer vos 4 réponses et ")
    assert say("restart_confirm", "en", answered=1).startswith("Erase your answer and ")
    assert say("restart_confirm", "en", answered=4).startswith("Erase your 4 answers and ")


def test_no_resident_text_writes_a_plural_in_brackets() -> None:
    for key, text in MESSAGES.items():
        for words in (text.fr, text.en):
            assert "(s)" not in words, key


def test_other_texts_are_filled_as_before() -> None:
    table = Messages({"plain": Text(fr="{n} sur {total} | {x:>3}", en="{n}/{total}")})
    assert table.say("plain", "fr", n=1, total=2, x=7) == "1 sur 2 |   7"
    assert table.say("plain", "en", n=1, total=2) == "1/2"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_terminal_s_help_names_every_command_the_welcome_names(lang: Lang) -> None:
    welcome = say("privacy_welcome", lang, duration="1 an")
    named = {word.rstrip(".,") for word in welcome.split() if word.startswith("/")}
    assert named == {"/mesdonnees", "/oubli", "/confidentialite"}
    helped = {line.split()[0].rstrip(":") for line in say("console_help", lang).splitlines()[2:]}
    assert named <= helped
