"""Loading consultation files: every mistake is reported with its file and the step it is in."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.engine import Engine
from flows.events import Accept
from flows.loader import (
    BUILTIN_DIR,
    ConsultationError,
    Problem,
    load_consultation,
    load_directory,
)
from flows.mistakes import Bilingual
from flows.model import OTHER_CODE, ChoiceStepBase, Consultation
from flows.state import Phase

HEAD = """
id = "essai"
opens = 2025-03-01
closes = 2025-06-30
title = { fr = "Essai", en = "Trial" }
welcome = { fr = "Bienvenue", en = "Welcome" }
thanks = { fr = "Merci", en = "Thanks" }
"""

SINGLE = """
[[steps]]
id = "q1"
kind = "single"
text = { fr = "Q1 ?", en = "Q1?" }
options = [
    { code = "a", label = { fr = "A", en = "A" } },
    { code = "b", label = { fr = "B", en = "B" } },
]
"""

MULTI = """
[[steps]]
id = "m"
kind = "multi"
text = { fr = "M ?", en = "M?" }
options = [
    { code = "x", label = { fr = "X", en = "X" } },
    { code = "y", label = { fr = "Y", en = "Y" } },
]
"""

QUARTIER = """
[[steps]]
id = "quartier"
kind = "single"
options_from = "quartiers"
other = true
text = { fr = "Votre quartier ?", en = "Your neighbourhood?" }
"""


def yesno(step_id: str, show_if: str = "") -> str:
    """A yes/no step, with an optional inline `show_if` table."""
    condition = f"show_if = {show_if}\n" if show_if else ""
    return f"""
[[steps]]
id = "{step_id}"
kind = "yesno"
text = {{ fr = "{step_id} ?", en = "{step_id}?" }}
{condition}"""


def write(folder: Path, text: str, name: str = "essai.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(folder: Path, text: str) -> list[str]:
    """The problems reported for a file holding `text`, in English; each line must name the
    file, then say the problem in French, then in English."""
    path = write(folder, text)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path)
    error = caught.value
    assert error.path == path
    lines = str(error).splitlines()
    assert all(isinstance(problem, Bilingual) for problem in error.problems)
    assert lines == [f"{path} : {problem}" for problem in error.problems]
    return [english(problem) for problem in error.problems]


def english(problem: Problem) -> str:
    """A problem's English words."""
    return problem.en if isinstance(problem, Bilingual) else problem


def test_a_valid_file_loads(tmp_path: Path) -> None:
    consultation = load_consultation(write(tmp_path, HEAD + SINGLE + yesno("q2")))
    assert consultation.id == "essai"
    assert [step.id for step in consultation.steps] == ["q1", "q2"]
    assert consultation.title.get("en") == "Trial"


def test_the_fixtures_load(fixtures_dir: Path) -> None:
    loaded = load_directory(fixtures_dir)
    assert [c.id for c in loaded] == ["chain", "every-kind"]
    every_kind = loaded[1]
    assert {step.kind for step in every_kind.steps} == {
        "info",
        "single",
        "multi",
        "text",
        "scale",
        "yesno",
    }


def test_duplicate_step_id(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, HEAD + SINGLE + yesno("q2") + yesno("q1"))
    assert problem == "step 3 (id 'q1'): step 1 has the id 'q1' already: give each step its own id"


def test_show_if_on_a_missing_step(tmp_path: Path) -> None:
    text = HEAD + SINGLE + yesno("q2", '{ step = "zz", equals = "a" }')
    (problem,) = problems(tmp_path, text)
    assert (
        problem
        == "step 2 (id 'q2'), show_if: no step 'zz' before this one: the earlier steps are q1"
    )


def test_show_if_on_a_later_step(tmp_path: Path) -> None:
    text = HEAD + yesno("q2", '{ step = "q1", equals = "a" }') + SINGLE
    (problem,) = problems(tmp_path, text)
    assert problem.startswith("step 1 (id 'q2'), show_if: 'q1' is step 2, after this one: ")
    assert problem.endswith("(move this step after it)")


def test_show_if_on_itself(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, HEAD + SINGLE + yesno("q2", '{ step = "q2", equals = "yes" }'))
    assert "(id 'q2'), show_if: a step cannot depend on its own answer" in problem


def test_show_if_value_that_is_not_an_option(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, HEAD + SINGLE + yesno("q2", '{ step = "q1", equals = "c" }'))
    assert problem == "step 2 (id 'q2'), show_if: 'c' is not a code of 'q1': use one of a, b"


