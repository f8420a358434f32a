"""Reads by key, many residents' at once, in a helper process (`storage.sqlite_process`).

Every update of a resident reads their participant, their session and whether the update was
seen before: a few indexed lookups. Run on the event loop's thread, such a read took about
36 µs of it under a crowd in `bench/throughput.py`, against 9 µs on a quiet database: SQLite
drops a connection's whole page cache at its next read once another connection has
committed, and the group commit does so every few dozen updates, so each read loaded its
pages again. A message to the helper and back for each read would cost more than the read;
here the reads queued while a batch of them runs go together in the next one, one message
each way for all of them, and the event loop never waits for the file (a locked file makes
only the helper wait).

Each read is a single statement, hence a consistent snapshot; one queued after a commit's
future resolved sees that commit. A read that fails gives its own error to its caller only.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial

from storage.sqlite_common import Row
from storage.sqlite_process import ConnectionProcess
from storage.sqlite_thread import settle

# A read as queued: its statement, its parameters and the future its caller awaits.
_Queued = tuple[str, Sequence[object], "asyncio.Future[list[Row]]"]


class Lookups:
    """A plain `sqlite3` connection in a helper process, for batches of reads. `connect`
    makes it there: a module-level function, or a `partial` of one."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connection = ConnectionProcess("store-lookups", connect)
        self._queued: list[_Queued] = []
        self._running: asyncio.Future[list[list[Row] | Exception]] | None = None
        self.batches = 0  # sent so far

    async def open(self) -> None:
        """Connect, in the helper process."""
        await self._connection.open()

    async def read(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of `sql`, run with the reads queued beside it."""
        if not self._connection.is_open:
            raise RuntimeError("lookups are not open")
        future: asyncio.Future[list[Row]] = asyncio.get_running_loop().create_future()
        self._queued.append((sql, params, future))
        if self._running is None:
            self._start()
        return await future

    async def close(self) -> None:
        """Let the reads queued finish, then disconnect."""
        while self._running is not None:
            await asyncio.wait([self._running])
        await self._connection.close()

    def _start(self) -> None:
        """Send every queued read to the connection, as one batch."""
        batch, self._queued = self._queued, []
        statements = [(sql, params) for sql, params, _ in batch]
        running = self._connection.run(partial(_run, statements=statements))
        running.add_done_callback(partial(self._finished, batch))
        self._running = running
        self.batches += 1

    def _finished(
        self, batch: list[_Queued], running: asyncio.Future[list[list[Row] | Exception]]
    ) -> None:
        """Give each read of `batch` its rows or its error; start the next batch."""
        self._running = None
        if running.cancelled():
            for _, _, future in batch:
                future.cancel()
        else:
            failed = running.exception()
            results = running.result() if failed is None else [failed] * len(batch)
            for (_, _, future), result in zip(batch, results, strict=True):
                settle(future, result)
        if self._queued and self._connection.is_open:
            self._start()


def _run(
    conn: sqlite3.Connection, statements: list[tuple[str, Sequence[object]]]
) -> list[list[Row] | Exception]:
    """Each statement's rows, or its error (in the helper process)."""
    results: list[list[Row] | Exception] = []
    for sql, params in statements:
        try:
            results.append(conn.execute(sql, params).fetchall())
        except Exception as error:
            results.append(error)
    return results
