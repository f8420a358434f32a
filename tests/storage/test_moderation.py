"""Moderation in storage: hiding residents' texts from digests and exports (migration 8)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from flows.state import Answer
from storage.base import Flag
from storage.migrations import LATEST
from storage.sqlite import SqliteStore
from storage.sqlite_reports import WITHHELD_TEXT
from tests.storage.helpers import CONSULTATION, NOW, later, make_turn, old_database

END = later(24 * 60)


def text(value: str) -> Answer:
    """A free-text answer."""
    return Answer(text=value)


def other(value: str) -> Answer:
    """An "Autre" answer with its text."""
    return Answer(choices=["other"], text=value)


async def resident(store: SqliteStore, name: str, minutes: int, **saved: Answer) -> int:
    """A new resident's session with `saved` answers at NOW + `minutes`; its id."""
    who = await store.participant(f"pseudo-{name}", later(minutes))
    return await store.commit(make_turn(who.id, saved=saved, now=later(minutes)))


async def answer_again(store: SqliteStore, session_id: int, minutes: int, **saved: Answer) -> None:
    """The session's resident changes (or gives again) some answers."""
    session = await store.session(session_id)
    assert session is not None
    turn = make_turn(session.participant_id, session_id=session_id, saved=saved, now=later(minutes))
    await store.commit(turn)


async def test_hide_and_show_one_text(sqlite_store: SqliteStore) -> None:
    older = await resident(sqlite_store, "a", 1, proposition=text("Plus de bancs"))
    newer = await resident(sqlite_store, "b", 2, q1=other("Un voisin, M. Martin"), q2=Answer())
    listed = await sqlite_store.texts_for_moderation(10)
    assert [(t.session_id, t.step_id, t.text) for t in listed] == [
        (newer, "q1", "Un voisin, M. Martin"),
        (older, "proposition", "Plus de bancs"),
    ], "texts only, most recent first"
    assert listed[0].consultation_id == CONSULTATION and listed[0].answered_at == later(2)
    assert all(t.hidden_at is None for t in listed)
    assert [t.step_id for t in await sqlite_store.texts_for_moderation(1)] == ["q1"]

    assert await sqlite_store.hide_text(newer, "q1", later(10))
    assert await sqlite_store.hide_text(newer, "q1", later(20)), "hiding again is fine"
    hidden = await sqlite_store.moderated_text(newer, "q1")
    assert hidden is not None and hidden.hidden_at == later(10), "keeps the first date"
    assert [
        t.session_id for t in await sqlite_store.texts_for_moderation(10, hidden_only=True)
    ] == [newer]

    assert await sqlite_store.show_text(newer, "q1")
    shown = await sqlite_store.moderated_text(newer, "q1")
    assert shown is not None and shown.hidden_at is None
    assert await sqlite_store.texts_for_moderation(10, hidden_only=True) == []


async def test_only_existing_texts_can_be_hidden(sqlite_store: SqliteStore) -> None:
    sid = await resident(sqlite_store, "a", 1, q1=Answer(choices=["x"]), q2=text("ok"))
    assert not await sqlite_store.hide_text(sid, "q1", later(5)), "a choice has no text"
    assert not await sqlite_store.hide_text(sid, "nope", later(5))
    assert not await sqlite_store.hide_text(sid + 1, "q2", later(5))
    assert not await sqlite_store.show_text(sid + 1, "q2")
    assert await sqlite_store.moderated_text(sid, "q1") is None


