"""Building blocks for storage tests."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.migrations import MIGRATIONS, migrate
from storage.sqlite import SqliteStore
from storage.sqlite_process import ConnectionProcess

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
CONSULTATION = "quartier-2025"


def later(minutes: int) -> dt.datetime:
    """`NOW` plus some minutes."""
    return NOW + dt.timedelta(minutes=minutes)


def make_turn(
    participant_id: int,
    *,
    consultation_id: str = CONSULTATION,
    session_id: int | None = None,
    status: Status = Status.ACTIVE,
    now: dt.datetime = NOW,
    saved: Mapping[str, Answer] | None = None,
    removed: Sequence[str] = (),
    update_key: str | None = None,
    make_current: bool = True,
    position: int = 0,
    channel: Channel = Channel.TELEGRAM,
) -> Turn:
    """A turn whose state carries the saved answers and `position`."""
    answers = dict(saved or {})
    state = SessionState(
        consultation_id=consultation_id,
        phase=Phase.DONE if status is Status.COMPLETED else Phase.QUESTION,
        step_id=None if status is Status.COMPLETED else f"q{position}",
        history=[f"q{i}" for i in range(position)],
        answers=answers,
        position=position,
    )
    return Turn(
        participant_id=participant_id,
        consultation_id=consultation_id,
        channel=channel,
        state=state,
        status=status,
        now=now,
        session_id=session_id,
        saved=answers,
        removed=removed,
        update_key=update_key,
        make_current=make_current,
    )


def pick(*codes: str) -> Answer:
    """An answer picking `codes`."""
    return Answer(choices=list(codes))


def copy_as_version(source: Path, target: Path, version: int) -> None:
    """A database at schema `version` holding `source`'s rows, to test upgrades from it."""
    with closing(sqlite3.connect(target, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:version])
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        conn.execute("BEGIN")
        for table in tables:
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM src.{table}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")


def old_database(path: Path, version: int, answer: Answer, lang: str | None = None) -> None:
    """A database at schema `version` with one participant (id 1, `lang`) whose session 5
    holds `answer` to step "q1", written by hand: `copy_as_version` cannot copy into a
    version 4 or later, whose triggers fill `answer_facts` as rows arrive."""
    at = NOW.isoformat(timespec="microseconds")
    state = SessionState(consultation_id=CONSULTATION, answers={"q1": answer})
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn, MIGRATIONS[:version])
        conn.execute(
            "INSERT INTO participants (id, pseudonym, lang, created_at) VALUES (1, 'p', ?, ?)",
            (lang, at),
        )
        conn.execute(
            "INSERT INTO sessions (id, participant_id, consultation_id, channel, status, state, "
            "created_at, updated_at) VALUES (5, 1, ?, 'telegram', 'active', ?, ?, ?)",
            (CONSULTATION, state.model_dump_json(), at, at),
        )
        conn.execute(
            "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
            "VALUES (5, 'q1', ?, ?, ?)",
            (answer.model_dump_json(), at, at),
        )


# Batch connections for the tests that look under the hood. The group commits run in a
# helper process (`storage.sqlite_process`), so these are sent there by reference.


class FailingCommit:
    """A batch connection whose COMMITs fail, as a full or failing disk would."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error (injected)")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class CountingStatements:
    """A batch connection that counts the statements it is given."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.sql: list[str] = []

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self.sql.append(sql)
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self.sql.append(sql)
        return self._conn.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def batches_on(
    store: SqliteStore, wrapper: Callable[[sqlite3.Connection], Any] | None = None
) -> None:
    """Have `store`'s group commits run on `wrapper(their connection)` from now on (on
    their own connection again, without a wrapper)."""
    await store._batches.close()
    connect = store._connect_batch()
    if wrapper is not None:
        connect = partial(_wrapped, wrapper, connect)
    store._batches = ConnectionProcess("store-batches", connect)
    await store._batches.open()


def _wrapped(
    wrapper: Callable[[sqlite3.Connection], sqlite3.Connection],
    connect: Callable[[], sqlite3.Connection],
) -> sqlite3.Connection:
    return wrapper(connect())


def statements_seen(conn: sqlite3.Connection) -> list[str]:
    """What a `CountingStatements` connection was given."""
    assert isinstance(conn, CountingStatements)
    return conn.sql


def in_transaction(conn: sqlite3.Connection) -> bool:
    """Whether a transaction is open on `conn`."""
    return conn.in_transaction


def batch_pragmas(conn: sqlite3.Connection) -> list[tuple[int, ...]]:
    """The settings of a batch connection that matter."""
    names = ("foreign_keys", "busy_timeout", "synchronous", "query_only")
    return [conn.execute(f"PRAGMA {name}").fetchone() for name in names]


def slow_connection(path: Path) -> sqlite3.Connection:
    """A connection where `SELECT wait(seconds)` takes that long."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("wait", 1, _wait)
    return conn


def _wait(seconds: float) -> int:
    time.sleep(seconds)
    return 1
