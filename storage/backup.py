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
    """The copy could not be made or is not sound: what failed, in French and in English
    (`parole backup` says both), and why, as the system or SQLite said it, if known."""

    def __init__(self, french: str, english: str, reason: str | None = None) -> None:
        """`french` and `english` say what failed, `reason` why."""
        super().__init__(f"{english}: {reason}" if reason else english)
        self.french = french
        self.english = english
        self.reason = reason


def backup(source: Path, target: Path) -> BackupReport:
    """Copy the database at `source` to `target` consistently; blocking (run in a thread).

    A `target` that is a folder gets the copy inside it, under the database's name, as `cp`
    does. Whatever fails (the source, the target's folder, a full disk) is a `BackupError`
    naming the file.
    """
    if not source.is_file():
        raise BackupError(f"{source.absolute()} : aucune base de données ici", "no database there")
    if target.is_dir():
        target = target / source.name
    if target.resolve() == source.resolve():
        raise BackupError(
            "la copie ne peut pas remplacer la base de données elle-même",
            "the backup cannot replace the database itself",
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"impossible de créer le dossier {target.parent}",
            f"cannot create the folder {target.parent}",
            os_reason(error),
        ) from error
    partial = target.with_name(f".{target.name}.partial")
    unwritten = (f"impossible d'écrire {target}", f"cannot write {target}")
    try:
        partial.unlink(missing_ok=True)
        unread = (
            f"impossible de lire la base de données {source}",
            f"cannot read the database {source}",
        )
        with _opened(source, unread) as src:
            with _opened(partial, unwritten) as dst:
                counts = _copy(src, dst, unwritten)
            with partial.open("rb") as copied:
                os.fsync(copied.fileno())
        partial.replace(target)
    except OSError as error:
        raise BackupError(*unwritten, os_reason(error)) from error
    finally:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
    return BackupReport(target, *counts)


def _copy(
    src: sqlite3.Connection, dst: sqlite3.Connection, unwritten: tuple[str, str]
) -> list[int]:
    """Copy `src` into `dst` and check it: the counts of participants, sessions, answers.
    A failure to write is `unwritten` (French, English) and why."""
    try:
        src.backup(dst, pages=-1)
        # A single file, without a -wal beside it, is what a backup should be.
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            raise BackupError(
                "la vérification d'intégrité de la copie a échoué",
                "integrity check of the copy failed",
                str(check[:3]),
            )
        return [
            int(dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in ("participants", "sessions", "answers")
        ]
    except sqlite3.Error as error:  # mostly the target's disk being full
        raise BackupError(*unwritten, str(error)) from error


@contextmanager
def _opened(path: Path, failure: tuple[str, str]) -> Iterator[sqlite3.Connection]:
    """A connection to `path`, closed after use; a failure to open it is `failure` (French,
    English) and why."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        raise BackupError(*failure, str(error)) from error
    with closing(conn):
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file
        except sqlite3.Error as error:
            raise BackupError(*failure, str(error)) from error
        yield conn
