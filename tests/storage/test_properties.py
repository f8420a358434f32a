"""Random sequences of turns against a plain dict model of the answers."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.state import Answer
from storage.base import DuplicateUpdate
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn

STEPS = ["q1", "q2", "q3", "q4"]

answers = st.builds(
    Answer,
    choices=st.lists(st.sampled_from(["a", "b", "autre"]), max_size=2, unique=True),
    text=st.none() | st.text(max_size=10),
    skipped=st.booleans(),
)
# One turn: some steps saved, some others removed, and an update key from a small pool so
# that duplicates happen often.
turns = st.tuples(
    st.dictionaries(st.sampled_from(STEPS), answers, max_size=3),
    st.lists(st.sampled_from(STEPS), max_size=2, unique=True),
    st.none() | st.integers(0, 5),
)


async def run(path: Path, script: list[tuple[dict[str, Answer], list[str], int | None]]) -> None:
    """Play `script` in concurrent waves of three and check the store against the model."""
    model: dict[str, Answer] = {}
    used: set[int] = set()
    async with SqliteStore(path, synchronous="OFF") as store:
        who = await store.participant("pseudo", NOW)
        sid = await store.commit(make_turn(who.id))
        for start in range(0, len(script), 3):
            wave = script[start : start + 3]
            prepared = [
                make_turn(
                    who.id,
                    session_id=sid,
                    now=later(start + offset + 1),
                    saved=saved,
                    removed=[step for step in removed if step not in saved],
                    update_key=None if key is None else f"k{key}",
                )
                for offset, (saved, removed, key) in enumerate(wave)
            ]
            results = await asyncio.gather(
                *(store.commit(turn) for turn in prepared), return_exceptions=True
            )
            # Turns of one batch apply in submission order, so the model follows that order.
            for turn, (_, _, key), result in zip(prepared, wave, results, strict=True):
                duplicate = key is not None and key in used
                assert isinstance(result, DuplicateUpdate) if duplicate else result == sid
                if duplicate:
                    continue
                if key is not None:
                    used.add(key)
                model.update(turn.saved)
                for step in turn.removed:
                    model.pop(step, None)
        [session] = [item async for item in store.export()]
        assert session.answers == model
        for key in range(6):
            assert await store.seen(f"k{key}") == (key in used)


@settings(max_examples=40, deadline=None)
@given(st.lists(turns, max_size=9))
def test_answers_follow_the_model(
    script: list[tuple[dict[str, Answer], list[str], int | None]],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(Path(directory) / "p.sqlite3", script))
