"""Behaviour every `Store` backend must have."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest

from flows.state import Answer, Phase, SessionState
from storage.base import Channel, DuplicateUpdate, ExportedSession, Status, Store
from tests.storage.conftest import StoreFactory
from tests.storage.helpers import CONSULTATION, NOW, later, make_turn, pick


async def exported(store: Store, consultation_id: str | None = None) -> list[ExportedSession]:
    """Everything `export` yields."""
    return [item async for item in store.export(consultation_id)]


class TestStore:
    """The `Store` contract, run against each backend of the `store` fixture."""

    # -- participants ----------------------------------------------------------------------

    async def test_participant_is_created_once_and_stays_the_same(self, store: Store) -> None:
        first = await store.participant("pseudo-a", NOW)
        again = await store.participant("pseudo-a", later(60))
        other = await store.participant("pseudo-b", NOW)
        assert again == first
        assert first.created_at == NOW  # the first sighting's time, not the second's
        assert first.lang is None and first.current_session_id is None
        assert other.id != first.id

    async def test_concurrent_first_sightings_agree_on_one_participant(self, store: Store) -> None:
        seen = await asyncio.gather(*(store.participant("pseudo-a", NOW) for _ in range(20)))
        assert len({participant.id for participant in seen}) == 1

    async def test_set_language(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        await store.set_language(who.id, "fr")
        assert (await store.participant("pseudo-a", NOW)).lang == "fr"
        await store.set_language(who.id, "en")
        assert (await store.participant("pseudo-a", NOW)).lang == "en"
        other = await store.participant("pseudo-b", NOW)
        assert other.lang is None

    async def test_a_session_remembers_where_its_screen_is_shown(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id))
        session = await store.session(sid)
        assert session is not None and session.screen is None
        await store.set_screen(sid, "42")
        assert (await store.session(sid)).screen == "42"  # type: ignore[union-attr]
        await store.commit(make_turn(who.id, session_id=sid, position=1))
        assert (await store.session(sid)).screen == "42"  # type: ignore[union-attr]

    async def test_screen_notes_and_turns_committed_together_all_land(self, store: Store) -> None:
        people = [await store.participant(f"pseudo-{i}", NOW) for i in range(30)]
        sids = [await store.commit(make_turn(who.id)) for who in people]
        # Screens noted while other residents' turns are queued share their transactions.
        await asyncio.gather(
            *(store.set_screen(sid, str(100 + i)) for i, sid in enumerate(sids)),
            *(
                store.commit(make_turn(who.id, session_id=sid, position=1, update_key=f"k{i}"))
                for i, (who, sid) in enumerate(zip(people, sids, strict=True))
            ),
        )
        screens = [(await store.session(sid)).screen for sid in sids]  # type: ignore[union-attr]
        assert screens == [str(100 + i) for i in range(30)]
        assert all(await asyncio.gather(*(store.seen(f"k{i}") for i in range(30))))

    async def test_an_arrival_reads_participant_session_and_update_key(self, store: Store) -> None:
        assert await store.arrival("pseudo-a", "tg:1") is None
        who = await store.participant("pseudo-a", NOW)
        arrival = await store.arrival("pseudo-a", "tg:1")
        assert arrival is not None and arrival.id == who.id
        assert arrival.session is None and not arrival.seen

        sid = await store.commit(make_turn(who.id, update_key="tg:1", saved={"q1": pick("a")}))
        await store.set_screen(sid, "7")
        arrival = await store.arrival("pseudo-a", "tg:1")
        assert arrival is not None and arrival.seen
        assert arrival.current_session_id == sid
        assert arrival.session == await store.session(sid)
        fresh = await store.arrival("pseudo-a", "tg:2")
        assert fresh is not None and not fresh.seen and fresh.session == arrival.session

    async def test_a_session_is_read_with_its_update_key(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, update_key="tg:1"))
        assert await store.session_for_update(sid, "tg:1") == (await store.session(sid), True)
        assert await store.session_for_update(sid, "tg:2") == (await store.session(sid), False)
        assert await store.session_for_update(sid + 1, "tg:1") == (None, True)
        assert await store.session_for_update(sid, None) == (await store.session(sid), False)

    async def test_set_language_of_unknown_participant_fails(self, store: Store) -> None:
        with pytest.raises(LookupError):
            await store.set_language(4242, "fr")

    async def test_set_current(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, make_current=False))
        assert (await store.participant("pseudo-a", NOW)).current_session_id is None
        await store.set_current(who.id, sid)
        assert (await store.participant("pseudo-a", NOW)).current_session_id == sid
        await store.set_current(who.id, None)
        assert (await store.participant("pseudo-a", NOW)).current_session_id is None

    async def test_set_current_refuses_someone_elses_session(self, store: Store) -> None:
        alice = await store.participant("pseudo-a", NOW)
        bob = await store.participant("pseudo-b", NOW)
        sid = await store.commit(make_turn(alice.id))
        with pytest.raises(LookupError):
            await store.set_current(bob.id, sid)
        assert (await store.participant("pseudo-b", NOW)).current_session_id is None

    # -- sessions --------------------------------------------------------------------------

    async def test_commit_creates_a_session_then_updates_it(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, channel=Channel.CONSOLE))
        created = await store.session(sid)
        assert created is not None
        assert (created.participant_id, created.consultation_id) == (who.id, CONSULTATION)
        assert created.channel is Channel.CONSOLE and created.status is Status.ACTIVE
        assert created.created_at == created.updated_at == NOW
        assert created.completed_at is None
        assert (await store.participant("pseudo-a", NOW)).current_session_id == sid

        turn = make_turn(who.id, session_id=sid, now=later(5), position=3, make_current=False)
        assert await store.commit(turn) == sid
        updated = await store.session(sid)
        assert updated is not None
        assert updated.state == turn.state and updated.state.position == 3
        assert updated.created_at == NOW and updated.updated_at == later(5)
        assert updated.channel is Channel.CONSOLE  # the channel is the one it started on
        assert await store.session(sid + 1000) is None

    async def test_completion_date_follows_the_status(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, status=Status.COMPLETED))
        fresh = await store.session(sid)
        assert fresh is not None and fresh.completed_at == NOW

        await store.commit(make_turn(who.id, session_id=sid, status=Status.ACTIVE, now=later(1)))
        reopened = await store.session(sid)
        assert reopened is not None
        assert reopened.status is Status.ACTIVE and reopened.completed_at is None

        await store.commit(make_turn(who.id, session_id=sid, status=Status.COMPLETED, now=later(2)))
        await store.commit(make_turn(who.id, session_id=sid, status=Status.COMPLETED, now=later(3)))
        done = await store.session(sid)
        assert done is not None
        assert done.status is Status.COMPLETED
        assert done.completed_at == later(2)  # the moment it became completed
        assert done.updated_at == later(3)

    async def test_turn_on_a_missing_session_fails_and_changes_nothing(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        with pytest.raises(LookupError):
            await store.commit(make_turn(who.id, session_id=999, update_key="u1"))
        assert not await store.seen("u1")
        assert await exported(store) == []

    async def test_turn_on_someone_elses_session_fails(self, store: Store) -> None:
        alice = await store.participant("pseudo-a", NOW)
        bob = await store.participant("pseudo-b", NOW)
        sid = await store.commit(make_turn(alice.id))
        with pytest.raises(LookupError):
            await store.commit(make_turn(bob.id, session_id=sid, position=9))
        session = await store.session(sid)
        assert session is not None and session.state.position == 0

    async def test_naive_time_is_refused(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        with pytest.raises(ValueError, match="naive"):
            await store.commit(make_turn(who.id, now=dt.datetime(2025, 3, 1, 12)))

    async def test_latest_session_is_the_most_recently_updated(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        other = await store.participant("pseudo-b", NOW)
        assert await store.latest_session(who.id, CONSULTATION) is None
        old = await store.commit(make_turn(who.id, now=NOW))
        new = await store.commit(make_turn(who.id, now=later(1)))
        await store.commit(make_turn(other.id, now=later(2)))
        await store.commit(make_turn(who.id, consultation_id="autre", now=later(3)))
        latest = await store.latest_session(who.id, CONSULTATION)
        assert latest is not None and latest.id == new
        await store.commit(make_turn(who.id, session_id=old, now=later(4)))
        latest = await store.latest_session(who.id, CONSULTATION)
        assert latest is not None and latest.id == old

    # -- answers ---------------------------------------------------------------------------

    async def test_answers_are_upserted_and_removed(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, saved={"q1": pick("a"), "q2": pick("b")}))
        await store.commit(
            make_turn(who.id, session_id=sid, now=later(1), saved={"q1": pick("c", "d")})
        )
        [session] = await exported(store)
        assert session.answers == {"q1": pick("c", "d"), "q2": pick("b")}

        await store.commit(make_turn(who.id, session_id=sid, now=later(2), removed=["q2", "zz"]))
        [session] = await exported(store)
        assert session.answers == {"q1": pick("c", "d")}

    async def test_a_step_both_saved_and_removed_ends_removed(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        sid = await store.commit(make_turn(who.id, saved={"q1": pick("a")}))
        await store.commit(
            make_turn(
                who.id,
                session_id=sid,
                now=later(1),
                saved={"q1": pick("b"), "q2": pick("c")},
                removed=["q1"],
            )
        )
        [session] = await exported(store)
        assert session.answers == {"q2": pick("c")}

    # -- idempotence -----------------------------------------------------------------------

    async def test_duplicate_update_changes_nothing(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        assert not await store.seen("tg:1")
        sid = await store.commit(make_turn(who.id, update_key="tg:1", saved={"q1": pick("a")}))
        assert await store.seen("tg:1")
        before = await store.session(sid)

        again = make_turn(
            who.id, session_id=sid, update_key="tg:1", now=later(1), saved={"q1": pick("z")}
        )
        with pytest.raises(DuplicateUpdate):
            await store.commit(again)
        # A duplicate creation does not create a second session either.
        with pytest.raises(DuplicateUpdate):
            await store.commit(make_turn(who.id, update_key="tg:1"))
        assert await store.session(sid) == before
        [session] = await exported(store)
        assert session.answers == {"q1": pick("a")}
        assert not await store.seen("tg:2")

    async def test_bad_turns_in_a_batch_fail_alone(self, store: Store) -> None:
        alice = await store.participant("pseudo-a", NOW)
        bob = await store.participant("pseudo-b", NOW)
        carol = await store.participant("pseudo-c", NOW)
        results = await asyncio.gather(
            store.commit(make_turn(alice.id, update_key="k1", saved={"q1": pick("a")})),
            store.commit(make_turn(bob.id, update_key="k1", saved={"q1": pick("b")})),
            store.commit(make_turn(carol.id, session_id=12345, update_key="k3")),
            store.commit(make_turn(carol.id, update_key="k2", saved={"q1": pick("c")})),
            return_exceptions=True,
        )
        first, duplicate, missing, last = results
        assert isinstance(first, int) and isinstance(last, int)
        assert isinstance(duplicate, DuplicateUpdate)
        assert isinstance(missing, LookupError)
        sessions = await exported(store)
        assert [(s.session_id, s.participant_id) for s in sessions] == [
            (first, alice.id),
            (last, carol.id),
        ]
        assert [s.answers for s in sessions] == [{"q1": pick("a")}, {"q1": pick("c")}]
        assert await store.seen("k1") and await store.seen("k2")
        assert not await store.seen("k3")  # rolled back with its turn
        assert (await store.participant("pseudo-b", NOW)).current_session_id is None

    # -- concurrency, restart --------------------------------------------------------------

    async def test_many_concurrent_commits_all_land_once(self, store: Store) -> None:
        people = [await store.participant(f"pseudo-{i}", NOW) for i in range(20)]
        turns = [
            make_turn(
                people[i % 20].id,
                update_key=f"tg:{i}",
                saved={"q1": pick(f"c{i}")},
                make_current=False,
            )
            for i in range(200)
        ]
        ids = await asyncio.gather(*(store.commit(turn) for turn in turns))
        assert len(set(ids)) == 200
        sessions = await exported(store)
        assert sorted(s.session_id for s in sessions) == sorted(ids)
        by_id = {s.session_id: s for s in sessions}
        for i, sid in enumerate(ids):
            assert by_id[sid].answers == {"q1": pick(f"c{i}")}
            assert by_id[sid].participant_id == people[i % 20].id
        assert all(await asyncio.gather(*(store.seen(f"tg:{i}") for i in range(200))))

    async def test_restart_resumes_the_same_state(self, make_store: StoreFactory) -> None:
        first = make_store()
        await first.open()
        who = await first.participant("pseudo-a", NOW)
        await first.set_language(who.id, "en")
        state = SessionState(
            consultation_id=CONSULTATION,
            phase=Phase.OTHER,
            step_id="q3",
            history=["q1", "q2"],
            answers={
                "q1": Answer(choices=["x", "y"]),
                "q2": Answer(text="Plus de bancs, « vraiment » 🌳"),
                "q0": Answer(skipped=True),
            },
            picks=["autre"],
            position=7,
        )
        sid = await first.commit(make_turn(who.id))
        turn = replace(
            make_turn(who.id, session_id=sid, now=later(1), update_key="tg:9"),
            state=state,
            saved=state.answers,
        )
        await first.commit(turn)
        await first.close()

        second = make_store()
        await second.open()
        try:
            again = await second.participant("pseudo-a", later(9))
            assert (again.id, again.lang, again.current_session_id) == (who.id, "en", sid)
            assert again.created_at == NOW
            resumed = await second.session(sid)
            latest = await second.latest_session(who.id, CONSULTATION)
            assert resumed is not None and latest == resumed
            assert resumed.state == state
            assert resumed.updated_at == later(1)
            assert await second.seen("tg:9")
            [session] = await exported(second)
            assert session.answers == dict(sorted(state.answers.items()))
        finally:
            await second.close()

    async def test_close_commits_queued_turns(self, make_store: StoreFactory) -> None:
        first = make_store()
        await first.open()
        who = await first.participant("pseudo-a", NOW)
        pending = [
            asyncio.create_task(first.commit(make_turn(who.id, update_key=f"k{i}")))
            for i in range(30)
        ]
        await asyncio.sleep(0)  # let the commits queue up
        await first.close()
        ids = [task.result() for task in pending]  # all settled by close()
        with pytest.raises(RuntimeError):
            await first.commit(make_turn(who.id))

        second = make_store()
        await second.open()
        try:
            assert [s.session_id for s in await exported(second)] == sorted(ids)
        finally:
            await second.close()

    # -- export ----------------------------------------------------------------------------

    async def test_export_by_consultation_with_answers_by_step(self, store: Store) -> None:
        alice = await store.participant("pseudo-a", NOW)
        bob = await store.participant("pseudo-b", NOW)
        a1 = await store.commit(make_turn(alice.id, saved={"q2": pick("b"), "q1": pick("a")}))
        b1 = await store.commit(make_turn(bob.id, consultation_id="autre"))
        b2 = await store.commit(
            make_turn(bob.id, status=Status.COMPLETED, now=later(3), saved={"q1": pick("n")})
        )
        everything = await exported(store)
        assert [s.session_id for s in everything] == [a1, b1, b2]
        mine = await exported(store, CONSULTATION)
        assert [s.session_id for s in mine] == [a1, b2]
        assert mine[0] == ExportedSession(
            session_id=a1,
            participant_id=alice.id,
            consultation_id=CONSULTATION,
            channel=Channel.TELEGRAM,
            status=Status.ACTIVE,
            created_at=NOW,
            updated_at=NOW,
            completed_at=None,
            answers={"q1": pick("a"), "q2": pick("b")},
        )
        assert mine[1].status is Status.COMPLETED and mine[1].completed_at == later(3)
        assert [s.session_id for s in await exported(store, "autre")] == [b1]
        assert await exported(store, "nothing") == []

    async def test_export_of_many_sessions_is_complete_and_ordered(self, store: Store) -> None:
        who = await store.participant("pseudo-a", NOW)
        ids = await asyncio.gather(
            *(
                store.commit(make_turn(who.id, saved={f"q{i % 3}": pick(str(i))}))
                for i in range(1203)
            )
        )
        sessions = await exported(store)
        assert [s.session_id for s in sessions] == sorted(ids)
        assert all(len(s.answers) == 1 for s in sessions)
