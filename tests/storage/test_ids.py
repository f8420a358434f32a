"""Participant and session ids are never given twice (migration 10).

Exports, moderation references ("SESSION:STEP") and relays' records name participants and
sessions by id: once a resident is erased, their ids must not come back for someone else.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flows.state import Answer
from storage.migrations import LATEST, MIGRATIONS, migrate
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn, old_database


def schema(path: Path) -> set[tuple[str, str, str]]:
    """Every index and trigger, by type, name and table."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return set(rows)


async def test_the_ids_of_an_erased_resident_are_not_given_again(sqlite_store: SqliteStore):
    first = await sqlite_store.participant("pseudo-a", NOW)
    first_session = await sqlite_store.commit(make_turn(first.id, saved={"q1": Answer()}))
    assert await sqlite_store.forget(first.id) is not None  # the largest ids go
    second = await sqlite_store.participant("pseudo-b", later(1))
    second_session = await sqlite_store.commit(make_turn(second.id, now=later(1)))
    assert second.id > first.id
    assert second_session > first_session


async def test_upgrading_a_version_9_database_keeps_ids_references_and_cascades(
    tmp_path: Path,
):
    path = tmp_path / "v9.sqlite3"
    old_database(path, 9, Answer(text="Plus de bancs"), lang="fr")  # participant 1, session 5
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        at = NOW.isoformat(timespec="microseconds")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("UPDATE participants SET current_session_id = 5 WHERE id = 1")
        conn.execute(
            "INSERT INTO flags (consultation_id, session_id, step_id, category, created_at) "
            "SELECT consultation_id, 5, 'q1', 'danger', ? FROM sessions WHERE id = 5",
            (at,),
        )
        conn.execute(
            "INSERT INTO contacts (participant_id, chat, created_at) VALUES (1, 'sealed', ?)",
            (at,),
        )
    fresh = tmp_path / "fresh.sqlite3"
    async with SqliteStore(fresh):
        pass

    async with SqliteStore(path) as store:
        session = await store.session(5)
        assert session is not None and session.participant_id == 1
        data = await store.participant_data(1)
        assert data is not None and data.contact
        assert [s.flags for s in data.sessions] == [["danger"]]
        assert data.sessions[0].answers[0].answer == Answer(text="Plus de bancs")
        # The cascades still hold: an erasure takes the session, its answer, flag, contact.
        erased = await store.forget(1)
        assert erased is not None and (erased.sessions, erased.answers, erased.flags) == (1, 1, 1)
        assert erased.contact
        newcomer = await store.participant("pseudo-new", later(1))
        assert newcomer.id == 2, "the erased resident's id is not given again"
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (0,)
    assert schema(path) == schema(fresh), "the same indexes and triggers as a new database"


def test_a_rebuild_that_breaks_a_reference_is_rolled_back(tmp_path: Path):
    path = tmp_path / "broken.sqlite3"
    old_database(path, 9, Answer(text="Plus de bancs"))
    # A rebuild that loses the participant its session refers to.
    losing = MIGRATIONS[9]._replace(
        statements=(*MIGRATIONS[9].statements, "DELETE FROM participants")
    )
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            migrate(conn, (*MIGRATIONS[:9], losing))
        except sqlite3.IntegrityError as error:
            assert "reference" in str(error)
        else:
            raise AssertionError("the broken rebuild was committed")
        assert conn.execute("PRAGMA user_version").fetchone() == (9,)
        assert conn.execute("SELECT count(*) FROM participants").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,), "enforced again"
