"""Group commit, in its helper process: turns encoded as SQL parameters, and a batch of them
applied in one transaction.

`SqliteStore.commit` encodes each turn on the event loop (`EncodedTurn.of`) and queues it; its
writer sends a batch to `apply_batch`, which runs in a helper process on a plain
`sqlite3` connection of its own (see `storage.sqlite` for the whole path). The fast path runs
a fixed number of statements per batch whatever its size; if a statement fails unexpectedly
the batch is rolled back and applied one turn at a time, each in a SAVEPOINT, so a bad turn
only fails itself.

The fast path hands SQLite each statement's rows as one JSON array, read with `json_each`,
rather than row by row (`executemany`) or as a list of `?` whose length changes the statement
text. Python's `sqlite3` lets go of the GIL for each row's step and takes it back after,
which cost the event loop dearly while batches ran in a thread of its process; in the helper
process, one statement per kind of change still keeps a batch to a few steps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar, cast

import orjson

from storage.base import Channel, DuplicateUpdate, Status, Turn
from storage.sqlite_common import INSERT_FLAG, stamp
from storage.sqlite_worker import requester_gone

_INSERT_SESSION: Final = (
    "INSERT INTO sessions (participant_id, consultation_id, channel, status, state, "
    "created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_SET_CURRENT: Final = "UPDATE participants SET current_session_id = ? WHERE id = ?"

# Changes given as one JSON array of rows (`_rows`), each row an array: a whole batch's on
# the fast path, one turn's on the slow one.
_SEEN_KEYS: Final = (
    "SELECT key FROM processed_updates WHERE key IN (SELECT value FROM json_each(?))"
)
# One row whatever the batch's size: each row fetched would be a step of its own.
_OWNERS: Final = (
    "SELECT json_group_array(json_array(id, participant_id, consultation_id)) "
    "FROM sessions WHERE id IN (SELECT value FROM json_each(?))"
)
# Rows of `EncodedTurn.update_params`. A session stays completed since its first completion;
# going back to active clears the date. Not `WITH … UPDATE`: Python 3.11's `sqlite3` gives no
# rowcount for a statement so written.
_UPDATE_SESSIONS: Final = (
    "UPDATE sessions SET state = json_extract(turn.value, '$[0]'), "
    "status = json_extract(turn.value, '$[1]'), updated_at = json_extract(turn.value, '$[2]'), "
    "completed_at = CASE WHEN json_extract(turn.value, '$[3]') IS NULL THEN NULL "
    "ELSE COALESCE(sessions.completed_at, json_extract(turn.value, '$[3]')) END "
    "FROM json_each(?) AS turn WHERE sessions.id = json_extract(turn.value, '$[4]') "
    "AND sessions.participant_id = json_extract(turn.value, '$[5]') "
    "AND sessions.consultation_id = json_extract(turn.value, '$[6]')"
)
# Rows: (session id, step id).
_DELETE_ANSWERS: Final = (
    "DELETE FROM answers WHERE (session_id, step_id) IN "
    "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))"
)
# Rows: (session id, step id, value, created at, updated at). An answer keeps the date it was
# first given. A text staff hid stays hidden only while it is the same text: a resident who
# rewrites it has written something staff have not seen. `WHERE true`: SQLite's grammar needs
# it before ON CONFLICT when the rows come from a SELECT.
_UPSERT_ANSWERS: Final = (
    "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]') "
    "FROM json_each(?) WHERE true ON CONFLICT (session_id, step_id) "
    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
    "hidden_at = CASE WHEN json_extract(answers.value, '$.text') "
    "IS json_extract(excluded.value, '$.text') THEN answers.hidden_at ELSE NULL END"
)
_INSERT_PROCESSED: Final = (
    "INSERT INTO processed_updates (key, processed_at) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
)
_SET_SCREENS: Final = (
    "UPDATE sessions SET screen = json_extract(note.value, '$[0]') "
    "FROM json_each(?) AS note WHERE sessions.id = json_extract(note.value, '$[1]')"
)


@dataclass(frozen=True, slots=True)
class EncodedTurn:
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
    def of(cls, turn: Turn) -> EncodedTurn:
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
        """A row of `_UPDATE_SESSIONS`."""
        completed_at = self.now if self.completed else None
        return (
            self.state,
            self.status,
            self.now,
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
class _AnswerChange:
    """What a batch does to one answer row, all its turns taken in order."""

    value: str | None  # the last value saved; None when the batch ends by removing it
    created_at: str  # when it was (re)created, if the row is new
    updated_at: str
    delete_first: bool  # a turn of the batch removed it: delete the old row before upserting


R = TypeVar("R")

# A write that rides with a batch: a few statements on the batch's connection, its result.
# Sent to the helper process by reference: a module-level function, or a `partial` of one.
Write = Callable[[sqlite3.Connection], object]


def apply_batch(
    conn: sqlite3.Connection,
    turns: Sequence[EncodedTurn],
    screens: Sequence[tuple[str | None, int]] = (),
    writes: Sequence[Write] = (),
) -> tuple[list[int | Exception], list[object]]:
    """Apply `turns` in one transaction: the fast path, or one SAVEPOINT per turn; then
    the screens noted (message, session id), then `writes`, each in a SAVEPOINT of its own.
    The turns' results and the writes' (an exception for one that failed alone). Runs in
    the group commits' helper process."""
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
        for screens_once in _rounds(screens, key=lambda note: note[1]):
            conn.execute(_SET_SCREENS, _rows(screens_once))
        written = [_apply_write(conn, write) for write in writes]
        if requester_gone():  # killed while the batch waited for the lock or ran
            raise sqlite3.OperationalError("the bot's process ended: its batch is not kept")
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return results, written


