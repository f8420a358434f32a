"""Retention: the pure decision with an injected clock, and the purge it drives on SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.retention import RetentionJob, daily_time, purge_plan
from bot.settings import PrivacySettings, Settings
from flows.state import Answer
from storage.base import Flag
from storage.sqlite import SqliteStore
from tests.storage.helpers import make_turn

NOW = dt.datetime(2027, 6, 1, 3, 30, tzinfo=dt.UTC)


def test_the_plan_is_the_retention_period_before_now() -> None:
    plan = purge_plan(NOW, retention_days=365, processed_days=3)
    assert plan.sessions_before == NOW - dt.timedelta(days=365)
    assert plan.contacts_before == NOW - dt.timedelta(days=365)
    assert plan.processed_before == NOW - dt.timedelta(days=3)


def test_the_plan_refuses_naive_times_and_empty_periods() -> None:
    with pytest.raises(ValueError, match="aware"):
        purge_plan(NOW.replace(tzinfo=None), 365)
    with pytest.raises(ValueError, match="at least a day"):
        purge_plan(NOW, 0)


def test_the_daily_time_is_local() -> None:
    at = daily_time(Settings(privacy=PrivacySettings(purge_time="04:15")))
    assert (at.hour, at.minute) == (4, 15) and str(at.tzinfo) == "Europe/Paris"


async def test_the_purge_removes_old_data_and_keeps_recent_data(tmp_path: Path) -> None:
    old, recent = NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=10)
    store = SqliteStore(tmp_path / "db.sqlite3")
    async with store:
        gone = await store.participant("gone", old)
        kept = await store.participant("kept", old)
        idle = await store.participant("idle", old)  # chose a language, never answered
        text = Answer(text="Mon mari me frappe")
        turn = make_turn(gone.id, now=old, saved={"q1": text}, update_key="tg:1")
        await store.commit(replace(turn, flags=[Flag("danger", "q1")]))
        await store.commit(make_turn(kept.id, now=recent, saved={"q1": Answer(text="ok")}))
        await store.set_contact(gone.id, "sealed-old", old)
        await store.set_contact(kept.id, "sealed-new", recent)
        await store.add_flags([Flag("danger")], "quartier-2025", None, old)

        purged = await RetentionJob(
            store, Settings(privacy=PrivacySettings(retention_days=365)), clock=lambda: NOW
        ).run()

        assert (purged.sessions, purged.answers, purged.flags) == (1, 1, 2)
        assert (purged.participants, purged.contacts, purged.processed) == (2, 1, 1)
        assert await store.find_participant("gone") is None
        assert await store.find_participant("idle") is None
        assert idle.id != kept.id
        assert await store.find_participant("kept") is not None
        assert await store.contact(kept.id) == "sealed-new"
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM flags").fetchone() == (0,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_the_job_registers_a_daily_run(tmp_path: Path) -> None:
    from telegram.ext import ApplicationBuilder

    application = ApplicationBuilder().token("1:x").build()
    RetentionJob(SqliteStore(tmp_path / "db.sqlite3"), Settings()).register(application)
    assert application.job_queue is not None
    names = {job.name for job in application.job_queue.jobs()}
    assert names == {"retention", "retention-start"}
