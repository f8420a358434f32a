"""What `parole check` says of an officer's mistakes in a consultation file: one line each,
naming the file and the step, French first then English, with what to write instead.

The file is the README's example, examples/emploi.toml, with one mistake made at a time in
a city's folder, as an officer writing a new consultation would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = (ROOT / "examples" / "emploi.toml").read_text(encoding="utf-8")
HEADING = "la consultation ne peut pas être chargée / the consultation cannot be loaded :"

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture
def folder(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The city's consultation folder, named in the configuration, with its quartiers."""
    path = workdir / "consultations"
    path.mkdir()
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(path))
    monkeypatch.setenv("PAROLE_CONSULTATION__QUARTIERS", '["Bourgogne", "Pont-Rompu"]')
    return path


def check(capsys: pytest.CaptureFixture[str], folder: Path, old: str, new: str, *argv: str) -> str:
    """What `parole check` (or `parole ARGV`) says of the example with `old` made `new`, after
    its heading: one line per mistake, each starting with the file."""
    assert EXAMPLE.count(old) == 1, old
    path = folder / "emploi.toml"
    path.write_text(EXAMPLE.replace(old, new), encoding="utf-8")
    code = main(list(argv or ["check"]))
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    heading, line = err.splitlines()
    if not argv:
        assert heading == HEADING
    assert line.startswith(f"{path} : ")
    return line.removeprefix(f"{path} : ")


def test_a_missing_title(capsys: pytest.CaptureFixture[str], folder: Path):
    title = '[title]\nfr = "Emploi, insertion, développement économique"\n'
    title += 'en = "Jobs, getting back to work, local economy"\n'
    assert check(capsys, folder, title, "") == (
        'title : manquant : ajoutez title = { fr = "…", en = "…" } / '
        'title: missing: add title = { fr = "…", en = "…" }'
    )


def test_a_step_id_used_twice(capsys: pytest.CaptureFixture[str], folder: Path):
    assert check(capsys, folder, 'id = "aide_services"', 'id = "besoins"') == (
        "étape 6 (id « besoins ») : l'étape 5 a déjà l'id « besoins » : donnez à chaque étape "
        "son propre id / step 6 (id 'besoins'): step 5 has the id 'besoins' already: give each "
        "step its own id"
    )


def test_an_option_without_label(capsys: pytest.CaptureFixture[str], folder: Path):
    nsp = '{ code = "nsp", label = { fr = "Je préfère ne pas dire", en = "I\'d rather not say" } }'
    assert check(capsys, folder, nsp, '{ code = "nsp" }') == (
        "étape 1 (id « quartier »), option 1 (code « nsp »), label : manquant : ajoutez "
        "label = { fr = \"…\", en = \"…\" } / step 1 (id 'quartier'), option 1 (code 'nsp'), "
        'label: missing: add label = { fr = "…", en = "…" }'
    )


def test_a_button_label_too_long(capsys: pytest.CaptureFixture[str], folder: Path):
    long = "Faire garder ses enfants, le matin tôt et le soir, et le mercredi"
    assert check(capsys, folder, '"Faire garder ses enfants"', f'"{long}"') == (
        "étape 5 (id « besoins »), option 1 (code « garde »), label : le libellé français fait "
        "65 caractères : un bouton en montre 60 au plus sur un téléphone, raccourcissez-le / "
        "step 5 (id 'besoins'), option 1 (code 'garde'), label: the French label is 65 "
        "characters: a button shows at most 60 on a phone, shorten it"
    )


def test_a_condition_on_an_unknown_step(capsys: pytest.CaptureFixture[str], folder: Path):
    line = check(capsys, folder, 'step = "situation", equals', 'step = "situaton", equals')
    assert line == (
        "étape 3 (id « recherche_duree »), show_if : aucune étape « situaton » avant celle-ci : "
        "vouliez-vous dire « situation » ? / step 3 (id 'recherche_duree'), show_if: no step "
        "'situaton' before this one: did you mean 'situation'?"
    )


def test_a_date_in_quotes(capsys: pytest.CaptureFixture[str], folder: Path):
    assert check(capsys, folder, "closes = 2027-06-30", 'closes = "30/06/2027"') == (
        "closes : « 30/06/2027 » n'est pas une date : écrivez-la 2026-12-31, sans guillemets / "
        "closes: '30/06/2027' is not a date: write it as 2026-12-31, without quotes"
    )


def test_a_day_that_does_not_exist(capsys: pytest.CaptureFixture[str], folder: Path):
    line = check(capsys, folder, "opens = 2027-01-04", "opens = 2027-02-30")
    assert line.startswith(
        "n'est pas un TOML valide, ligne 7, colonne 9 : une date s'écrit 2026-12-31, et doit "
        "être un vrai jour / is not valid TOML: "
    )


def test_a_toml_syntax_error_names_its_line(capsys: pytest.CaptureFixture[str], folder: Path):
    line = check(capsys, folder, "[thanks]", "[thanks")
    number = EXAMPLE.splitlines().index("[thanks]") + 1
    french, english = line.split(" / ")
    assert french == (
        f"n'est pas un TOML valide, ligne {number}, colonne 8 : regardez les guillemets, "
        "crochets, accolades et signes = à cet endroit"
    )
    assert english.startswith("is not valid TOML: ")
    assert f"(at line {number}, column 8)" in english


def test_parole_import_says_the_mistakes_in_french_only(
    capsys: pytest.CaptureFixture[str], folder: Path
):
    # `parole import` is French only, its mistakes too (see bot.cli_french).
    line = check(capsys, folder, 'id = "aide_services"', 'id = "besoins"', "import", "--template")
    assert line == (
        "étape 6 (id « besoins ») : l'étape 5 a déjà l'id « besoins » : donnez à chaque étape "
        "son propre id"
    )
