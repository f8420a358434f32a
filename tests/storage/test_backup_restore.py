"""Restoring a backup as the README says (Privacy and safety): the bot works on it again, and
an erasure made after the copy was taken is made again before the bot starts."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from flows.loader import BUILTIN_DIR, load_consultation
from flows.state import Answer
from flows.texts import say
from storage.backup import backup
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeUser
from tests.storage.helpers import NOW, later, make_turn
from tests.telegram.harness import Chat
from tests.telegram.journey import to_leviers_text


def config(tmp_path: Path, database: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{database}"\n', encoding="utf-8")
    return path


def restore(copy: Path, database: Path) -> None:
    """The README's steps, the bot stopped: the copy over the database, its -wal and -shm
    deleted."""
    shutil.copyfile(copy, database)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


async def test_a_restored_backup_runs_again_once_later_erasures_are_made_again(tmp_path: Path):
    database = tmp_path / "parole.sqlite3"
    copy = tmp_path / "backups" / "parole-1.sqlite3"
    async with SqliteStore(database) as store:
        alice = await store.participant("alice", NOW)
        session = await store.commit(make_turn(alice.id, saved={"q1": Answer(text="Des bancs")}))
        bob = await store.participant("bob", NOW)
        await store.commit(make_turn(bob.id, saved={"q1": Answer(text="Rien à dire")}))
        await asyncio.to_thread(backup, database, copy)
        # After the copy: Bob erases his data, Alice answers again.
        assert await store.forget(bob.id) is not None
        await store.commit(
            make_turn(alice.id, session_id=session, now=later(5), saved={"q2": Answer()})
        )

    restore(copy, database)
    # The erasures logged since the copy was taken, made again before the bot starts.
    forget = ["--config", str(config(tmp_path, database)), "forget", "--participant", "2"]
    assert await asyncio.to_thread(main, forget) == 0

    async with SqliteStore(database) as store:
        assert await store.find_participant("bob") is None
        kept = await store.session(session)
        assert kept is not None and kept.state.answers == {"q1": Answer(text="Des bancs")}
        # The bot goes on where the copy stopped: Alice answers, a newcomer arrives.
        await store.commit(
            make_turn(alice.id, session_id=session, now=later(9), saved={"q2": Answer()})
        )
        newcomer = await store.participant("carol", later(10))
        assert newcomer.id > bob.id
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (2,)


async def test_an_erasure_on_telegram_logs_the_number_to_erase_again_after_a_restore(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    alice = FakeUser(id=111_222_333, first_name="Alice")
    with caplog.at_level(logging.INFO, logger="bot.telegram.privacy"):
        async with Chat(tmp_path / "parole.sqlite3", [consultation]) as chat:
            await to_leviers_text(chat, consultation, alice)
            with closing(sqlite3.connect(chat.database)) as conn:
                [(number,)] = conn.execute("SELECT id FROM participants").fetchall()
            await chat.send(alice, "/oubli")
            await chat.click(alice, say("forget_yes", "fr"))
    [line] = [r.getMessage() for r in caplog.records if "erasure" in r.getMessage()]
    assert f"participant {number}," in line
    assert str(alice.id) not in line and "Alice" not in line
