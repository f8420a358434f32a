"""SQLite implementation of `Store`, on aiosqlite, with group commit.

Connections to one file in WAL mode: two aiosqlite connections, each with its own thread
(aiosqlite's), one plain connection for the group commits in a thread of its own, and one
plain connection for reads by key. Every awaited statement on an aiosqlite connection is one
hop to a thread and back, so the code counts hops per batch of turns, never per turn.

- The group commits do the residents' writes. `commit()` only queues the turn; a single
  writer task drains the queue (up to `MAX_BATCH` turns) and hands the batch to the batch
  thread, which applies it in ONE transaction (`BEGIN IMMEDIATE` … `COMMIT`), so one fsync
  covers the batch and the whole batch is one hop from the event loop. Futures are resolved
  only after COMMIT returned. The fast path runs a fixed number of statements per batch: one
  SELECT finds the update keys already processed (a key met twice in the batch: the first
  turn wins), one SELECT checks that the sessions named exist and belong to the turn's
  participant and consultation; turns failing these get `DuplicateUpdate` or `LookupError`
  and are left out. Then one `executemany` each for the session UPDATEs, the answer deletes
  and upserts (the batch's net effect per answer, computed here, so turn order is kept), the
  processed keys and the participants' current session; only new sessions take one
  `INSERT … RETURNING id` each (one per consenting resident). If a statement fails
  unexpectedly the batch is rolled back and applied again one turn at a time, each in a
  SAVEPOINT, so a bad turn only fails itself. A failed COMMIT fails the whole batch.
- Other writes (`participant` creation, `set_language`, `set_current`, privacy, relays) are
  single statements or short transactions on the aiosqlite writer connection, serialised
  with the batches by a lock so the two writing connections never wait on each other.
- Reads by key (a participant, a session, an update key, a relay: the reads of every
  resident's update) run inline, on a plain `sqlite3` connection (`query_only`) owned by the
  event loop's thread. In WAL mode a reader never waits for the writer, and an indexed read
  from SQLite's page cache takes microseconds, while a hop to a connection thread and back
  (queue, wake-up, result scheduled on the loop) cost about 60 µs of the interpreter's time
  per read in `bench/throughput.py`, in a thread competing with the event loop for the GIL.
  Each is a single statement, hence a consistent snapshot; a read started after a commit's
  future resolved sees that commit. One that finds the file locked gives up after
  `INLINE_BUSY_TIMEOUT_MS` and goes to the reader's thread, where it may wait longer.
- A session's state is JSON; parsing it is most of a read's cost, so the parsed state of
  recent sessions is kept with its text (`storage.state_memo`) and reused when the text read
  is the same. The text is always read: nothing is served that storage no longer holds.
- Reads that scan (exports, relays' counts and reach) go to a second aiosqlite connection
  (`query_only`), so the event loop never waits on them and they are not stuck behind a
  batch's fsync.
- Migrations run at `open()` on a short-lived plain `sqlite3` connection in a worker thread
  (`asyncio.to_thread`), before the aiosqlite connections are made: `migrate` is
  synchronous and runs each migration in its own transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar, cast

import aiosqlite

from flows.model import LANGS, Lang
from flows.state import Answer
from storage.base import (
    AnswerCount,
    Arrival,
    Channel,
    DuplicateUpdate,
    ExportedSession,
    Ledger,
    Participant,
    ProfileCount,
    RecentText,
    ReportStore,
    SessionTotals,
    SlotCount,
    Status,
    StepCount,
    Store,
    StoredSession,
    Turn,
)
from storage.migrations import migrate
from storage.moderation import HIDDEN_TEXT, ModerationStore
from storage.privacy import Erased, PrivacyStore, Purged, PurgePlan
from storage.relays import RelayStore, SqliteRelays
from storage.sqlite_common import INSERT_FLAG, parse_opt_stamp, parse_stamp, stamp
from storage.sqlite_moderation import ModerationSqlite
from storage.sqlite_news import NewsSqlite
from storage.sqlite_privacy import PrivacySqlite
from storage.state_memo import StateMemo

MAX_BATCH: Final = 256
EXPORT_CHUNK: Final = 500
SYNCHRONOUS_MODES: Final = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
BUSY_TIMEOUT_MS: Final = 5000
# How long an inline read may hold the event loop when the file is locked (rare in WAL mode:
# a recovery after a crash, another program holding the file) before it goes to a thread.
INLINE_BUSY_TIMEOUT_MS: Final = 20

T = TypeVar("T")
Row = tuple[Any, ...]

_SESSION_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, state, "
    "created_at, updated_at, completed_at, screen"
)
_SESSION_COLUMNS_OF_S: Final = ", ".join(f"s.{column}" for column in _SESSION_COLUMNS.split(", "))
_EXPORT_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, created_at, updated_at, completed_at"
)
# Exports travel (staff chats, e-mail attachments, laptops): the text of an answer that
# raised a safeguarding flag is withheld there, replaced by a mark; so is a text staff hid
# (moderation); the database keeps both. The flag's mark wins: it says why more plainly.
FLAGGED_TEXT: Final = "[texte retiré : signalement]"
_EXPORTED_VALUE: Final = f"""
    CASE WHEN EXISTS (
        SELECT 1 FROM flags
        WHERE flags.session_id = answers.session_id AND flags.step_id = answers.step_id
    ) AND json_type(answers.value, '$.text') = 'text'
    THEN json_set(answers.value, '$.text', '{FLAGGED_TEXT}')
    WHEN answers.hidden_at IS NOT NULL AND json_type(answers.value, '$.text') = 'text'
    THEN json_set(answers.value, '$.text', '{HIDDEN_TEXT}')
    ELSE answers.value END
