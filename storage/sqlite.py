"""SQLite implementation of `Store`, with group commit.

Threading: the store owns two plain `sqlite3` connections, each confined to its own
single-thread executor (`ThreadPoolExecutor(max_workers=1)`; `asyncio.to_thread` would hop
between pool threads). aiosqlite was not used because it offers no public way to run a
function in its thread, and a batch of turns is dozens of statements: running the whole batch
as one call on the writer thread costs one hop to the thread instead of one per statement,
and keeps the write lock held for the shortest time.

- The writer connection does every write. `commit()` only queues the turn; a single writer
  task drains the queue (up to `MAX_BATCH` turns), applies the batch in one transaction with
  a SAVEPOINT per turn (a duplicate or failing turn is undone alone) and COMMITs once, so one
  fsync covers the batch. Futures are resolved only after COMMIT returned.
- The reader connection serves reads, so they are not stuck behind a batch's fsync. In WAL
  mode a read started after a commit's future resolved sees that commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from flows.model import LANGS, Lang
from flows.state import Answer, SessionState
from storage.base import (
    Channel,
    DuplicateUpdate,
    ExportedSession,
    Participant,
    Status,
    Store,
    StoredSession,
    Turn,
)
from storage.migrations import migrate

MAX_BATCH: Final = 256
EXPORT_CHUNK: Final = 500
SYNCHRONOUS_MODES: Final = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})

T = TypeVar("T")

_SESSION_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, state, "
    "created_at, updated_at, completed_at"
)
_EXPORT_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, created_at, updated_at, completed_at"
)
# Two fixed statements per query rather than `? IS NULL OR …`, which would hide the
# consultation index from the planner.
_EXPORT_SESSIONS_ALL: Final = (
    f"SELECT {_EXPORT_COLUMNS} FROM sessions WHERE id > ? ORDER BY id LIMIT ?"  # noqa: S608
)
_EXPORT_ANSWERS_ALL: Final = """
    SELECT session_id, step_id, value FROM answers
    WHERE session_id IN (SELECT id FROM sessions WHERE id > ? ORDER BY id LIMIT ?)
"""
_EXPORT_SESSIONS_ONE: Final = (
    f"SELECT {_EXPORT_COLUMNS} FROM sessions "  # noqa: S608
    "WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?"
)
_EXPORT_ANSWERS_ONE: Final = """
    SELECT session_id, step_id, value FROM answers
    WHERE session_id IN (
        SELECT id FROM sessions WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?
    )
