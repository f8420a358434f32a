"""SQLite implementation of `Store`, on aiosqlite, with group commit.

Connections to one file in WAL mode: two aiosqlite connections, each with its own thread
(aiosqlite's), and two plain connections, for the group commits and for reads by key, each in
a helper process (`storage.sqlite_process`), away from the event loop's GIL. Every awaited
statement on an aiosqlite connection is one hop to a thread and back, and every piece of work
sent to a helper process one message each way, so the code counts hops per batch of turns and
of reads, never per turn or per read.

- The group commits do the residents' writes. `commit()` only queues the turn; a single
  writer task drains the queue (up to `MAX_BATCH` turns) and sends the batch to the group
  commits' connection, which applies it (`storage.sqlite_commit`) in ONE transaction (`BEGIN
  IMMEDIATE` … `COMMIT`), so one fsync covers the batch and the whole batch is one hop from
  the event loop. Futures are resolved only after COMMIT returned. The fast path runs a
  fixed number of statements per batch: one SELECT finds the update keys already processed
  (a key met twice in the batch: the first turn wins), one SELECT checks that the sessions
  named exist and belong to the turn's participant and consultation; turns failing these get
  `DuplicateUpdate` or `LookupError` and are left out. Then one statement each (its rows as
  one JSON array) for the session UPDATEs, the answer deletes and upserts (the batch's net
  effect per answer, so turn order is kept), the processed keys and the participants'
  current session; only new sessions take one `INSERT … RETURNING id` each (one per
  consenting resident). If a statement fails unexpectedly the batch is rolled back and
  applied again one turn at a time, each in a SAVEPOINT, so a bad turn only fails itself. A
  failed COMMIT fails the whole batch.
- The other small writes of a resident's update (a participant first seen, a language, a
  follow-up contact) ride with the group commit too (`_with_next_commit`), each in a
  SAVEPOINT of its own within the batch's transaction, so that a crowd's first and last
  taps share fsyncs like their answers do.
- Other writes (`set_current`, privacy, relays, moderation) are single statements or short
  transactions on the aiosqlite writer connection, serialised with the batches by a lock so
  the two writing connections never wait on each other.
- Reads by key (a participant, a session, an update key, a relay: the reads of every
  resident's update) go to `storage.sqlite_lookups`: a plain `sqlite3` connection
  (`query_only`) in a helper process, the reads queued meanwhile run together, one hop
  for all of them. In WAL mode a reader never waits for the writer. Each is a single
  statement, hence a consistent snapshot; a read queued after a commit's future resolved
  sees that commit. (They ran inline on the event loop's thread until SQLite's page cache,
  dropped at every group commit, made each cost about 36 µs of it under a crowd.)
- A session's state is JSON; parsing it is most of a read's cost, so the parsed state of
  recent sessions is kept with its text (`storage.state_memo`) and reused when the text read
  is the same. The text is always read: nothing is served that storage no longer holds.
- The writing connections never checkpoint the WAL in a COMMIT: `storage.sqlite_checkpoint`
  does it in a thread of its own once the log passes `checkpoint_bytes`.
- Reads that scan (exports, relays' counts and reach) go to a second aiosqlite connection
  (`query_only`), so the event loop never waits on them and they are not stuck behind a
  batch's fsync.
- Migrations run at `open()` on a short-lived plain `sqlite3` connection in a worker thread
  (`asyncio.to_thread`), before the aiosqlite connections are made: `migrate` is
  synchronous and runs each migration in its own transaction.

This module holds the connections, the participants and sessions, and the write queue; the
parts that run on them live beside it: `storage.sqlite_commit` (a batch applied in the batch
helper process), `storage.sqlite_reports` (digest reports, the digest ledger, exports), and the
mixins of `storage.relays`, `storage.sqlite_privacy`, `storage.sqlite_moderation` and
`storage.sqlite_news`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar, cast

import aiosqlite

from flows.model import LANGS, Lang
from storage.base import (
    Arrival,
    Channel,
    Ledger,
    Participant,
    ReportStore,
    Status,
    Store,
    StoredSession,
    Turn,
)
from storage.migrations import migrate
from storage.moderation import ModerationStore
from storage.privacy import Erased, PrivacyStore, Purged, PurgePlan
from storage.relays import RelayStore, SqliteRelays
from storage.sqlite_checkpoint import LIMIT_BYTES, WRITER_PRAGMAS, Checkpointer
from storage.sqlite_commit import EncodedTurn, Write, apply_batch
from storage.sqlite_common import PARTICIPANT_SQL, Row, parse_opt_stamp, parse_stamp, stamp
from storage.sqlite_lookups import Lookups
from storage.sqlite_moderation import ModerationSqlite
from storage.sqlite_news import NewsSqlite
from storage.sqlite_open import unavailable
from storage.sqlite_privacy import PrivacySqlite
from storage.sqlite_process import ConnectionProcess
from storage.sqlite_reports import ReportsSqlite
from storage.sqlite_thread import settle
from storage.state_memo import StateMemo

MAX_BATCH: Final = 256
SYNCHRONOUS_MODES: Final = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
BUSY_TIMEOUT_MS: Final = 5000
# How long a write keeps trying while another program holds the write lock (`parole forget`
# or `import`, a `sqlite3` shell left in a transaction), each try waiting BUSY_TIMEOUT_MS:
# a resident's answer waits for the lock rather than being dropped after one try.
BUSY_RETRY_SECONDS: Final = 60.0
# Deleted and overwritten rows (an erasure, a purge, an answer changed) are zeroed on disk,
# not left in free space: not every SQLite build does it by default.
SECURE_DELETE: Final = "secure_delete = ON"

T = TypeVar("T")

log = logging.getLogger(__name__)

_SESSION_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, state, "
    "created_at, updated_at, completed_at, screen"
)
_PARTICIPANT_BY_PSEUDONYM: Final = PARTICIPANT_SQL.format("pseudonym = ?")
_SESSION_COLUMNS_OF_S: Final = ", ".join(f"s.{column}" for column in _SESSION_COLUMNS.split(", "))


def _lang(text: str | None) -> Lang | None:
    """A stored language, checked against the supported ones."""
    if text is None:
        return None
    if text not in LANGS:
        raise ValueError(f"unknown language {text!r} in the database")
    return text


def _check_wal(path: Path, rows: Sequence[Row]) -> None:
    """Fail unless `PRAGMA journal_mode = WAL` answered `wal`."""
    mode = rows[0][0] if rows else None
    if str(mode).lower() != "wal":
        raise RuntimeError(f"could not switch {path} to WAL (got {mode!r})")


def _busy(error: sqlite3.Error) -> bool:
    """Whether `error` is SQLite giving up on a lock another connection holds."""
    # An error raised by hand (not by SQLite) carries no code.
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


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


@dataclass(slots=True)
class _Pending:
    """A queued turn and the future its `commit()` awaits."""

    turn: EncodedTurn
    future: asyncio.Future[int]


@dataclass(slots=True)
class _ScreenNote:
    """A queued `set_screen` and the future it awaits: it rides with the next group commit."""

    session_id: int
    screen: str | None
    future: asyncio.Future[int]


@dataclass(slots=True)
class _Write:
    """A queued write of a resident's update (see `_with_next_commit`) and its future."""

    write: Write
    future: asyncio.Future[Any]


