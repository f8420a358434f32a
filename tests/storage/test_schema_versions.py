"""A database from every older schema version upgrades with all its rows; a database from a
newer version of parole is refused in one line and left as it was."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from flows.state import Answer
from storage.base import Channel, Flag, Status
from storage.migrations import LATEST, MIGRATIONS, migrate
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn, pick

# Derived from `answers` by triggers (checked separately), and SQLite's own.
NOT_COPIED = {"answer_facts", "sqlite_sequence"}


async def everything(path: Path) -> None:
    """A database at the latest version with a row in every table."""
    async with SqliteStore(path) as store:
        relay = await store.create_relay("Samia", "code-1", "hash-1", NOW, later(60 * 24))
        await store.accept_invitation("hash-1", "relay-pseudonym", later(1))
        alice = await store.participant("alice", NOW)
        await store.set_language(alice.id, "en")
        await store.attribute(alice.id, relay.id, later(2))
        turn = make_turn(
            alice.id, now=later(3), saved={"q1": pick("a"), "q2": Answer(text="Plus de bancs")}
        )
        session = await store.commit(replace(turn, flags=[Flag("danger", "q2")]))
        await store.commit(
            make_turn(alice.id, session_id=session, now=later(4), status=Status.COMPLETED)
        )
        await store.hide_text(session, "q2", later(5))
        await store.set_contact(alice.id, "sealed-chat", later(4))
        news = await store.news_item("La ville a ouvert un café", later(6))
        await store.record_deliveries(news, [alice.id], later(6))
        entry = await store.start_entry(relay.id, later(7))
        await store.commit(
            make_turn(
                entry.id,
                now=later(8),
                channel=Channel.ASSISTED,
                saved={"q1": Answer(text="Dit par une voisine")},
                update_key="tg:7",
            )
        )
        await store.add_flags([Flag("child")], "quartier-2025", None, later(9))
        await store.claim("hebdo", NOW, later(10), later(10), dt.timedelta(minutes=15))
        await store.take_lease("me", later(11), later(20))


def tables(path: Path) -> dict[str, list[str]]:
    """Each table's columns."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
        ]
        return {t: [c[1] for c in conn.execute(f"PRAGMA table_info({t})")] for t in names}


def rows(path: Path, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        listed = ", ".join(columns)
        return sorted(conn.execute(f"SELECT {listed} FROM {table}").fetchall(), key=repr)


def as_version(source: Path, target: Path, version: int) -> None:
    """What a database of schema `version` holds of `source`'s rows, as that version kept them."""
    old = tables_at(target, version)
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        conn.execute("BEGIN")
        for table, columns in old.items():
            if table not in NOT_COPIED:
                listed = ", ".join(columns)
                conn.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM src.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")


def tables_at(target: Path, version: int) -> dict[str, list[str]]:
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:version])
    return tables(target)


@pytest.mark.parametrize("version", range(1, LATEST))
async def test_a_database_of_every_older_version_upgrades_with_all_its_rows(
    tmp_path: Path, version: int
):
    source = tmp_path / "latest.sqlite3"
    await everything(source)
    latest = tables(source)
    assert all(rows(source, t, c) for t, c in latest.items() if t != "sqlite_sequence")

    old = tmp_path / f"v{version}.sqlite3"
    as_version(source, old, version)
    kept = tables(old)
    async with SqliteStore(old) as store:
        data = await store.participant_data(1)

    for table, columns in kept.items():
        if table != "sqlite_sequence":
            assert rows(old, table, columns) == rows(source, table, columns), table
    # What the digest counts is rebuilt from the answers, whatever the version.
    facts = latest["answer_facts"]
    assert rows(old, "answer_facts", facts) == rows(source, "answer_facts", facts)
    assert data is not None
    assert {a.step_id: a.answer for s in data.sessions for a in s.answers} == {
        "q1": pick("a"),
        "q2": Answer(text="Plus de bancs"),
    }
    async with SqliteStore(old) as store:
        newcomer = await store.participant("newcomer", later(30))
    assert newcomer.id == 3, "ids continue after the largest one kept"
    with closing(sqlite3.connect(old)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def newer_database(path: Path) -> None:
    """A database written by a version of parole after this one."""
    asyncio.run(everything(path))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
        conn.execute("ALTER TABLE sessions ADD COLUMN from_the_future TEXT")


def contents(path: Path) -> list[object]:
    """The schema version, the schema and every row."""
    with closing(sqlite3.connect(path)) as conn:
        found: list[object] = [conn.execute("PRAGMA user_version").fetchone()]
        found += conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    return found + [rows(path, t, c) for t, c in tables(path).items()]


@pytest.mark.parametrize(
    "command",
    [
        ["chat"],
        ["forget", "--participant", "1"],
        ["export", "--format", "csv"],
        ["digest"],
        ["check", "--for-run"],
    ],
)
def test_a_database_from_a_newer_version_is_refused_in_one_line(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
):
    database = tmp_path / "parole.sqlite3"
    newer_database(database)
    before = contents(database)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{database}"\n[privacy]\npseudonym_secret = "{"s" * 40}"\n'
        '[telegram]\ntoken = "1234567890:AAH-good-looking-token_for-the-tests"\n',
        encoding="utf-8",
    )

    code = main(["--config", str(config), *command])

    err = capsys.readouterr().err
    assert code in (1, 2)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(database) in err
    assert f"newer version of parole (schema version {LATEST + 1}" in err
    assert contents(database) == before, "the database is left as it was"
