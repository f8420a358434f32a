"""An officer's mistakes in a consultation file: each one is a single line naming the file,
the step and what to write instead, never accepted and never a traceback.

The file mistaken is the README's example, examples/emploi.toml (workshop #3), with one
mistake made at a time, as `parole check` reads a city's folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.loader import BUILTIN_DIR, ConsultationError, load_directory
from flows.mistakes import Bilingual
from flows.model import MultiStep, ScaleStep

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = (ROOT / "examples" / "emploi.toml").read_text(encoding="utf-8")
QUARTIERS = ["Bourgogne", "Pont-Rompu"]


def mistake(folder: Path, old: str, new: str) -> str:
    """The one problem reported for the example with `old` replaced by `new`, in English
    (its line says it in French first, then English)."""
    assert EXAMPLE.count(old) >= 1, old
    path = folder / "emploi.toml"
    path.write_text(EXAMPLE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConsultationError) as caught:
        load_directory(folder, QUARTIERS)
    (line,) = str(caught.value).splitlines()
    (problem,) = caught.value.problems
    assert isinstance(problem, Bilingual)
    assert line == f"{path} : {problem.fr} / {problem.en}"
    return problem.en


def test_the_example_loads_beside_the_default_and_is_not_built_in(tmp_path: Path):
    (tmp_path / "emploi.toml").write_text(EXAMPLE, encoding="utf-8")
    default = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    (tmp_path / "vivre-ensemble.toml").write_text(default, encoding="utf-8")
    emploi, vivre = load_directory(tmp_path, QUARTIERS)
    assert (emploi.id, vivre.id) == ("emploi", "vivre-ensemble")
    assert {step.kind for step in emploi.steps} >= {"single", "multi", "text", "scale", "yesno"}
    assert any(step.show_if for step in emploi.steps)
    assert any(isinstance(step, ScaleStep) and step.min_label for step in emploi.steps)
    assert any(isinstance(step, MultiStep) and step.other for step in emploi.steps)
    assert "emploi" not in [c.id for c in load_directory(BUILTIN_DIR, QUARTIERS)]


def test_a_misspelt_key_is_one_line_with_the_right_key(tmp_path: Path):
    line = mistake(tmp_path, 'show_if = { step = "situation"', 'show_iff = { step = "situation"')
    assert line.startswith("step 3 (id 'recherche_duree'), show_iff: unknown key (a typo?): ")
    assert "did you mean show_if?" in line


def test_a_misspelt_required_key_is_not_also_reported_missing(tmp_path: Path):
    line = mistake(
        tmp_path, 'text = { fr = "Avec quels besoins ?"', 'txt = { fr = "Avec quels besoins ?"'
    )
    assert line == "step 5 (id 'besoins'), txt: unknown key: did you mean text?"


def test_a_missing_english_label_says_what_to_add(tmp_path: Path):
    line = mistake(tmp_path, ', en = "Childcare"', "")
    assert line == (
        "step 5 (id 'besoins'), option 1 (code 'garde'), label.en: missing: "
        'add the English text: en = "…"'
    )


def test_a_question_in_one_language_only_shows_how_to_write_both(tmp_path: Path):
    line = mistake(
        tmp_path,
        'text = { fr = "Avec quels besoins ?", en = "What do people need?" }',
        'text = "Avec quels besoins ?"',
    )
    assert line == (
        'step 5 (id \'besoins\'), text: write it in both languages: text = { fr = "…", en = "…" }'
    )


def test_a_duplicate_option_code(tmp_path: Path):
    line = mistake(tmp_path, '{ code = "mobilite"', '{ code = "garde"')
    assert line == (
        "step 5 (id 'besoins'), options: option code(s) garde used twice: "
        "give each option its own code"
    )


def test_a_condition_on_a_later_step_says_to_move_it(tmp_path: Path):
    line = mistake(
        tmp_path, 'step = "situation", equals = "recherche"', 'step = "aide_services", equals = "3"'
    )
    assert line == (
        "step 3 (id 'recherche_duree'), show_if: 'aide_services' is step 6, after this one: "
        "a condition can only read an answer already given (move this step after it)"
    )


def test_a_condition_on_an_unknown_step_suggests_the_right_one(tmp_path: Path):
    line = mistake(tmp_path, 'step = "situation", equals', 'step = "situaton", equals')
    assert line == (
        "step 3 (id 'recherche_duree'), show_if: no step 'situaton' before this one: "
        "did you mean 'situation'?"
    )


def test_a_condition_on_a_value_that_is_not_a_code_lists_the_codes(tmp_path: Path):
    line = mistake(tmp_path, 'equals = "recherche"', 'equals = "cherche"')
    assert line.startswith(
        "step 3 (id 'recherche_duree'), show_if: 'cherche' is not a code of 'situation': "
        "use one of emploi, recherche,"
    )


def test_a_step_id_used_twice(tmp_path: Path):
    line = mistake(tmp_path, 'id = "aide_services"', 'id = "besoins"')
    assert (
        line
        == "step 6 (id 'besoins'): step 5 has the id 'besoins' already: give each step its own id"
    )


def test_a_step_named_like_an_other_text_column(tmp_path: Path):
    line = mistake(tmp_path, 'id = "aide_services"', 'id = "publics_autre"')
    assert line.startswith("step 6 (id 'publics_autre'): this id is also the paper template's")
    assert line.endswith("rename this step")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"Faire garder ses enfants"',
            '"' + "Faire garder ses enfants, le matin tôt et le soir, et le mercredi" + '"',
            "step 5 (id 'besoins'), option 1 (code 'garde'), label: the French label is 65 "
            "characters: a button shows at most 60 on a phone, shorten it",
        ),
        (
            'en = "Childcare"',
            'en = "   "',
            "step 5 (id 'besoins'), option 1 (code 'garde'), label.en: only spaces: write the text",
        ),
        (
            'code = "discriminations"',
            'code = "discriminations-a-l-embauche"',
            "step 7 (id 'freins'), option 1 (code 'discriminations-a-l-embauche'), code: "
            "'discriminations-a-l-embauche' cannot be used: up to 24 lower-case letters "
            "(no accents, no spaces), digits, - or _, starting with a letter or a digit",
        ),
        (
            "max = 5",
            "max = 10",
            "step 6 (id 'aide_services'): min = 1 and max = 10 make 10 points: a scale has 2 to "
            "8 (its buttons share one row, and Telegram takes 8 in a row)",
        ),
    ],
    ids=["label-too-long", "blank-label", "code-too-long", "scale-too-wide"],
)
def test_what_a_button_cannot_show(tmp_path: Path, old: str, new: str, expected: str):
    assert mistake(tmp_path, old, new) == expected


def test_a_welcome_over_telegram_s_limit_says_how_much_to_cut(tmp_path: Path):
    long = "Un très long texte d'accueil. " * 130
    line = mistake(tmp_path, 'fr = """\nBonjour !', f'fr = """\n{long}Bonjour !')
    assert line.startswith("welcome: ")
    assert "in French with what the bot adds; a Telegram message holds 4096" in line
    assert "shorten it by " in line


def test_a_help_over_telegram_s_limit_names_the_step(tmp_path: Path):
    long = "Une aide bien trop longue. " * 150
    line = mistake(tmp_path, 'help.en = "Pick up to 3', f'help.en = "{long}Pick up to 3')
    assert line.startswith("step 5 (id 'besoins'): text.en with help.en: ")
    assert "in English with what the bot adds" in line


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "closes = 2027-06-30",
            'closes = "30/06/2027"',
            "closes: '30/06/2027' is not a date: write it as 2026-12-31, without quotes",
        ),
        (
            "closes = 2027-06-30",
            "closes = 2026-06-30",
            "closes (2026-06-30) is before opens (2027-01-04)",
        ),
        (
            "opens = 2027-01-04",
            "opens = 2027-02-30",
            "is not valid TOML: Invalid date or datetime (at line 7, column 9) "
            "(a date is written 2026-12-31, and must be a real day)",
        ),
    ],
    ids=["quoted", "closes-before-opens", "no-such-day"],
)
def test_invalid_dates(tmp_path: Path, old: str, new: str, expected: str):
    assert mistake(tmp_path, old, new) == expected


def test_a_file_saved_in_windows_1252(tmp_path: Path):
    path = tmp_path / "emploi.toml"
    path.write_bytes(EXAMPLE.encode("cp1252", errors="replace"))
    with pytest.raises(ConsultationError) as caught:
        load_directory(tmp_path, QUARTIERS)
    line = next(n for n, text in enumerate(EXAMPLE.splitlines(), 1) if not text.isascii())
    assert str(caught.value) == f"{path}: is not UTF-8 (line {line}): save it as UTF-8"


def test_a_quartier_name_too_long_for_a_button(tmp_path: Path):
    (tmp_path / "emploi.toml").write_text(EXAMPLE, encoding="utf-8")
    name = "Quartier de la Grande Prairie et des Jardins Ouvriers du Nord-Est"
    with pytest.raises(ConsultationError) as caught:
        load_directory(tmp_path, [name])
    assert str(caught.value).endswith(
        f"consultation.quartiers: '{name}' must be 1 to 60 characters, as it is shown on a button"
    )