"""  # noqa: S608
# One statement per chunk (sessions joined to their answers) so the chunk is one snapshot
# without a read transaction spanning several hops. Two fixed statements rather than
# `? IS NULL OR …`, which would hide the consultation index from the planner.
_EXPORT_ALL: Final = f"""
    WITH chunk AS (
        SELECT {_EXPORT_COLUMNS} FROM sessions WHERE id > ? ORDER BY id LIMIT ?
    )
    SELECT chunk.*, answers.step_id, {_EXPORTED_VALUE}
    FROM chunk LEFT JOIN answers ON answers.session_id = chunk.id
    ORDER BY chunk.id
"""  # noqa: S608
_EXPORT_ONE: Final = f"""
    WITH chunk AS (
        SELECT {_EXPORT_COLUMNS} FROM sessions
        WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?
    )
    SELECT chunk.*, answers.step_id, {_EXPORTED_VALUE}
    FROM chunk LEFT JOIN answers ON answers.session_id = chunk.id
    ORDER BY chunk.id
"""  # noqa: S608

_INSERT_SESSION: Final = (
    "INSERT INTO sessions (participant_id, consultation_id, channel, status, state, "
    "created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
# A session stays completed since its first completion; going back to active clears the date.
_UPDATE_SESSION: Final = (
    "UPDATE sessions SET state = ?, status = ?, updated_at = ?, "
    "completed_at = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(completed_at, ?) END "
    "WHERE id = ? AND participant_id = ? AND consultation_id = ?"
)
# An answer keeps the date it was first given. A text staff hid stays hidden only while it
# is the same text: a resident who rewrites it has written something staff have not seen.
_UPSERT_ANSWER: Final = (
    "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, step_id) "
    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
    "hidden_at = CASE WHEN json_extract(answers.value, '$.text') "
    "IS json_extract(excluded.value, '$.text') THEN answers.hidden_at ELSE NULL END"
)
_DELETE_ANSWER: Final = "DELETE FROM answers WHERE session_id = ? AND step_id = ?"
_SET_CURRENT: Final = "UPDATE participants SET current_session_id = ? WHERE id = ?"

# -- report queries (ReportStore) -------------------------------------------------------------
# They lean on two facts of the write path. A session's updated_at is its latest turn's time,
# never before its created_at, its completed_at or its answers' updated_at; and the
# `sessions_activity` index (migration 4) starts with (consultation_id, updated_at) and covers
# every session column used here. So `updated_at >= :start` bounds the index range to the
# sessions that can matter, and the sessions table (with its large state JSON) is never read.
#
# Answers are counted from `answer_facts` (migration 4: each answer's step, content without
# its text, text presence and updated_at, kept by triggers), whose `answer_facts_report`
# index lists them already grouped by step and content: no sort of a million answers. They
# are matched to sessions through `session_id IN (…)`, a sorted list SQLite builds once.
_ACTIVE_SINCE: Final = """
    SELECT id FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start AND created_at < :end
"""
_STARTED_IN: Final = """
    SELECT id FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start
      AND created_at >= :start AND created_at < :end
"""
# New participants: the consultation's sessions grouped by participant, from the index alone.
_SESSION_TOTALS: Final = """
    SELECT
        coalesce(sum(created_at >= :start AND created_at < :end), 0),
        coalesce(sum(completed_at >= :start AND completed_at < :end), 0),
        coalesce(sum(status = 'active' AND updated_at >= :idle_start
                     AND updated_at < :idle_end), 0),
        (SELECT count(*) FROM (
            SELECT min(created_at) AS first FROM sessions
            WHERE consultation_id = :consultation GROUP BY participant_id
         ) WHERE first >= :start AND first < :end)
    FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :idle_start
"""
_STEPS_REACHED: Final = f"""
    SELECT step_id, count(*) FROM answer_facts
    WHERE session_id IN ({_STARTED_IN})
    GROUP BY step_id
"""  # noqa: S608
_PROFILE_COUNTS: Final = """
    WITH active AS MATERIALIZED (
        SELECT id, channel FROM sessions
        WHERE consultation_id = :consultation AND updated_at >= :start AND updated_at < :end
        -- In id order (the LIMIT keeps the ORDER BY), answer_facts is read page after page
        -- rather than one random page per session.
        ORDER BY id LIMIT -1
    )
    SELECT active.channel, json_extract(f.shape, '$.choices[0]'),
           json_extract(g.shape, '$.choices[0]'), count(*)
    FROM active
    LEFT JOIN answer_facts AS f ON f.session_id = active.id AND f.step_id = :first
    LEFT JOIN answer_facts AS g ON g.session_id = active.id AND g.step_id = :second
    GROUP BY 1, 2, 3
"""
# The unary `+` keeps the planner from seeking answers session by session (then sorting
# them all to group them): it walks `answer_facts_report` in group order instead, skipping
# through it by updated_at when ANALYZE has run. Three times faster over the whole history,
# and twice over a week.
_ANSWER_COUNTS: Final = f"""
    SELECT step_id, shape, has_text, count(*) FROM answer_facts
    WHERE +session_id IN ({_ACTIVE_SINCE}) AND updated_at >= :start AND updated_at < :end
    GROUP BY step_id, has_text, shape
