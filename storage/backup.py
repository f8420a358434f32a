"""A consistent copy of the SQLite database while the bot runs (SQLite's online backup API).

The copy is made in one step (`pages=-1`), that is inside one read transaction on the source:
in WAL mode writers go on meanwhile, and the copy is the database as of one instant. It is
written next to the target under a temporary name, checked (`PRAGMA integrity_check`), then
renamed over the target, so a target never holds half a backup.

To restore: stop the bot, copy the backup over `storage.path`, delete the `-wal` and `-shm`
files beside it (they belong to the old database), start the bot.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from storage.sqlite_open import os_reason

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds."""

    path: Path
    participants: int
    sessions: int
    answers: int


class BackupError(RuntimeError):
    """The copy could not be made or is not sound."""


def backup(source: Path, target: Path) -> BackupReport:
    """Copy the database at `source` to `target` consistently; blocking (run in a thread).

    A `target` that is a folder gets the copy inside it, under the database's name, as `cp`
    does. Whatever fails (the source, the target's folder, a full disk) is a `BackupError`
    naming the file.
    """
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.is_dir():
        target = target / source.name
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot replace the database itself")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"cannot create the folder {target.parent}: {os_reason(error)}"
        ) from error
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        with _opened(source, f"cannot read the database {source}") as src:
            with _opened(partial, f"cannot write {target}") as dst:
                counts = _copy(src, dst, target)
            with partial.open("rb") as copied:
                os.fsync(copied.fileno())
        partial.replace(target)
    except OSError as error:
        raise BackupError(f"cannot write {target}: {os_reason(error)}") from error
    finally:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
    return BackupReport(target, *counts)


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection, target: Path) -> list[int]:
    """Copy `src` into `dst` and check it: the counts of participants, sessions, answers."""
    try:
        src.backup(dst, pages=-1)
        # A single file, without a -wal beside it, is what a backup should be.
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise BackupError(f"integrity check of the copy failed: {check[:3]}")
        return [
            int(dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in ("participants", "sessions", "answers")
        ]
    except sqlite3.Error as error:  # mostly the target's disk being full
        raise BackupError(f"cannot write {target}: {error}") from error


@contextmanager
def _opened(path: Path, failure: str) -> Iterator[sqlite3.Connection]:
    """A connection to `path`, closed after use; a failure to open it is `failure: why`."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(f"{failure}: {error}") from error
    with closing(conn):
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file
        except sqlite3.Error as error:
            raise BackupError(f"{failure}: {error}") from error
        yield conn
