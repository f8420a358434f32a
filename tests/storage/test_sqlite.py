"""What only the SQLite backend has: schema migrations, files on disk, group commit."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

import storage.sqlite
import storage.sqlite_reports
from flows.state import Answer
from storage.base import DuplicateUpdate, Status, StoredSession
from storage.migrations import LATEST, MIGRATIONS, Migration, SchemaTooNew, migrate
from storage.sqlite import SqliteStore
from tests.storage.helpers import (
    NOW,
    CountingStatements,
    FailingCommit,
    batch_pragmas,
    batches_on,
    copy_as_version,
    in_transaction,
    later,
    make_turn,
    pick,
    statements_seen,
)

TABLES = {
    "participants",
    "sessions",
    "answers",
    "processed_updates",
    "digest_runs",
    "answer_facts",  # derived from answers by triggers, for the digest (migration 4),
    "relays",
    "relay_invitations",
    "flags",
    "contacts",
    "news",  # who received which follow-up news (migration 9)
    "news_deliveries",
    "leases",  # one news send at a time across processes (migration 11)
}


@contextmanager
def plain(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, as an outside reader would open one."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        yield conn


def alone(database: Path) -> int:
    """How many sessions the database file holds by itself, without its -wal file."""
    copy = database.with_name("alone.sqlite3")
    shutil.copyfile(database, copy)
    with plain(copy) as conn:
        (count,) = conn.execute("SELECT count(*) FROM sessions").fetchone()
    copy.unlink()
    return int(count)


def user_tables(conn: sqlite3.Connection) -> set[str]:
    """The names of the tables we created."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {name for (name,) in rows}


