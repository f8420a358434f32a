"""Moderation pages in storage: each page goes on after the last text of the one before."""

from __future__ import annotations

from storage.sqlite import SqliteStore
from tests.storage.helpers import later
from tests.storage.test_moderation import answer_again, resident, text


async def every_page(store: SqliteStore, size: int, *, hidden_only: bool = False) -> list[str]:
    """The texts of every page of `size`, in the order staff see them."""
    pages: list[str] = []
    last = None
    while page := await store.texts_for_moderation(
        size, hidden_only=hidden_only, after=None if last is None else last.anchor
    ):
        pages += [t.text for t in page]
        last = page[-1]
    return pages


async def test_pages_of_one_list_texts_given_at_the_same_moment_once_each(
    sqlite_store: SqliteStore,
) -> None:
    # Texts given at the very same time: several in one session, several sessions.
    for name in ("a", "b", "c"):
        await resident(sqlite_store, name, 5, q1=text(f"{name}1"), q2=text(f"{name}2"))
    await resident(sqlite_store, "d", 1, q1=text("d1"))
    await resident(sqlite_store, "e", 9, q3=text("e3"))
    whole = [t.text for t in await sqlite_store.texts_for_moderation(100)]
    assert whole == ["e3", "c1", "c2", "b1", "b2", "a1", "a2", "d1"]
    for size in (1, 2, 3):
        assert await every_page(sqlite_store, size) == whole, size


async def test_a_page_goes_on_after_its_last_text_whatever_came_in_meanwhile(
    sqlite_store: SqliteStore,
) -> None:
    sessions = [await resident(sqlite_store, f"r{n}", n, q1=text(f"t{n}")) for n in range(5)]
    [*_, last] = await sqlite_store.texts_for_moderation(2)
    await resident(sqlite_store, "late", 30, q1=text("late"))
    # An older text rewritten: it is now the newest, no longer further down.
    await answer_again(sqlite_store, sessions[0], 31, q1=text("t0, rewritten"))
    after = await sqlite_store.texts_for_moderation(10, after=last.anchor)
    assert [t.text for t in after] == ["t2", "t1"]

    for session in sessions[1:]:
        await sqlite_store.hide_text(session, "q1", later(40))
    [*_, last] = await sqlite_store.texts_for_moderation(2, hidden_only=True)
    await sqlite_store.show_text(sessions[4], "q1")  # shown again from the first page
    after = await sqlite_store.texts_for_moderation(10, hidden_only=True, after=last.anchor)
    assert [t.text for t in after] == ["t2", "t1"]
