"""Relays in storage and their use cases: invitations, rights, attribution, counts, paper."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.pseudonym import pseudonym
from bot.relays import INVITE_PREFIX, LINK_PREFIX, PAYLOAD, Relays, share_payload, token_hash
from bot.retention import purge_plan
from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.relays import ASSISTED_PREFIX, Invitation, RelayCounts
from storage.sqlite import SqliteStore
from storage.sqlite_common import stamp
from storage.sqlite_reports import WITHHELD_TEXT
from tests.relays.world import Clock

SECRET = "a-relay-test-secret-long-enough"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "parole.sqlite3") as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def relays(store: SqliteStore, clock: Clock) -> Relays:
    return Relays(store, SECRET, clock=clock, invitation_days=7)


def done(consultation_id: str = "mini") -> SessionState:
    return SessionState(consultation_id=consultation_id, phase=Phase.DONE, position=3)


async def test_an_invitation_makes_one_account_a_relay_once(relays: Relays, store: SqliteStore):
    new = await relays.invite("  Association   Les Amis ")
    assert new.relay.name == "Association Les Amis" and new.relay.active and not new.relay.joined
    assert new.payload.startswith(INVITE_PREFIX) and PAYLOAD.fullmatch(new.payload)
    assert PAYLOAD.fullmatch(share_payload(new.relay))

    outcome, relay = await relays.accept(42, new.payload)
    assert outcome is Invitation.ACCEPTED and relay is not None and relay.joined
    assert await relays.relay_for(42) == relay
    # Single use: neither the same account nor another one can use it again.
    assert (await relays.accept(42, new.payload))[0] is Invitation.USED
    assert (await relays.accept(43, new.payload))[0] is Invitation.USED
    assert await relays.relay_for(43) is None
    assert (await relays.accept(43, INVITE_PREFIX + "forged"))[0] is Invitation.UNKNOWN


async def test_relays_from_before_a_restart_are_never_passed_over(
    relays: Relays, store: SqliteStore, clock: Clock
):
    # Residents' updates skip the relay handlers on an in-memory check: it must never skip
    # a relay, including one who joined before this process started.
    new = await relays.invite("Karim")
    await relays.accept(5, new.payload)
    restarted = Relays(store, SECRET, clock=clock, invitation_days=7)
    assert restarted.may_be_relay(5) and restarted.may_be_relay(6)  # nothing read yet
    assert await restarted.relay_for(6) is None
    assert restarted.may_be_relay(5) and not restarted.may_be_relay(6)
    later = await restarted.invite("Nadia")
    await restarted.accept(6, later.payload)
    assert restarted.may_be_relay(6)


async def test_only_a_hash_of_the_token_is_stored(relays: Relays, store: SqliteStore):
    new = await relays.invite("Karim")
    token = new.payload.removeprefix(INVITE_PREFIX)
    with sqlite3.connect(store.path) as db:
        dump = "\n".join(db.iterdump())
    assert token not in dump and token_hash(token) in dump


async def test_an_invitation_expires(relays: Relays, clock: Clock):
    late = await relays.invite("Late")
    clock.advance(days=7)
    assert (await relays.accept(1, late.payload))[0] is Invitation.EXPIRED
    on_time = await relays.invite("On time")
    clock.advance(days=6, hours=23)
    assert (await relays.accept(1, on_time.payload))[0] is Invitation.ACCEPTED


async def test_one_account_is_one_relay(relays: Relays):
    first, second = await relays.invite("A"), await relays.invite("B")
    assert (await relays.accept(7, first.payload))[0] is Invitation.ACCEPTED
    outcome, _ = await relays.accept(7, second.payload)
    assert outcome is Invitation.ALREADY_RELAY
    assert (await relays.accept(8, second.payload))[0] is Invitation.ACCEPTED  # still unused


async def test_removal_takes_rights_away_at_once(relays: Relays):
    new = await relays.invite("Nadia")
    await relays.accept(5, new.payload)
    removed = await relays.remove(new.relay.id)
    assert removed is not None and not removed.active and removed.deactivated_at is not None
    assert await relays.relay_for(5) is None
    assert await relays.store.relay_by_code(new.relay.code) is None  # the link no longer counts
    assert await relays.remove(999) is None
    # The same person can be invited again.
    again = await relays.invite("Nadia")
    assert (await relays.accept(5, again.payload))[0] is Invitation.ACCEPTED


async def test_a_removed_relay_invitation_is_refused(relays: Relays):
    new = await relays.invite("Gone")
    await relays.remove(new.relay.id)
    assert (await relays.accept(5, new.payload))[0] is Invitation.INACTIVE


async def test_the_relay_pseudonym_is_not_the_resident_one(relays: Relays, store: SqliteStore):
    new = await relays.invite("Paul")
    await relays.accept(77, new.payload)
    with sqlite3.connect(store.path) as db:
        relay_key = db.execute("SELECT pseudonym FROM relays").fetchone()[0]
        participants = db.execute("SELECT count(*) FROM participants").fetchone()[0]
    assert relay_key == relays.pseudonym(77) != pseudonym(SECRET, "telegram", 77)
    assert participants == 0  # becoming a relay creates no resident


async def test_attribution_counts_new_residents_for_the_first_relay(
    relays: Relays, store: SqliteStore, clock: Clock
):
    one, two = (await relays.invite("One")).relay, (await relays.invite("Two")).relay
    alice = await store.participant("alice", clock())
    assert await relays.attribute(alice, share_payload(one)) == alice
    await relays.attribute(alice, share_payload(two))  # the first relay keeps her
    bob = await store.participant("bob", clock())
    await store.commit(
        Turn(
            bob.id,
            "mini",
            Channel.TELEGRAM,
            SessionState(consultation_id="mini"),
            Status.ACTIVE,
            clock(),
        )
    )
    await relays.attribute(bob, share_payload(two))  # had started before: not reached by Two
    assert await relays.attribute(bob, LINK_PREFIX + "nope") == bob

    # Alice's sessions inherit her relay; she completes one.
    session = await store.commit(
        Turn(alice.id, "mini", Channel.TELEGRAM, done(), Status.COMPLETED, clock())
    )
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT relay_id FROM sessions WHERE id = ?", (session,)).fetchone() == (
            one.id,
        )
    counts = await store.relay_counts()
    assert counts[one.id] == RelayCounts(reached=1, completed=1)
    assert counts[two.id] == RelayCounts()


async def test_assisted_entries_are_separate_anonymous_participants(
    relays: Relays, store: SqliteStore, clock: Clock
):
    relay = (await relays.invite("Door to door")).relay
    first = await store.start_entry(relay.id, clock())
    second = await store.start_entry(relay.id, clock())
    assert first.id != second.id
    current = await store.relay(relay.id)
    assert current is not None and current.entry_participant_id == second.id
    with sqlite3.connect(store.path) as db:
        keys = [row[0] for row in db.execute("SELECT pseudonym FROM participants")]
    assert all(key.startswith(ASSISTED_PREFIX) for key in keys) and len(set(keys)) == 2
    await store.end_entry(relay.id)
    ended = await store.relay(relay.id)
    assert ended is not None and ended.entry_participant_id is None


async def removed_mid_entry(relays: Relays, store: SqliteStore, clock: Clock) -> int:
    """Account 42, relay "Door to door", removed while an entry of theirs was under way."""
    new = await relays.invite("Door to door")
    await relays.accept(42, new.payload)
    entry = await store.start_entry(new.relay.id, clock())
    await store.commit(
        Turn(
            entry.id,
            "mini",
            Channel.ASSISTED,
            SessionState(consultation_id="mini"),
            Status.ACTIVE,
            clock(),
        )
    )
    await relays.remove(new.relay.id)
    return new.relay.id


async def test_a_stopped_entry_s_link_to_the_account_goes_with_the_entry_at_retention(
    relays: Relays, store: SqliteStore, clock: Clock
):
    relay_id = await removed_mid_entry(relays, store, clock)
    assert await store.relay_pseudonyms() == {relays.pseudonym(42): relay_id}
    clock.advance(days=400)
    await store.purge(purge_plan(clock(), retention_days=365))
    assert await store.relay_pseudonyms() == {}


async def test_a_removed_relay_invited_again_is_the_new_relay_only(
    relays: Relays, store: SqliteStore, clock: Clock
):
    await removed_mid_entry(relays, store, clock)
    again = await relays.invite("Door to door, again")
    assert (await relays.accept(42, again.payload))[0] is Invitation.ACCEPTED
    assert await store.relay_pseudonyms() == {relays.pseudonym(42): again.relay.id}


async def test_paper_import_is_all_or_nothing(relays: Relays, store: SqliteStore, clock: Clock):
    relay = (await relays.invite("Paper")).relay
    answered = SessionState(
        consultation_id="mini",
        phase=Phase.DONE,
        answers={"quartier": Answer(choices=["pont"])},
        position=2,
    )
    imported = await store.import_paper("mini", [answered, answered], relay.id, clock())
    assert len(imported.sessions) == 2 and imported.flagged == 0
    with pytest.raises(LookupError):
        await store.import_paper("mini", [answered], 999, clock())
    with pytest.raises(ValueError, match="other"):
        await store.import_paper("mini", [answered, done("other")], relay.id, clock())
    exported = [s async for s in store.export("mini")]
    assert [s.channel for s in exported] == [Channel.PAPER, Channel.PAPER]
    assert all(s.status is Status.COMPLETED for s in exported)
    assert exported[0].answers == {"quartier": Answer(choices=["pont"])}
    assert (await store.relay_counts())[relay.id] == RelayCounts(paper=2)


async def test_a_paper_disclosure_is_flagged_on_its_answer_like_a_typed_one(
    store: SqliteStore, clock: Clock
):
    form = SessionState(
        consultation_id="mini",
        phase=Phase.DONE,
        answers={
            "quartier": Answer(choices=["pont"]),
            "publics": Answer(choices=["autre"], text="moi, je veux mourir"),
            "precision": Answer(text="Plus de bancs, mon mari me frappe"),
            "note": Answer(choices=["3"]),
        },
        position=5,
    )
    imported = await store.import_paper("mini", [done(), form], None, clock())
    assert imported.flagged == 2
    with sqlite3.connect(store.path) as db:
        flags = db.execute(
            "SELECT consultation_id, session_id, step_id, category, created_at FROM flags "
            "ORDER BY step_id, category"
        ).fetchall()
    second = imported.sessions[1]
    at = stamp(clock())
    assert flags == [
        ("mini", second, "precision", "danger", at),
        ("mini", second, "precision", "domestic", at),
        ("mini", second, "publics", "self_harm", at),
    ]
    # Stored as written (the person may ask for their data), withheld from exports.
    exported = [s async for s in store.export("mini")]
    assert exported[1].answers["precision"].text == WITHHELD_TEXT
    assert exported[1].answers["publics"] == Answer(choices=["autre"], text=WITHHELD_TEXT)


async def test_counts_this_week_and_in_total(relays: Relays, store: SqliteStore, clock: Clock):
    relay = (await relays.invite("Weekly")).relay
    await store.import_paper("mini", [done()], relay.id, clock() - dt.timedelta(days=10))
    await store.import_paper("mini", [done()], relay.id, clock())
    report = await relays.report(relay)
    assert report.week == RelayCounts(paper=1) and report.total == RelayCounts(paper=2)
    # Thursday 26 November 2026, 11:00 in Paris: the week began on Monday 23, 00:00 Paris.
    assert relays.week_start() == dt.datetime(2026, 11, 22, 23, 0, tzinfo=dt.UTC)