"""  # noqa: S608
# Ranked on answer_facts alone; only the texts kept are read from answers.
_RECENT_TEXTS: Final = f"""
    WITH ranked AS (
        SELECT session_id, step_id, updated_at,
               row_number() OVER (
                   PARTITION BY step_id ORDER BY updated_at DESC, session_id DESC
               ) AS rank
        FROM answer_facts
        WHERE has_text = 1 AND +session_id IN ({_ACTIVE_SINCE})  -- as in _ANSWER_COUNTS
          AND updated_at >= :start AND updated_at < :end
          -- A flagged answer (a disclosure) is counted, never quoted.
          AND NOT EXISTS (
              SELECT 1 FROM flags
              WHERE flags.session_id = answer_facts.session_id
                AND flags.step_id = answer_facts.step_id
          )
          -- Nor is a text staff hid (moderation). Hidden texts are few: SQLite lists them
          -- once from the `answers_hidden` index, rather than reading each answer's row.
          AND (session_id, step_id) NOT IN (
              SELECT session_id, step_id FROM answers WHERE hidden_at IS NOT NULL
          )
    )
    SELECT ranked.step_id, json_extract(answers.value, '$.text'), ranked.updated_at
    FROM ranked
    JOIN answers ON answers.session_id = ranked.session_id AND answers.step_id = ranked.step_id
    WHERE ranked.rank <= :limit
    ORDER BY ranked.step_id, ranked.rank
"""  # noqa: S608
# `stamp` writes fixed-width UTC text ("2026-03-01T12:34:56.000000+00:00"): the hour is its first
# 13 characters and the minutes the 15th and 16th.
_SESSIONS_STARTED: Final = """
    SELECT substr(created_at, 1, 13), CAST(substr(created_at, 15, 2) AS INTEGER) / 15, count(*)
    FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start
      AND created_at >= :start AND created_at < :end
    GROUP BY 1, 2
"""


def _window(consultation_id: str, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    """The named parameters every report query takes."""
    return {"consultation": consultation_id, "start": stamp(start), "end": stamp(end)}


def _lang(text: str | None) -> Lang | None:
    """A stored language, checked against the supported ones."""
    if text is None:
        return None
    if text not in LANGS:
        raise ValueError(f"unknown language {text!r} in the database")
    return text


def _marks(count: int) -> str:
    """`?, ?, …`: `count` parameter placeholders for an `IN (…)` list."""
    return ", ".join("?" * count)


def _check_wal(path: Path, rows: Sequence[Row]) -> None:
    """Fail unless `PRAGMA journal_mode = WAL` answered `wal`."""
    mode = rows[0][0] if rows else None
    if str(mode).lower() != "wal":
        raise RuntimeError(f"could not switch {path} to WAL (got {mode!r})")


def _switch_to_wal(conn: sqlite3.Connection) -> list[Row]:
    """`PRAGMA journal_mode = WAL`, waiting out other processes switching the same new file.

    SQLite answers "database is locked" at once there, without its busy handler, when several
    processes open a new database together (two bot processes started at the same time).
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchall()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


async def _fetchall(
    conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()
) -> list[Row]:
    """Every row of one statement, in one hop to the connection's thread."""
    # No row factory is set, so the rows are plain tuples (aiosqlite types them as Row).
    return cast("list[Row]", await conn.execute_fetchall(sql, params))


@dataclass(frozen=True, slots=True)
class _EncodedTurn:
    """A `Turn` already turned into SQL parameters, so the batch only runs SQL."""

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
    flags: tuple[tuple[str | None, str], ...] = ()  # (step id, category)

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
            now=stamp(turn.now),
            completed=status is Status.COMPLETED,
            session_id=turn.session_id,
            saved=tuple((step, answer.model_dump_json()) for step, answer in turn.saved.items()),
            removed=tuple(turn.removed),
            update_key=turn.update_key,
            make_current=turn.make_current,
            flags=tuple((flag.step_id, flag.category) for flag in turn.flags),
        )

    def flag_rows(self, session_id: int) -> list[tuple[object, ...]]:
        """Parameters of `INSERT_FLAG`, one row per flag of the turn."""
        return [
            (self.consultation_id, session_id, step, category, self.now)
            for step, category in self.flags
        ]

    def insert_params(self) -> tuple[object, ...]:
        """Parameters of `_INSERT_SESSION`."""
        completed_at = self.now if self.completed else None
        return (
            self.participant_id,
            self.consultation_id,
            self.channel,
            self.status,
            self.state,
            self.now,
            self.now,
            completed_at,
        )

    def update_params(self, session_id: int) -> tuple[object, ...]:
        """Parameters of `_UPDATE_SESSION`."""
        completed_at = self.now if self.completed else None
        return (
            self.state,
            self.status,
            self.now,
            completed_at,
            completed_at,
            session_id,
            self.participant_id,
            self.consultation_id,
        )

    def missing(self) -> LookupError:
        """The error of a turn whose session is not the participant's in the consultation."""
        return LookupError(
            f"no session {self.session_id} of participant {self.participant_id} "
            f"in consultation {self.consultation_id!r}"
        )


@dataclass(slots=True)
class _Pending:
    """A queued turn and the future its `commit()` awaits."""

    turn: _EncodedTurn
    future: asyncio.Future[int]


@dataclass(slots=True)
class _ScreenNote:
    """A queued `set_screen` and the future it awaits: it rides with the next group commit."""

    session_id: int
    screen: str | None
    future: asyncio.Future[int]


@dataclass(slots=True)
class _AnswerChange:
    """What a batch does to one answer row, all its turns taken in order."""

    value: str | None  # the last value saved; None when the batch ends by removing it
    created_at: str  # when it was (re)created, if the row is new
    updated_at: str
    delete_first: bool  # a turn of the batch removed it: delete the old row before upserting


