"""`parole import --template` writes the questionnaire to print beside the CSV template."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from flows import paper
from flows.loader import BUILTIN_DIR, load_consultation


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A city with its quartiers, keeping answers six months; no database is needed."""
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "parole.sqlite3"}"\n'
        '[consultation]\nquartiers = ["Bourgogne", "Pont-Rompu"]\n'
        "[privacy]\nretention_days = 180\n",
        encoding="utf-8",
    )
    return path


def template(config: Path, out: Path, *more: str) -> int:
    """Run `parole import --template --out OUT MORE`."""
    return main(["--config", str(config), "import", "--template", "--out", str(out), *more])


def test_the_template_comes_with_the_questionnaire_to_print(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "papier.csv"
    assert template(config, out) == 0
    printable = tmp_path / "papier.html"
    err = capsys.readouterr().err
    assert f"questionnaire à imprimer dans {printable}" in err
    form = printable.read_text(encoding="utf-8")
    assert '<html lang="fr">' in form
    consultation = load_consultation(
        BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"]
    )
    for number, step in enumerate(paper.on_paper(consultation), start=1):
        assert f"{number}. {step.text.fr}" in form.replace("&#x27;", "'")
    assert "Pont-Rompu" in form  # the city's quartiers, from the configuration
    assert "effacé 6 mois après" in form  # the city's retention period
    today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    assert f"vivre-ensemble · imprimé le {today:%d/%m/%Y}" in form
    # The template and its codes are still written as before.
    assert out.read_text(encoding="utf-8-sig").startswith("quartier;quartier_autre;")
    assert (tmp_path / "papier-codes.txt").exists()


def test_the_questionnaire_to_print_in_english(tmp_path: Path, config: Path):
    out = tmp_path / "forms" / "paper.csv"
    assert template(config, out, "--lang", "en") == 0
    form = (tmp_path / "forms" / "paper.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in form and "1. Which neighbourhood is yours?" in form
    assert "deleted 6 months after" in form
    # The template is the same whatever the form's language.
    assert out.read_text(encoding="utf-8-sig").startswith("quartier;quartier_autre;")


def test_lang_without_template_is_refused(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    forms = tmp_path / "forms.csv"
    forms.write_text("quartier\n", encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms), "--lang", "en"]) == 2
    assert capsys.readouterr().err == "parole import: --lang va avec --template\n"
