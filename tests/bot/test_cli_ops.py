"""What an operator setting up a server meets: configuration files written on Windows,
times of day, placeholder secrets; one line each, never a traceback or a secret."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.retention import daily_time
from bot.settings import DEFAULT_DATABASE, Settings, load_settings
from flows import paper
from flows.loader import BUILTIN_DIR, load_consultation
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.bot.run import parole
from tests.digest.residents import full_answers
from tests.storage.helpers import NOW, make_turn

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest

SECRET = "a-good-secret-for-the-tests"
# The shape @BotFather gives (the number, a colon, 35 characters); not a real bot's.
TOKEN = "1234567890:AAH-good-looking-token_for-the-tests"


# -- the configuration file ----------------------------------------------------------------


def test_a_config_with_a_byte_order_mark_is_read(capsys: pytest.CaptureFixture[str], workdir: Path):
    # Windows Notepad's "UTF-8" starts the file with a byte order mark.
    (workdir / "config.toml").write_text(
        '[privacy]\ncontroller = "la mairie (service égalité)"\n', encoding="utf-8-sig"
    )
    code, out, err = parole(capsys, "--config", "config.toml", "check")
    assert code == 0, err
    assert "ok  vivre-ensemble" in out
    assert load_settings(Path("config.toml")).privacy.controller == "la mairie (service égalité)"


# -- the daily purge time ------------------------------------------------------------------


@pytest.mark.parametrize("written", ["25:99", "24:00", "12:60", "3h30", "03:3"])
def test_a_purge_time_that_is_no_time_of_day_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, written: str
):
    monkeypatch.setenv("PAROLE_PRIVACY__PURGE_TIME", written)
    code, out, err = parole(capsys, "check")
    assert code == 2
    assert out == ""
    assert "privacy.purge_time" in err
    assert f"'{written}' is not a time of day (HH:MM, 00:00 to 23:59)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("written", "time"), [("3:30", dt.time(3, 30)), ("23:59", dt.time(23, 59))]
)
def test_the_purge_runs_at_the_time_written(
    monkeypatch: pytest.MonkeyPatch, written: str, time: dt.time
):
    monkeypatch.setenv("PAROLE_PRIVACY__PURGE_TIME", written)
    assert daily_time(load_settings()).replace(tzinfo=None) == time


# -- secrets that are no secrets -----------------------------------------------------------


@pytest.mark.usefixtures("no_start")
def test_run_refuses_a_pseudonym_secret_equal_to_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", TOKEN)
    code, out, err = parole(capsys, "run")
    assert code == 2
    assert "privacy.pseudonym_secret is the bot token: give it a secret of its own" in err
    assert TOKEN not in out + err


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to build the Telegram application fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parole run started the bot")

    monkeypatch.setattr("bot.telegram.app.build_application", refuse)


def test_a_config_not_in_utf8_names_the_line_and_what_to_do(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    config = '[privacy]\ncontroller = "Mairie, égalité"\n'
    (workdir / "config.toml").write_bytes(config.encode("cp1252"))
    code, out, err = parole(capsys, "--config", "config.toml", "check")
    assert (code, out) == (2, "")
    assert err == (
        "config.toml : n'est pas en UTF-8 (ligne 2) : enregistrez-le en UTF-8 / is not UTF-8 "
        "(line 2): save it as UTF-8\n"
    )


def test_an_unreadable_config_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    (workdir / "config.toml").write_text("[storage]\n", encoding="utf-8")

    def refused(path: Path) -> None:  # root reads any file: the refusal is simulated
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("bot.settings.read_toml", refused)
    code, out, err = parole(capsys, "--config", "config.toml", "check")
    assert (code, out) == (2, "")
    assert (
        err == "config.toml : illisible : permission refusée / cannot be read: permission denied\n"
    )


def test_a_consultation_file_not_in_utf8_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    folder = workdir / "consultations"
    folder.mkdir()
    builtin = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    (folder / "vivre-ensemble.toml").write_bytes(builtin.encode("cp1252", errors="replace"))
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(folder))
    for command in (["check"], ["chat"], ["run"]):
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
        monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
        code, _, err = parole(capsys, *command)
        assert code == 2
        [line] = err.splitlines()
        assert line.startswith(f"{folder / 'vivre-ensemble.toml'} : n'est pas en UTF-8 (ligne ")
        assert ") : enregistrez-le en UTF-8 / is not UTF-8 (line " in line
        assert line.endswith("): save it as UTF-8")


# -- the database cannot be opened ---------------------------------------------------------


@pytest.fixture
def database(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The database's path, set by storage.path, with real-looking secrets for `run`."""
    path = workdir / "data" / "parole.sqlite3"
    monkeypatch.setenv("PAROLE_STORAGE__PATH", str(path))
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
    return path


