"""A paper-questionnaire file someone handed to an officer: `parole import` quotes its wrong
cells and column names in what it prints, and a terminal obeys escape sequences (move the
cursor, clear the screen, set the window's title or the clipboard) and bidi overrides."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main

CLEAR = "\x1b[2J"  # clear the screen
ESCAPE = f"\x1b]0;titre\x07{CLEAR}"  # retitle the window, then clear the screen
OVERRIDE = "\u202e"  # right-to-left override: the rest of the line reads backwards


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def forms(workdir: Path, extra_column: str, quartier: str) -> str:
    """A filled-in template with one more column and one row; what `parole import` says."""
    assert main(["import", "--template", "--out", "papier.csv"]) == 0
    header = (workdir / "papier.csv").read_text(encoding="utf-8-sig").strip()
    columns = header.split(";")
    cells = [""] * len(columns)
    cells[columns.index("quartier")] = quartier
    extra = f";{extra_column}" if extra_column else ""
    text = f"{header}{extra}\n{';'.join(cells)}{';' if extra else ''}\n"
    (workdir / "remis.csv").write_text(text, encoding="utf-8")
    assert main(["import", "remis.csv"]) == 1
    return text


def test_a_column_name_is_printed_without_its_control_characters(
    workdir: Path, capsys: pytest.CaptureFixture[str]
):
    forms(workdir, f"{OVERRIDE}colonne{CLEAR}", "bourgogne")
    err = capsys.readouterr().err
    assert "colonne inconnue" in err
    assert not any(char in err for char in "\x1b\x07" + OVERRIDE)
    assert "\\u202ecolonne\\x1b[2J" in err, "the officer still sees which column"


def test_a_cell_is_printed_without_its_control_characters(
    workdir: Path, capsys: pytest.CaptureFixture[str]
):
    forms(workdir, "", f"bourgogne{ESCAPE}")
    err = capsys.readouterr().err
    assert "colonne quartier" in err
    assert not any(char in err for char in "\x1b\x07")
