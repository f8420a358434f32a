"""Sealed contacts, the flood gate, and erasure and access on SQLite."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from bot.privacy import Privacy, PrivacyNotice, seal, unseal
from bot.telegram.flood import FloodGate, Verdict
from flows.state import Answer
from storage.base import Channel, Flag
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, later, make_turn

SECRET = "a-secret-for-sealing-contacts"


def test_a_sealed_chat_id_opens_only_with_the_secret_and_for_its_participant() -> None:
    sealed = seal(SECRET, 7, 1_234_567_890)
    assert "1234567890" not in sealed
    assert unseal(SECRET, 7, sealed) == 1_234_567_890
    assert unseal(SECRET, 8, sealed) is None  # moved to another participant
    assert unseal("another-secret-entirely", 7, sealed) is None
    tampered = sealed[:3] + ("A" if sealed[3] != "A" else "B") + sealed[4:]
    assert unseal(SECRET, 7, tampered) is None
    assert unseal(SECRET, 7, "not base64!") is None
    assert unseal(SECRET, 7, seal(SECRET, 7, -1001234567890)) == -1001234567890


def test_the_flood_gate_pauses_one_key_and_not_the_others() -> None:
    gate = FloodGate(limit=5, window=2.0, pause=10.0)
    verdicts = [gate.check(1, 100.0 + n * 0.1) for n in range(8)]
    assert verdicts == [Verdict.PASS] * 5 + [Verdict.WARN] + [Verdict.DROP] * 2
    assert gate.check(2, 100.8) is Verdict.PASS
    assert gate.check(1, 109.0) is Verdict.DROP
    assert gate.check(1, 111.0) is Verdict.PASS  # the pause is over


def test_a_steady_pace_is_never_paused() -> None:
    gate = FloodGate(limit=5, window=2.0, pause=10.0)
    assert all(gate.check(1, n * 0.5) is Verdict.PASS for n in range(100))


def test_idle_residents_are_forgotten() -> None:
    gate = FloodGate(limit=5, window=2.0, pause=10.0)
    for key in range(1000):
        gate.check(key, 0.0)
    assert len(gate) == 1000
    gate.check(5000, 100.0)
    assert len(gate) == 1


async def test_access_and_erasure_cover_only_the_participant(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        alice = await store.participant("alice", NOW)
        bob = await store.participant("bob", NOW)
        turn = make_turn(alice.id, saved={"q1": Answer(text="il me frappe")}, update_key="k1")
        session = await store.commit(replace(turn, flags=[Flag("danger", "q1")]))
        await store.commit(make_turn(bob.id, saved={"q1": Answer(text="rien")}))
        await store.set_contact(alice.id, "sealed", later(1))

        data = await store.participant_data(alice.id)
        assert data is not None and data.contact
        [mine] = data.sessions
        assert mine.id == session and mine.flags == ["danger"]
        assert [a.answer.text for a in mine.answers] == ["il me frappe"]

        erased = await store.forget(alice.id)
        assert erased is not None
        assert (erased.sessions, erased.answers, erased.flags, erased.contact) == (1, 1, 1, True)
        assert await store.forget(alice.id) is None
        assert await store.participant_data(alice.id) is None
        assert await store.participant_data(bob.id) is not None
        assert [s.participant_id async for s in store.export()] == [bob.id]


async def test_a_participant_with_nothing_else_can_be_discarded(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        lonely = await store.participant("lonely", NOW)
        busy = await store.participant("busy", NOW)
        await store.commit(make_turn(busy.id))
        assert await store.discard_if_unused(lonely.id)
        assert not await store.discard_if_unused(busy.id)
        assert await store.find_participant("lonely") is None


async def test_flags_outside_a_turn_are_idempotent(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        assert await store.add_flags([Flag("danger")], "c", None, now, "tg:9")
        assert not await store.add_flags([Flag("danger")], "c", None, now, "tg:9")
        counts = await store.flag_counts("c", now, now + dt.timedelta(seconds=1))
        assert {(c.category, c.flags) for c in counts} == {("danger", 1), ("", 1)}


async def test_the_data_file_counts_messages_and_speaks_one_language(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        who = await store.participant("alice", NOW)
        turn = make_turn(who.id, saved={"q1": Answer(text="il me frappe, j'ai peur")})
        # One message, two categories: the flags a message raises are stored together.
        await store.commit(replace(turn, flags=[Flag("danger", "q1"), Flag("domestic", "q1")]))
        data = await store.participant_data(who.id)
        assert data is not None
        privacy = Privacy(
            store,
            [],
            SECRET,
            channel=Channel.TELEGRAM,
            notice=PrivacyNotice(contact="dpo@ville.fr"),
        )
        english = privacy.document(data, "en", NOW)
        french = privacy.document(data, "fr", NOW)
    assert "Messages that brought the helpline numbers: 1 (" in english
    assert "Contact: dpo@ville.fr" in english and "Contact\u202f: " not in english
    assert "numéros d'aide\u202f: 1 (" in french and "Contact\u202f: dpo@ville.fr" in french
