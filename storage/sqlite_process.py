"""A plain `sqlite3` connection made, used and closed in a helper process.

The group commits and the reads by key run where the event loop's GIL is not. In a thread of
the bot's process, each statement let go of the GIL for SQLite's work and had to take it back
from the event loop, which under a crowd never lets go: every statement of a batch waited up
to the interpreter's switch interval (5 ms), a batch of 2 ms of work took about 20 ms, and
the updates waiting on it left the event loop idle about a tenth of the time (measured with
`bench/throughput.py`). A helper process runs that work on the machine's other core and
answers through a socket the event loop reads when it is ready.

One helper process per kind of connection (`name`) serves every store of the bot's process,
each connection in a thread of its own (`storage.sqlite_worker`): a store opens in
milliseconds, not in the time a Python process takes to start. The work is a function of the
connection, sent by reference (pickle), with its arguments; so is its result or its error.
Both ends are this program's own processes, joined by a socket pair no one else can reach.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import os
import pickle
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from storage.sqlite_worker import HEADER, frame

T = TypeVar("T")


class _Helper:
    """One helper process, started when first needed and again if it has gone."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()  # stores of several threads' event loops share it
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        # Helpers let go of that still serve connections, kept until they end (reaped).
        self._retired: list[subprocess.Popen[bytes]] = []

    def attach(self) -> socket.socket:
        """Our end of a new socket pair whose other end the helper serves."""
        with self._lock:
            ours, theirs = socket.socketpair()
            with theirs:
                try:
                    self._send(theirs)
                except OSError:  # the helper has gone (killed): start another
                    self._stop()
                    self._send(theirs)
            return ours

    def _send(self, theirs: socket.socket) -> None:
        if self._control is None or self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        assert self._control is not None
        socket.send_fds(self._control, [b"c"], [theirs.fileno()])

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            # The helper unpickles what this process sends: it imports from the same paths.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            self._process = subprocess.Popen(  # noqa: S603 (this interpreter, our module)
                [sys.executable, "-m", "storage.sqlite_worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=env,
            )
        self._control = ours

    def _stop(self) -> None:
        """Let go of the helper: it ends once the connections it serves are closed."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            self._retired.append(self._process)
            self._process = None
        self._retired = [process for process in self._retired if process.poll() is None]

    def stop(self, deadline: float) -> None:
        """Let go of the helper and wait for it to end, until `deadline` (monotonic) at
        most: at exit, once the stores are closed, it ends within milliseconds."""
        with self._lock:
            self._stop()
            for process in self._retired:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(max(0.0, deadline - time.monotonic()))
            self._retired = [process for process in self._retired if process.poll() is None]


_helpers: dict[str, _Helper] = {}
_helpers_lock = threading.Lock()


def _helper(name: str) -> _Helper:
    """The helper process of connections called `name`."""
    with _helpers_lock:
        helper = _helpers.get(name)
        if helper is None:
            helper = _helpers[name] = _Helper(name)
        return helper


def helper_pids() -> dict[str, int]:
    """The process id of each helper running, by name (for benchmarks and tests)."""
    with _helpers_lock:
        helpers = list(_helpers.items())
    running = {}
    for name, helper in helpers:
        process = helper._process
        if process is not None and process.poll() is None:
            running[name] = process.pid
    return running


@atexit.register
def _stop_helpers() -> None:
    deadline = time.monotonic() + 2.0  # a store left open keeps its helper to our very end
    for helper in list(_helpers.values()):
        helper.stop(deadline)


class _Answers(asyncio.Protocol):
    """Our end of a connection's socket: each answer settles the oldest future waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.WriteTransport | None = None
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buffer = bytearray()

    def send(self, work: Callable[..., Any]) -> asyncio.Future[Any]:
        """The future of `work`'s answer."""
        if self.transport is None:
            raise _ended()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.transport.write(frame(work))
        self.waiting.append(future)
        return future

    async def close(self) -> None:
        """Close the connection after the work sent before, and wait for it."""
        if self.transport is not None:
            self.transport.write(frame(None))  # answered after the work before it
        await self.closed

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer, start)
            end = start + HEADER.size + size
            if len(buffer) < end:
                break
            # From our own helper, through a socket pair only the two processes hold.
            ok, value = pickle.loads(memoryview(buffer)[start + HEADER.size : end])  # noqa: S301
            start = end
            future = self.waiting.popleft()
            if future.done():  # its caller was cancelled meanwhile
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        del buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(_ended())
        if not self.closed.done():
            self.closed.set_result(None)


def _ended() -> sqlite3.OperationalError:
    """The error of work the helper process will not answer (killed, out of memory): the
    store's callers meet it as they would a failing disk."""
    return sqlite3.OperationalError("the store's helper process ended")


class ConnectionProcess:
    """A connection made with `connect` in the helper process of connections called
    `name`. `connect` and the work run on it must be picklable: module-level functions, or
    `functools.partial` of them.

    If the helper ends (killed, out of memory), the work it had fails and the next work
    sent connects again, in a new helper, so the bot goes on without a restart."""

    def __init__(self, name: str, connect: Callable[[], sqlite3.Connection]) -> None:
        self._name = name
        self._connect = connect
        self._open = False
        self._answers: _Answers | None = None
        self._reconnecting: asyncio.Future[_Answers] | None = None

    @property
    def is_open(self) -> bool:
        """Whether work can be sent (opened, not closed)."""
        return self._open

    async def open(self) -> None:
        """Connect, in the helper process."""
        self._answers = await self._connected()
        self._open = True

    def run(self, work: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """`work(connection)`, in the helper process."""
        if not self._open:
            raise RuntimeError(f"{self._name} is not open")
        answers = self._answers
        if answers is None or answers.transport is None:
            return asyncio.ensure_future(self._run_reconnected(work))
        return answers.send(work)

    async def close(self) -> None:
        """Close the connection after the work sent before, and wait for it."""
        if not self._open:
            return
        self._open = False
        if self._reconnecting is not None:
            await asyncio.wait([self._reconnecting])
        answers, self._answers = self._answers, None
        if answers is not None:
            await answers.close()

    async def _connected(self) -> _Answers:
        """A new connection, made in the helper."""
        loop = asyncio.get_running_loop()
        sock = await loop.run_in_executor(None, _helper(self._name).attach)
        _, answers = await loop.create_unix_connection(_Answers, sock=sock)
        try:
            await answers.send(self._connect)
        except BaseException:
            await answers.close()
            raise
        return answers

    async def _run_reconnected(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on a new connection: the helper of the last one ended."""
        if self._reconnecting is None:
            self._answers = None
            self._reconnecting = asyncio.ensure_future(self._connected())
            self._reconnecting.add_done_callback(self._reconnected)
        answers = await asyncio.shield(self._reconnecting)
        return cast(T, await answers.send(work))

    def _reconnected(self, reconnecting: asyncio.Future[_Answers]) -> None:
        self._reconnecting = None
        if not reconnecting.cancelled() and reconnecting.exception() is None:
            self._answers = reconnecting.result()
