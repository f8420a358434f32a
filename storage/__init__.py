"""Persistence: the interface in `storage.base`, SQLite in `storage.sqlite`, schema migrations.

Nothing is imported here, so that code depending only on the interface (`digest/`) does not
load aiosqlite.
"""
