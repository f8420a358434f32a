"""Assisted entries: no follow-up question (only a resident's own chat can get news); an entry
left unfinished is set aside, to resume, until a new one abandons it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.conversation import Conversations
from bot.relays import Entries, Relays
from digest.aggregate import build_digest
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.base import Channel
from storage.relays import Relay
from storage.sqlite import SqliteStore
from tests.relays.world import START, Clock, small_consultation

SECRET = "an-entry-test-secret-long-enough"


@pytest.mark.parametrize(
    ("channel", "asked"),
    [(Channel.TELEGRAM, True), (Channel.CONSOLE, False), (Channel.ASSISTED, False)],
)
def test_the_follow_up_question_is_asked_only_to_residents_in_their_own_chat(
    tmp_path: Path, channel: Channel, asked: bool
):
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    conversations = Conversations(
        SqliteStore(tmp_path / "parole.sqlite3"), [consultation], SECRET, channel=channel
    )
    engine = conversations.engines[consultation.id]
    steps = [step.id for step in engine.visible_steps(engine.begin())]
    assert ("suivi" in steps) is asked
    assert "proposition" in steps  # nothing else is left out


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "parole.sqlite3") as opened:
        yield opened


def entries_on(store: SqliteStore, clock: Clock) -> Entries:
    """Assisted entries as the bot runs them, on the small consultation."""
    relays = Relays(store, SECRET, clock=clock)
    assisted = Conversations(
        store, [small_consultation()], SECRET, channel=Channel.ASSISTED, clock=clock
    )
    return Entries(relays, assisted)


async def test_an_entry_left_unfinished_is_set_aside_resumed_and_abandoned_only_for_a_new_one(
    store: SqliteStore,
):
    clock = Clock()
    entries = entries_on(store, clock)
    relay = (await entries.relays.invite("Porte à porte")).relay
    await entries.begin(relay, "fr", "mini", "u1")
    relay = await fresh(store, relay)
    first = relay.entry_participant_id
    assert first is not None
    await entries.type_text(relay, "fr", "Bourgogne", "u2")

    # /start or /reprendre: the relay's chat goes back to their own participation.
    assert await entries.leave(relay)
    relay = await fresh(store, relay)
    assert relay.entry_participant_id is None
    pending = await entries.pending(relay)
    assert pending is not None and (pending.participant.id, pending.answered) == (first, 1)
    assert not pending.under_way

    # /saisie, "Reprendre cette saisie": at the question where it was left.
    resumed = await entries.take_up(relay, "fr", first)
    assert resumed is not None and resumed.screen.title == "Qui est concerné\u202f?"
    relay = await fresh(store, relay)
    assert relay.entry_participant_id == first

    # Set aside again, then a new person agrees: the first entry is abandoned, unfinished.
    await entries.leave(relay)
    relay = await fresh(store, relay)
    await entries.begin(relay, "fr", "mini", "u3")
    relay = await fresh(store, relay)
    assert relay.entry_participant_id not in (None, first)
    assert await store.set_aside_entries(relay.id) == []
    assert await entries.take_up(relay, "fr", first) is None  # nothing offers it again
    pending = await entries.pending(relay)
    assert pending is not None and pending.under_way and pending.answered == 0
    with sqlite3.connect(store.path) as db:
        sessions = db.execute(
            "SELECT s.status, s.completed_at, (SELECT count(*) FROM answers AS a "
            "WHERE a.session_id = s.id) FROM sessions AS s ORDER BY s.id"
        ).fetchall()
    assert sessions == [("active", None, 1), ("active", None, 0)]
    assert (await store.relay_counts())[relay.id].assisted == 0

    # Digests count the abandoned entry as abandoned once idle, never as completed.
    clock.advance(days=3)
    period = Period(START - dt.timedelta(days=1), clock.now)
    totals = (await build_digest(store, small_consultation(), period, min_group_size=1)).totals
    assert (totals.completed, totals.abandoned) == (0, 2)


async def test_another_relays_entry_cannot_be_taken_up(store: SqliteStore):
    entries = entries_on(store, Clock())
    one = (await entries.relays.invite("Un")).relay
    two = (await entries.relays.invite("Deux")).relay
    await entries.begin(one, "fr", "mini", "u1")
    one = await fresh(store, one)
    assert one.entry_participant_id is not None
    await entries.leave(one)
    assert not await store.resume_entry(two.id, one.entry_participant_id)
    assert await entries.take_up(two, "fr", one.entry_participant_id) is None
    assert await entries.pending(two) is None
    assert len(await store.set_aside_entries(one.id)) == 1


async def fresh(store: SqliteStore, relay: Relay) -> Relay:
    """The relay as stored now (its entry under way changes)."""
    found = await store.relay(relay.id)
    assert found is not None
    return found
