"""The report queries (`ReportStore`) on a small hand-built consultation.

Period: [NOW, NOW + 1 day). Abandoned after 48 hours: last activity in [NOW - 48 h, NOW - 24 h).

    session  resident  started       answers (step: value @ time)                     ends
    s1       a         NOW+1h        q1 x @+1h, q2 y @+2h, q4 autre "mon texte" @+2h  completed @+2h
    s2       b         NOW-3d        q1 x @-30h                                       idle -30h
    s3       b (again) NOW+3h        q1 skipped @+3h, q3 "plus tôt" @+3h30            active
    s4       c         NOW+5h20      q1 x @+5h20, q3 "bonjour" @+6h (assisted)        active
    s5       d         NOW+1d (end)  q1 z @+1d                                        active
    s6       e         NOW+1h        q1 x @+1h (another consultation)                 active
    s7       f         NOW-10h       q1 z @-9h, q3 "avant" @-9h, then q1 x @NOW       completed @NOW
    s8       g         NOW-3d        -                                                idle -48h
    s9       h         NOW-3d        -                                                idle -24h
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.state import Answer
from storage.base import (
    AnswerCount,
    Channel,
    ProfileCount,
    RecentText,
    SessionTotals,
    SlotCount,
    Status,
    StepCount,
)
from storage.sqlite import SqliteStore
from tests.storage.helpers import CONSULTATION, NOW, copy_as_version, make_turn, pick

END = NOW + dt.timedelta(days=1)
IDLE = dt.timedelta(hours=48)
OTHER = "autre-consultation"


def at(hours: float) -> dt.datetime:
    """`NOW` plus some hours."""
    return NOW + dt.timedelta(hours=hours)


@dataclass
class Built:
    """Session ids of the dataset, by name."""

    ids: dict[str, int]


async def build(store: SqliteStore) -> Built:
    """Commit the dataset of the module docstring through the normal API."""
    ids: dict[str, int] = {}
    people = {name: (await store.participant(f"pseudo-{name}", at(-100))).id for name in "abcdefgh"}

    async def turn(
        name: str,
        who: str,
        when: dt.datetime,
        saved: dict[str, Answer] | None = None,
        *,
        status: Status = Status.ACTIVE,
        channel: Channel = Channel.TELEGRAM,
        consultation: str = CONSULTATION,
    ) -> None:
        ids[name] = await store.commit(
            make_turn(
                people[who],
                consultation_id=consultation,
                session_id=ids.get(name),
                status=status,
                now=when,
                saved=saved,
                channel=channel,
            )
        )

    await turn("s1", "a", at(1))
    await turn("s1", "a", at(1), {"q1": pick("x")})
    await turn(
        "s1",
        "a",
        at(2),
        {"q2": pick("y"), "q4": Answer(choices=["autre"], text="mon texte")},
        status=Status.COMPLETED,
    )
    await turn("s2", "b", at(-72))
    await turn("s2", "b", at(-30), {"q1": pick("x")})
    await turn("s3", "b", at(3), {"q1": Answer(skipped=True)})
    await turn("s3", "b", at(3.5), {"q3": Answer(text="plus tôt")})
    await turn("s4", "c", at(5 + 1 / 3), {"q1": pick("x")}, channel=Channel.ASSISTED)
    await turn("s4", "c", at(6), {"q3": Answer(text="bonjour")}, channel=Channel.ASSISTED)
    await turn("s5", "d", END, {"q1": pick("z")})
    await turn(
        "s6", "e", at(1), {"q1": pick("x"), "q3": Answer(text="ailleurs")}, consultation=OTHER
    )
    await turn("s7", "f", at(-10))
    await turn("s7", "f", at(-9), {"q1": pick("z"), "q3": Answer(text="avant")})
    await turn("s7", "f", NOW, {"q1": pick("x")}, status=Status.COMPLETED)
    await turn("s8", "g", at(-72))
    await turn("s8", "g", at(-48))
    await turn("s9", "h", at(-72))
    await turn("s9", "h", at(-24))
    return Built(ids)


@pytest.fixture
async def built(sqlite_store: SqliteStore) -> Built:
    """The dataset, committed."""
    return await build(sqlite_store)


async def test_session_totals(sqlite_store: SqliteStore, built: Built) -> None:
    totals = await sqlite_store.session_totals(CONSULTATION, NOW, END, IDLE)
    # Started: s1, s3, s4 (s5 starts at the end: excluded). Completed: s1 and s7 (at the
    # start: included). Abandoned: s2 (idle since -30 h) and s8 (since -48 h exactly), not
    # s9 (-24 h: the next period's). New: a and c; b started before, f and the rest too.
    # Finished: s1 only, of those started (s7, completed too, started before).
    assert totals == SessionTotals(
        new_participants=2, sessions_started=3, completed=2, abandoned=2, finished=1
    )
    before = await sqlite_store.session_totals(CONSULTATION, NOW - (END - NOW), NOW, IDLE)
    # s7 started at -10 h (f is new then); abandoned since [-72 h, -48 h): none.
    assert before == SessionTotals(new_participants=1, sessions_started=1, completed=0, abandoned=0)
    assert await sqlite_store.session_totals(OTHER, NOW, END, IDLE) == SessionTotals(1, 1, 0, 0)
    assert await sqlite_store.session_totals("nobody", NOW, END, IDLE) == SessionTotals(0, 0, 0, 0)


async def test_steps_reached_counts_the_sessions_started_in_the_period(
    sqlite_store: SqliteStore, built: Built
) -> None:
    reached = await sqlite_store.steps_reached(CONSULTATION, NOW, END)
    # s1, s3, s4: a skipped question counts as reached; s7's answers (an earlier session)
    # do not, even the one given in the period.
    assert sorted(reached, key=lambda r: r.step_id) == [
        StepCount("q1", 3),
        StepCount("q2", 1),
        StepCount("q3", 2),
        StepCount("q4", 1),
    ]


async def test_profile_counts_cover_the_sessions_active_in_the_period(
    sqlite_store: SqliteStore, built: Built
) -> None:
    found = await sqlite_store.profile_counts(CONSULTATION, NOW, END, "q1", "q2")
    assert Counter({(p.channel, p.first, p.second): p.sessions for p in found}) == Counter(
        {
            ("telegram", "x", "y"): 1,  # s1
            ("telegram", None, None): 1,  # s3: q1 skipped
            ("assisted", "x", None): 1,  # s4
            ("telegram", "x", None): 1,  # s7, changed to x at NOW
        }
    )
    assert all(isinstance(p, ProfileCount) for p in found)
    # No such steps: every session falls under "no answer".
    none = await sqlite_store.profile_counts(CONSULTATION, NOW, END, None, None)
    assert sum(p.sessions for p in none) == 4
    assert {(p.first, p.second) for p in none} == {(None, None)}


async def test_answer_counts_group_the_answers_given_in_the_period(
    sqlite_store: SqliteStore, built: Built
) -> None:
    found = await sqlite_store.answer_counts(CONSULTATION, NOW, END)
    assert sorted(found, key=repr) == sorted(
        [
            AnswerCount("q1", ("x",), skipped=False, has_text=False, answers=3),  # s1 s4 s7
            AnswerCount("q1", (), skipped=True, has_text=False, answers=1),  # s3
            AnswerCount("q2", ("y",), skipped=False, has_text=False, answers=1),
            AnswerCount("q3", (), skipped=False, has_text=True, answers=2),  # s3 s4
            AnswerCount("q4", ("autre",), skipped=False, has_text=True, answers=1),
        ],
        key=repr,
    )


async def test_recent_texts_most_recent_first_per_step(
    sqlite_store: SqliteStore, built: Built
) -> None:
    texts = await sqlite_store.recent_texts(CONSULTATION, NOW, END, 5)
    assert texts == [
        RecentText("q3", "bonjour", at(6)),
        RecentText("q3", "plus tôt", at(3.5)),
        RecentText("q4", "mon texte", at(2)),
    ]
    assert [t.text for t in await sqlite_store.recent_texts(CONSULTATION, NOW, END, 1)] == [
        "bonjour",
        "mon texte",
    ]
    assert await sqlite_store.recent_texts(CONSULTATION, NOW, END, 0) == []
    # Before the period: s7's text; the other consultation's text never.
    earlier = await sqlite_store.recent_texts(CONSULTATION, at(-24), NOW, 5)
    assert [t.text for t in earlier] == ["avant"]


async def test_sessions_started_per_quarter_hour(sqlite_store: SqliteStore, built: Built) -> None:
    slots = await sqlite_store.sessions_started(CONSULTATION, NOW, END)
    assert sorted(slots, key=lambda s: s.start) == [
        SlotCount(at(1), 1),
        SlotCount(at(3), 1),
        SlotCount(at(5.25), 1),  # 5:20 falls in the 5:15 quarter
    ]


async def test_period_bounds_start_included_end_excluded(
    sqlite_store: SqliteStore, built: Built
) -> None:
    # s5 started and answered exactly at END: in the next period, not this one.
    after = await sqlite_store.answer_counts(CONSULTATION, END, END + dt.timedelta(days=1))
    assert after == [AnswerCount("q1", ("z",), False, False, 1)]
    assert (
        await sqlite_store.session_totals(CONSULTATION, END, END + dt.timedelta(days=1), IDLE)
    ).sessions_started == 1


async def test_answer_facts_follow_every_change_of_answers(
    sqlite_store: SqliteStore, built: Built, db_path: Path
) -> None:
    # A removal, a change, and a session deleted with its answers (cascade).
    sid = built.ids["s4"]
    who = await sqlite_store.session(sid)
    assert who is not None
    await sqlite_store.commit(
        make_turn(
            who.participant_id,
            session_id=sid,
            now=at(7),
            removed=["q3"],
            saved={"q1": Answer(choices=["y"], text=None)},
            channel=Channel.ASSISTED,
        )
    )
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM sessions WHERE id = ?", (built.ids["s3"],))
        conn.commit()
        facts = conn.execute(
            "SELECT session_id, step_id, has_text, shape, updated_at FROM answer_facts "
            "ORDER BY 1, 2"
        ).fetchall()
        expected = conn.execute(
            "SELECT session_id, step_id, json_type(value, '$.text') = 'text', "
            "json_remove(value, '$.text'), updated_at FROM answers ORDER BY 1, 2"
        ).fetchall()
    assert facts == expected
    found = await sqlite_store.answer_counts(CONSULTATION, NOW, END)
    assert AnswerCount("q1", ("y",), False, False, 1) in found
    assert not any(c.step_id == "q3" for c in found)


async def test_upgrading_fills_answer_facts_from_existing_answers(
    db_path: Path, tmp_path: Path
) -> None:
    async with SqliteStore(db_path) as store:
        await build(store)
        before = await store.answer_counts(CONSULTATION, NOW, END)
    version_3 = tmp_path / "v3.sqlite3"
    copy_as_version(db_path, version_3, 3)  # as written before migration 4
    async with SqliteStore(version_3) as store:
        assert sorted(await store.answer_counts(CONSULTATION, NOW, END), key=repr) == sorted(
            before, key=repr
        )


async def test_reports_need_an_open_store(db_path: Path) -> None:
    store = SqliteStore(db_path)
    with pytest.raises(RuntimeError, match="not open"):
        await store.answer_counts(CONSULTATION, NOW, END)