def test_show_if_on_a_yes_no_step_takes_yes_or_no(tmp_path: Path) -> None:
    text = HEAD + yesno("q1") + yesno("q2", '{ step = "q1", equals = "oui" }')
    (problem,) = problems(tmp_path, text)
    assert "(id 'q2'), show_if: 'oui' is not a code of 'q1': use one of yes, no" in problem
    good = HEAD + yesno("q1") + yesno("q2", '{ step = "q1", equals = "yes" }')
    assert load_consultation(write(tmp_path, good)).step("q2").show_if is not None


def test_show_if_on_a_step_without_choices(tmp_path: Path) -> None:
    text_step = """
[[steps]]
id = "libre"
kind = "text"
text = { fr = "Libre ?", en = "Free?" }
"""
    (problem,) = problems(
        tmp_path, HEAD + text_step + yesno("q2", '{ step = "libre", equals = "x" }')
    )
    assert "(id 'q2'), show_if: 'libre' has no choices to test" in problem


def test_show_if_needs_exactly_one_test(tmp_path: Path) -> None:
    text = HEAD + SINGLE + yesno("q2", '{ step = "q1" }')
    (problem,) = problems(tmp_path, text)
    assert problem.startswith("step 2 (id 'q2'), show_if:")
    assert "exactly one of equals (or includes" in problem


def test_includes_on_a_single_choice(tmp_path: Path) -> None:
    text = HEAD + SINGLE + yesno("q2", '{ step = "q1", includes = "a" }')
    (problem,) = problems(tmp_path, text)
    assert "step 2 (id 'q2'), show_if: includes needs a multiple-choice step" in problem


def test_includes_on_a_quartier_single_choice(tmp_path: Path) -> None:
    # The quartier list is only known later, but `includes` is wrong whatever it holds.
    text = HEAD + QUARTIER + yesno("q2", '{ step = "quartier", includes = "centre" }')
    (problem,) = problems(tmp_path, text)
    assert "step 2 (id 'q2'), show_if: includes needs a multiple-choice step" in problem


def test_includes_on_a_multiple_choice(tmp_path: Path) -> None:
    text = HEAD + MULTI + yesno("q2", '{ step = "m", includes = "y" }')
    assert load_consultation(write(tmp_path, text)).step("q2").show_if is not None
    wrong = HEAD + MULTI + yesno("q2", '{ step = "m", includes = "z" }')
    (problem,) = problems(tmp_path, wrong)
    assert "(id 'q2'), show_if: 'z' is not a code of 'm'" in problem


