"""Follow-up news in storage: which text each resident received (migration 9)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.retention import RetentionJob
from bot.settings import PrivacySettings, Settings
from flows.state import Answer
from storage.migrations import LATEST
from storage.news import NewsStore
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn, old_database

# SqliteStore is a NewsStore: checked by the type checker.
_news: type[NewsStore] = SqliteStore


async def resident(store: SqliteStore, name: str, at: dt.datetime = NOW) -> int:
    """A participant who asked for news (a contact is kept); their id."""
    who = await store.participant(f"pseudo-{name}", at)
    await store.set_contact(who.id, f"sealed-{name}", at)
    return who.id


def rows(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.execute(sql, params).fetchall())


async def test_a_text_is_one_news_whatever_the_spaces_around_it(sqlite_store: SqliteStore):
    assert await sqlite_store.find_news("Le jardin ouvre.") is None, "a lookup never creates"
    assert rows(sqlite_store.path, "SELECT count(*) FROM news") == [(0,)]
    first = await sqlite_store.news_item("  Le jardin ouvre.\n", NOW)
    assert await sqlite_store.news_item("Le jardin ouvre.", later(5)) == first
    assert await sqlite_store.find_news("Le jardin ouvre. ") == first
    other = await sqlite_store.news_item("Le jardin ouvre !", NOW)
    assert other != first, "a changed text is another news"
    assert rows(sqlite_store.path, "SELECT text FROM news ORDER BY id") == [
        ("Le jardin ouvre.",),
        ("Le jardin ouvre !",),
    ]


async def test_deliveries_are_recorded_once_per_news_and_resident(sqlite_store: SqliteStore):
    alice, bob, chloe = [await resident(sqlite_store, name) for name in ("a", "b", "c")]
    garden = await sqlite_store.news_item("Jardin", NOW)
    market = await sqlite_store.news_item("Marché", NOW)
    assert await sqlite_store.delivered(garden) == set()
    assert await sqlite_store.record_deliveries(garden, [alice, bob, alice], later(1)) == 2
    assert await sqlite_store.record_deliveries(garden, [bob, chloe], later(2)) == 1
    assert await sqlite_store.record_deliveries(garden, [], later(3)) == 0
    assert await sqlite_store.delivered(garden) == {alice, bob, chloe}
    assert await sqlite_store.delivered(market) == set(), "each news has its own record"
    stamps = rows(
        sqlite_store.path, "SELECT delivered_at FROM news_deliveries WHERE participant_id = ?", bob
    )
    assert stamps == [(later(1).isoformat(timespec="microseconds"),)], "keeps the first date"


async def test_a_resident_erased_during_the_send_is_left_out(sqlite_store: SqliteStore):
    alice, bob = await resident(sqlite_store, "a"), await resident(sqlite_store, "b")
    garden = await sqlite_store.news_item("Jardin", NOW)
    await sqlite_store.forget(bob)  # /oubli while the news was on its way
    assert await sqlite_store.record_deliveries(garden, [alice, bob], later(1)) == 1
    assert await sqlite_store.delivered(garden) == {alice}


async def test_erasure_takes_a_residents_deliveries_with_it(sqlite_store: SqliteStore):
    alice, bob = await resident(sqlite_store, "a"), await resident(sqlite_store, "b")
    garden = await sqlite_store.news_item("Jardin", NOW)
    await sqlite_store.record_deliveries(garden, [alice, bob], later(1))
    erased = await sqlite_store.forget(alice)
    assert erased is not None and erased.contact
    assert await sqlite_store.delivered(garden) == {bob}
    assert rows(sqlite_store.path, "SELECT participant_id FROM news_deliveries") == [(bob,)]
    assert await sqlite_store.find_news("Jardin") == garden, "staff's text stays"


async def test_a_news_deleted_takes_its_deliveries_with_it(sqlite_store: SqliteStore):
    alice = await resident(sqlite_store, "a")
    garden = await sqlite_store.news_item("Jardin", NOW)
    await sqlite_store.record_deliveries(garden, [alice], later(1))
    with closing(sqlite3.connect(sqlite_store.path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM news WHERE id = ?", (garden,))
    assert rows(sqlite_store.path, "SELECT count(*) FROM news_deliveries") == [(0,)]


async def test_a_participant_discarded_takes_their_deliveries_with_them(
    sqlite_store: SqliteStore,
):
    alice = await resident(sqlite_store, "a")
    garden = await sqlite_store.news_item("Jardin", NOW)
    await sqlite_store.record_deliveries(garden, [alice], later(1))
    await sqlite_store.drop_contact(alice)  # /stop: nothing else is stored about them
    assert await sqlite_store.discard_if_unused(alice)
    assert await sqlite_store.delivered(garden) == set()


async def test_retention_removes_old_delivery_records_and_the_residents_it_removes(
    tmp_path: Path,
):
    now = NOW + dt.timedelta(days=400)
    recent = now - dt.timedelta(days=5)
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        gone = await resident(store, "gone", NOW)  # consented 400 days ago, no answer since
        kept = await resident(store, "kept", now - dt.timedelta(days=10))
        answered = await store.participant("pseudo-answered", NOW)
        await store.commit(make_turn(answered.id, now=now, saved={"q1": Answer(text="ok")}))
        garden = await store.news_item("Jardin", NOW)
        await store.record_deliveries(garden, [gone, kept, answered.id], later(1))
        market = await store.news_item("Marché", recent)
        await store.record_deliveries(market, [gone, kept, answered.id], recent)
        purged = await RetentionJob(
            store, Settings(privacy=PrivacySettings(retention_days=365)), clock=lambda: now
        ).run()
        assert (purged.participants, purged.contacts) == (1, 1)
        # Sent 400 days ago: the record goes, whoever received it.
        assert await store.delivered(garden) == set()
        assert purged.deliveries == 3
        # Sent 5 days ago: kept, except for the resident retention removed.
        assert await store.delivered(market) == {kept, answered.id}
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_a_residents_data_counts_the_news_they_received(sqlite_store: SqliteStore):
    alice, bob = [await resident(sqlite_store, name) for name in ("a", "b")]
    for text in ("Jardin", "Marché"):
        await sqlite_store.record_deliveries(
            await sqlite_store.news_item(text, NOW), [alice], later(1)
        )
    alices, bobs = [await sqlite_store.participant_data(who) for who in (alice, bob)]
    assert alices is not None and alices.news_received == 2
    assert bobs is not None and bobs.news_received == 0


async def test_upgrading_a_version_8_database_keeps_its_data(tmp_path: Path):
    path = tmp_path / "v8.sqlite3"
    old_database(path, 8, Answer(text="Plus de bancs"), lang="en")  # before migration 9
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(
            "INSERT INTO contacts (participant_id, chat, created_at) VALUES (1, 'sealed', ?)",
            (NOW.isoformat(timespec="microseconds"),),
        )
    async with SqliteStore(path) as store:
        [kept] = await store.contacts()
        assert (kept.participant_id, kept.chat, kept.lang) == (1, "sealed", "en")
        data = await store.participant_data(1)
        assert data is not None and [s.id for s in data.sessions] == [5]
        assert data.sessions[0].answers[0].answer == Answer(text="Plus de bancs")
        garden = await store.news_item("Jardin", later(1))
        assert await store.record_deliveries(garden, [1], later(2)) == 1
        assert await store.delivered(garden) == {1}
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