class TestMigrations:
    """Schema versions."""

    async def test_empty_database_gets_the_latest_schema(self, db_path: Path) -> None:
        assert not db_path.parent.exists()
        async with SqliteStore(db_path):
            pass
        with plain(db_path) as conn:
            assert user_tables(conn) == TABLES
            assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
            indexes = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                )
            }
            assert {"sessions_latest", "sessions_consultation"} <= indexes

    async def test_opening_twice_is_a_no_op(self, db_path: Path) -> None:
        async with SqliteStore(db_path) as store:
            who = await store.participant("pseudo-a", NOW)
        with plain(db_path) as conn:
            schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        async with SqliteStore(db_path) as store:
            assert (await store.participant("pseudo-a", later(1))).id == who.id
        with plain(db_path) as conn:
            assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
            assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)

    async def test_newer_database_is_refused(self, db_path: Path) -> None:
        db_path.parent.mkdir()
        with plain(db_path) as conn:
            conn.execute(f"PRAGMA user_version = {LATEST + 1}")
        store = SqliteStore(db_path)
        with pytest.raises(SchemaTooNew, match=rf"version {LATEST + 1}.*up to {LATEST}"):
            await store.open()
        with plain(db_path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (LATEST + 1,)
            assert user_tables(conn) == set()
        with pytest.raises(RuntimeError, match="not open"):
            await store.seen("k")

    def test_each_migration_is_its_own_transaction(self, tmp_path: Path) -> None:
        broken = (
            Migration(1, ("CREATE TABLE one (x INTEGER)",)),
            Migration(2, ("CREATE TABLE two (x INTEGER)", "THIS IS NOT SQL")),
        )
        with plain(tmp_path / "m.sqlite3") as conn:
            with pytest.raises(sqlite3.OperationalError):
                migrate(conn, broken)
            # Version 1 stayed; version 2 left nothing behind, not even its first table.
            assert conn.execute("PRAGMA user_version").fetchone() == (1,)
            assert user_tables(conn) == {"one"}
            assert not conn.in_transaction
            fixed = (broken[0], Migration(2, ("CREATE TABLE two (x INTEGER)",)))
            assert migrate(conn, fixed) == 2
            assert user_tables(conn) == {"one", "two"}

    async def test_upgrading_a_version_1_database_keeps_its_sessions(self, tmp_path: Path) -> None:
        current = tmp_path / "current.sqlite3"
        async with SqliteStore(current) as writer:
            who = await writer.participant("pseudo-a", NOW)
            sid = await writer.commit(make_turn(who.id, saved={"q0": pick("a")}))
        path = tmp_path / "v1.sqlite3"
        copy_as_version(current, path, 1)
        async with SqliteStore(path) as upgraded:
            session = await upgraded.session(sid)
            assert session is not None and session.screen is None
            assert session.state.answers == {"q0": pick("a")}
        with plain(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)

    def test_migration_list_must_be_numbered_in_order(self, tmp_path: Path) -> None:
        with plain(tmp_path / "m.sqlite3") as conn, pytest.raises(ValueError, match="expected"):
            migrate(conn, (MIGRATIONS[0], Migration(3, ("SELECT 1",))))


class TestSqliteStore:
    """SQLite specifics: files on disk, PRAGMAs, group commit."""

    def test_bad_settings_are_refused(self, db_path: Path) -> None:
        with pytest.raises(ValueError, match="synchronous"):
            SqliteStore(db_path, synchronous="FULL; DROP TABLE answers")
        with pytest.raises(ValueError, match="file"):
            SqliteStore(":memory:")

    async def test_wal_and_pragmas(self, sqlite_store: SqliteStore, db_path: Path) -> None:
        with plain(db_path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        writer, reader = sqlite_store._writer_conn, sqlite_store._reader_conn
        assert writer is not None and reader is not None
        for each in (writer, reader):
            assert list(await each.execute_fetchall("PRAGMA foreign_keys")) == [(1,)]
            assert list(await each.execute_fetchall("PRAGMA busy_timeout")) == [(5000,)]
            assert list(await each.execute_fetchall("PRAGMA synchronous")) == [(2,)]  # FULL
        assert list(await writer.execute_fetchall("PRAGMA query_only")) == [(0,)]
        assert list(await reader.execute_fetchall("PRAGMA query_only")) == [(1,)]

        assert await sqlite_store._batches.run(batch_pragmas) == [(1,), (5000,), (2,), (0,)]

    async def test_a_session_changed_by_another_process_is_read_as_stored(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        # Parsed states are reused while their stored text is unchanged: a state rewritten
        # behind the store's back (another process, a repair by hand) must be read anew.
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(make_turn(who.id, saved={"q1": pick("a")}, position=1))
        first = await sqlite_store.session(sid)
        assert first is not None and first.state.answers == {"q1": pick("a")}
        rewritten = make_turn(who.id, saved={"q1": pick("b")}, position=2).state
        with plain(db_path) as conn:
            conn.execute(
                "UPDATE sessions SET state = ? WHERE id = ?", (rewritten.model_dump_json(), sid)
            )
        again = await sqlite_store.session(sid)
        assert again is not None and again.state == rewritten
        arrival = await sqlite_store.arrival("pseudo-a", "tg:9")
        assert arrival is not None and arrival.session is not None
        assert arrival.session.state.answers == {"q1": pick("b")}

    async def test_erasure_leaves_no_parsed_answer_in_memory(
        self, sqlite_store: SqliteStore
    ) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(make_turn(who.id, saved={"q1": pick("a")}, position=1))
        assert await sqlite_store.session(sid) is not None
        assert len(sqlite_store._states) == 1
        assert await sqlite_store.forget(who.id) is not None
        assert len(sqlite_store._states) == 0

    async def test_resolved_commit_is_on_disk(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(
            make_turn(who.id, update_key="tg:1", saved={"q1": pick("a")})
        )
        with plain(db_path) as conn:
            assert conn.execute(
                "SELECT participant_id FROM sessions WHERE id = ?", (sid,)
            ).fetchall() == [(who.id,)]
            assert conn.execute(
                "SELECT step_id FROM answers WHERE session_id = ?", (sid,)
            ).fetchall() == [("q1",)]
            assert conn.execute("SELECT key FROM processed_updates").fetchall() == [("tg:1",)]
            assert conn.execute("SELECT current_session_id FROM participants").fetchall() == [
                (sid,)
            ]

    async def test_timestamps_are_iso_utc_text(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        await sqlite_store.commit(make_turn(who.id, status=Status.COMPLETED))
        with plain(db_path) as conn:
            row = conn.execute(
                "SELECT created_at, updated_at, completed_at FROM sessions"
            ).fetchone()
        assert row == ("2025-03-01T12:00:00.000000+00:00",) * 3

    async def test_answer_rows_are_upserted(self, sqlite_store: SqliteStore, db_path: Path) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(make_turn(who.id, saved={"q1": pick("a"), "q2": pick("b")}))
        await sqlite_store.commit(
            make_turn(who.id, session_id=sid, now=later(5), saved={"q1": pick("c")})
        )
        with plain(db_path) as conn:
            rows = conn.execute(
                "SELECT step_id, value, created_at, updated_at FROM answers ORDER BY step_id"
            ).fetchall()
        assert [(step, value) for step, value, _, _ in rows] == [
            ("q1", pick("c").model_dump_json()),
            ("q2", pick("b").model_dump_json()),
        ]
        (_, _, q1_created, q1_updated), (_, _, q2_created, q2_updated) = rows
        assert q1_created == q2_created == q2_updated == "2025-03-01T12:00:00.000000+00:00"
        assert q1_updated == "2025-03-01T12:05:00.000000+00:00"

        await sqlite_store.commit(make_turn(who.id, session_id=sid, now=later(6), removed=["q1"]))
        with plain(db_path) as conn:
            assert conn.execute("SELECT step_id FROM answers").fetchall() == [("q2",)]

    async def test_no_telegram_id_is_stored_anywhere(self, db_path: Path) -> None:
        telegram_id = "987654321"
        pseudonym = hmac.new(b"city secret", telegram_id.encode(), hashlib.sha256).hexdigest()
        async with SqliteStore(db_path) as store:
            who = await store.participant(pseudonym, NOW)
            await store.set_language(who.id, "fr")
            sid = await store.commit(
                make_turn(who.id, update_key="tg-update:17", saved={"q1": pick("a")})
            )
            await store.commit(
                make_turn(
                    who.id,
                    session_id=sid,
                    now=later(1),
                    update_key="tg-update:18",
                    saved={"q2": pick("b")},
                    status=Status.COMPLETED,
                )
            )
        cells: list[Any] = []
        with plain(db_path) as conn:
            tables = user_tables(conn)
            assert tables == TABLES
            for table in tables:
                columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                for row in conn.execute(f"SELECT * FROM {table}"):
                    assert len(row) == len(columns)
                    cells.extend(row)
        assert pseudonym in cells  # the scan did see the data
        assert not [cell for cell in cells if telegram_id in str(cell)]
        # Nor anywhere on disk: database, WAL or shared-memory file, free pages included.
        files = await asyncio.to_thread(lambda: sorted(db_path.parent.iterdir()))
        assert db_path in files
        for file in files:
            assert telegram_id.encode() not in await asyncio.to_thread(file.read_bytes), file

    async def test_concurrent_commits_share_transactions(self, sqlite_store: SqliteStore) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        before = sqlite_store.transactions
        ids = await asyncio.gather(
            *(
                sqlite_store.commit(make_turn(who.id, update_key=f"tg:{i}", make_current=False))
                for i in range(200)
            )
        )
        used = sqlite_store.transactions - before
        assert len(set(ids)) == 200
        assert 1 <= used <= 10, used

    async def test_a_crowds_first_taps_share_transactions(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        # A flyer campaign: many residents seen for the first time at once, each choosing a
        # language and leaving a follow-up contact, as their answers come in.
        before = sqlite_store.transactions
        people = await asyncio.gather(
            *(sqlite_store.participant(f"pseudo-{i}", NOW) for i in range(100))
        )
        await asyncio.gather(
            *(sqlite_store.set_language(who.id, "en") for who in people),
            *(sqlite_store.set_contact(who.id, f"sealed-{who.id}", NOW) for who in people),
            *(sqlite_store.commit(make_turn(who.id, update_key=f"tg:{who.id}")) for who in people),
        )
        used = sqlite_store.transactions - before
        assert len({who.id for who in people}) == 100
        assert 2 <= used <= 20, used  # not one transaction (and one fsync) per write
        with plain(db_path) as conn:  # committed, for any other reader
            assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (100,)
            assert conn.execute(
                "SELECT count(*) FROM participants WHERE lang = 'en'"
            ).fetchone() == (100,)

    async def test_a_failing_write_in_a_batch_fails_alone(self, sqlite_store: SqliteStore) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        before = sqlite_store.transactions
        results = await asyncio.gather(
            sqlite_store.set_language(who.id, "en"),
            sqlite_store.set_language(4242, "en"),  # nobody: refused
            sqlite_store.commit(make_turn(who.id, update_key="tg:1")),
            return_exceptions=True,
        )
        assert sqlite_store.transactions - before == 1  # really one batch
        refused, committed = results[1:]
        assert isinstance(refused, LookupError)
        assert isinstance(committed, int)
        assert (await sqlite_store.participant("pseudo-a", NOW)).lang == "en"
        assert await sqlite_store.seen("tg:1")

    async def test_commits_leave_the_log_to_the_checkpointer(self, tmp_path: Path) -> None:
        # SQLite's own checkpoint would run inside a commit once the log passes 4 MiB, every
        # resident of that batch waiting for it: the store's writing connections leave it to
        # the checkpointer, whose limit here is never reached.
        database = tmp_path / "db.sqlite3"
        async with SqliteStore(database, synchronous="OFF", checkpoint_bytes=2**40) as store:
            who = await store.participant("pseudo-a", NOW)
            text = Answer(text="x" * 3000)  # about a page per turn
            for i in range(1500):
                await store.commit(make_turn(who.id, saved={"q1": text}, update_key=f"tg:{i}"))
            log = database.with_name(database.name + "-wal")
            assert log.stat().st_size > 4 * 1024 * 1024
            assert store.checkpointer is not None and store.checkpointer.done == 0
            assert alone(database) == 0  # nothing copied back into the database file yet

    async def test_the_checkpointer_copies_the_log_back(self, tmp_path: Path) -> None:
        database = tmp_path / "db.sqlite3"
        async with SqliteStore(database, checkpoint_bytes=64 * 1024) as store:
            who = await store.participant("pseudo-a", NOW)
            turns = [
                make_turn(who.id, update_key=f"tg:{i}", make_current=False) for i in range(200)
            ]
            for start in range(0, 200, 20):
                await asyncio.gather(*(store.commit(turn) for turn in turns[start : start + 20]))
            assert store.checkpointer is not None
            await store.checkpointer.idle()
            assert store.checkpointer.done >= 1
            assert alone(database) > 0  # the sessions reached the database file itself

    async def test_once_copied_back_the_log_starts_again(self, tmp_path: Path) -> None:
        # The log file keeps its largest size unless cut back: a checkpoint at every write.
        async with SqliteStore(tmp_path / "db.sqlite3", checkpoint_bytes=64 * 1024) as store:
            who = await store.participant("pseudo-a", NOW)
            checkpointer = store.checkpointer
            assert checkpointer is not None
            text = Answer(text="x" * 3000)
            for i in range(40):
                await store.commit(make_turn(who.id, saved={"q1": text}, update_key=f"a{i}"))
            await checkpointer.idle()
            copied = checkpointer.done
            assert copied >= 1
            for i in range(20):  # well under the limit in all
                await store.commit(make_turn(who.id, update_key=f"b{i}"))
                await checkpointer.idle()
            assert checkpointer.done - copied < 10  # not one checkpoint per write

    async def test_a_duplicate_in_a_batch_is_undone_alone(self, sqlite_store: SqliteStore) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(make_turn(who.id, update_key="old"))
        before = sqlite_store.transactions
        results = await asyncio.gather(
            sqlite_store.commit(make_turn(who.id, update_key="new-1")),
            sqlite_store.commit(make_turn(who.id, session_id=sid, update_key="old", position=5)),
            sqlite_store.commit(make_turn(who.id, update_key="new-2")),
            return_exceptions=True,
        )
        assert sqlite_store.transactions - before == 1  # really one batch
        assert isinstance(results[0], int) and isinstance(results[2], int)
        assert isinstance(results[1], DuplicateUpdate)
        session = await sqlite_store.session(sid)
        assert session is not None and session.state.position == 0
        assert [s.session_id async for s in sqlite_store.export()] == [sid, results[0], results[2]]

    async def test_failed_commit_fails_the_whole_batch(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        who = await sqlite_store.participant("pseudo-a", NOW)
        await batches_on(sqlite_store, FailingCommit)
        results = await asyncio.gather(
            *(sqlite_store.commit(make_turn(who.id, update_key=f"k{i}")) for i in range(5)),
            return_exceptions=True,
        )
        assert all(isinstance(result, sqlite3.OperationalError) for result in results)
        assert all("injected" in str(result) for result in results)
        assert not await sqlite_store._batches.run(in_transaction)
        with plain(db_path) as conn:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM processed_updates").fetchone() == (0,)
        # The store is still usable, and the keys were not burnt.
        await batches_on(sqlite_store)
        sid = await sqlite_store.commit(make_turn(who.id, update_key="k0"))
        assert await sqlite_store.session(sid) is not None

    async def test_an_unexpected_failure_falls_back_to_one_turn_at_a_time(
        self, sqlite_store: SqliteStore, db_path: Path
    ) -> None:
        # A new session for a participant that does not exist breaks a foreign key in the
        # middle of the fast path: the batch is redone turn by turn, and only that turn fails.
        who = await sqlite_store.participant("pseudo-a", NOW)
        sid = await sqlite_store.commit(make_turn(who.id, update_key="old"))
        before = sqlite_store.transactions
        results = await asyncio.gather(
            sqlite_store.commit(make_turn(who.id, update_key="k1", saved={"q1": pick("a")})),
            sqlite_store.commit(make_turn(4242, update_key="k2", saved={"q1": pick("x")})),
            sqlite_store.commit(make_turn(who.id, session_id=sid, update_key="old")),
            sqlite_store.commit(
                make_turn(who.id, session_id=sid, update_key="k3", now=later(1), position=4)
            ),
            return_exceptions=True,
        )
        assert sqlite_store.transactions - before == 1
        created, orphan, duplicate, updated = results
        assert isinstance(orphan, sqlite3.IntegrityError)
        assert isinstance(duplicate, DuplicateUpdate)
        assert isinstance(created, int) and updated == sid
        assert not await sqlite_store.seen("k2")  # rolled back with its turn
        assert await sqlite_store.seen("k1") and await sqlite_store.seen("k3")
        session = await sqlite_store.session(sid)
        assert session is not None and session.state.position == 4
        with plain(db_path) as conn:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (2,)
            assert conn.execute("SELECT value FROM answers").fetchall() == [
                (pick("a").model_dump_json(),)
            ]

    async def test_a_key_is_only_taken_by_a_turn_that_is_applied(
        self, sqlite_store: SqliteStore
    ) -> None:
        # As if applied one after the other: the first turn fails on its session, so the
        # second one with the same key is not a duplicate; the third one is.
        who = await sqlite_store.participant("pseudo-a", NOW)
        before = sqlite_store.transactions
        missing, applied, duplicate = await asyncio.gather(
            sqlite_store.commit(make_turn(who.id, session_id=999, update_key="k")),
            sqlite_store.commit(make_turn(who.id, update_key="k")),
            sqlite_store.commit(make_turn(who.id, update_key="k")),
            return_exceptions=True,
        )
        assert sqlite_store.transactions - before == 1
        assert isinstance(missing, LookupError)
        assert isinstance(applied, int)
        assert isinstance(duplicate, DuplicateUpdate)
        assert [s.session_id async for s in sqlite_store.export()] == [applied]

    async def test_a_batch_leaves_the_answers_one_turn_at_a_time_would(
        self, tmp_path: Path
    ) -> None:
        # Saves, removals and saves again of the same steps by turns of one batch: the rows,
        # dates included, are those the turns leave when committed one after the other (q3,
        # there before the batch, removed then saved again, is a new row: a new created_at).
        script = [
            ({"q1": pick("a"), "q2": pick("b")}, []),
            ({}, ["q1"]),
            ({"q1": pick("c")}, ["q3"]),
            ({"q1": pick("d"), "q3": pick("e")}, []),
            ({"q2": pick("f")}, ["q2"]),
            ({"q4": pick("g")}, []),
            ({"q4": pick("h")}, []),
        ]

        async def play(path: Path, together: bool) -> list[tuple[str, ...]]:
            async with SqliteStore(path, synchronous="OFF") as store:
                who = await store.participant("pseudo-a", NOW)
                sid = await store.commit(
                    make_turn(who.id, saved={"q2": pick("old"), "q3": pick("old")})
                )
                turns = [
                    make_turn(who.id, session_id=sid, now=later(i + 1), saved=saved, removed=gone)
                    for i, (saved, gone) in enumerate(script)
                ]
                if together:
                    before = store.transactions
                    await asyncio.gather(*(store.commit(turn) for turn in turns))
                    assert store.transactions - before == 1
                else:
                    for turn in turns:
                        await store.commit(turn)
            with plain(path) as conn:
                return conn.execute(
                    "SELECT step_id, value, created_at, updated_at FROM answers ORDER BY step_id"
                ).fetchall()

        one_by_one = await play(tmp_path / "one.sqlite3", together=False)
        assert [step for step, *_ in one_by_one] == ["q1", "q3", "q4"]
        assert await play(tmp_path / "batch.sqlite3", together=True) == one_by_one

    async def test_a_batch_leaves_the_session_one_turn_at_a_time_would(
        self, tmp_path: Path
    ) -> None:
        # One session changed by several turns of the same batch, its screen noted after
        # each: completed, active again, completed again. The completion date is the last
        # one, the screen the last noted, as when they are committed one after the other.
        statuses = [Status.COMPLETED, Status.ACTIVE, Status.COMPLETED, Status.COMPLETED]

        async def play(path: Path, together: bool) -> StoredSession | None:
            async with SqliteStore(path, synchronous="OFF") as store:
                who = await store.participant("pseudo-a", NOW)
                other = await store.participant("pseudo-b", NOW)
                sid = await store.commit(make_turn(who.id))
                bystander = await store.commit(make_turn(other.id))
                changes = [
                    change
                    for i, status in enumerate(statuses)
                    for change in (
                        store.commit(
                            make_turn(
                                who.id, session_id=sid, now=later(i + 1), status=status, position=i
                            )
                        ),
                        store.set_screen(sid, f"message-{i}"),
                    )
                ]
                changes.append(store.set_screen(bystander, "message-b"))
                if together:
                    before = store.transactions
                    await asyncio.gather(*changes)
                    assert store.transactions - before == 1
                else:
                    for change in changes:
                        await change
                assert (await store.session(bystander)).screen == "message-b"  # type: ignore[union-attr]
                return await store.session(sid)

        one_by_one = await play(tmp_path / "one.sqlite3", together=False)
        assert one_by_one is not None and one_by_one.screen == "message-3"
        assert one_by_one.completed_at == later(3)
        assert await play(tmp_path / "batch.sqlite3", together=True) == one_by_one

    async def test_a_batch_costs_a_few_statements_whatever_its_size(
        self, sqlite_store: SqliteStore
    ) -> None:
        people = [await sqlite_store.participant(f"pseudo-{i}", NOW) for i in range(40)]
        sids = [await sqlite_store.commit(make_turn(who.id)) for who in people]
        await batches_on(sqlite_store, CountingStatements)
        before = sqlite_store.transactions
        await asyncio.gather(
            *(
                sqlite_store.commit(
                    make_turn(
                        who.id,
                        session_id=sid,
                        now=later(1),
                        update_key=f"tg:{who.id}",
                        saved={"q1": pick("a"), "q2": pick("b")},
                        removed=["q3"],
                    )
                )
                for who, sid in zip(people, sids, strict=True)
            ),
            *(sqlite_store.commit(make_turn(who.id)) for who in people[:3]),
        )
        assert sqlite_store.transactions - before == 1
        # BEGIN, 2 SELECTs, session UPDATEs, answer DELETEs and upserts, processed keys,
        # current sessions, COMMIT; plus one INSERT per new session.
        statements = await sqlite_store._batches.run(statements_seen)
        assert len(statements) == 9 + 3, statements

    async def test_export_streams_in_chunks(
        self, sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(storage.sqlite_reports, "EXPORT_CHUNK", 3)
        who = await sqlite_store.participant("pseudo-a", NOW)
        ids = [
            await sqlite_store.commit(make_turn(who.id, saved={"q1": pick(str(i))}))
            for i in range(7)
        ]
        stream = sqlite_store.export()
        first = await anext(stream)
        # Changed after the export began, two chunks ahead (the next one is being read
        # already): a stream that had loaded everything up front would yield the old answer.
        await sqlite_store.commit(
            make_turn(who.id, session_id=ids[6], now=later(1), saved={"q1": pick("changed")})
        )
        ids.append(await sqlite_store.commit(make_turn(who.id, saved={"q1": pick("late")})))
        rest = [item async for item in stream]
        assert [first.session_id, *(item.session_id for item in rest)] == ids
        assert rest[5].answers == {"q1": pick("changed")}
        assert rest[-1].answers == {"q1": pick("late")}


class LockedAtFirst:
    """A connection whose journal-mode switch meets `failures` errors before it succeeds."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        self.calls = 0

    def execute(self, sql: str) -> LockedAtFirst:
        self.calls += 1
        if self.failures:
            raise sqlite3.OperationalError(self.failures.pop(0))
        return self

    def fetchall(self) -> list[tuple[str]]:
        return [("wal",)]


class TestSwitchToWal:
    """Several processes opening a new database at once: SQLite says "locked" without waiting."""

    def test_a_locked_switch_is_tried_again(self) -> None:
        conn = LockedAtFirst(["database is locked", "database is locked"])
        assert storage.sqlite._switch_to_wal(conn) == [("wal",)]  # type: ignore[arg-type]
        assert conn.calls == 3

    def test_other_errors_are_not_retried(self) -> None:
        conn = LockedAtFirst(["disk I/O error"])
        with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
            storage.sqlite._switch_to_wal(conn)  # type: ignore[arg-type]
        assert conn.calls == 1

    def test_a_lock_that_lasts_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(storage.sqlite, "BUSY_TIMEOUT_MS", 50)
        conn = LockedAtFirst(["database is locked"] * 1000)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            storage.sqlite._switch_to_wal(conn)  # type: ignore[arg-type]
