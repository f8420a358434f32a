"""Fixtures giving every `Store` backend the same tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.base import Store
from storage.sqlite import SqliteStore

StoreFactory = Callable[[], Store]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file in a directory that does not exist yet (the store creates it)."""
    return tmp_path / "data" / "parole.sqlite3"


# Add a backend here: its factory must return a new, unopened store on the same storage
# every time it is called, so restart tests can reopen what a previous store wrote.
@pytest.fixture(params=["sqlite"])
def make_store(request: pytest.FixtureRequest, db_path: Path) -> StoreFactory:
    """A factory of unopened stores sharing one storage location."""
    if request.param == "sqlite":
        return lambda: SqliteStore(db_path)
    raise AssertionError(f"unknown backend {request.param}")


@pytest.fixture
async def store(make_store: StoreFactory) -> AsyncIterator[Store]:
    """An open store, closed after the test."""
    opened = make_store()
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(db_path: Path) -> AsyncIterator[SqliteStore]:
    """An open SqliteStore, for tests that look under the hood."""
    opened = SqliteStore(db_path)
    await opened.open()
    yield opened
    await opened.close()