"""


def _ts(value: dt.datetime) -> str:
    """ISO-8601 UTC text with fixed precision, so text order is time order."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the store only takes aware UTC times")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_ts(text: str) -> dt.datetime:
    """The aware UTC datetime stored by `_ts`."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _parse_opt_ts(text: str | None) -> dt.datetime | None:
    """`_parse_ts`, letting NULL through."""
    return None if text is None else _parse_ts(text)


def _lang(text: str | None) -> Lang | None:
    """A stored language, checked against the supported ones."""
    if text is None:
        return None
    if text not in LANGS:
        raise ValueError(f"unknown language {text!r} in the database")
    return text


@dataclass(frozen=True, slots=True)
class _EncodedTurn:
    """A `Turn` already turned into SQL parameters, so the writer thread only runs SQL."""

    participant_id: int
    consultation_id: str
    channel: str
    status: str
    state: str
    now: str
    completed: bool
    session_id: int | None
    saved: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]
    update_key: str | None
    make_current: bool

    @classmethod
    def of(cls, turn: Turn) -> _EncodedTurn:
        """Encode and sanity-check `turn` (raises ValueError on an incoherent turn)."""
        if turn.state.consultation_id != turn.consultation_id:
            raise ValueError(
                f"turn for consultation {turn.consultation_id!r} carries a state of "
                f"{turn.state.consultation_id!r}"
            )
        status = Status(turn.status)
        return cls(
            participant_id=turn.participant_id,
            consultation_id=turn.consultation_id,
            channel=Channel(turn.channel).value,
            status=status.value,
            state=turn.state.model_dump_json(),
            now=_ts(turn.now),
            completed=status is Status.COMPLETED,
            session_id=turn.session_id,
            saved=tuple((step, answer.model_dump_json()) for step, answer in turn.saved.items()),
            removed=tuple(turn.removed),
            update_key=turn.update_key,
            make_current=turn.make_current,
        )


@dataclass(slots=True)
class _Pending:
    """A queued turn and the future its `commit()` awaits."""

    turn: _EncodedTurn
    future: asyncio.Future[int]


class SqliteStore:
    """`Store` on one SQLite file in WAL mode, with group commit."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        """Remember the settings; nothing is opened before `open()`."""
        if str(path) == ":memory:" or str(path).startswith("file:"):
            # Reader and writer are separate connections: they must share a real file.
            raise ValueError("SqliteStore needs a file path")
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {sorted(SYNCHRONOUS_MODES)}")
        self.path = Path(path)
        self.synchronous = mode
        # Write transactions committed so far (batches and single writes): lets tests and
        # benchmarks see group commit at work.
        self.transactions = 0
        self._writer_conn: sqlite3.Connection | None = None
        self._reader_conn: sqlite3.Connection | None = None
        self._writer_pool: ThreadPoolExecutor | None = None
        self._reader_pool: ThreadPoolExecutor | None = None
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False

    async def __aenter__(self) -> Self:
        """Open the store."""
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        await self.close()

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect both connections, migrate the schema and start the writer task."""
        if self._writer_task is not None:
            raise RuntimeError("store already open")
        self._writer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._reader_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-reader")
        try:
            self._writer_conn = await self._on(self._writer_pool, self._connect_writer)
            self._reader_conn = await self._on(self._reader_pool, self._connect_reader)
        except BaseException:
            await self._disconnect()
            raise
        self._queue = asyncio.Queue()
        self._closing = False
        self._writer_task = asyncio.create_task(self._writer(), name="store-writer")

    async def close(self) -> None:
        """Commit every queued turn, stop the writer and disconnect."""
        if self._writer_task is None or self._closing:
            return
        self._closing = True  # from now on commit() refuses, so the sentinel is last
        self._queue.put_nowait(None)
        await self._writer_task
        self._writer_task = None
        await self._disconnect()

    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are explicit) with our PRAGMAs."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise RuntimeError(f"could not switch {self.path} to WAL (got {mode!r})")
            conn.execute("PRAGMA foreign_keys = ON")
            # Checked against SYNCHRONOUS_MODES in __init__: PRAGMA values cannot be bound.
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        """The writer connection, with the schema brought up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_reader(self) -> sqlite3.Connection:
        """The reader connection, unable to write by mistake."""
        conn = self._connect()
        conn.execute("PRAGMA query_only = ON")
        return conn

    async def _disconnect(self) -> None:
        """Close both connections on their own threads, then stop the threads."""
        for conn, pool in (
            (self._writer_conn, self._writer_pool),
            (self._reader_conn, self._reader_pool),
        ):
            if pool is None:
                continue
            if conn is not None:
                await self._on(pool, conn.close)
            # Every job of the pool has run by now, so this does not wait.
            pool.shutdown(wait=False)
        self._writer_conn = self._reader_conn = None
        self._writer_pool = self._reader_pool = None

    @staticmethod
    async def _on(pool: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        """Run `fn` on `pool`'s thread."""
        return await asyncio.get_running_loop().run_in_executor(pool, fn)

    def _require_open(self) -> None:
        """Fail clearly instead of hanging or hitting a closed pool."""
        if self._writer_task is None or self._closing:
            raise RuntimeError("store is not open")

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(reader connection)` on the reader thread."""
        self._require_open()
        conn, pool = self._reader_conn, self._reader_pool
        assert conn is not None and pool is not None
        return await self._on(pool, lambda: fn(conn))

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(writer connection)` in one transaction of its own on the writer thread."""
        self._require_open()
        conn, pool = self._writer_conn, self._writer_pool
        assert conn is not None and pool is not None

        def job() -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self.transactions += 1
            return result

        return await self._on(pool, job)

    # -- participants ----------------------------------------------------------------------

    async def participant(self, pseudonym: str, now: dt.datetime) -> Participant:
        """The participant with this pseudonym, created on first sight."""
        found = await self._read(lambda conn: self._find_participant(conn, pseudonym))
        if found is not None:
            return found
        created_at = _ts(now)

        def create(conn: sqlite3.Connection) -> Participant:
            # Serialised on the writer thread, so concurrent first sightings agree on one row.
            conn.execute(
                "INSERT OR IGNORE INTO participants (pseudonym, created_at) VALUES (?, ?)",
                (pseudonym, created_at),
            )
            row = self._find_participant(conn, pseudonym)
            assert row is not None
            return row

        return await self._write(create)

    @staticmethod
    def _find_participant(conn: sqlite3.Connection, pseudonym: str) -> Participant | None:
        """Look a participant up by pseudonym."""
        rows = conn.execute(
            "SELECT id, lang, current_session_id, created_at FROM participants WHERE pseudonym = ?",
            (pseudonym,),
        ).fetchall()
        if not rows:
            return None
        pid, lang, current, created_at = rows[0]
        return Participant(
            id=pid, lang=_lang(lang), current_session_id=current, created_at=_parse_ts(created_at)
        )

    async def set_language(self, participant_id: int, lang: Lang) -> None:
        """Remember the participant's language."""
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}")

        def update(conn: sqlite3.Connection) -> None:
            cursor = conn.execute(
                "UPDATE participants SET lang = ? WHERE id = ?", (lang, participant_id)
            )
            if cursor.rowcount == 0:
                raise LookupError(f"no participant {participant_id}")

        await self._write(update)

    async def set_current(self, participant_id: int, session_id: int | None) -> None:
        """Make `session_id` the participant's current session (None: no current session)."""

        def update(conn: sqlite3.Connection) -> None:
            # The session must be one of the participant's own.
            cursor = conn.execute(
                "UPDATE participants SET current_session_id = ? WHERE id = ? AND "
                "(? IS NULL OR EXISTS "
                "(SELECT 1 FROM sessions WHERE id = ? AND participant_id = participants.id))",
                (session_id, participant_id, session_id, session_id),
            )
            if cursor.rowcount == 0:
                raise LookupError(f"no participant {participant_id} with session {session_id}")

        await self._write(update)

    # -- sessions --------------------------------------------------------------------------

    @staticmethod
    def _session_from_row(row: tuple[Any, ...]) -> StoredSession:
        """A `StoredSession` from a `_SESSION_COLUMNS` row."""
        sid, pid, cid, channel, status, state, created, updated, completed = row
        return StoredSession(
            id=sid,
            participant_id=pid,
            consultation_id=cid,
            channel=Channel(channel),
            status=Status(status),
            state=SessionState.model_validate_json(state),
            created_at=_parse_ts(created),
            updated_at=_parse_ts(updated),
            completed_at=_parse_opt_ts(completed),
        )

    async def session(self, session_id: int) -> StoredSession | None:
        """A session by id."""

        def query(conn: sqlite3.Connection) -> StoredSession | None:
            rows = conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?",  # noqa: S608
                (session_id,),
            ).fetchall()
            return self._session_from_row(rows[0]) if rows else None

        return await self._read(query)

    async def latest_session(
        self, participant_id: int, consultation_id: str
    ) -> StoredSession | None:
        """The participant's most recently updated session of a consultation."""

        def query(conn: sqlite3.Connection) -> StoredSession | None:
            rows = conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions "  # noqa: S608
                "WHERE participant_id = ? AND consultation_id = ? "
                "ORDER BY updated_at DESC, id DESC LIMIT 1",
                (participant_id, consultation_id),
            ).fetchall()
            return self._session_from_row(rows[0]) if rows else None

        return await self._read(query)

    async def seen(self, update_key: str) -> bool:
        """Whether a turn with this key was committed."""

        def query(conn: sqlite3.Connection) -> bool:
            rows = conn.execute(
                "SELECT 1 FROM processed_updates WHERE key = ?", (update_key,)
            ).fetchall()
            return bool(rows)

        return await self._read(query)

    # -- group commit ----------------------------------------------------------------------

    async def commit(self, turn: Turn) -> int:
        """Commit `turn` durably and return the session id; raise `DuplicateUpdate` if seen.

        If the caller is cancelled while waiting, the turn may still be committed: retry
        with the same `update_key` to find out.
        """
        self._require_open()
        encoded = _EncodedTurn.of(turn)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(encoded, future))
        return await future

    async def _writer(self) -> None:
        """Drain the queue batch after batch until the close sentinel."""
        stopping = False
        while not stopping:
            batch: list[_Pending] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._run_batch(batch)

    async def _run_batch(self, batch: list[_Pending]) -> None:
        """Apply `batch` on the writer thread and settle every future after the COMMIT."""
        pool = self._writer_pool
        assert pool is not None
        turns = [pending.turn for pending in batch]
        try:
            results = await self._on(pool, lambda: self._apply_batch(turns))
        except asyncio.CancelledError:
            for pending in batch:
                pending.future.cancel()
            raise
        except Exception as exc:  # the whole batch failed: nothing of it is on disk
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        for pending, result in zip(batch, results, strict=True):
            if pending.future.done():  # its caller was cancelled
                continue
            if isinstance(result, BaseException):
                pending.future.set_exception(result)
            else:
                pending.future.set_result(result)

    def _apply_batch(self, turns: Sequence[_EncodedTurn]) -> list[int | Exception]:
        """Apply `turns` in one transaction, one SAVEPOINT each; runs on the writer thread."""
        conn = self._writer_conn
        assert conn is not None
        results: list[int | Exception] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for turn in turns:
                conn.execute("SAVEPOINT turn")
                try:
                    results.append(self._apply_turn(conn, turn))
                except Exception as exc:
                    # Undo this turn only. If SQLite already dropped the whole transaction
                    # (I/O error, disk full), ROLLBACK TO raises and the batch fails as one.
                    conn.execute("ROLLBACK TO turn")
                    results.append(exc)
                conn.execute("RELEASE turn")
                if not conn.in_transaction:
                    raise sqlite3.OperationalError("transaction lost in the middle of a batch")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.transactions += 1
        return results

    @staticmethod
    def _apply_turn(conn: sqlite3.Connection, turn: _EncodedTurn) -> int:
        """Every change of one turn; raises to have the turn undone."""
        if turn.update_key is not None:
            cursor = conn.execute(
                "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                (turn.update_key, turn.now),
            )
            if cursor.rowcount == 0:
                raise DuplicateUpdate(turn.update_key)
        completed_at = turn.now if turn.completed else None
        if turn.session_id is None:
            cursor = conn.execute(
                "INSERT INTO sessions (participant_id, consultation_id, channel, status, state, "
                "created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    turn.participant_id,
                    turn.consultation_id,
                    turn.channel,
                    turn.status,
                    turn.state,
                    turn.now,
                    turn.now,
                    completed_at,
                ),
            )
            session_id = cursor.lastrowid
            assert session_id is not None
        else:
            session_id = turn.session_id
            # A session stays completed since its first completion; going back to active
            # clears the date.
            cursor = conn.execute(
                "UPDATE sessions SET state = ?, status = ?, updated_at = ?, "
                "completed_at = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(completed_at, ?) END "
                "WHERE id = ? AND participant_id = ? AND consultation_id = ?",
                (
                    turn.state,
                    turn.status,
                    turn.now,
                    completed_at,
                    completed_at,
                    session_id,
                    turn.participant_id,
                    turn.consultation_id,
                ),
            )
            if cursor.rowcount == 0:
                raise LookupError(
                    f"no session {session_id} of participant {turn.participant_id} "
                    f"in consultation {turn.consultation_id!r}"
                )
        if turn.saved:
            conn.executemany(
                "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, step_id) "
                "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [(session_id, step, value, turn.now, turn.now) for step, value in turn.saved],
            )
        # Removals come after saves, so a step named in both ends up without an answer, as
        # the engine means when it saves a step and then finds it no longer applies.
        if turn.removed:
            conn.executemany(
                "DELETE FROM answers WHERE session_id = ? AND step_id = ?",
                [(session_id, step) for step in turn.removed],
            )
        if turn.make_current:
            conn.execute(
                "UPDATE participants SET current_session_id = ? WHERE id = ?",
                (session_id, turn.participant_id),
            )
        return session_id

    # -- export ----------------------------------------------------------------------------

    async def export(self, consultation_id: str | None = None) -> AsyncIterator[ExportedSession]:
        """Every session (of one consultation, if given), oldest first, with its answers.

        Read in chunks of `EXPORT_CHUNK` sessions, each chunk a consistent snapshot; sessions
        committed during the export show up if their id is past the current chunk.
        """
        after = 0
        while True:
            chunk = await self._read(
                functools.partial(self._export_chunk, consultation_id=consultation_id, after=after)
            )
            if not chunk:
                return
            for exported in chunk:
                yield exported
            after = chunk[-1].session_id

    @staticmethod
    def _export_chunk(
        conn: sqlite3.Connection, consultation_id: str | None, after: int
    ) -> list[ExportedSession]:
        """Up to `EXPORT_CHUNK` sessions with id above `after`, and their answers."""
        if consultation_id is None:
            params: tuple[object, ...] = (after, EXPORT_CHUNK)
            sessions_sql, answers_sql = _EXPORT_SESSIONS_ALL, _EXPORT_ANSWERS_ALL
        else:
            params = (consultation_id, after, EXPORT_CHUNK)
            sessions_sql, answers_sql = _EXPORT_SESSIONS_ONE, _EXPORT_ANSWERS_ONE
        # One read transaction, so the answers match the sessions.
        conn.execute("BEGIN")
        try:
            session_rows = conn.execute(sessions_sql, params).fetchall()
            answer_rows = conn.execute(answers_sql, params).fetchall() if session_rows else []
        finally:
            conn.execute("COMMIT")
        answers: dict[int, dict[str, Answer]] = {}
        for sid, step, value in answer_rows:
            answers.setdefault(sid, {})[step] = Answer.model_validate_json(value)
        return [
            ExportedSession(
                session_id=sid,
                participant_id=pid,
                consultation_id=cid,
                channel=Channel(channel),
                status=Status(status),
                created_at=_parse_ts(created),
                updated_at=_parse_ts(updated),
                completed_at=_parse_opt_ts(completed),
                answers=dict(sorted(answers.get(sid, {}).items())),
            )
            for sid, pid, cid, channel, status, created, updated, completed in session_rows
        ]


_: type[Store] = SqliteStore
