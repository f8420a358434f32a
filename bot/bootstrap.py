"""Assembling the parts from settings: consultations, the privacy notice and the store."""

from __future__ import annotations

import sys

from bot.privacy import PrivacyNotice
from bot.settings import Settings
from flows.loader import BUILTIN_DIR, load_directory
from flows.model import Consultation
from storage.sqlite import SqliteStore
from storage.sqlite_open import StoreUnavailable, os_reason


def consultations(settings: Settings) -> list[Consultation]:
    """The consultations to run: the city's folder if configured, else the built-in ones."""
    directory = settings.consultation.directory or BUILTIN_DIR
    return load_directory(directory, settings.consultation.quartiers)


def notice(settings: Settings) -> PrivacyNotice:
    """What residents are told is kept, for how long and who answers for it: the same on
    Telegram, in assisted entries, on paper and in `parole chat`."""
    return PrivacyNotice(
        controller=settings.privacy.controller,
        contact=settings.privacy.contact,
        retention_days=settings.privacy.retention_days,
        min_group_size=settings.digest.min_group_size,
        timezone=settings.consultation.timezone,
    )


def store(settings: Settings) -> SqliteStore:
    """The embedded SQLite store at `storage.path` (not opened yet)."""
    return SqliteStore(settings.storage.path)


def existing_store(
    settings: Settings, command: str, *, missing: str = "no database at {path}"
) -> SqliteStore | None:
    """The store, for a command that reads or adds to data; None (and why, on stderr) if there
    is no database yet: opening would create an empty one, where the command would find
    nothing, or write what the bot never reads (run from another folder than the bot's).
    `missing` is the refusal, naming `{path}` (in French for a French command)."""
    path = settings.storage.path
    try:
        found = path.is_file()
    except OSError as error:  # a folder on the way this user may not enter
        raise StoreUnavailable(path, os_reason(error)) from error
    if not found:
        # The full path: a relative storage.path is read from the current folder.
        print(f"parole {command}: {missing.format(path=path.absolute())}", file=sys.stderr)
        return None
    return store(settings)
