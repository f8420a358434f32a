"""The digest's reach per relay: names, counts, small groups hidden like other breakdowns."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digest.aggregate import build_digest
from digest.bundle import build_bundle
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation
from flows.state import Phase, SessionState
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.digest.residents import answered, full_answers

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
WEEK = Period(NOW - dt.timedelta(days=7), NOW + dt.timedelta(hours=1))


@pytest.fixture
def consultation() -> Consultation:
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "parole.sqlite3") as opened:
        yield opened


def forms(consultation: Consultation, count: int) -> list[SessionState]:
    return [
        SessionState(
            consultation_id=consultation.id,
            phase=Phase.DONE,
            answers=full_answers(consultation, n, Channel.PAPER),
            position=13,
        )
        for n in range(count)
    ]


async def test_no_relay_no_breakdown(store: SqliteStore, consultation: Consultation):
    await answered(store, consultation, 6, NOW - dt.timedelta(days=2))
    digest = await build_digest(store, consultation, WEEK)
    assert [b.key for b in digest.breakdowns] == ["quartier", "profil", "channel"]


async def test_reach_per_relay_is_exact(store: SqliteStore, consultation: Consultation):
    # Relays' activity is staff's operational data, shown exactly by /relais: the digest too.
    await answered(store, consultation, 7, NOW - dt.timedelta(days=2))
    big = await store.create_relay("Centre social", "aaaa", "h1", NOW, NOW)
    small = await store.create_relay("Karim", "bbbb", "h2", NOW, NOW)
    await store.import_paper(consultation.id, forms(consultation, 9), big.id, NOW)
    await store.import_paper(consultation.id, forms(consultation, 2), small.id, NOW)

    digest = await build_digest(store, consultation, WEEK, min_group_size=5)
    relay = next(b for b in digest.breakdowns if b.key == "relay")
    cells = {row.label: row.count for row in relay.rows}
    assert {label: cell.shown() for label, cell in cells.items()} == {
        "Centre social": "9",
        "Karim": "2",
        "Sans relais": "7",
    }
    channel = next(b for b in digest.breakdowns if b.key == "channel")
    assert {row.code: row.count.value for row in channel.rows}["paper"] == 11

    bundle = await build_bundle(store, [consultation], WEEK, heading="Test")
    assert "Par relais" in bundle.plain and "• Karim\u202f: 2\n" in bundle.plain
