"""Reads by key, many residents' at once, in a thread of their own.

Every update of a resident reads their participant, their session and whether the update was
seen before: a few indexed lookups. Run on the event loop's thread, such a read took about
36 µs of it under a crowd in `bench/throughput.py`, against 9 µs on a quiet database: SQLite
drops a connection's whole page cache at its next read once another connection has
committed, and the group commit does so every few dozen updates, so each read loaded its
pages again. A hop to a thread and back for each read would cost more than the read; here the
reads queued while a batch of them runs go together in the next one, one hop for all of them,
and the event loop never waits for the file (a locked file makes only this thread wait).

Each read is a single statement, hence a consistent snapshot; one queued after a commit's
future resolved sees that commit. A read that fails gives its own error to its caller only.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from storage.sqlite_common import Row

# A read as queued: its statement, its parameters and the future its caller awaits.
_Queued = tuple[str, Sequence[object], "asyncio.Future[list[Row]]"]


class Lookups:
    """A plain `sqlite3` connection used by one thread of its own, for batches of reads."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._thread: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._queued: list[_Queued] = []
        self._running: asyncio.Future[list[list[Row] | Exception]] | None = None
        self.batches = 0  # handed to the thread so far

    async def open(self) -> None:
        """Start the thread and connect in it."""
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="store-lookups")
        try:
            self._conn = await asyncio.get_running_loop().run_in_executor(
                self._thread, self._connect
            )
        except BaseException:
            self._thread.shutdown()
            self._thread = None
            raise

    async def read(self, sql: str, params: Sequence[object]) -> list[Row]:
        """Every row of `sql`, run with the reads queued beside it."""
        if self._conn is None:
            raise RuntimeError("lookups are not open")
        future: asyncio.Future[list[Row]] = asyncio.get_running_loop().create_future()
        self._queued.append((sql, params, future))
        if self._running is None:
            self._start()
        return await future

    async def close(self) -> None:
        """Let the reads queued finish, then disconnect and stop the thread."""
        while self._running is not None:
            await asyncio.wait([self._running])
        conn, thread = self._conn, self._thread
        self._conn = self._thread = None
        if thread is None:
            return
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(thread, conn.close)
        thread.shutdown()

    def _start(self) -> None:
        """Hand every queued read to the thread, as one batch."""
        assert self._thread is not None and self._conn is not None
        batch, self._queued = self._queued, []
        statements = [(sql, params) for sql, params, _ in batch]
        running = asyncio.get_running_loop().run_in_executor(
            self._thread, _run, self._conn, statements
        )
        running.add_done_callback(partial(self._finished, batch))
        self._running = running
        self.batches += 1

    def _finished(
        self, batch: list[_Queued], running: asyncio.Future[list[list[Row] | Exception]]
    ) -> None:
        """Give each read of `batch` its rows or its error; start the next batch."""
        self._running = None
        failed = None if running.cancelled() else running.exception()
        results = [] if running.cancelled() or failed is not None else running.result()
        for index, (_, _, future) in enumerate(batch):
            if future.done():  # its caller was cancelled
                continue
            if running.cancelled():
                future.cancel()
            elif failed is not None:
                future.set_exception(failed)
            elif isinstance(result := results[index], Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._queued and self._conn is not None:
            self._start()


def _run(
    conn: sqlite3.Connection, statements: list[tuple[str, Sequence[object]]]
) -> list[list[Row] | Exception]:
    """Each statement's rows, or its error (in the lookups' thread)."""
    results: list[list[Row] | Exception] = []
    for sql, params in statements:
        try:
            results.append(conn.execute(sql, params).fetchall())
        except Exception as error:
            results.append(error)
    return results