_Queued = _Pending | _ScreenNote | _Write


class SqliteStore(ReportsSqlite, SqliteRelays, PrivacySqlite, ModerationSqlite, NewsSqlite):
    """`Store` on one SQLite file in WAL mode, with group commit."""

    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", checkpoint_bytes: int = LIMIT_BYTES
    ) -> None:
        """Remember the settings; nothing is opened before `open()`. `checkpoint_bytes`: the
        log size that starts a checkpoint (`storage.sqlite_checkpoint`)."""
        if str(path) == ":memory:" or str(path).startswith("file:"):
            # Reader and writer are separate connections: they must share a real file.
            raise ValueError("SqliteStore needs a file path")
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {sorted(SYNCHRONOUS_MODES)}")
        self.path = Path(path)
        # As the connections made elsewhere (a helper process's own working directory) see it.
        self._file = self.path.absolute()
        self.synchronous = mode
        self.checkpoint_bytes = checkpoint_bytes
        self.checkpointer: Checkpointer | None = None
        # Write transactions committed so far (batches and single writes): lets tests and
        # benchmarks see group commit at work.
        self.transactions = 0
        self._writer_conn: aiosqlite.Connection | None = None
        self._reader_conn: aiosqlite.Connection | None = None
        self._lookups: Lookups | None = None
        # Group commits: a plain connection in a helper process, so a whole batch is one
        # hop from the event loop (see the module docstring).
        self._batches = ConnectionProcess("store-batches", self._connect_batch())
        # The two writing connections (batches, single writes) take turns here rather than
        # at SQLite's write lock, where the loser would block a thread for up to
        # BUSY_TIMEOUT_MS; the writer connection's single writes also take turns with each
        # other, so none lands inside another's transaction.
        self._write_lock = asyncio.Lock()
        self._queue: asyncio.Queue[_Queued | None] = asyncio.Queue()
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
            self._lookups = Lookups(partial(connect_plain, self._file, "query_only = ON"))
            await self._lookups.open()
            await self._batches.open()
            self.checkpointer = Checkpointer(
                self.path,
                partial(connect_plain, self._file, f"synchronous = {self.synchronous}"),
                self.checkpoint_bytes,
            )
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
        """Create the directory and bring the schema up to date (blocking: run in a thread).

        A database that cannot be opened for writing (permissions, a full disk, a file that
        is not a database) raises `StoreUnavailable`, saying which file and why.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise unavailable(self.path, error) from error
        with closing(conn):
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                # The first statement to touch the file: where permissions show.
                _check_wal(self.path, _switch_to_wal(conn))
            except sqlite3.Error as error:
                raise unavailable(self.path, error) from error
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA {SECURE_DELETE}")  # a rebuilding migration frees whole tables
            migrate(conn)

    async def _connect(self, *, query_only: bool = False) -> aiosqlite.Connection:
        """An aiosqlite connection in autocommit mode (transactions are explicit)."""
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _check_wal(self.path, await _fetchall(conn, "PRAGMA journal_mode = WAL"))
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA {SECURE_DELETE}")
            # Checked against SYNCHRONOUS_MODES in __init__: PRAGMA values cannot be bound.
            await conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            if query_only:  # the reader, unable to write by mistake
                await conn.execute("PRAGMA query_only = ON")
            else:  # the checkpointer copies the log back, not a write's COMMIT
                for pragma in WRITER_PRAGMAS:
                    await conn.execute(f"PRAGMA {pragma}")
        except BaseException:
            await conn.close()
            raise
        return conn

    def _connect_batch(self) -> Callable[[], sqlite3.Connection]:
        """How to make the group commits' connection (in the helper process)."""
        # Checked against SYNCHRONOUS_MODES in __init__: PRAGMA values cannot be bound.
        return partial(
            connect_plain,
            self._file,
            "foreign_keys = ON",
            f"synchronous = {self.synchronous}",
            SECURE_DELETE,
            *WRITER_PRAGMAS,
        )

    async def _disconnect(self) -> None:
        """Close the connections (each finishes the statements queued on it first)."""
        checkpointer, self.checkpointer = self.checkpointer, None
        if checkpointer is not None:
            await checkpointer.close()
        writer, reader, lookups = self._writer_conn, self._reader_conn, self._lookups
        self._writer_conn = self._reader_conn = None
        self._lookups = None
        if lookups is not None:
            await lookups.close()
        await self._batches.close()
        for conn in (writer, reader):
            if conn is not None:
                await conn.close()

    @property
    def read_batches(self) -> int:
        """Batches of reads by key sent to their connection since the store opened (see
        `storage.sqlite_lookups`): lets tests and benchmarks see reads share hops."""
        return self._lookups.batches if self._lookups is not None else 0

    def _require_open(self) -> None:
        """Fail clearly instead of hanging or hitting a closed connection."""
        if self._writer_task is None or self._closing:
            raise RuntimeError("store is not open")

    async def _read(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of one read by key (see `storage.sqlite_lookups`)."""
        self._require_open()
        assert self._lookups is not None
        return await self._lookups.read(sql, params)

    async def _scan(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of one statement that may scan, on the reader connection's thread."""
        self._require_open()
        conn = self._reader_conn
        assert conn is not None
        return await _fetchall(conn, sql, params)

    async def _write(self, fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `fn(writer connection)` between batches.

        `fn` makes at most one write statement: in autocommit mode, that is a transaction (or
        it runs a `transaction`), so one that met another program's lock wrote nothing and is
        run again.
        """
        self._require_open()
        async with self._write_lock:
            conn = self._writer_conn
            if conn is None:
                raise RuntimeError("store is not open")
            result = await _while_locked(lambda: fn(conn), "a write")
            self.transactions += 1
        if self.checkpointer is not None:
            self.checkpointer.due()
        return result

    # -- participants ----------------------------------------------------------------------

    async def participant(self, pseudonym: str, now: dt.datetime) -> Participant:
        """The participant with this pseudonym, created on first sight."""
        rows = await self._read(_PARTICIPANT_BY_PSEUDONYM, (pseudonym,))
        if not rows:
            rows = await self._with_next_commit(
                partial(_create_participant, pseudonym=pseudonym, created_at=stamp(now))
            )
            assert rows
        pid, lang, current, created = rows[0]
        return Participant(
            id=pid, lang=_lang(lang), current_session_id=current, created_at=parse_stamp(created)
        )

    async def set_language(self, participant_id: int, lang: Lang) -> None:
        """Remember the participant's language."""
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}")

        await self._with_next_commit(
            partial(_set_language, lang=lang, participant_id=participant_id)
        )

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

    async def _with_next_commit(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """`write(connection)`, run by the group commits' connection within the next batch (in a
        SAVEPOINT of its own); its result once the batch is committed, or its error.

        For the small writes of a resident's update (a participant first seen, a language,
        a follow-up contact): on the aiosqlite writer each was a transaction and an fsync of
        its own, holding every batch behind it (measured with `bench/throughput.py`).
        """
        self._require_open()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Write(write, future))
        return cast(T, await future)

    async def commit(self, turn: Turn) -> int:
        """Commit `turn` durably and return the session id; raise `DuplicateUpdate` if seen.

        If the caller is cancelled while waiting, the turn may still be committed: retry
        with the same `update_key` to find out.
        """
        self._require_open()
        encoded = EncodedTurn.of(turn)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(encoded, future))
        session_id = await future
        self._states.remember(session_id, encoded.state, turn.state)
        return session_id

    async def _writer(self) -> None:
        """Drain the queue batch after batch until the close sentinel."""
        stopping = False
        while not stopping:
            batch: list[_Queued] = []
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

    async def _run_batch(self, batch: list[_Queued]) -> None:
        """Apply `batch` and settle every future after the COMMIT."""
        turns = [pending.turn for pending in batch if isinstance(pending, _Pending)]
        screens = [
            (note.screen, note.session_id) for note in batch if isinstance(note, _ScreenNote)
        ]
        writes = [queued.write for queued in batch if isinstance(queued, _Write)]
        try:
            async with self._write_lock:
                applied, written = await _while_locked(
                    lambda: self._batches.run(
                        partial(apply_batch, turns=turns, screens=screens, writes=writes)
                    ),
                    f"{len(turns)} turn(s)",
                )
            self.transactions += 1
            turn_results, write_results = iter(applied), iter(written)
            if self.checkpointer is not None:
                self.checkpointer.due()
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
            result: object = 0
            if isinstance(pending, _Pending):
                result = next(turn_results)
            elif isinstance(pending, _Write):
                result = next(write_results)
            settle(pending.future, result)

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


