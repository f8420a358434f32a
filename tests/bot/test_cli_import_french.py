"""`parole import` is run by an officer who reads French: what the machine refuses (a file,
the database, the configuration) is said in French too, while the other commands keep
English."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE, Settings
from flows import paper
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.bot.run import parole
from tests.digest.residents import full_answers

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture
def forms(workdir: Path) -> Path:
    """Two paper questionnaires typed in."""
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", Settings().consultation.quartiers)
    path = workdir / "papier.csv"
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(2)]
    path.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    return path


@pytest.fixture
def database(workdir: Path) -> Path:
    """Where the commands look for the database (storage.path, from the current folder)."""
    path = workdir / DEFAULT_DATABASE
    path.parent.mkdir(parents=True)
    return path


def test_a_template_that_cannot_be_written_is_said_in_french(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "modeles").write_text("un fichier, pas un dossier")
    code, out, err = parole(capsys, "import", "--template", "--out", "modeles/papier.csv")
    assert (code, out) == (1, "")
    assert err == "parole import: modeles : un fichier porte déjà ce nom\n"


def test_a_form_file_that_is_not_there_is_said_in_french(capsys: pytest.CaptureFixture[str]):
    code, out, err = parole(capsys, "import", "papiers.csv")
    assert (code, out) == (2, "")
    assert (
        err
        == "parole import: impossible de lire papiers.csv\u202f: fichier ou dossier introuvable\n"
    )


def test_a_database_that_cannot_be_opened_is_said_in_french(
    capsys: pytest.CaptureFixture[str], forms: Path, database: Path
):
    database.write_bytes(b"not SQLite " * 100)
    code, out, err = parole(capsys, "import", str(forms))
    assert (code, out) == (1, "")
    assert err == (
        f"parole import: impossible d'ouvrir la base de données {database.absolute()} en "
        "écriture : ce fichier n'est pas une base de données\n"
    )
    # The other commands say it in French, then in English.
    code, _, err = parole(capsys, "export")
    assert err.startswith("parole export: impossible d'ouvrir la base de données ")
    assert " / cannot open the database " in err


def test_a_database_error_while_importing_is_said_in_french(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    forms: Path,
    database: Path,
):
    asyncio.run(_create(database))

    async def locked(*args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(SqliteStore, "relay", locked)
    code, out, err = parole(capsys, "import", str(forms), "--relay", "1")
    assert (code, out) == (1, "")
    assert err == (
        f"parole import: base de données {database.absolute()} : base de données bloquée par "
        "un autre programme\n"
    )


async def _create(path: Path) -> None:
    async with SqliteStore(path):
        pass


def test_a_configuration_that_is_not_there_is_said_in_french(
    capsys: pytest.CaptureFixture[str], forms: Path
):
    code, out, err = parole(capsys, "--config", "parole.toml", "import", str(forms))
    assert (code, out) == (2, "")
    assert err == (
        "parole.toml : fichier de configuration introuvable / configuration file not found\n"
    )
