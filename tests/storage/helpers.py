"""Building blocks for storage tests."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path

from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.migrations import MIGRATIONS, migrate

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
