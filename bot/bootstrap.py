"""Assembling the parts from settings: consultations and the store."""

from __future__ import annotations

import sys

from bot.settings import Settings
from flows.loader import BUILTIN_DIR, load_directory
from flows.model import Consultation
from storage.sqlite import SqliteStore


def consultations(settings: Settings) -> list[Consultation]:
    """The consultations to run: the city's folder if configured, else the built-in ones."""
    directory = settings.consultation.directory or BUILTIN_DIR
    return load_directory(directory, settings.consultation.quartiers)


def store(settings: Settings) -> SqliteStore:
    """The embedded SQLite store at `storage.path` (not opened yet)."""
    return SqliteStore(settings.storage.path)


def existing_store(settings: Settings, command: str) -> SqliteStore | None:
    """The store, for a command that reads data; None (and why, on stderr) if there is no
    database yet: opening would create an empty one and the command would find nothing."""
    if not settings.storage.path.is_file():
        print(f"parole {command}: no database at {settings.storage.path}", file=sys.stderr)
        return None
    return store(settings)
