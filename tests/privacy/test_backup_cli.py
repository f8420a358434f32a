"""`parole backup` during concurrent writes, `parole forget`, and `parole check --for-run`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.pseudonym import pseudonym
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, make_turn

SECRET = "a-secret-long-enough-for-forget"
# The shape @BotFather gives (the bot's number, a colon, 35 characters); not a real bot's.
TOKEN = "1234567890:AAH-good-looking-token_for-the-tests"


def config(tmp_path: Path, secret: str | None = SECRET) -> Path:
    path = tmp_path / "config.toml"
    lines = ["[storage]", f'path = "{tmp_path / "parole.sqlite3"}"']
    if secret is not None:
        lines += ["[privacy]", f'pseudonym_secret = "{secret}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_a_backup_during_concurrent_writes_is_consistent(tmp_path: Path) -> None:
    database = tmp_path / "parole.sqlite3"
    target = tmp_path / "copies" / "backup.sqlite3"
    async with SqliteStore(database) as store:
        who = await store.participant("p", NOW)
        done = asyncio.Event()

        async def write() -> int:
            count = 0
            while not done.is_set():
                await store.commit(make_turn(who.id, saved={"q1": Answer(text=f"n{count}")}))
                count += 1
            return count

        writer = asyncio.create_task(write())
        await asyncio.sleep(0.05)
        code = await asyncio.to_thread(
            main, ["--config", str(config(tmp_path)), "backup", str(target)]
        )
        done.set()
        written = await writer
    assert code == 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sessions = copy.execute("SELECT count(*) FROM sessions").fetchone()[0]
        answers = copy.execute("SELECT count(*) FROM answers").fetchone()[0]
        # A snapshot: every session copied has its answer, and no write was half copied.
        assert 0 < sessions <= written and answers == sessions
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert not list(target.parent.glob(".*partial"))


def test_a_backup_needs_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(config(tmp_path)), "backup", str(tmp_path / "b.sqlite3")])
    assert code == 2 and "no database" in capsys.readouterr().err


async def _seed(database: Path, key: str) -> int:
    async with SqliteStore(database) as store:
        who = await store.participant(key, NOW)
        await store.commit(make_turn(who.id, saved={"q1": Answer(text="x")}))
        other = await store.participant("someone-else", NOW)
        await store.commit(make_turn(other.id, saved={"q1": Answer(text="y")}))
        return who.id


def test_forget_by_telegram_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "parole.sqlite3"
    asyncio.run(_seed(database, pseudonym(SECRET, "telegram", 42)))
    code = main(["--config", str(config(tmp_path)), "forget", "--telegram-id", "42"])
    assert code == 0
    assert capsys.readouterr().out == (
        "participant 1 effacé : 1 participation, 1 réponse, 0 signalement, contact non / erased "
        "participant 1: 1 session, 1 answer, 0 flags, contact no\n"
    )
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM participants").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (1,)
    assert main(["--config", str(config(tmp_path)), "forget", "--telegram-id", "42"]) == 1


def test_forget_by_pseudonym_and_by_number(tmp_path: Path) -> None:
    database = tmp_path / "parole.sqlite3"
    asyncio.run(_seed(database, "abc123"))
    assert main(["--config", str(config(tmp_path)), "forget", "abc123"]) == 0
    assert main(["--config", str(config(tmp_path)), "forget", "--participant", "2"]) == 0
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM participants").fetchone() == (0,)


def test_forget_by_telegram_id_needs_the_secret(tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path / "parole.sqlite3", "k"))
    assert main(["--config", str(config(tmp_path, None)), "forget", "--telegram-id", "1"]) == 2


@pytest.mark.parametrize("secret", [None, "change-me", "short", TOKEN])
def test_check_for_run_refuses_a_missing_or_example_secret(
    tmp_path: Path, secret: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, secret)
    path.write_text(path.read_text() + f'[telegram]\ntoken = "{TOKEN}"\n')
    assert main(["--config", str(path), "check", "--for-run"]) == 2
    err = capsys.readouterr().err
    assert "pseudonym_secret" in err and TOKEN not in err


@pytest.mark.parametrize("token", ["123456:ABC...", "notatoken", "123:abc", f" {TOKEN}"])
def test_check_for_run_refuses_a_token_that_is_no_token(
    tmp_path: Path, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path)
    path.write_text(path.read_text() + f'[telegram]\ntoken = "{token}"\n')
    assert main(["--config", str(path), "check", "--for-run"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "parole check: telegram.token n'est pas un jeton de @BotFather (des chiffres, "
        "deux-points, puis environ 35 lettres, chiffres, - ou _) : une valeur d'exemple ? / "
        "telegram.token is not a token from @BotFather (digits, a colon, then about 35 "
        "letters, digits, - or _): an example value?\n"
    )
    assert main(["--config", str(path), "check"]) == 0  # only for `run`


def test_check_for_run_passes_with_real_secrets(tmp_path: Path) -> None:
    path = config(tmp_path)
    path.write_text(path.read_text() + f'[telegram]\ntoken = "{TOKEN}"\n')
    assert main(["--config", str(path), "check", "--for-run"]) == 0
