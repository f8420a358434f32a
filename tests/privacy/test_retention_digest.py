"""The retention job at its daily time, on a clock: what it removes, and the digests after it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from bot.retention import RetentionJob
from bot.settings import PrivacySettings, Settings
from digest.aggregate import build_digest
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.base import Flag
from storage.sqlite import SqliteStore
from tests.digest.residents import full_answers, session_of

OLD = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)
RECENT = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
# 04:00 in Paris, the configured purge time: 40 days after OLD, 5 after RECENT.
PURGE = dt.datetime(2026, 3, 15, 3, 0, tzinfo=dt.UTC)


async def test_a_purge_leaves_the_recent_digest_unchanged_and_the_old_data_gone(tmp_path: Path):
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    database = tmp_path / "parole.sqlite3"
    settings = Settings(privacy=PrivacySettings(retention_days=30, purge_time="04:00"))
    week = Period(RECENT - dt.timedelta(days=3), PURGE)
    everything = Period(OLD - dt.timedelta(days=1), PURGE)
    async with SqliteStore(database) as store:
        for number in range(6):
            flags = [Flag("danger", "leviers_precision")] if number == 0 else []
            when = OLD + dt.timedelta(hours=number)
            await session_of(
                store, consultation, number, full_answers(consultation, number), when, flags=flags
            )
        for number in range(6, 12):
            when = RECENT + dt.timedelta(hours=number)
            await session_of(store, consultation, number, full_answers(consultation, number), when)
        before = await build_digest(store, consultation, week)
        assert (await build_digest(store, consultation, everything)).totals.sessions_started == 12

        purged = await RetentionJob(store, settings, clock=lambda: PURGE).run()

        after = await build_digest(store, consultation, week)
        whole = await build_digest(store, consultation, everything)
    assert (purged.sessions, purged.participants, purged.flags) == (6, 6, 1)
    # The last week's digest says the same of the week; only the running totals since the
    # opening, counted from what is stored, lose the sessions purged (README, Retention).
    assert (after.totals, after.funnel, after.texts, after.days) == (
        before.totals,
        before.funnel,
        before.texts,
        before.days,
    )
    assert [[r.count for r in c.rows] for c in after.choices] == [
        [r.count for r in c.rows] for c in before.choices
    ]
    assert before.since_opening is not None and before.since_opening.sessions_started == 12
    assert after.since_opening is None, "nothing stored before the week any more"
    assert whole.totals.sessions_started == 6 and whole.disclosures == 0
    assert all(not text.endswith(("n°0", "n°5")) for t in whole.texts for text in t.recent)
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT count(*) FROM participants").fetchone() == (6,)
        assert conn.execute("SELECT min(created_at) FROM sessions").fetchone()[0] >= "2026-03-10"