@pytest.mark.parametrize(
    ("spoil", "french", "reason"),
    [
        (lambda path: path.mkdir(parents=True), "ce n'est pas un fichier", "it is not a file"),
        (lambda path: path.parent.write_text("x"), "n'est pas un dossier", "is not a folder"),
        (
            lambda path: path.parent.mkdir() or path.write_bytes(b"not SQLite " * 100),
            "ce fichier n'est pas une base de données",
            "file is not a database",
        ),
    ],
    ids=["a-folder", "under-a-file", "not-sqlite"],
)
def test_a_database_that_cannot_be_opened_is_one_line_and_fails_check_for_run(
    capsys: pytest.CaptureFixture[str],
    database: Path,
    spoil: Callable[[Path], object],
    french: str,
    reason: str,
):
    spoil(database)
    code, _, err = parole(capsys, "check", "--for-run")
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(
        f"parole check: base de données {database} : impossible de l'ouvrir en écriture : "
    )
    assert f"{french} / cannot open it for writing: " in line and line.endswith(reason)
    code, _, err = parole(capsys, "chat", "--as", "demo")
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith(
        f"parole chat: impossible d'ouvrir la base de données {database} en écriture : "
    )
    assert f"{french} / cannot open the database {database} for writing: " in line
    assert line.endswith(reason)


def test_every_command_says_why_the_database_cannot_be_opened(
    capsys: pytest.CaptureFixture[str], database: Path
):
    database.parent.mkdir()
    database.write_bytes(b"not SQLite " * 100)
    expected = (
        f"impossible d'ouvrir la base de données {database} en écriture : ce fichier n'est pas "
        f"une base de données / cannot open the database {database} for writing: file is not a "
        "database\n"
    )
    for command in (
        ["export"],
        ["export", "--format", "csv"],
        ["digest"],
        ["forget", "abc"],
        ["moderation", "list"],
        ["moderation", "hide", "1:avis"],
    ):
        code, out, err = parole(capsys, *command)
        assert (code, out, err) == (1, "", f"parole {command[0]}: {expected}"), command


def test_a_database_error_while_working_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database: Path
):
    asyncio.run(_create(database))

    async def full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("bot.moderation.Moderation.hide", full)
    code, out, err = parole(capsys, "moderation", "hide", "1:avis")
    assert (code, out) == (1, "")
    assert err == (
        f"parole moderation: base de données {database} : base de données ou disque plein / "
        f"database {database}: database or disk is full\n"
    )


async def _create(path: Path) -> None:
    async with SqliteStore(path):
        pass


def test_check_names_the_database_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], database: Path
):
    code, out, _ = parole(capsys, "check", "--for-run")
    assert code == 0
    assert (
        f"note : base de données {database} : pas encore là, `parole run` la crée / not there "
        "yet: `parole run` creates it\n"
    ) in out
    assert not database.parent.exists()


# -- output files --------------------------------------------------------------------------


@pytest.fixture
def stored(database: Path) -> Path:
    """A database with one resident's answer."""

    async def seed() -> None:
        async with SqliteStore(database) as store:
            who = await store.participant("p", NOW)
            await store.commit(make_turn(who.id, saved={"q1": Answer(text="Des bancs")}))

    asyncio.run(seed())
    return database


