"""What the parts of the SQLite store share: timestamp text, a write transaction, the
participant row, and what `SqliteStore` (`storage.sqlite`) gives its mixins (`storage.relays`,
`storage.sqlite_privacy`, `storage.sqlite_moderation`, `storage.sqlite_news`,
`storage.sqlite_reports`)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import aiosqlite

from flows.model import LANGS
from storage.base import Participant

if TYPE_CHECKING:
    from storage.sqlite_checkpoint import Checkpointer

T = TypeVar("T")
Row = tuple[Any, ...]

INSERT_FLAG: Final = (
    "INSERT INTO flags (consultation_id, session_id, step_id, category, created_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
PARTICIPANT_SQL: Final = (
    "SELECT id, lang, current_session_id, created_at FROM participants WHERE {}"
)


class StoreParts:
    """What `SqliteStore` gives the mixins that run on its connections (relays, privacy,
    moderation, news, reports): declared for the type checker only, `SqliteStore` supplies
    them."""

    if TYPE_CHECKING:
        path: Path
        checkpointer: Checkpointer | None

        async def _read(self, sql: str, params: Sequence[object]) -> list[Row]: ...

        async def _scan(self, sql: str, params: Sequence[object]) -> list[Row]: ...

        async def _write(self, fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T: ...

        async def _with_next_commit(self, write: Callable[[sqlite3.Connection], T]) -> T: ...

        async def _report(self, sql: str, params: Mapping[str, object]) -> list[Row]: ...

        def _require_open(self) -> None: ...


def stamp(value: dt.datetime) -> str:
    """ISO-8601 UTC text with fixed precision, so text order is time order."""
    if value.tzinfo is not dt.UTC:  # the clock's own: no conversion (a third of the cost)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware UTC times")
        value = value.astimezone(dt.UTC)
    return value.isoformat(timespec="microseconds")


def parse_stamp(text: str) -> dt.datetime:
    """The aware UTC datetime stored by `stamp`."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def parse_opt_stamp(text: str | None) -> dt.datetime | None:
    """`parse_stamp`, letting NULL through."""
    return None if text is None else parse_stamp(text)


def participant_from(row: tuple[Any, ...]) -> Participant:
    """A participant from a `PARTICIPANT_SQL` row (an unknown language reads as none)."""
    pid, lang, current, created = row
    return Participant(
        id=pid,
        lang=lang if lang in LANGS else None,
        current_session_id=current,
        created_at=parse_stamp(created),
    )


async def transaction(conn: aiosqlite.Connection, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in one immediate transaction on `conn` (autocommit mode)."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        result = await work()
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    return result
