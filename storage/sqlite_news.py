"""`NewsStore` on SQLite: a mixin of `SqliteStore` (which supplies `_read`, `_scan`, `_write`).

The tables are `news` and `news_deliveries` (migration 9). Finding a news by its text is a
read by key (the text is unique); listing who received one may read thousands of rows, so it
is a scan, off the event loop. A chunk's deliveries are written in one transaction. The
claim on sending is a row of `leases` (migration 11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

import aiosqlite

from storage.sqlite_common import StoreParts, stamp, transaction

_FIND: Final = "SELECT id FROM news WHERE text = ?"
# Through `participants`, so a resident erased while the news was on its way is skipped:
# OR IGNORE covers the primary key, not a foreign key that no longer holds.
_RECORD: Final = (
    "INSERT OR IGNORE INTO news_deliveries (news_id, participant_id, delivered_at) "
    "SELECT ?, id, ? FROM participants WHERE id = ?"
)

LEASE: Final = "news"
# One statement, so taking a claim is atomic between processes: the row is written when it
# is new, when it is the holder's own, or when its claim has expired; otherwise not at all.
_TAKE: Final = (
    "INSERT INTO leases (name, holder, until) VALUES (:name, :holder, :until) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
    "WHERE leases.holder = excluded.holder OR leases.until <= :now"
)


class NewsSqlite(StoreParts):
    """Follow-up news operations of `SqliteStore`."""

    async def find_news(self, text: str) -> int | None:
        """The id of the news with this text (stripped), if it was ever sent; never creates."""
        rows = await self._read(_FIND, (text.strip(),))
        return int(rows[0][0]) if rows else None

    async def news_item(self, text: str, now: dt.datetime) -> int:
        """The id of the news with this text (stripped), created on first use."""
        stripped = text.strip()
        found = await self.find_news(stripped)
        if found is not None:
            return found

        async def create(conn: aiosqlite.Connection) -> int:
            # Serialised by the write lock: two first sends of one text agree on one row.
            await conn.execute(
                "INSERT OR IGNORE INTO news (text, created_at) VALUES (?, ?)",
                (stripped, stamp(now)),
            )
            rows = list(await conn.execute_fetchall(_FIND, (stripped,)))
            return int(rows[0][0])

        return await self._write(create)

    async def delivered(self, news_id: int) -> set[int]:
        """The participants who received this news (a scan: off the event loop)."""
        rows = await self._scan(
            "SELECT participant_id FROM news_deliveries WHERE news_id = ?", (news_id,)
        )
        return {int(row[0]) for row in rows}

    async def record_deliveries(
        self, news_id: int, participant_ids: Iterable[int], now: dt.datetime
    ) -> int:
        """Note that these participants received the news; how many were new (see
        `NewsStore.record_deliveries`)."""
        at = stamp(now)
        rows = [(news_id, at, pid) for pid in dict.fromkeys(participant_ids)]
        if not rows:
            return 0

        async def insert(conn: aiosqlite.Connection) -> int:
            async def work() -> int:
                cursor = await conn.executemany(_RECORD, rows)
                return cursor.rowcount

            # One transaction (one fsync) for the chunk, not one per resident.
            return await transaction(conn, work)

        return await self._write(insert)

    async def take_lease(self, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Claim the sending of news (see `NewsStore.take_lease`)."""
        params = {"name": LEASE, "holder": holder, "until": stamp(until), "now": stamp(now)}

        async def take(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(_TAKE, params)
            return cursor.rowcount == 1

        return await self._write(take)

    async def end_lease(self, holder: str) -> None:
        """Give up `holder`'s claim on sending news."""

        async def end(conn: aiosqlite.Connection) -> None:
            await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (LEASE, holder))

        await self._write(end)