@pytest.mark.usefixtures("stored")
def test_export_creates_the_folder_of_its_file_in_every_format(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    code, out, err = parole(capsys, "export", "--out", "nouveau/dossier/export.jsonl")
    assert (code, out) == (0, "")
    assert err == (
        "1 participation écrite dans nouveau/dossier/export.jsonl / 1 session written to "
        "nouveau/dossier/export.jsonl\n"
    )
    assert "Des bancs" in (workdir / "nouveau/dossier/export.jsonl").read_text(encoding="utf-8")


@pytest.mark.usefixtures("stored")
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_while_exporting_is_one_line(capsys: pytest.CaptureFixture[str]):
    # /dev/full answers every write with ENOSPC, as a full disk does.
    code, out, err = parole(capsys, "export", "--out", "/dev/full")
    assert (code, out) == (1, "")
    assert err == (
        "parole export: /dev/full : plus de place sur le disque / /dev/full: no space left on "
        "device\n"
    )


def test_a_backup_onto_a_folder_goes_inside_it(
    capsys: pytest.CaptureFixture[str], workdir: Path, stored: Path
):
    (workdir / "backups").mkdir()
    code, out, err = parole(capsys, "backup", "backups")
    assert (code, err) == (0, "")
    written = Path("backups") / stored.name
    assert out == (
        f"copie écrite dans {written} : 1 participant, 1 participation, 1 réponse ; intégrité "
        f"vérifiée / backup written to {written}: 1 participant, 1 session, 1 answer; integrity "
        "ok\n"
    )
    with sqlite3.connect(workdir / "backups" / stored.name) as copy:
        assert copy.execute("SELECT count(*) FROM answers").fetchone() == (1,)


@pytest.mark.usefixtures("stored")
def test_a_backup_that_cannot_be_written_is_one_line(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "backups").write_text("a file, not a folder")
    code, out, err = parole(capsys, "backup", "backups/monday.sqlite3")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line == (
        "parole backup: impossible de créer le dossier backups : un fichier porte déjà ce nom / "
        "cannot create the folder backups: file exists"
    )


def test_moderation_list_refuses_a_limit_beyond_reason(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["moderation", "list", "--limit", str(10**20)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --limit: un nombre entier de 1 à 1000000 / a whole number from 1 to" in err
    assert "Traceback" not in err


# -- what `parole check` notes -------------------------------------------------------------


def test_check_notes_digest_schedules_that_have_nowhere_to_go(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    schedule = '[[digest.schedules]]\nname = "hebdo"\ncron = "0 8 * * mon"\n'
    (workdir / "config.toml").write_text(schedule, encoding="utf-8")
    code, out, _ = parole(capsys, "--config", "config.toml", "check")
    assert code == 0
    assert "ok  synthèse programmée / digest schedule hebdo : 0 8 * * mon (Europe/Paris)" in out
    nowhere = (
        "note : les synthèses programmées ne vont nulle part : renseignez staff.chat_ids ou "
        "digest.email (host et recipients) / the digest schedules have nowhere to go: set "
        "staff.chat_ids or digest.email (host and recipients)"
    )
    assert nowhere in out.splitlines()

    (workdir / "config.toml").write_text(
        f"[staff]\nchat_ids = [-100123]\n{schedule}", encoding="utf-8"
    )
    code, out, _ = parole(capsys, "--config", "config.toml", "check")
    assert code == 0 and "nowhere" not in out


def test_check_notes_a_closed_consultation(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    folder = workdir / "consultations"
    folder.mkdir()
    builtin = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    closed = re.sub(r"(?m)^closes = .*$", "closes = 2025-06-30", builtin)
    closed = re.sub(r"(?m)^opens = .*$", "opens = 2025-01-01", closed)
    (folder / "vivre-ensemble.toml").write_text(closed, encoding="utf-8")
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(folder))
    code, out, _ = parole(capsys, "check")
    assert code == 0
    assert (
        "ok  vivre-ensemble : 12 questions, ouverte du 2025-01-01 au 2025-06-30 / open "
        "2025-01-01 to 2025-06-30\n"
    ) in out
    assert (
        "note : vivre-ensemble est close : les habitants ne peuvent plus y répondre / "
        "vivre-ensemble is closed: residents can no longer answer it\n"
    ) in out


# -- commands that write, run from another folder than the bot's ---------------------------


@pytest.fixture
def forms(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two paper questionnaires typed in, and a relay link's bot name."""
    monkeypatch.setenv("PAROLE_RELAYS__BOT_USERNAME", "parole_test_bot")
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", Settings().consultation.quartiers)
    path = workdir / "papier.csv"
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(2)]
    path.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    return path


def test_import_and_relay_add_refuse_a_folder_without_the_database(
    capsys: pytest.CaptureFixture[str], workdir: Path, forms: Path
):
    database = workdir / DEFAULT_DATABASE  # storage.path is read from the current folder
    code, out, err = parole(capsys, "import", str(forms))
    assert (code, out) == (2, "")
    assert err == f"parole import: aucune base de données à {database}\n"
    code, out, err = parole(capsys, "relay", "add", "Centre", "social")
    assert (code, out) == (2, "")
    assert err == f"parole relay: aucune base de données à {database}\n"
    assert not database.exists() and not database.parent.exists()


def test_import_and_relay_add_say_which_database_they_wrote_to(
    capsys: pytest.CaptureFixture[str], forms: Path, stored: Path
):
    code, out, err = parole(capsys, "relay", "add", "Centre", "social")
    assert code == 0
    assert "https://t.me/parole_test_bot?start=i_" in out
    assert err == f"base de données\u202f: {stored}\n"
    code, _, err = parole(capsys, "import", str(forms), "--relay", "1")
    assert code == 0
    assert err.endswith(
        f"importés dans vivre-ensemble, pour le relais n° 1 «\u202fCentre social\u202f»\n"
        f"base de données\u202f: {stored}\n"
    )
    code, out, err = parole(capsys, "relay", "remove", "1")
    assert code == 0
    assert err == f"base de données\u202f: {stored}\n"


def test_the_paper_template_goes_into_a_new_folder(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    code, _, err = parole(capsys, "import", "--template", "--out", "modeles/papier.csv")
    assert code == 0, err
    assert (workdir / "modeles" / "papier.csv").is_file()
    assert (workdir / "modeles" / "papier-codes.txt").is_file()


def test_a_full_disk_during_an_import_says_nothing_was_imported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, forms: Path, stored: Path
):
    async def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqliteStore, "import_paper", full)
    code, out, err = parole(capsys, "import", str(forms))
    assert (code, out) == (1, "")
    assert err == (
        f"parole import: écriture impossible dans {stored} (base de données ou disque "
        "plein)\u202f: rien n'a été importé\n"
    )


@pytest.mark.usefixtures("stored")
def test_an_empty_relay_list_suggests_the_command_line_s_own_command(
    capsys: pytest.CaptureFixture[str],
):
    code, out, err = parole(capsys, "relay", "list")
    assert (code, err) == (0, "")
    assert out == "Aucun relais pour l'instant. Créez-en un\u202f: parole relay add NOM\n"


def test_check_notes_the_example_files_quartiers_left_in_a_copy(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    example = Path(__file__).parents[2] / "config.example.toml"
    (workdir / "config.toml").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = parole(capsys, "--config", "config.toml", "check")
    assert code == 0
    assert (
        "note : consultation.quartiers est la liste du fichier d'exemple (Bourgogne, "
        "Pont-Rompu, Belencontre, Croix-Rouge, Epidème) : les habitants choisiraient parmi ces "
        "quartiers ; donnez ceux de votre ville / consultation.quartiers is the example file's "
        "list (Bourgogne, Pont-Rompu, Belencontre, Croix-Rouge, Epidème): residents would pick "
        "among these; set your city's quartiers\n"
    ) in out