async def test_a_changed_text_drops_the_mark_the_same_text_keeps_it(
    sqlite_store: SqliteStore,
) -> None:
    sid = await resident(sqlite_store, "a", 1, q1=other("Insulte"), q2=text("Nom du voisin"))
    assert await sqlite_store.hide_text(sid, "q1", later(2))
    assert await sqlite_store.hide_text(sid, "q2", later(2))
    # Same "Autre" text with another pick: still the text staff hid.
    await answer_again(
        sqlite_store, sid, 3, q1=Answer(choices=["x", "other"], text="Insulte"), q2=text("Merci")
    )
    kept = await sqlite_store.moderated_text(sid, "q1")
    assert kept is not None and kept.hidden_at == later(2)
    rewritten = await sqlite_store.moderated_text(sid, "q2")
    assert rewritten is not None and rewritten.text == "Merci" and rewritten.hidden_at is None


async def test_flagged_texts_are_never_listed_nor_moderated(sqlite_store: SqliteStore) -> None:
    sid = await resident(sqlite_store, "a", 1, q1=text("Il me frappe"), q2=text("Des bancs"))
    await sqlite_store.add_flags([Flag("violence", "q1")], CONSULTATION, sid, later(1))
    assert [t.step_id for t in await sqlite_store.texts_for_moderation(10)] == ["q2"]
    assert await sqlite_store.moderated_text(sid, "q1") is None
    assert not await sqlite_store.hide_text(sid, "q1", later(2))
    assert not await sqlite_store.show_text(sid, "q1")
    assert await sqlite_store.texts_for_moderation(10, hidden_only=True) == []


async def test_recent_texts_leave_hidden_texts_out(sqlite_store: SqliteStore) -> None:
    await resident(sqlite_store, "a", 1, q1=text("Plus de bancs"))
    newer = await resident(sqlite_store, "b", 2, q1=text("Le voisin du 3e est un ..."))
    [quoted] = await sqlite_store.recent_texts(CONSULTATION, NOW, END, 1)
    assert quoted.text.startswith("Le voisin")
    await sqlite_store.hide_text(newer, "q1", later(3))
    [quoted] = await sqlite_store.recent_texts(CONSULTATION, NOW, END, 1)
    assert quoted.text == "Plus de bancs", "the next text takes the hidden one's place"
    await sqlite_store.show_text(newer, "q1")
    texts = await sqlite_store.recent_texts(CONSULTATION, NOW, END, 5)
    assert [t.text for t in texts] == ["Le voisin du 3e est un ...", "Plus de bancs"]


async def test_exports_keep_the_answer_and_replace_its_text(sqlite_store: SqliteStore) -> None:
    sid = await resident(
        sqlite_store, "a", 1, q1=other("Nom du voisin"), q2=text("Il me frappe"), q3=text("Ok")
    )
    await sqlite_store.add_flags([Flag("violence", "q2")], CONSULTATION, sid, later(1))
    assert await sqlite_store.hide_text(sid, "q1", later(2))
    [exported] = [s async for s in sqlite_store.export()]
    assert exported.answers == {
        "q1": Answer(choices=["other"], text=WITHHELD_TEXT),
        "q2": Answer(text=WITHHELD_TEXT),
        "q3": Answer(text="Ok"),
    }


async def test_erasure_takes_hidden_texts_with_it(sqlite_store: SqliteStore) -> None:
    sid = await resident(sqlite_store, "a", 1, q1=text("Nom du voisin"))
    await sqlite_store.hide_text(sid, "q1", later(2))
    session = await sqlite_store.session(sid)
    assert session is not None
    await sqlite_store.forget(session.participant_id)
    assert await sqlite_store.texts_for_moderation(10, hidden_only=True) == []


async def test_upgrading_a_version_7_database_adds_the_mark(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite3"
    old_database(path, 7, text("Plus de bancs"))  # as written before migration 8
    async with SqliteStore(path) as store:
        [listed] = await store.texts_for_moderation(10)
        assert (listed.session_id, listed.text, listed.hidden_at) == (5, "Plus de bancs", None)
        assert await store.hide_text(5, "q1", later(2))
        assert [t.session_id for t in await store.texts_for_moderation(10, hidden_only=True)] == [5]
        assert await store.recent_texts(CONSULTATION, NOW, END, 5) == []
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
