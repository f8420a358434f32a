"""Persistence: the `Store` interface and its SQLite implementation."""

from storage.base import (
    Channel,
    DuplicateUpdate,
    ExportedSession,
    Participant,
    Status,
    Store,
    StoredSession,
    Turn,
)
from storage.migrations import SchemaTooNew
from storage.sqlite import SqliteStore

__all__ = [
    "Channel",
    "DuplicateUpdate",
    "ExportedSession",
    "Participant",
    "SchemaTooNew",
    "SqliteStore",
    "Status",
    "Store",
    "StoredSession",
    "Turn",
]