class SqliteStore(SqliteRelays, PrivacySqlite, ModerationSqlite, NewsSqlite):
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
        self._writer_conn: aiosqlite.Connection | None = None
        self._reader_conn: aiosqlite.Connection | None = None
        self._lookup_conn: sqlite3.Connection | None = None
        # Group commits: a plain connection used only by one thread of its own, so a whole
        # batch is one hop from the event loop (see the module docstring).
        self._batch_thread: ThreadPoolExecutor | None = None
        self._batch_conn: sqlite3.Connection | None = None
        # The two writing connections (batches, single writes) take turns here rather than
        # at SQLite's write lock, where the loser would block a thread for up to
        # BUSY_TIMEOUT_MS; the writer connection's single writes also take turns with each
        # other, so none lands inside another's transaction.
        self._write_lock = asyncio.Lock()
        self._queue: asyncio.Queue[_Pending | _ScreenNote | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False
        self._states = StateMemo()

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
        """Migrate the schema, connect both connections and start the writer task."""
        if self._writer_task is not None:
            raise RuntimeError("store already open")
        await asyncio.to_thread(self._migrate)
        try:
            self._writer_conn = await self._connect()
            self._reader_conn = await self._connect(query_only=True)
            self._lookup_conn = self._connect_lookup()
            self._batch_thread = ThreadPoolExecutor(1, thread_name_prefix="store-batches")
            self._batch_conn = await self._in_batch_thread(self._connect_batch)
        except BaseException:
            await self._disconnect()
            raise
        self._queue = asyncio.Queue()
        self._write_lock = asyncio.Lock()
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
        async with self._write_lock:  # let a single write already waiting finish
            await self._disconnect()

    def _migrate(self) -> None:
        """Create the directory and bring the schema up to date (blocking: run in a thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _check_wal(self.path, _switch_to_wal(conn))
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)

    async def _connect(self, *, query_only: bool = False) -> aiosqlite.Connection:
        """An aiosqlite connection in autocommit mode (transactions are explicit)."""
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _check_wal(self.path, await _fetchall(conn, "PRAGMA journal_mode = WAL"))
            await conn.execute("PRAGMA foreign_keys = ON")
            # Checked against SYNCHRONOUS_MODES in __init__: PRAGMA values cannot be bound.
            await conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            if query_only:  # the reader, unable to write by mistake
                await conn.execute("PRAGMA query_only = ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    def _connect_batch(self) -> sqlite3.Connection:
        """The group commits' connection (made, used and closed in the batch thread)."""
        # Checked against SYNCHRONOUS_MODES in __init__: PRAGMA values cannot be bound.
        return self._connect_plain(
            BUSY_TIMEOUT_MS, "foreign_keys = ON", f"synchronous = {self.synchronous}"
        )

    async def _in_batch_thread(self, work: Callable[[], T]) -> T:
        """Run `work` in the batch thread."""
        assert self._batch_thread is not None
        return await asyncio.get_running_loop().run_in_executor(self._batch_thread, work)

    def _connect_lookup(self) -> sqlite3.Connection:
        """The connection for reads by key, used on the event loop's thread only."""
        return self._connect_plain(INLINE_BUSY_TIMEOUT_MS, "query_only = ON")

    def _connect_plain(self, busy_timeout_ms: int, *pragmas: str) -> sqlite3.Connection:
        """A plain `sqlite3` connection to the WAL file in autocommit mode, with `pragmas`."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            _check_wal(self.path, conn.execute("PRAGMA journal_mode").fetchall())
            for pragma in pragmas:
                conn.execute(f"PRAGMA {pragma}")
        except BaseException:
            conn.close()
            raise
        return conn

    async def _disconnect(self) -> None:
        """Close the connections (the threaded ones finish their queued statements first)."""
        writer, reader, lookup = self._writer_conn, self._reader_conn, self._lookup_conn
        self._writer_conn = self._reader_conn = self._lookup_conn = None
        if lookup is not None:
            lookup.close()
        batches, self._batch_conn = self._batch_conn, None
        if batches is not None:
            await self._in_batch_thread(batches.close)
        if self._batch_thread is not None:
            self._batch_thread.shutdown()
            self._batch_thread = None
        for conn in (writer, reader):
            if conn is not None:
                await conn.close()

    def _require_open(self) -> None:
        """Fail clearly instead of hanging or hitting a closed connection."""
        if self._writer_task is None or self._closing:
            raise RuntimeError("store is not open")

    async def _read(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of one read by key, inline (see the module docstring); on the reader's
        thread if the file is locked, so the event loop never waits long for it."""
        self._require_open()
        conn = self._lookup_conn
        assert conn is not None
        try:
            return cast("list[Row]", conn.execute(sql, params).fetchall())
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        return await self._scan(sql, params)

    async def _scan(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of one statement that may scan, on the reader connection's thread."""
        self._require_open()
        conn = self._reader_conn
        assert conn is not None
        return await _fetchall(conn, sql, params)

    async def _write(self, fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `fn(writer connection)` between batches.

        `fn` makes at most one write statement: in autocommit mode, that is a transaction.
        """
        self._require_open()
        async with self._write_lock:
            conn = self._writer_conn
            if conn is None:
                raise RuntimeError("store is not open")
            result = await fn(conn)
            self.transactions += 1
            return result

    # -- participants ----------------------------------------------------------------------

    async def participant(self, pseudonym: str, now: dt.datetime) -> Participant:
        """The participant with this pseudonym, created on first sight."""
        sql = (
            "SELECT id, lang, current_session_id, created_at FROM participants WHERE pseudonym = ?"
        )
        rows = await self._read(sql, (pseudonym,))
        if not rows:
            created_at = stamp(now)

            async def create(conn: aiosqlite.Connection) -> list[Row]:
                # Serialised by the write lock, so concurrent first sightings agree on one row.
                await conn.execute(
                    "INSERT OR IGNORE INTO participants (pseudonym, created_at) VALUES (?, ?)",
                    (pseudonym, created_at),
                )
                return await _fetchall(conn, sql, (pseudonym,))

            rows = await self._write(create)
            assert rows
        pid, lang, current, created = rows[0]
        return Participant(
            id=pid, lang=_lang(lang), current_session_id=current, created_at=parse_stamp(created)
        )

    async def set_language(self, participant_id: int, lang: Lang) -> None:
        """Remember the participant's language."""
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}")

        async def update(conn: aiosqlite.Connection) -> None:
            cursor = await conn.execute(
                "UPDATE participants SET lang = ? WHERE id = ?", (lang, participant_id)
            )
            if cursor.rowcount == 0:
                raise LookupError(f"no participant {participant_id}")

        await self._write(update)

    async def set_current(self, participant_id: int, session_id: int | None) -> None:
        """Make `session_id` the participant's current session (None: no current session)."""

        async def update(conn: aiosqlite.Connection) -> None:
            # The session must be one of the participant's own.
            cursor = await conn.execute(
                "UPDATE participants SET current_session_id = ? WHERE id = ? AND "
                "(? IS NULL OR EXISTS "
                "(SELECT 1 FROM sessions WHERE id = ? AND participant_id = participants.id))",
                (session_id, participant_id, session_id, session_id),
            )
            if cursor.rowcount == 0:
                raise LookupError(f"no participant {participant_id} with session {session_id}")

        await self._write(update)

    # -- erasure: the parsed states kept in memory go too -------------------------------------

    async def forget(self, participant_id: int) -> Erased | None:
        """See `PrivacySqlite.forget`."""
        try:
            return await super().forget(participant_id)
        finally:
            self._states.clear()

    async def purge(self, plan: PurgePlan) -> Purged:
        """See `PrivacySqlite.purge`."""
        try:
            return await super().purge(plan)
        finally:
            self._states.clear()

    # -- sessions --------------------------------------------------------------------------

    def _session_from_row(self, row: Row) -> StoredSession:
        """A `StoredSession` from a `_SESSION_COLUMNS` row."""
        sid, pid, cid, channel, status, state, created, updated, completed, screen = row
        return StoredSession(
            id=sid,
            participant_id=pid,
            consultation_id=cid,
            channel=Channel(channel),
            status=Status(status),
            state=self._states.parse(sid, state),
            created_at=parse_stamp(created),
            updated_at=parse_stamp(updated),
            completed_at=parse_opt_stamp(completed),
            screen=screen,
        )

    async def set_screen(self, session_id: int, screen: str | None) -> None:
        """Remember which message shows the session's current screen.

        Every screen sent is noted, right after the turn that led to it: the note joins the
        writer's queue and is committed with other residents' turns, not on its own.
        """
        self._require_open()
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_ScreenNote(session_id, screen, future))
        await future

    async def session(self, session_id: int) -> StoredSession | None:
        """A session by id."""
        rows = await self._read(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?",  # noqa: S608
            (session_id,),
        )
        return self._session_from_row(rows[0]) if rows else None

    async def latest_session(
        self, participant_id: int, consultation_id: str
    ) -> StoredSession | None:
        """The participant's most recently updated session of a consultation."""
        rows = await self._read(
            f"SELECT {_SESSION_COLUMNS} FROM sessions "  # noqa: S608
            "WHERE participant_id = ? AND consultation_id = ? "
            "ORDER BY updated_at DESC, id DESC LIMIT 1",
            (participant_id, consultation_id),
        )
        return self._session_from_row(rows[0]) if rows else None

    async def seen(self, update_key: str) -> bool:
        """Whether a turn with this key was committed."""
        rows = await self._read("SELECT 1 FROM processed_updates WHERE key = ?", (update_key,))
        return bool(rows)

    async def arrival(self, pseudonym: str, update_key: str | None) -> Arrival | None:
        """The participant with this pseudonym, their current session and whether a turn with
        `update_key` was committed, in one read; None if no such participant is stored."""
        rows = await self._read(
            "SELECT p.id, p.lang, p.current_session_id, p.created_at, "  # noqa: S608
            "EXISTS (SELECT 1 FROM processed_updates WHERE key = ?), "
            f"{_SESSION_COLUMNS_OF_S} FROM participants AS p "
            "LEFT JOIN sessions AS s ON s.id = p.current_session_id WHERE p.pseudonym = ?",
            (update_key, pseudonym),
        )
        if not rows:
            return None
        row = rows[0]
        pid, lang, current, created, seen = row[:5]
        return Arrival(
            id=pid,
            lang=_lang(lang),
            current_session_id=current,
            created_at=parse_stamp(created),
            update_key=update_key,
            session=self._session_from_row(row[5:]) if row[5] is not None else None,
            seen=bool(seen),
        )

    async def session_for_update(
        self, session_id: int, update_key: str | None
    ) -> tuple[StoredSession | None, bool]:
        """A session by id, and whether a turn with `update_key` was committed (one read)."""
        rows = await self._read(
            "SELECT EXISTS (SELECT 1 FROM processed_updates WHERE key = ?), "  # noqa: S608
            f"{_SESSION_COLUMNS} FROM (SELECT 1) LEFT JOIN sessions ON id = ?",
            (update_key, session_id),
        )
        row = rows[0]
        session = self._session_from_row(row[1:]) if row[1] is not None else None
        return session, bool(row[0])

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
        session_id = await future
        self._states.remember(session_id, encoded.state, turn.state)
        return session_id

    async def _writer(self) -> None:
        """Drain the queue batch after batch until the close sentinel."""
        stopping = False
        while not stopping:
            batch: list[_Pending | _ScreenNote] = []
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

    async def _run_batch(self, batch: list[_Pending | _ScreenNote]) -> None:
        """Apply `batch` and settle every future after the COMMIT."""
        turns = [pending.turn for pending in batch if isinstance(pending, _Pending)]
        screens = [
            (note.screen, note.session_id) for note in batch if isinstance(note, _ScreenNote)
        ]
        try:
            async with self._write_lock:
                applied = await self._in_batch_thread(partial(self._apply_batch, turns, screens))
            self.transactions += 1
            turn_results = iter(applied)
        except asyncio.CancelledError:
            for pending in batch:
                pending.future.cancel()
            raise
        except Exception as exc:  # the whole batch failed: nothing of it is on disk
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
            return
        for pending in batch:
            result = next(turn_results) if isinstance(pending, _Pending) else 0
            if pending.future.done():  # its caller was cancelled
                continue
            if isinstance(result, BaseException):
                pending.future.set_exception(result)
            else:
                pending.future.set_result(result)

    def _apply_batch(
        self, turns: Sequence[_EncodedTurn], screens: Sequence[tuple[str | None, int]] = ()
    ) -> list[int | Exception]:
        """Apply `turns` in one transaction: the fast path, or one SAVEPOINT per turn; then
        the screens noted (message, session id). Runs in the batch thread."""
        conn = self._batch_conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            try:
                results = _apply_together(conn, turns)
            except Exception:
                # Not a duplicate nor a missing session (those are found before any
                # change): start again, one turn at a time, so the culprit fails alone.
                _rollback(conn)
                conn.execute("BEGIN IMMEDIATE")
                results = _apply_one_by_one(conn, turns)
            if screens:
                conn.executemany("UPDATE sessions SET screen = ? WHERE id = ?", screens)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return results

    # -- reports (ReportStore) -------------------------------------------------------------

    async def _report(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        """Every row of one report statement, on its own connection in a worker thread.

        A report may scan much of the database (half a second at 1,000,000 answers): on the
        shared reader it would hold up every resident's read meanwhile, and on connections of
        their own the digest's queries run side by side on several cores. A single statement
        is a consistent snapshot, as for `_read`.
        """
        self._require_open()
        return await asyncio.to_thread(self._report_blocking, sql, params)

    def _report_blocking(self, sql: str, params: Mapping[str, object]) -> list[Row]:
        """`_report`'s work, in the calling thread."""
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = ON")
            return conn.execute(sql, params).fetchall()

    async def session_totals(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, idle: dt.timedelta
    ) -> SessionTotals:
        """New participants, sessions started, completed and abandoned (see `ReportStore`)."""
        [(started, completed, abandoned, new)] = await self._report(
            _SESSION_TOTALS,
            {
                **_window(consultation_id, start, end),
                "idle_start": stamp(start - idle),
                "idle_end": stamp(end - idle),
            },
        )
        return SessionTotals(
            new_participants=new, sessions_started=started, completed=completed, abandoned=abandoned
        )

    async def steps_reached(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[StepCount]:
        """Per step, how many sessions started in the period have an answer row for it."""
        rows = await self._report(_STEPS_REACHED, _window(consultation_id, start, end))
        return [StepCount(step_id, sessions) for step_id, sessions in rows]

    async def profile_counts(
        self,
        consultation_id: str,
        start: dt.datetime,
        end: dt.datetime,
        first_step: str | None,
        second_step: str | None,
    ) -> list[ProfileCount]:
        """Sessions with activity (updated_at) in the period, by channel and profile codes."""
        rows = await self._report(
            _PROFILE_COUNTS,
            {**_window(consultation_id, start, end), "first": first_step, "second": second_step},
        )
        return [ProfileCount(*row) for row in rows]

    async def answer_counts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[AnswerCount]:
        """Answers given in the period, grouped by step and content (texts left out)."""
        rows = await self._report(_ANSWER_COUNTS, _window(consultation_id, start, end))
        # Contents that differ only in spelling (JSON written otherwise) are merged.
        merged: dict[tuple[str, tuple[str, ...], bool, bool], int] = {}
        for step_id, value, has_text, answers in rows:
            answer = Answer.model_validate_json(value)
            key = (step_id, tuple(answer.choices), answer.skipped, bool(has_text))
            merged[key] = merged.get(key, 0) + answers
        return [AnswerCount(*key, answers=answers) for key, answers in merged.items()]

    async def recent_texts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, per_step: int
    ) -> list[RecentText]:
        """Up to `per_step` texts per step given in the period, by step, most recent first."""
        if per_step <= 0:
            return []
        rows = await self._report(
            _RECENT_TEXTS, {**_window(consultation_id, start, end), "limit": per_step}
        )
        return [RecentText(step_id, text, parse_stamp(at)) for step_id, text, at in rows]

    async def sessions_started(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[SlotCount]:
        """Sessions started in the period per quarter of an hour (empty slots left out)."""
        rows = await self._report(_SESSIONS_STARTED, _window(consultation_id, start, end))
        return [
            SlotCount(parse_stamp(f"{hour}:{quarter * 15:02d}:00+00:00"), sessions)
            for hour, quarter, sessions in rows
        ]

    # -- digest ledger ---------------------------------------------------------------------

    async def claim(
        self,
        key: str,
        start: dt.datetime,
        end: dt.datetime,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """Take the period [start, end) for sending; True only for the one caller that got it.

        One statement: the primary key (key, start) lets one INSERT through, whatever the
        number of processes; the upsert only takes over a claim older than `lease`.
        """

        async def insert(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "INSERT INTO digest_runs "
                "(schedule, period_start, period_end, status, claimed_at, sent_at) "
                "VALUES (?, ?, ?, 'sending', ?, NULL) "
                "ON CONFLICT (schedule, period_start) DO UPDATE SET "
                "period_end = excluded.period_end, claimed_at = excluded.claimed_at "
                "WHERE digest_runs.status = 'sending' AND digest_runs.claimed_at <= ?",
                (key, stamp(start), stamp(end), stamp(now), stamp(now - lease)),
            )
            return cursor.rowcount == 1

        return await self._write(insert)

    async def mark_sent(
        self, key: str, start: dt.datetime, claimed_at: dt.datetime, now: dt.datetime
    ) -> bool:
        """Record a claimed period as sent; False if the claim was lost (taken over)."""

        async def update(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "UPDATE digest_runs SET status = 'sent', sent_at = ? "
                "WHERE schedule = ? AND period_start = ? AND status = 'sending' "
                "AND claimed_at = ?",
                (stamp(now), key, stamp(start), stamp(claimed_at)),
            )
            return cursor.rowcount == 1

        return await self._write(update)

    async def release(self, key: str, start: dt.datetime, claimed_at: dt.datetime) -> bool:
        """Give up a claim after a failed delivery, so the period is sent later."""

        async def delete(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "DELETE FROM digest_runs WHERE schedule = ? AND period_start = ? "
                "AND status = 'sending' AND claimed_at = ?",
                (key, stamp(start), stamp(claimed_at)),
            )
            return cursor.rowcount == 1

        return await self._write(delete)

    async def last_sent_end(self, key: str | None = None) -> dt.datetime | None:
        """The end of the latest period sent under `key` (None: under any key)."""
        if key is None:
            rows = await self._read(
                "SELECT MAX(period_end) FROM digest_runs WHERE status = 'sent'", ()
            )
        else:
            rows = await self._read(
                "SELECT MAX(period_end) FROM digest_runs WHERE schedule = ? AND status = 'sent'",
                (key,),
            )
        return parse_opt_stamp(rows[0][0]) if rows else None

    # -- export ----------------------------------------------------------------------------

    async def export(self, consultation_id: str | None = None) -> AsyncIterator[ExportedSession]:
        """Every session (of one consultation, if given), oldest first, with its answers.

        Read in chunks of `EXPORT_CHUNK` sessions, each chunk a consistent snapshot; sessions
        committed during the export show up if their id is past the chunk being read ahead.
        """

        def read(after: int) -> asyncio.Future[list[Row]]:
            if consultation_id is None:
                return asyncio.ensure_future(self._scan(_EXPORT_ALL, (after, EXPORT_CHUNK)))
            return asyncio.ensure_future(
                self._scan(_EXPORT_ONE, (consultation_id, after, EXPORT_CHUNK))
            )

        # The next chunk is read on the database thread while this one is consumed.
        pending = read(0)
        try:
            while True:
                chunk = self._exported(await pending)
                if not chunk:
                    return
                pending = read(chunk[-1].session_id)
                for exported in chunk:
                    yield exported
        finally:
            pending.cancel()

    @staticmethod
    def _exported(rows: Sequence[Row]) -> list[ExportedSession]:
        """Sessions from export rows: one per answer (or one without), in session order."""
        heads: dict[int, Row] = {}
        answers: dict[int, dict[str, Answer]] = {}
        for row in rows:
            sid, step, value = row[0], row[-2], row[-1]
            if sid not in heads:
                heads[sid] = row[:-2]
                answers[sid] = {}
            if step is not None:
                answers[sid][step] = Answer.model_validate_json(value)
        return [
            ExportedSession(
                session_id=sid,
                participant_id=pid,
                consultation_id=cid,
                channel=Channel(channel),
                status=Status(status),
                created_at=parse_stamp(created),
                updated_at=parse_stamp(updated),
                completed_at=parse_opt_stamp(completed),
                answers=dict(sorted(answers[sid].items())),
            )
            for sid, pid, cid, channel, status, created, updated, completed in heads.values()
        ]


# -- group commit, in the batch thread ------------------------------------------------------


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already dropped it."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _apply_together(
    conn: sqlite3.Connection, turns: Sequence[_EncodedTurn]
) -> list[int | Exception]:
    """Every change of `turns`, in a few statements for the whole batch."""
    results: dict[int, int | Exception] = {}

    keys = sorted({turn.update_key for turn in turns if turn.update_key is not None})
    taken: set[str] = set()
    if keys:
        rows = conn.execute(
            f"SELECT key FROM processed_updates WHERE key IN ({_marks(len(keys))})",  # noqa: S608
            keys,
        ).fetchall()
        taken = {key for (key,) in rows}
    targets = sorted({turn.session_id for turn in turns if turn.session_id is not None})
    owners: dict[int, tuple[int, str]] = {}
    if targets:
        rows = conn.execute(
            "SELECT id, participant_id, consultation_id FROM sessions "  # noqa: S608
            f"WHERE id IN ({_marks(len(targets))})",
            targets,
        ).fetchall()
        owners = {sid: (pid, cid) for sid, pid, cid in rows}

    # The checks each turn would meet applied one after the other, in the same order: a
    # seen key first, then the session. A turn left out does not take its key.
    accepted: list[int] = []
    for index, turn in enumerate(turns):
        if turn.update_key is not None and turn.update_key in taken:
            results[index] = DuplicateUpdate(turn.update_key)
        elif turn.session_id is not None and owners.get(turn.session_id) != (
            turn.participant_id,
            turn.consultation_id,
        ):
            results[index] = turn.missing()
        else:
            if turn.update_key is not None:
                taken.add(turn.update_key)
            accepted.append(index)

    # New sessions, in turn order so ids grow with submission order.
    updates: list[tuple[object, ...]] = []
    for index in accepted:
        turn = turns[index]
        if turn.session_id is None:
            [(session_id,)] = conn.execute(_INSERT_SESSION, turn.insert_params()).fetchall()
            results[index] = session_id
        else:
            results[index] = turn.session_id
            updates.append(turn.update_params(turn.session_id))
    if updates:
        cursor = conn.executemany(_UPDATE_SESSION, updates)
        if cursor.rowcount != len(updates):
            raise sqlite3.DatabaseError(f"{cursor.rowcount} of {len(updates)} sessions updated")

    # Answers: the net effect of the batch per (session, step), as if each turn's saves
    # then removals had been applied in turn order.
    changes: dict[tuple[int, str], _AnswerChange] = {}
    processed: list[tuple[str, str]] = []
    current: list[tuple[int, int]] = []
    flag_rows: list[tuple[object, ...]] = []
    for index in accepted:
        turn = turns[index]
        session_id = cast(int, results[index])
        for step, value in turn.saved:
            change = changes.get((session_id, step))
            if change is not None and change.value is not None:
                change.value, change.updated_at = value, turn.now
            else:
                changes[session_id, step] = _AnswerChange(
                    value, turn.now, turn.now, delete_first=change is not None
                )
        # Removals come after saves, so a step named in both ends up without an answer,
        # as the engine means when it saves a step and then finds it no longer applies.
        for step in turn.removed:
            changes[session_id, step] = _AnswerChange(None, turn.now, turn.now, True)
        if turn.update_key is not None:
            processed.append((turn.update_key, turn.now))
        if turn.make_current:
            current.append((session_id, turn.participant_id))
        flag_rows += turn.flag_rows(session_id)
    deletes = [key for key, change in changes.items() if change.delete_first]
    upserts = [
        (session_id, step, change.value, change.created_at, change.updated_at)
        for (session_id, step), change in changes.items()
        if change.value is not None
    ]
    if deletes:
        conn.executemany(_DELETE_ANSWER, deletes)
    if upserts:
        conn.executemany(_UPSERT_ANSWER, upserts)
    if processed:
        # A conflict here is unexpected (the keys were checked): it sends the batch to
        # the slow path, where the turn gets its DuplicateUpdate.
        conn.executemany(
            "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?)", processed
        )
    if current:
        conn.executemany(_SET_CURRENT, current)
    if flag_rows:
        conn.executemany(INSERT_FLAG, flag_rows)
    return [results[index] for index in range(len(turns))]


def _apply_one_by_one(
    conn: sqlite3.Connection, turns: Sequence[_EncodedTurn]
) -> list[int | Exception]:
    """Apply `turns` one SAVEPOINT each, so a failing turn is undone alone."""
    results: list[int | Exception] = []
    for turn in turns:
        conn.execute("SAVEPOINT turn")
        try:
            results.append(_apply_turn(conn, turn))
        except Exception as exc:
            # Undo this turn only. If SQLite already dropped the whole transaction
            # (I/O error, disk full), ROLLBACK TO raises and the batch fails as one.
            conn.execute("ROLLBACK TO turn")
            results.append(exc)
        conn.execute("RELEASE turn")
        if not conn.in_transaction:
            raise sqlite3.OperationalError("transaction lost in the middle of a batch")
    return results


def _apply_turn(conn: sqlite3.Connection, turn: _EncodedTurn) -> int:
    """Every change of one turn, statement by statement; raises to have it undone."""
    if turn.update_key is not None:
        cursor = conn.execute(
            "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            (turn.update_key, turn.now),
        )
        if cursor.rowcount == 0:
            raise DuplicateUpdate(turn.update_key)
    if turn.session_id is None:
        [(session_id,)] = conn.execute(_INSERT_SESSION, turn.insert_params()).fetchall()
    else:
        session_id = turn.session_id
        cursor = conn.execute(_UPDATE_SESSION, turn.update_params(session_id))
        if cursor.rowcount == 0:
            raise turn.missing()
    if turn.saved:
        conn.executemany(
            _UPSERT_ANSWER,
            [(session_id, step, value, turn.now, turn.now) for step, value in turn.saved],
        )
    if turn.removed:
        conn.executemany(_DELETE_ANSWER, [(session_id, step) for step in turn.removed])
    if turn.make_current:
        conn.execute(_SET_CURRENT, (session_id, turn.participant_id))
    if turn.flags:
        conn.executemany(INSERT_FLAG, turn.flag_rows(session_id))
    return int(session_id)


_: type[Store] = SqliteStore
_reports: type[ReportStore] = SqliteStore
_ledger: type[Ledger] = SqliteStore
_privacy: type[PrivacyStore] = SqliteStore
_relays: type[RelayStore] = SqliteStore
_moderation: type[ModerationStore] = SqliteStore
