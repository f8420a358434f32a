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
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

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
    """Copy the database at `source` to `target` consistently; blocking (run in a thread)."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot replace the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(source, isolation_level=None)) as src,
            closing(sqlite3.connect(partial, isolation_level=None)) as dst,
        ):
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst, pages=-1)
            # A single file, without a -wal beside it, is what a backup should be.
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise BackupError(f"integrity check of the copy failed: {check[:3]}")
            counts = [
                int(dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
                for table in ("participants", "sessions", "answers")
            ]
        with partial.open("rb") as copied:
            os.fsync(copied.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, *counts)
