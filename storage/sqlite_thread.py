"""A plain `sqlite3` connection made, used and closed by one thread of its own.

A Python `sqlite3` connection belongs to the thread that made it. The checkpoints keep theirs
in a thread of their own: the event loop hands them work, one hop each, and never waits for
the file. (The group commits and the reads by key, which run all the time under a crowd, are
in helper processes instead: `storage.sqlite_process`.)
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class ConnectionThread:
    """One thread and the connection it made with `connect`."""

    def __init__(self, name: str, connect: Callable[[], sqlite3.Connection]) -> None:
        self._name = name
        self._connect = connect
        self._thread: ThreadPoolExecutor | None = None
        self.conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        """Start the thread and connect in it."""
        thread = ThreadPoolExecutor(1, thread_name_prefix=self._name)
        try:
            self.conn = await asyncio.get_running_loop().run_in_executor(thread, self._connect)
        except BaseException:
            thread.shutdown()
            raise
        self._thread = thread

    def run(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """`work(connection)`, in the thread."""
        if self._thread is None or self.conn is None:
            raise RuntimeError(f"{self._name} is not open")
        return asyncio.get_running_loop().run_in_executor(self._thread, work, self.conn)

    async def close(self) -> None:
        """Close the connection in its thread (after the work handed over), stop the thread."""
        thread, conn = self._thread, self.conn
        self._thread = self.conn = None
        if thread is None:
            return
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(thread, conn.close)
        thread.shutdown()


def settle(future: asyncio.Future[Any], result: object) -> None:
    """Give a caller the result of the work it queued (or its error, when `result` is one),
    unless it was cancelled meanwhile."""
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
