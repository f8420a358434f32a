"""What the staff's commands print, French first then English, on one line per fact: the
refusals and mistakes not covered with the command's own tests."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from flows.loader import BUILTIN_DIR
from storage.sqlite import SqliteStore
from tests.bot.run import parole

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture
def database(workdir: Path) -> Path:
    """The default database, empty."""
    path = workdir / Settings().storage.path

    async def create() -> None:
        async with SqliteStore(path):
            pass

    asyncio.run(create())
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["export"],
        ["export", "--format", "csv"],
        ["digest"],
        ["news", "--text", "Le jardin ouvre samedi."],
        ["moderation", "list"],
        ["moderation", "hide", "1:proposition"],
        ["forget", "abc"],
        ["backup", "copie.sqlite3"],
    ],
)
def test_a_command_run_where_there_is_no_database_says_so(
    capsys: pytest.CaptureFixture[str], workdir: Path, argv: list[str]
):
    code, out, err = parole(capsys, *argv)
    path = (workdir / Settings().storage.path).absolute()
    assert (code, out) == (2, "")
    assert err == f"parole {argv[0]}: {path} : aucune base de données ici / no database there\n"
    assert not path.exists()


def test_a_news_file_that_cannot_be_read_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    code, out, err = parole(capsys, "news", "absent.txt")
    assert (code, out) == (2, "")
    assert err == (
        "parole news: impossible de lire absent.txt : fichier ou dossier introuvable / cannot "
        "read absent.txt: no such file or directory\n"
    )
    (workdir / "nouvelles.txt").write_bytes("Le jardin\nouvre l'été".encode("cp1252"))
    code, out, err = parole(capsys, "news", "nouvelles.txt")
    assert (code, out) == (2, "")
    assert err == (
        "parole news: nouvelles.txt : n'est pas en UTF-8 (ligne 2) : enregistrez-le en UTF-8 / "
        "is not UTF-8 (line 2): save it as UTF-8\n"
    )


def test_a_moderation_reference_mistyped_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str],
):
    code, out, err = parole(capsys, "moderation", "hide", "proposition")
    assert (code, out) == (2, "")
    assert err == (
        "parole moderation: « proposition » n'est pas une référence comme 123:proposition / "
        "'proposition' is not a reference like 123:proposition\n"
    )


def test_a_moderation_limit_that_is_not_a_number_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str],
):
    with pytest.raises(SystemExit):
        main(["moderation", "list", "--limit", "dix"])
    err = capsys.readouterr().err
    assert "argument --limit: un nombre entier de 1 à 1000000 / a whole number from 1 to" in err


@pytest.mark.usefixtures("database")
def test_forget_says_its_refusals_in_both_languages(capsys: pytest.CaptureFixture[str]):
    assert parole(capsys, "forget", "--telegram-id", "42") == (
        2,
        "",
        "parole forget: --telegram-id demande privacy.pseudonym_secret / --telegram-id needs "
        "privacy.pseudonym_secret\n",
    )
    assert parole(capsys, "forget", "inconnu") == (
        1,
        "",
        "parole forget: participant introuvable (rien n'est enregistré) / no such "
        "participant (nothing is stored)\n",
    )


def test_a_backup_over_the_database_itself_is_refused_in_both_languages(
    capsys: pytest.CaptureFixture[str], database: Path
):
    assert parole(capsys, "backup", str(database)) == (
        2,
        "",
        "parole backup: la copie ne peut pas remplacer la base de données elle-même / the "
        "backup cannot replace the database itself\n",
    )


@pytest.mark.usefixtures("database")
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--since", "2026-13-01"],
            "--since : « 2026-13-01 » n'est ni une date (AAAA-MM-JJ) ni une date et heure ISO / "
            "'2026-13-01' is not a date (YYYY-MM-DD) or an ISO date and time",
        ),
        (
            ["--until", "hier"],
            "--until : « hier » n'est ni une date (AAAA-MM-JJ) ni une date et heure ISO / "
            "'hier' is not a date (YYYY-MM-DD) or an ISO date and time",
        ),
        (
            ["--since", "2026-11-20", "--until", "2026-11-01"],
            "--since doit être avant --until / --since must be before --until",
        ),
        (
            ["--send"],
            "--send demande staff.chat_ids ou digest.email (host et recipients) / --send needs "
            "staff.chat_ids or digest.email (host and recipients)",
        ),
    ],
)
def test_a_digest_asked_wrong_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
):
    assert parole(capsys, "digest", *argv) == (2, "", f"parole digest: {expected}\n")


@pytest.fixture
def two_consultations(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in consultation, and a copy of it under another id."""
    folder = workdir / "consultations"
    folder.mkdir()
    builtin = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    (folder / "vivre-ensemble.toml").write_text(builtin, encoding="utf-8")
    emploi = re.sub(r'(?m)^id = ".*"$', 'id = "emploi"', builtin, count=1)
    (folder / "emploi.toml").write_text(emploi, encoding="utf-8")
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(folder))