# The writes below ride with a group commit (`_with_next_commit`), in the helper process:
# module-level, so that they can be sent there.


def _create_participant(conn: sqlite3.Connection, pseudonym: str, created_at: str) -> list[Row]:
    """A participant first seen: their row, whoever of several first sightings wrote it."""
    # One writer, so concurrent first sightings agree on one row.
    conn.execute(
        "INSERT OR IGNORE INTO participants (pseudonym, created_at) VALUES (?, ?)",
        (pseudonym, created_at),
    )
    return conn.execute(_PARTICIPANT_BY_PSEUDONYM, (pseudonym,)).fetchall()


def _set_language(conn: sqlite3.Connection, lang: str, participant_id: int) -> None:
    """A participant's language."""
    cursor = conn.execute("UPDATE participants SET lang = ? WHERE id = ?", (lang, participant_id))
    if cursor.rowcount == 0:
        raise LookupError(f"no participant {participant_id}")


def connect_plain(path: Path, *pragmas: str) -> sqlite3.Connection:
    """A plain `sqlite3` connection to the WAL file in autocommit mode, with `pragmas`
    (made where it is used: a helper process, the checkpoints' thread)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_wal(path, conn.execute("PRAGMA journal_mode").fetchall())
        for pragma in pragmas:
            conn.execute(f"PRAGMA {pragma}")
    except BaseException:
        conn.close()
        raise
    return conn


async def _while_locked(attempt: Callable[[], Awaitable[T]], what: str) -> T:
    """`attempt()`, tried again while another program holds the write lock, up to
    BUSY_RETRY_SECONDS; safe since a write that met a lock wrote nothing (see `_write`)."""
    deadline = time.monotonic() + BUSY_RETRY_SECONDS
    while True:
        try:
            return await attempt()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() >= deadline:
                raise
            log.warning("the database is locked by another program: %s waiting", what)


_: type[Store] = SqliteStore
_reports: type[ReportStore] = SqliteStore
_ledger: type[Ledger] = SqliteStore
_privacy: type[PrivacyStore] = SqliteStore
_relays: type[RelayStore] = SqliteStore
_moderation: type[ModerationStore] = SqliteStore
