"""The program of the store's helper processes (started by `storage.sqlite_process`).

It receives, on its control socket, one end of a socket pair per connection to serve, and
serves each in a thread of its own: the first message is the function that makes the
`sqlite3` connection, every later one a function to run on it, each answered in order, and
None closes it. The process ends when its control socket closes and its connections are done.

A socket that closes without that None means the bot's process died (killed, out of
memory): a transaction under way is then rolled back rather than committed (`requester_gone`),
as it would have been with the work in the bot's own process. Telegram hands the bot's next
run the updates it had not confirmed, and they must find nothing of them stored.

Signals: the bot's process group gets Ctrl-C and the service manager's SIGTERM, and the bot
then commits what it has queued, through this process. So this process ignores them and
ends when the bot lets go of it (its sockets close, even if the bot is killed).
"""

from __future__ import annotations

import pickle
import select
import signal
import socket
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any, Final

HEADER: Final = struct.Struct("!I")  # each message: its length, then its pickle

_serving = threading.local()  # the socket of the connection a thread serves


def frame(value: object) -> bytes:
    """`value` as one message."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def serve(sock: socket.socket) -> None:
    """Make the connection, run each function sent on it and answer `(ok, result)`,
    until None comes or the other end closes."""
    conn: sqlite3.Connection | None = None
    _serving.sock = sock
    with sock, sock.makefile("rb") as incoming:
        try:
            while True:
                header = incoming.read(HEADER.size)
                if len(header) < HEADER.size:
                    return
                (size,) = HEADER.unpack(header)
                body = incoming.read(size)
                if len(body) < size:
                    return
                reply: tuple[bool, object]
                try:
                    # From the bot's process, through a socket pair only the two hold.
                    work: Callable[..., Any] | None = pickle.loads(body)  # noqa: S301
                    if work is None:
                        return
                    if conn is None:
                        conn = work()
                        reply = (True, None)
                    else:
                        reply = (True, work(conn))
                except Exception as error:
                    reply = (False, error)
                sock.sendall(_answer(reply))
        except OSError:  # the other end went away without waiting for its answers
            return
        finally:
            if conn is not None:
                conn.close()


def requester_gone() -> bool:
    """Whether the process that sent the work under way has died (False outside a helper
    process): its socket is at its end, not even a closing message left."""
    sock: socket.socket | None = getattr(_serving, "sock", None)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and not sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except OSError:
        return True


def _answer(reply: tuple[bool, object]) -> bytes:
    """`reply` as a message; an error or a result that cannot be pickled becomes an error
    that can, naming it."""
    try:
        return frame(reply)
    except Exception as error:
        ok, value = reply
        what = f"{type(value).__name__}: {value}" if not ok else type(value).__name__
        return frame((False, RuntimeError(f"unsendable answer ({what}): {error}")))


def main(control: socket.socket) -> None:
    """Serve each socket received on `control`, until it closes."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    threads: list[threading.Thread] = []
    with control:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(control, 1, 1)
            except OSError:
                break
            if not data:
                break
            for fd in fds:
                thread = threading.Thread(target=serve, args=(socket.socket(fileno=fd),))
                thread.start()
                threads.append(thread)
            threads = [thread for thread in threads if thread.is_alive()]
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    # As the package's module, not as __main__: the work sent asks that one
    # (`requester_gone`), and must find the sockets this process serves.
    from storage import sqlite_worker

    sqlite_worker.main(socket.socket(fileno=int(sys.argv[1])))