@pytest.mark.usefixtures("database", "two_consultations")
def test_an_export_of_no_known_consultation_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str],
):
    assert parole(capsys, "export", "--format", "csv") == (
        2,
        "",
        "parole export: --consultation est nécessaire / --consultation is required (emploi, "
        "vivre-ensemble)\n",
    )
    assert parole(capsys, "export", "--format", "xlsx", "--consultation", "sante") == (
        2,
        "",
        "parole export: aucune consultation « sante » (emploi, vivre-ensemble) / no "
        "consultation 'sante' (emploi, vivre-ensemble)\n",
    )


def test_a_missing_consultation_folder_is_one_line_in_both_languages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(workdir / "ailleurs"))
    assert parole(capsys, "check") == (
        2,
        "",
        f"{workdir / 'ailleurs'} : consultation.directory n'est pas un dossier / "
        "consultation.directory is not a folder\n",
    )
    (workdir / "ailleurs").mkdir()
    assert parole(capsys, "chat") == (
        2,
        "",
        f"{workdir / 'ailleurs'} : aucun fichier de consultation (*.toml) / no consultation "
        "file (*.toml)\n",
    )


def test_mistakes_in_a_consultation_file_are_introduced_in_both_languages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    folder = workdir / "consultations"
    folder.mkdir()
    (folder / "emploi.toml").write_text('id = "emploi"\n', encoding="utf-8")
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(folder))
    code, out, err = parole(capsys, "chat")
    assert (code, out) == (2, "")
    heading, *mistakes = err.splitlines()
    assert heading == (
        "la consultation ne peut pas être chargée / the consultation cannot be loaded (voyez / "
        "see parole check) :"
    )
    assert mistakes and all(line.startswith(f"{folder / 'emploi.toml'} : ") for line in mistakes)
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert err.splitlines()[0] == (
        "la consultation ne peut pas être chargée / the consultation cannot be loaded :"
    )


def test_check_notes_a_database_the_bot_could_not_open_in_both_languages(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    path = workdir / Settings().storage.path
    path.mkdir(parents=True)  # a folder where the database should be
    code, out, _ = parole(capsys, "check")
    assert code == 0
    assert (
        f"note : base de données {path} : le bot ne pourrait pas l'ouvrir en écriture : ce "
        "n'est pas un fichier / the bot could not open it for writing: it is not a file\n"
    ) in out


@pytest.mark.usefixtures("database")
def test_a_digest_e_mail_that_fails_is_said_in_both_languages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    for key, value in {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SECURITY": "none",
        "SENDER": "parole@example.org",
        "RECIPIENTS": '["equipe@example.org"]',
    }.items():
        monkeypatch.setenv(f"PAROLE_DIGEST__EMAIL__{key}", value)
    code, out, err = parole(capsys, "digest", "--send")
    assert (code, out) == (1, "")
    assert err.startswith("parole digest: l'envoi par e-mail a échoué / e-mail failed: ")
    assert len(err.splitlines()) == 1
