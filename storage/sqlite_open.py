"""Why a SQLite database cannot be opened for writing, in words an operator can act on.

SQLite's own message for most of these is "unable to open database file" or "attempt to
write a readonly database", whichever of the file, its folder or the -wal and -shm files
beside it is the cause. The file system says which, before SQLite is asked.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Final

from storage.migrations import too_new

PROBE_TIMEOUT_MS: Final = 1000


class StoreUnavailable(RuntimeError):
    """The database cannot be opened for writing; the message names the file and why."""

    def __init__(self, path: Path, reason: str) -> None:
        """`path` could not be opened for writing because of `reason`."""
        self.path = path
        self.reason = reason
        super().__init__(f"cannot open the database {path.absolute()} for writing: {reason}")


def access_problem(path: Path) -> str | None:
    """Why this process may not open or create the database at `path` for writing, or None.

    Read from the file system alone, creating nothing: SQLite needs the file readable and
    writable, and its folder writable, since the -wal and -shm files go beside it; a missing
    database is created with its folder, so the nearest folder that exists must be writable.
    """
    try:
        return _access_problem(path)
    except OSError as error:  # a folder on the way this user may not even look into
        return os_reason(error)


def _access_problem(path: Path) -> str | None:
    if path.exists() and not path.is_file():
        return "it is not a file"
    if not path.exists():
        folder = path.absolute().parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            return f"{folder} is not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"permission denied to create it in {folder}"
        return None
    if not os.access(path, os.R_OK | os.W_OK):
        return "permission denied"
    folder = path.absolute().parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied on its folder {folder} (SQLite writes files beside it)"
    return None


def unavailable(path: Path, error: OSError | sqlite3.Error) -> StoreUnavailable:
    """The error to raise when opening `path` failed with `error`."""
    why = os_reason(error) if isinstance(error, OSError) else str(error)
    return StoreUnavailable(path, access_problem(path) or why)


def os_reason(error: OSError) -> str:
    """What the system said, as words in a sentence: "permission denied"."""
    return (error.strerror or str(error)).lower()


def writable_problem(path: Path) -> str | None:
    """Why the bot could not open the database at `path` for writing, or None; creates nothing.

    A database that does not exist yet is fine where it can be created (the bot creates it at
    its first start). One that exists is also read once, so a file that is not a database is
    caught, and so is one written by a newer version of parole; no schema change is made
    (the bot migrates at its start, not a check).
    """
    problem = access_problem(path)
    if problem is not None or not path.exists():
        return problem
    try:
        uri = f"{path.absolute().as_uri()}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {PROBE_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            [(version,)] = conn.execute("PRAGMA user_version").fetchall()
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
            return None  # another process holds it (the bot running): it opens
        return str(error)
    except sqlite3.Error as error:
        return str(error)
    return too_new(int(version))
