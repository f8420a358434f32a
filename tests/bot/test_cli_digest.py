"""`parole digest` and `parole export --format csv|xlsx`, in-process."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from bot import bootstrap
from bot.settings import Settings
from digest.schedule import parse_when
from flows.loader import BUILTIN_DIR
from storage.sqlite import SqliteStore
from tests.bot.run import parole
from tests.digest.residents import answered
from tests.fakebotapi import FakeBotApi, FakeBotApiServer

TOKEN = "123456:TEST-TOKEN"
RESIDENTS = 6
STAFF_CHAT = -100_555


pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture
def database(workdir: Path) -> Path:
    """The default database, with residents who answered everything over the last days."""
    settings = Settings()
    [consultation] = bootstrap.consultations(settings)
    path = workdir / settings.storage.path

    async def fill() -> None:
        store = SqliteStore(path)
        await store.open()
        try:
            start = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
            await answered(store, consultation, RESIDENTS, start)
        finally:
            await store.close()

    asyncio.run(fill())
    return path


# -- parole digest -------------------------------------------------------------------------


def test_digest_out_writes_text_html_charts_and_exports(
    capsys: pytest.CaptureFixture[str], database: Path, workdir: Path
):
    code, out, err = parole(capsys, "digest", "--out", "synthese")
    assert code == 0, err
    folder = workdir / "synthese"
    names = sorted(path.name for path in folder.iterdir())
    assert "digest.txt" in names and "digest.html" in names
    text = (folder / "digest.txt").read_text(encoding="utf-8")
    assert "sur 7 jours, du" in text and "VIVRE ENSEMBLE" in text.upper()
    pngs = [name for name in names if name.endswith(".png")]
    assert pngs and all((folder / name).read_bytes().startswith(b"\x89PNG") for name in pngs)
    page = (folder / "digest.html").read_text(encoding="utf-8")
    assert "cid:" not in page, "the page shows the chart files beside it"
    assert all(f'src="{name}"' in page for name in pngs if "parcours" in name)
    [csv_name] = [name for name in names if name.endswith(".csv")]
    rows = list(csv.reader(io.StringIO((folder / csv_name).read_text("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + RESIDENTS
    [xlsx_name] = [name for name in names if name.endswith(".xlsx")]
    workbook = openpyxl.load_workbook(folder / xlsx_name, read_only=True)
    assert workbook.sheetnames
    workbook.close()
    assert out == ""
    assert (
        err
        == f"{len(names)} fichiers écrits dans synthese / {len(names)} files written to synthese\n"
    )


def test_digest_prints_the_text_without_out_or_send(
    capsys: pytest.CaptureFixture[str], database: Path
):
    code, out, _ = parole(capsys, "digest")
    assert code == 0
    assert out.startswith("📬 Synthèse à la demande")
    assert "Participation" in out or "PARTICIPATION" in out


def test_digest_with_dates(capsys: pytest.CaptureFixture[str], database: Path):
    today = dt.date.today()
    since = (today - dt.timedelta(days=3)).isoformat()
    code, out, err = parole(capsys, "digest", "--since", since, "--until", today.isoformat())
    assert code == 0, err
    day = (today - dt.timedelta(days=3)).strftime("%d/%m/%Y")
    assert out.startswith("📬 Synthèse du ") and f"{day} 00:00" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "hier"], "not a date"),
        (["--since", "2026-12-01", "--until", "2026-11-01"], "before"),
        (["--send"], "staff.chat_ids or digest.email"),
    ],
)
def test_digest_refuses_bad_arguments(
    capsys: pytest.CaptureFixture[str], database: Path, args: list[str], message: str
):
    code, _, err = parole(capsys, "digest", *args)
    assert code == 2 and message in err


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        (  # a file, not a folder
            "notes.txt",
            "impossible d'écrire dans notes.txt : un fichier porte déjà ce nom / cannot write "
            "notes.txt: File exists",
        ),
        (
            "notes.txt/synthese",
            "impossible d'écrire dans notes.txt/synthese : un élément du chemin n'est pas un "
            "dossier / cannot write notes.txt/synthese: Not a directory",
        ),
        (
            "synthese",
            "impossible d'écrire dans synthese : c'est un dossier (synthese/digest.txt) / cannot "
            "write synthese: Is a directory (synthese/digest.txt)",
        ),
    ],
)
def test_digest_out_that_cannot_be_written_is_one_line(
    capsys: pytest.CaptureFixture[str], database: Path, workdir: Path, out: str, expected: str
):
    (workdir / "notes.txt").write_text("mes notes", encoding="utf-8")
    (workdir / "synthese" / "digest.txt").mkdir(parents=True)  # in the way of the text file
    code, stdout, err = parole(capsys, "digest", "--out", out)
    assert (code, stdout, err) == (2, "", f"parole digest: {expected}\n")
    assert (workdir / "notes.txt").read_text(encoding="utf-8") == "mes notes"


def test_digest_out_that_cannot_be_written_sends_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    workdir: Path,
    api: FakeBotApi,
):
    (workdir / "notes.txt").write_text("mes notes", encoding="utf-8")
    with FakeBotApiServer(api) as server:
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
        monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", server.base_url)
        monkeypatch.setenv("PAROLE_STAFF__CHAT_IDS", f"[{STAFF_CHAT}]")
        code, _, err = parole(capsys, "digest", "--out", "notes.txt", "--send")
    assert code == 2 and err.startswith("parole digest: impossible d'écrire dans notes.txt")
    assert api.messages(STAFF_CHAT) == []


def test_digest_without_a_database_does_not_create_one(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    code, _, err = parole(capsys, "digest")
    assert code == 2 and "no database" in err
    assert not (workdir / Settings().storage.path).exists()


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    yield api
    assert api.refused == []


def test_digest_send_to_the_staff_chat(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    api: FakeBotApi,
):
    with FakeBotApiServer(api) as server:
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
        monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", server.base_url)
        monkeypatch.setenv("PAROLE_STAFF__CHAT_IDS", f"[{STAFF_CHAT}]")
        # The rate limiter is on, as in `parole run`, with a staff group that takes more
        # than Telegram's 20 messages a minute so the test does not wait for it.
        monkeypatch.setenv("PAROLE_TELEGRAM__GROUP_MESSAGES_PER_MINUTE", "600")
        code, _, err = parole(capsys, "digest", "--send")
    assert code == 0, err
    assert err == (
        f"envoyée à la discussion Telegram {STAFF_CHAT} / sent to Telegram chat {STAFF_CHAT}\n"
    )
    kinds = [message.kind for message in api.messages(STAFF_CHAT)]
    assert kinds[0] == "text" and "photo" in kinds and kinds.count("document") == 2
    # Paced as the group's limit says: 600 a minute, one every 0.1 s at most. Measured over
    # the whole send: one request slowed on its way (a busy machine) shortens one gap as
    # the server sees it, not the pace.
    sent = [r.at for r in api.requests if r.method.startswith("send") and r.status == 200]
    assert len(sent) >= 4
    assert sent[-1] - sent[0] >= 0.9 * 0.1 * (len(sent) - 1)


def test_digest_send_reports_a_failure(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    api: FakeBotApi,
):
    with FakeBotApiServer(api) as server:
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", "999:WRONG-TOKEN")
        monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", server.base_url)
        monkeypatch.setenv("PAROLE_STAFF__CHAT_IDS", f"[{STAFF_CHAT}]")
        code, _, err = parole(capsys, "digest", "--send")
    assert code == 1 and err.startswith("parole digest: Telegram a refusé le jeton")
    assert " / Telegram failed: InvalidToken" in err
    assert "WRONG-TOKEN" not in err


def test_parse_when_reads_city_time():
    paris = "Europe/Paris"
    assert parse_when("2026-11-24", paris) == dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC)
    assert parse_when("2026-11-24", paris, end_of_day=True) == dt.datetime(
        2026, 11, 24, 23, 0, tzinfo=dt.UTC
    )
    assert parse_when("2026-07-01T08:30", paris) == dt.datetime(2026, 7, 1, 6, 30, tzinfo=dt.UTC)
    assert parse_when("2026-07-01T08:30+00:00", paris) == dt.datetime(
        2026, 7, 1, 8, 30, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError):
        parse_when("24/11/2026", paris)


# -- parole export csv / xlsx -----------------------------------------------------------------


def test_export_csv_to_standard_output(capsys: pytest.CaptureFixture[str], database: Path):
    code, out, _ = parole(capsys, "export", "--format", "csv")
    assert code == 0
    assert not out.startswith("\ufeff"), "no byte order mark in a pipe"
    rows = list(csv.reader(io.StringIO(out), delimiter=";"))
    assert len(rows) == 1 + RESIDENTS


def test_export_xlsx_to_a_file(capsys: pytest.CaptureFixture[str], database: Path, workdir: Path):
    code, _, err = parole(capsys, "export", "--format", "xlsx", "--out", "reponses.xlsx")
    assert code == 0 and err == (
        f"{RESIDENTS} participations de vivre-ensemble écrites dans reponses.xlsx / "
        f"{RESIDENTS} sessions of vivre-ensemble written to reponses.xlsx\n"
    )
    workbook = openpyxl.load_workbook(workdir / "reponses.xlsx", read_only=True)
    assert workbook.sheetnames
    workbook.close()
    # Without --out, a spreadsheet goes to a file named after the consultation.
    code, out, err = parole(capsys, "export", "--format", "xlsx")
    assert code == 0 and out == "" and (workdir / "vivre-ensemble.xlsx").is_file()


def test_export_needs_a_consultation_when_there_are_several(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    workdir: Path,
):
    folder = workdir / "consultations"
    folder.mkdir()
    source = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    shutil.copy(BUILTIN_DIR / "vivre-ensemble.toml", folder / "vivre-ensemble.toml")
    (folder / "autre.toml").write_text(
        source.replace('id = "vivre-ensemble"', 'id = "autre"', 1), encoding="utf-8"
    )
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(folder))
    code, _, err = parole(capsys, "export", "--format", "csv")
    assert code == 2 and "--consultation is required" in err and "autre" in err
    code, out, _ = parole(capsys, "export", "--format", "csv", "--consultation", "vivre-ensemble")
    assert code == 0 and len(out.splitlines()) == 1 + RESIDENTS
    code, _, err = parole(capsys, "export", "--format", "csv", "--consultation", "nulle-part")
    assert code == 2 and "nulle-part" in err


# -- parole check ------------------------------------------------------------------------------


def test_check_names_a_bad_schedule(capsys: pytest.CaptureFixture[str], workdir: Path):
    (workdir / "config.toml").write_text(
        '[[digest.schedules]]\nname = "hebdo"\ncron = "0 8 * * 1"\n'
        '[[digest.schedules]]\nname = "mensuel"\ncron = "0 8 1 * *"\n',
        encoding="utf-8",
    )
    code, _, err = parole(capsys, "--config", "config.toml", "check")
    assert code == 2
    assert "'hebdo'" in err and "mensuel" not in err


def test_check_lists_good_schedules(capsys: pytest.CaptureFixture[str], workdir: Path):
    (workdir / "config.toml").write_text(
        '[[digest.schedules]]\nname = "hebdo"\ncron = "0 8 * * mon"\n', encoding="utf-8"
    )
    code, out, _ = parole(capsys, "--config", "config.toml", "check")
    assert code == 0
    assert "ok  synthèse programmée / digest schedule hebdo : 0 8 * * mon (Europe/Paris)" in out
