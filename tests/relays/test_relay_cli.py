"""`parole relay` is run by an officer who reads French (its invitations and lists are): what
it refuses is said in French too, one line each, never a traceback."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import DEFAULT_DATABASE
from storage.sqlite import SqliteStore
from tests.bot.test_cli_help import entries, helped

NNBSP = "\u202f"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where `parole relay` looks for the database: storage.path, from an empty folder."""
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return (tmp_path / DEFAULT_DATABASE).absolute()


@pytest.fixture
def stored(database: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database the bot created, and the bot's name for the links."""
    monkeypatch.setenv("PAROLE_RELAYS__BOT_USERNAME", "parole_test_bot")

    async def create() -> None:
        async with SqliteStore(database):
            pass

    asyncio.run(create())
    return database


def relay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `parole relay ARGV`: exit code, standard output, standard error."""
    code = main(["relay", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("stored")
def test_a_name_that_cannot_be_used_is_refused_in_french(capsys: pytest.CaptureFixture[str]):
    code, out, err = relay(capsys, "add", "x" * 61)
    assert (code, out) == (2, "")
    assert err == (
        f"parole relay: Ce nom est trop long{NNBSP}: 60 caractères au plus. Rien n'a été créé.\n"
    )
    code, out, err = relay(capsys, "add", "   ")
    assert (code, out) == (2, "")
    assert err == f"parole relay: donnez le nom du relais{NNBSP}: parole relay add NOM\n"
    assert relay(capsys, "list")[1].startswith("Aucun relais")


@pytest.mark.usefixtures("stored")
def test_an_unknown_relay_to_remove_is_said_in_french(capsys: pytest.CaptureFixture[str]):
    code, out, err = relay(capsys, "remove", "5")
    assert (code, out, err) == (1, "", "parole relay: Aucun relais n° 5.\n")


def test_a_link_without_the_bot_s_name_is_said_in_french(
    capsys: pytest.CaptureFixture[str], stored: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PAROLE_RELAYS__BOT_USERNAME")
    code, out, err = relay(capsys, "add", "Centre social")
    assert (code, out) == (2, "")
    assert err == (
        f"parole relay: le lien d'invitation a besoin du nom du bot{NNBSP}: renseignez "
        "relays.bot_username (ou telegram.token) dans la configuration. Aucun relais n'a été "
        "créé.\n"
    )


def test_a_missing_or_unusable_database_is_said_in_french(
    capsys: pytest.CaptureFixture[str], database: Path
):
    code, out, err = relay(capsys, "list")
    assert (code, out) == (2, "")
    assert err == f"parole relay: aucune base de données à {database}\n"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"not SQLite " * 100)
    code, out, err = relay(capsys, "remove", "1")
    assert (code, out) == (1, "")
    assert err == (
        f"parole relay: impossible d'ouvrir la base de données {database} en écriture : ce "
        "fichier n'est pas une base de données\n"
    )


@pytest.mark.parametrize(
    "command", [["relay"], ["relay", "add"], ["relay", "list"], ["relay", "remove"], ["import"]]
)
def test_relay_and_import_help_is_french_first(
    capsys: pytest.CaptureFixture[str], command: list[str]
):
    text = helped(capsys, *command)
    assert text.startswith(f"utilisation / usage : parole {' '.join(command)}")
    described = entries(text)
    assert described["-h, --help"] == "afficher cette aide / show this help"
    for name, said in described.items():
        if name != "ACTION":  # the heading of relay's actions, listed below it
            assert " / " in said and said.index(" / ") > 0, f"{command} {name}: {said!r}"


@pytest.mark.usefixtures("stored")
def test_a_name_with_a_direction_override_cannot_turn_its_counts_around(
    capsys: pytest.CaptureFixture[str],
):
    # U+202E makes what follows it read right to left: "12" would show as "21".
    assert relay(capsys, "add", "Les Amis\u202e du quartier")[0] == 0
    listed = relay(capsys, "list")[1]
    assert "\u202e" not in listed and "Les Amis du quartier" in listed
