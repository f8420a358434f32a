"""WAL checkpoints in a thread of their own, never inside a resident's commit.

SQLite copies the write-ahead log back into the database file (a checkpoint) by itself, in
the COMMIT that takes the log past 1,000 pages: that COMMIT then also writes and fsyncs the
database file. In the group commit every resident in the batch waited for it: measured with
`bench/throughput.py`, a batch took 19 ms at the median and 270–320 ms when it
checkpointed. The store's writing connections turn that off (`WRITER_PRAGMAS`); after
each write, `Checkpointer.due` starts a PASSIVE checkpoint on a connection of its own, in
its own thread, once the log passes `limit` bytes. A PASSIVE checkpoint waits for no reader
nor writer: commits go on appending to the log meanwhile, and the log starts again from its
beginning at the first commit after a complete checkpoint, as before.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from storage.sqlite_thread import ConnectionThread

log = logging.getLogger(__name__)

# The writing connections' settings: no checkpoint inside a COMMIT, and the log file cut back
# when the log starts again after a checkpoint, so that its size is what was written since
# (what `due` reads: a file kept at its largest size would start a checkpoint at every write).
WRITER_PRAGMAS: Final = ("wal_autocheckpoint = 0", "journal_size_limit = 0")
# SQLite's own threshold: 1,000 pages of 4 KiB.
LIMIT_BYTES: Final = 4 * 1024 * 1024


class Checkpointer:
    """Checkpoints of one database's log, one at a time, off the event loop and the commits."""

    def __init__(
        self,
        path: Path,
        connect: Callable[[], sqlite3.Connection],
        limit: int = LIMIT_BYTES,
    ) -> None:
        self.wal = path.with_name(path.name + "-wal")
        self.limit = limit
        self.done = 0  # checkpoints completed, for tests and benchmarks
        self._thread = ConnectionThread("store-checkpoints", connect)
        self._running: asyncio.Task[None] | None = None

    def due(self) -> None:
        """Start a checkpoint if the log has passed the limit and none is running."""
        if self._running is not None:
            return
        try:
            size = self.wal.stat().st_size
        except OSError:  # no log yet, or gone: nothing to copy back
            return
        if size >= self.limit:
            self._running = asyncio.create_task(self._checkpoint(), name="store-checkpoint")

    async def _checkpoint(self) -> None:
        try:
            if self._thread.conn is None:  # at the first one: most stores never need it
                await self._thread.open()
            await self._thread.run(self._passive)
            self.done += 1
        except sqlite3.Error as error:
            # The next write tries again; the log only grows meanwhile.
            log.warning("could not checkpoint the database log: %s", error)
        finally:
            self._running = None

    def _passive(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def idle(self) -> None:
        """Once no checkpoint is running (SQLite runs one at a time: a TRUNCATE one, which
        empties the log after an erasure, would find this one busy and give up)."""
        if self._running is not None:
            await asyncio.shield(self._running)

    async def close(self) -> None:
        """Let a running checkpoint finish, then close its connection and thread."""
        await self.idle()
        await self._thread.close()