def _apply_write(conn: sqlite3.Connection, write: Write) -> object:
    """`write(conn)` in a SAVEPOINT: if it raises, its changes go and the error is its
    result; the rest of the batch is kept."""
    conn.execute("SAVEPOINT write")
    try:
        result = write(conn)
    except Exception as error:
        conn.execute("ROLLBACK TO write")
        conn.execute("RELEASE write")
        return error
    conn.execute("RELEASE write")
    return result


def _rows(rows: Sequence[object]) -> tuple[str]:
    """The parameter of a `json_each(?)` statement: its rows, as one JSON array."""
    return (orjson.dumps(rows).decode(),)


def _rounds(rows: Sequence[R], key: Callable[[R], object]) -> list[list[R]]:
    """`rows` in rounds holding one row per key at most, each key's rows in order: an
    `UPDATE … FROM` applies only one of the rows that match a record, where `executemany`
    applied them one after the other (almost always a single round)."""
    rounds: list[list[R]] = []
    last: dict[object, int] = {}  # key -> the round its latest row is in
    for row in rows:
        index = last.get(key(row), -1) + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(row)
        last[key(row)] = index
    return rounds


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already dropped it."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _apply_together(
    conn: sqlite3.Connection, turns: Sequence[EncodedTurn]
) -> list[int | Exception]:
    """Every change of `turns`, in a few statements for the whole batch."""
    results: dict[int, int | Exception] = {}

    keys = sorted({turn.update_key for turn in turns if turn.update_key is not None})
    taken: set[str] = set()
    if keys:
        taken = {key for (key,) in conn.execute(_SEEN_KEYS, _rows(keys)).fetchall()}
    targets = sorted({turn.session_id for turn in turns if turn.session_id is not None})
    owners: dict[int, tuple[int, str]] = {}
    if targets:
        [(found,)] = conn.execute(_OWNERS, _rows(targets)).fetchall()
        owners = {sid: (pid, cid) for sid, pid, cid in orjson.loads(found)}

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
    updated = 0
    for updates_once in _rounds(updates, key=lambda params: params[4]):  # the session id
        updated += conn.execute(_UPDATE_SESSIONS, _rows(updates_once)).rowcount
    if updated != len(updates):
        raise sqlite3.DatabaseError(f"{updated} of {len(updates)} sessions updated")

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
        conn.execute(_DELETE_ANSWERS, _rows(deletes))
    if upserts:
        conn.execute(_UPSERT_ANSWERS, _rows(upserts))
    if processed:
        # A conflict here is unexpected (the keys were checked): it sends the batch to
        # the slow path, where the turn gets its DuplicateUpdate.
        conn.execute(_INSERT_PROCESSED, _rows(processed))
    if current:
        conn.executemany(_SET_CURRENT, current)
    if flag_rows:
        conn.executemany(INSERT_FLAG, flag_rows)
    return [results[index] for index in range(len(turns))]


def _apply_one_by_one(
    conn: sqlite3.Connection, turns: Sequence[EncodedTurn]
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


def _apply_turn(conn: sqlite3.Connection, turn: EncodedTurn) -> int:
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
        cursor = conn.execute(_UPDATE_SESSIONS, _rows([turn.update_params(session_id)]))
        if cursor.rowcount == 0:
            raise turn.missing()
    if turn.saved:
        saved = [(session_id, step, value, turn.now, turn.now) for step, value in turn.saved]
        conn.execute(_UPSERT_ANSWERS, _rows(saved))
    if turn.removed:
        conn.execute(_DELETE_ANSWERS, _rows([(session_id, step) for step in turn.removed]))
    if turn.make_current:
        conn.execute(_SET_CURRENT, (session_id, turn.participant_id))
    if turn.flags:
        conn.executemany(INSERT_FLAG, turn.flag_rows(session_id))
    return int(session_id)