def test_option_label_missing_english(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('{ fr = "B", en = "B" }', '{ fr = "B" }')
    (problem,) = problems(tmp_path, text)
    assert problem == (
        "step 1 (id 'q1'), option 2 (code 'b'), label.en: missing: add the English text: en = \"…\""
    )


def test_text_step_question_missing_english(tmp_path: Path) -> None:
    # A text step's own `text` field shares its name with the step kind: still named.
    text_step = """
[[steps]]
id = "libre"
kind = "text"
text = { fr = "Libre ?" }
"""
    (problem,) = problems(tmp_path, HEAD + text_step)
    assert problem == "step 1 (id 'libre'), text.en: missing: add the English text: en = \"…\""


def test_unknown_key_in_a_step(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('kind = "single"', 'kind = "single"\noptionnal = true')
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(
        "step 1 (id 'q1'), optionnal: unknown key (a typo?): did you mean optional? "
        "allowed here: id, text, help, theme, optional,"
    )


def test_unknown_key_at_the_top(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, 'titre = "x"\n' + HEAD + SINGLE)
    assert problem == (
        "titre: unknown key (a typo?): did you mean title? "
        "allowed here: id, title, welcome, thanks, opens, closes, steps"
    )


def test_unknown_step_kind(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('kind = "single"', 'kind = "unique"')
    (problem,) = problems(tmp_path, text)
    assert problem == (
        "step 1 (id 'q1'), kind: 'unique' is not a step kind: "
        "use one of info, single, multi, text, scale, yesno"
    )


def test_max_picks_below_min_picks(tmp_path: Path) -> None:
    text = HEAD + MULTI.replace('kind = "multi"', 'kind = "multi"\nmin_picks = 2\nmax_picks = 1')
    (problem,) = problems(tmp_path, text)
    assert problem == "step 1 (id 'm'): max_picks (1) is smaller than min_picks (2)"


def test_closes_before_opens(tmp_path: Path) -> None:
    text = HEAD.replace("closes = 2025-06-30", "closes = 2025-02-01") + SINGLE
    (problem,) = problems(tmp_path, text)
    assert problem == "closes (2025-02-01) is before opens (2025-03-01)"


def test_invalid_toml(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, HEAD + SINGLE + "\n[[steps]\nid = 'oops'\n")
    assert problem.startswith("is not valid TOML: ")
    assert "(at line 18, column 8)" in problem


def test_a_file_not_in_utf8_names_its_line_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "essai.toml"
    # Saved by a Windows editor in its own encoding: "é" is one byte, 0xE9.
    text = HEAD + SINGLE.replace('"Q1 ?"', '"Qualité ?"')
    path.write_bytes(text.encode("cp1252"))
    line = next(n for n, words in enumerate(text.splitlines(), 1) if "Qualité" in words)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path)
    assert str(caught.value) == f"{path}: is not UTF-8 (line {line}): save it as UTF-8"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "essai.toml"
    path.write_text(HEAD.lstrip() + SINGLE, encoding="utf-8-sig")  # Windows Notepad's UTF-8
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert load_consultation(path).id == "essai"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path)
    assert str(caught.value).startswith(f"{path}: cannot be read")


def test_duplicate_option_code(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('code = "b"', 'code = "a"')
    (problem,) = problems(tmp_path, text)
    assert problem == (
        "step 1 (id 'q1'), options: option code(s) a used twice: give each option its own code"
    )


def test_the_other_code_is_reserved(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('code = "b"', f'code = "{OTHER_CODE}"')
    (problem,) = problems(tmp_path, text)
    assert "(id 'q1'), options: option code 'autre' is reserved" in problem
    assert "write other = true" in problem


def test_a_bad_option_code(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('code = "b"', 'code = "Bé"')
    (problem,) = problems(tmp_path, text)
    assert problem.startswith("step 1 (id 'q1'), option 2 (code 'Bé'), code: 'Bé' cannot be used")


def test_a_label_too_long_for_a_button(tmp_path: Path) -> None:
    text = HEAD + SINGLE.replace('{ fr = "B", en = "B" }', f'{{ fr = "B", en = "{"b" * 61}" }}')
    (problem,) = problems(tmp_path, text)
    assert problem == (
        "step 1 (id 'q1'), option 2 (code 'b'), label: the English label is 61 characters: "
        "a button shows at most 60 on a phone, shorten it"
    )


def test_a_consultation_needs_a_question(tmp_path: Path) -> None:
    info = '\n[[steps]]\nid = "i"\nkind = "info"\ntext = { fr = "I", en = "I" }\n'
    (problem,) = problems(tmp_path, HEAD + info)
    assert "needs at least one question" in problem


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        HEAD
        + SINGLE.replace('{ fr = "B", en = "B" }', '{ fr = "B" }')
        + MULTI.replace('kind = "multi"', 'kind = "multi"\ncolour = "red"')
    )
    found = problems(tmp_path, text)
    assert len(found) == 2
    assert found[0].startswith("step 1 (id 'q1'), option 2 (code 'b'), label.en: missing")
    assert found[1].startswith("step 2 (id 'm'), colour: unknown key")


# -- directories --------------------------------------------------------------------------


def test_load_directory_reads_every_file_in_order(tmp_path: Path) -> None:
    write(tmp_path, HEAD.replace('"essai"', '"zeta"') + SINGLE, "a.toml")
    write(tmp_path, HEAD.replace('"essai"', '"alpha"') + SINGLE, "b.toml")
    write(tmp_path, "not a consultation", "notes.txt")
    assert [c.id for c in load_directory(tmp_path)] == ["zeta", "alpha"]


def test_load_directory_of_nothing(tmp_path: Path) -> None:
    assert load_directory(tmp_path) == []


def test_load_directory_refuses_two_files_with_one_id(tmp_path: Path) -> None:
    write(tmp_path, HEAD + SINGLE, "un.toml")
    write(tmp_path, HEAD + yesno("q1"), "deux.toml")
    with pytest.raises(ConsultationError) as caught:
        load_directory(tmp_path)
    assert caught.value.path == tmp_path
    assert str(caught.value) == (
        f"{tmp_path} : l'id de consultation « essai » est pris par deux.toml, un.toml : "
        "donnez-leur chacune son id / consultation id 'essai' is used by deux.toml, un.toml"
    )


def test_load_directory_reports_every_bad_file(tmp_path: Path) -> None:
    good = write(tmp_path, HEAD + SINGLE, "bon.toml")
    bad = write(tmp_path, HEAD + SINGLE + yesno("q1"), "mauvais.toml")
    broken = write(tmp_path, "id = ", "casse.toml")
    with pytest.raises(ConsultationError) as caught:
        load_directory(tmp_path)
    message = str(caught.value)
    assert f"{bad} : étape 2 (id « q1 ») : l'étape 1 a déjà l'id « q1 »" in message
    assert f"{broken} : n'est pas un TOML valide" in message
    assert str(good) not in message


# -- the city's quartiers -----------------------------------------------------------------


def quartier_step(consultation: Consultation) -> ChoiceStepBase:
    step = consultation.step("quartier")
    assert isinstance(step, ChoiceStepBase)
    return step


def test_quartiers_that_slug_alike_get_unique_codes(tmp_path: Path) -> None:
    names = [
        "Les Épis",
        "Les Epis",
        "les épis !",
        "Autre",
        "Quartier de la Grande Prairie Nord",
        "Quartier de la Grande Prairie Sud",
        "Ω",
    ]
    path = write(tmp_path, HEAD + QUARTIER + SINGLE)
    step = quartier_step(load_consultation(path, names))
    codes = [option.code for option in step.options]
    assert codes == [
        "les-epis",
        "les-epis-2",
        "les-epis-3",
        "autre-2",
        "quartier-de-la-grande-pr",
        "quartier-de-la-grande-2",
        "q",
    ]
    assert len(set(step.codes())) == len(step.codes())  # "Autre…" included
    french = [*names[:2], "les épis\u202f!", *names[3:]]  # French typography, as every text
    assert [option.label.get("fr") for option in step.options] == french
    assert [option.label.get("en") for option in step.options] == names


def test_quartiers_come_before_the_steps_own_options(tmp_path: Path) -> None:
    ailleurs = '{ code = "ailleurs", label = { fr = "Ailleurs", en = "Elsewhere" } }'
    text = HEAD + QUARTIER.replace("other = true", f"options = [{ailleurs}]")
    step = quartier_step(load_consultation(write(tmp_path, text), ["Centre", "Gare"]))
    assert [option.code for option in step.options] == ["centre", "gare", "ailleurs"]


def test_quartier_codes_are_buttons_the_engine_understands(tmp_path: Path) -> None:
    consultation = load_consultation(write(tmp_path, HEAD + QUARTIER), ["Les Épis", "Les Epis"])
    engine = Engine(consultation)
    state = engine.handle(engine.begin(), Accept(), "fr").state
    labels = [button.label for row in engine.render(state, "fr").buttons for button in row]
    assert labels == ["Les Épis", "Les Epis", "Autre…"]


def test_a_quartier_step_without_quartiers(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + QUARTIER)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path)
    assert [english(problem) for problem in caught.value.problems] == [
        "step 1 (id 'quartier') lists the quartiers, but consultation.quartiers is empty: "
        "set the city's quartiers in the configuration"
    ]
    assert str(caught.value).startswith(str(path))


def test_a_quartier_that_clashes_with_an_option(tmp_path: Path) -> None:
    centre = '{ code = "centre", label = { fr = "Centre", en = "Centre" } }'
    text = HEAD + QUARTIER.replace("other = true", f"options = [{centre}]")
    with pytest.raises(ConsultationError) as caught:
        load_consultation(write(tmp_path, text), ["Centre"])
    assert "step 1 (id 'quartier'): option code(s) centre are also the code of a quartier" in str(
        caught.value
    )


def test_a_condition_on_a_quartier_is_checked_once_the_list_is_known(tmp_path: Path) -> None:
    text = HEAD + QUARTIER + yesno("q2", '{ step = "quartier", equals = "gare" }')
    path = write(tmp_path, text)
    assert load_consultation(path, ["Centre", "Gare"]).step("q2").show_if is not None
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path, ["Centre"])
    assert [english(problem) for problem in caught.value.problems] == [
        "step 2 (id 'q2'), show_if: 'gare' is not a code of 'quartier': use one of centre, autre"
    ]


# -- what the project ships ---------------------------------------------------------------

SHIPPED = sorted(BUILTIN_DIR.glob("*.toml"))
CITY = ("Centre-ville", "Les Épis", "La Gare", "Les Hauts")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_consultation_loads(path: Path) -> None:
    consultation = load_consultation(path, CITY)
    assert consultation.questions()
    for lang in ("fr", "en"):
        assert consultation.title.get(lang)
    engine = Engine(consultation)
    state = engine.handle(engine.begin(), Accept(), "fr").state
    assert state.phase is Phase.QUESTION
    assert engine.render(state, "en").title


def test_the_shipped_consultations_have_distinct_ids() -> None:
    loaded = load_directory(BUILTIN_DIR, CITY)
    assert len(loaded) == len(SHIPPED)
