"""`PrivacyStore` on SQLite: a mixin of `SqliteStore` (which supplies `_read`, `_scan`, `_write`
and `_with_next_commit`).

Writes go through `_write`, serialised with the group-commit batches by the store's write lock;
those that change several tables run in their own `BEGIN IMMEDIATE` transaction. A follow-up
contact, kept at the end of a journey, rides with the residents' group commit instead. Deleting a
participant relies on the schema's cascades (sessions, then answers and flags; contacts).
The access report reads on a connection of its own inside one read transaction, so it is a
single snapshot.

What an erasure or a purge deletes must leave the disk, not only the tables: the store's
writing connections zero what they delete (`secure_delete`), and afterwards the `-wal` file,
which still holds every version of the pages the deleted rows were written to, is emptied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from functools import partial
from typing import TypeVar

import aiosqlite

from flows.model import LANGS
from flows.state import Answer
from storage.base import Channel, Flag, Participant, Status
from storage.privacy import (
    Erased,
    KeptContact,
    ParticipantData,
    Purged,
    PurgePlan,
    SessionData,
    StoredAnswer,
)
from storage.sqlite_checkpoint import Checkpointer
from storage.sqlite_common import (
    INSERT_FLAG,
    PARTICIPANT_SQL,
    StoreParts,
    parse_opt_stamp,
    parse_stamp,
    participant_from,
    stamp,
    transaction,
)

T = TypeVar("T")

log = logging.getLogger(__name__)

# How long emptying the -wal file may wait for readers (a digest's scan) while it holds up
# residents' writes; a wait cut short leaves it to the next erasure, purge or stop.
WAL_WIPE_TIMEOUT_MS = 1000


async def _wipe_wal(conn: aiosqlite.Connection, checkpointer: Checkpointer | None) -> None:
    """Copy the -wal file into the database and empty it, so the page versions it holds
    (every answer written since it was last emptied) leave the disk. Called within a write,
    so no new checkpoint starts meanwhile; one already running is waited for."""
    if checkpointer is not None:
        await checkpointer.idle()
    [(waited,)] = await conn.execute_fetchall("PRAGMA busy_timeout")
    await conn.execute(f"PRAGMA busy_timeout = {WAL_WIPE_TIMEOUT_MS}")
    try:
        [(busy, *_)] = await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as error:
        # Never raised for a lock: the erasure is committed, and a caller trying again
        # would find nothing left to erase.
        if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        busy = 1
    finally:
        await conn.execute(f"PRAGMA busy_timeout = {int(waited)}")
    if busy:
        log.warning(
            "the -wal file could not be emptied now (a reader was busy): the next "
            "erasure, purge or stop of the bot empties it"
        )


async def _count(conn: aiosqlite.Connection, sql: str, params: Sequence[object]) -> int:
    rows = list(await conn.execute_fetchall(sql, params))
    return int(rows[0][0]) if rows else 0


class PrivacySqlite(StoreParts):
    """Privacy operations of `SqliteStore`."""

    async def find_participant(self, pseudonym: str) -> Participant | None:
        """The participant with this pseudonym, if stored (never creates one)."""
        rows = await self._read(PARTICIPANT_SQL.format("pseudonym = ?"), (pseudonym,))
        return participant_from(rows[0]) if rows else None

    async def discard_if_unused(self, participant_id: int) -> bool:
        """Delete the participant if nothing else is stored about them (no session, contact)."""

        async def delete(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "DELETE FROM participants WHERE id = ? "
                "AND NOT EXISTS (SELECT 1 FROM sessions WHERE participant_id = participants.id) "
                "AND NOT EXISTS (SELECT 1 FROM contacts WHERE participant_id = participants.id)",
                (participant_id,),
            )
            return cursor.rowcount == 1

        return await self._write(delete)

    async def add_flags(
        self,
        flags: Sequence[Flag],
        consultation_id: str | None,
        session_id: int | None,
        now: dt.datetime,
        update_key: str | None = None,
    ) -> bool:
        """Store flags outside a turn; False (nothing stored) if `update_key` was seen."""
        at = stamp(now)
        rows = [(consultation_id, session_id, f.step_id, f.category, at) for f in flags]

        async def insert(conn: aiosqlite.Connection) -> bool:
            async def work() -> bool:
                if update_key is not None:
                    cursor = await conn.execute(
                        "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?) "
                        "ON CONFLICT (key) DO NOTHING",
                        (update_key, at),
                    )
                    if cursor.rowcount == 0:
                        return False
                await conn.executemany(INSERT_FLAG, rows)
                return True

            return await transaction(conn, work)

        return await self._write(insert)

    # -- access -----------------------------------------------------------------------------

    async def participant_data(self, participant_id: int) -> ParticipantData | None:
        """Everything stored about a participant, in one consistent read."""
        self._require_open()
        return await asyncio.to_thread(self._participant_data, participant_id)

    def _participant_data(self, participant_id: int) -> ParticipantData | None:
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("BEGIN")  # one snapshot for the reads below
            try:
                rows = conn.execute(PARTICIPANT_SQL.format("id = ?"), (participant_id,)).fetchall()
                if not rows:
                    return None
                sessions = conn.execute(
                    "SELECT id, consultation_id, channel, status, created_at, updated_at, "
                    "completed_at FROM sessions WHERE participant_id = ? ORDER BY id",
                    (participant_id,),
                ).fetchall()
                answers = conn.execute(
                    "SELECT a.session_id, a.step_id, a.value, a.created_at, a.updated_at, "
                    "a.hidden_at FROM answers AS a JOIN sessions AS s ON s.id = a.session_id "
                    "WHERE s.participant_id = ? ORDER BY a.session_id, a.created_at",
                    (participant_id,),
                ).fetchall()
                flags = conn.execute(
                    "SELECT f.session_id, f.category, f.step_id, f.created_at FROM flags AS f "
                    "JOIN sessions AS s ON s.id = f.session_id WHERE s.participant_id = ? "
                    "ORDER BY f.id",
                    (participant_id,),
                ).fetchall()
                contact = conn.execute(
                    "SELECT created_at FROM contacts WHERE participant_id = ?", (participant_id,)
                ).fetchall()
                [(news_received,)] = conn.execute(
                    "SELECT count(*) FROM news_deliveries WHERE participant_id = ?",
                    (participant_id,),
                ).fetchall()
                [(relay_since,)] = conn.execute(
                    "SELECT relay_at FROM participants WHERE id = ?", (participant_id,)
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        by_session: dict[int, SessionData] = {}
        for sid, cid, channel, status, created, updated, completed in sessions:
            by_session[sid] = SessionData(
                id=sid,
                consultation_id=cid,
                channel=Channel(channel),
                status=Status(status),
                created_at=parse_stamp(created),
                updated_at=parse_stamp(updated),
                completed_at=parse_stamp(completed) if completed else None,
            )
        for sid, step, value, created, updated, hidden in answers:
            by_session[sid].answers.append(
                StoredAnswer(
                    step,
                    Answer.model_validate_json(value),
                    parse_stamp(created),
                    parse_stamp(updated),
                    parse_opt_stamp(hidden),
                )
            )
        messages: dict[int, set[tuple[str | None, str]]] = {}
        for sid, category, step_id, created in flags:
            by_session[sid].flags.append(category)
            # A message's flags are written together: same step, same instant.
            messages.setdefault(sid, set()).add((step_id, created))
        for sid, seen in messages.items():
            by_session[sid] = replace(by_session[sid], flagged_messages=len(seen))
        return ParticipantData(
            participant=participant_from(rows[0]),
            sessions=list(by_session.values()),
            contact=bool(contact),
            contact_since=parse_stamp(contact[0][0]) if contact else None,
            news_received=news_received,
            relay_since=parse_opt_stamp(relay_since),
        )

    # -- erasure ----------------------------------------------------------------------------

    async def forget(self, participant_id: int) -> Erased | None:
        """Erase a participant with their sessions, answers, flags and contact (None: unknown)."""

        async def erase(conn: aiosqlite.Connection) -> Erased | None:
            mine = "SELECT id FROM sessions WHERE participant_id = ?"
            params = (participant_id,)

            async def work() -> Erased | None:
                sessions = await _count(
                    conn, "SELECT count(*) FROM sessions WHERE participant_id = ?", params
                )
                answers = await _count(
                    conn,
                    f"SELECT count(*) FROM answers WHERE session_id IN ({mine})",  # noqa: S608
                    params,
                )
                flags = await _count(
                    conn,
                    f"SELECT count(*) FROM flags WHERE session_id IN ({mine})",  # noqa: S608
                    params,
                )
                contact = await _count(
                    conn, "SELECT count(*) FROM contacts WHERE participant_id = ?", params
                )
                # The cascades remove sessions, their answers and flags, and the contact.
                cursor = await conn.execute("DELETE FROM participants WHERE id = ?", params)
                if cursor.rowcount == 0:
                    return None
                return Erased(sessions, answers, flags, contact=contact > 0)

            erased = await transaction(conn, work)
            if erased is not None:
                await _wipe_wal(conn, self.checkpointer)
            return erased

        return await self._write(erase)

    # -- follow-up contacts -----------------------------------------------------------------

    async def set_contact(self, participant_id: int, sealed: str, now: dt.datetime) -> None:
        """Keep a sealed chat id for follow-up news (a new consent restarts its retention)."""
        # Said at the end of many journeys at once: it rides with the residents' turns.
        await self._with_next_commit(
            partial(_upsert_contact, participant_id=participant_id, sealed=sealed, now=stamp(now))
        )

    async def contact(self, participant_id: int) -> str | None:
        """The sealed chat id kept for a participant, if any."""
        rows = await self._read(
            "SELECT chat FROM contacts WHERE participant_id = ?", (participant_id,)
        )
        return str(rows[0][0]) if rows else None

    async def drop_contact(self, participant_id: int) -> bool:
        """Forget a participant's chat id; True if there was one."""

        async def delete(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "DELETE FROM contacts WHERE participant_id = ?", (participant_id,)
            )
            return cursor.rowcount > 0

        return await self._write(delete)

    async def contacts(self) -> list[KeptContact]:
        """Every follow-up contact kept, by participant id (a scan: off the event loop)."""
        rows = await self._scan(
            "SELECT c.participant_id, c.chat, p.lang FROM contacts AS c "
            "JOIN participants AS p ON p.id = c.participant_id ORDER BY c.participant_id",
            (),
        )
        return [
            KeptContact(pid, str(chat), lang if lang in LANGS else None) for pid, chat, lang in rows
        ]

    # -- retention --------------------------------------------------------------------------

    async def purge(self, plan: PurgePlan) -> Purged:
        """Delete what retention no longer allows, in one transaction."""
        old = (stamp(plan.sessions_before),)

        async def delete(conn: aiosqlite.Connection) -> Purged:
            expired = "SELECT id FROM sessions WHERE updated_at < ?"

            async def work() -> Purged:
                answers = await _count(
                    conn,
                    f"SELECT count(*) FROM answers WHERE session_id IN ({expired})",  # noqa: S608
                    old,
                )
                flags = await _count(
                    conn,
                    f"SELECT count(*) FROM flags WHERE session_id IN ({expired})",  # noqa: S608
                    old,
                )
                sessions = (
                    await conn.execute("DELETE FROM sessions WHERE updated_at < ?", old)
                ).rowcount
                flags += (
                    await conn.execute(
                        "DELETE FROM flags WHERE session_id IS NULL AND created_at < ?", old
                    )
                ).rowcount
                await conn.execute(
                    "UPDATE participants SET current_session_id = NULL "
                    "WHERE current_session_id IS NOT NULL "
                    "AND current_session_id NOT IN (SELECT id FROM sessions)"
                )
                contacts = (
                    await conn.execute(
                        "DELETE FROM contacts WHERE created_at < ?",
                        (stamp(plan.contacts_before),),
                    )
                ).rowcount
                # A delivery record only keeps a re-send from reaching someone twice; past
                # the contacts' retention it says no more than that someone was a recipient.
                deliveries = (
                    await conn.execute(
                        "DELETE FROM news_deliveries WHERE delivered_at < ?",
                        (stamp(plan.contacts_before),),
                    )
                ).rowcount
                participants = (
                    await conn.execute(
                        "DELETE FROM participants WHERE created_at < ? "
                        "AND NOT EXISTS "
                        "(SELECT 1 FROM sessions WHERE participant_id = participants.id) "
                        "AND NOT EXISTS "
                        "(SELECT 1 FROM contacts WHERE participant_id = participants.id)",
                        old,
                    )
                ).rowcount
                processed = (
                    await conn.execute(
                        "DELETE FROM processed_updates WHERE processed_at < ?",
                        (stamp(plan.processed_before),),
                    )
                ).rowcount
                return Purged(
                    sessions, answers, flags, participants, contacts, processed, deliveries
                )

            purged = await transaction(conn, work)
            if purged != Purged():
                await _wipe_wal(conn, self.checkpointer)
            return purged

        return await self._write(delete)


def _upsert_contact(conn: sqlite3.Connection, participant_id: int, sealed: str, now: str) -> None:
    """A follow-up contact: in the group commits' helper process, hence module-level."""
    conn.execute(
        "INSERT INTO contacts (participant_id, chat, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (participant_id) DO UPDATE SET "
        "chat = excluded.chat, created_at = excluded.created_at",
        (participant_id, sealed, now),
    )
