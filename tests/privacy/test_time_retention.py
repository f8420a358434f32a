"""Retention and the city's clock: when the daily purge runs, and what "N days" means.

`privacy.retention_days` counts 24-hour blocks from a resident's last activity (elapsed time,
not days of the city's calendar): a clock change moves the limit by an hour on the city's
clock, never the time kept. docs/privacy.md (Retention) says so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import ApplicationBuilder

from bot.retention import RetentionJob
from bot.settings import PrivacySettings, Settings
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.storage.helpers import make_turn

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def purge_runs(
    tmp_path: Path, purge_time: str, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """When the registered daily purge runs between two instants (UTC), asking its trigger
    for the next run after each one as python-telegram-bot's scheduler does."""
    application = ApplicationBuilder().token("1:x").build()
    settings = Settings(privacy=PrivacySettings(purge_time=purge_time))
    RetentionJob(SqliteStore(tmp_path / "parole.sqlite3"), settings).register(application)
    assert application.job_queue is not None
    [daily] = application.job_queue.get_jobs_by_name("retention")
    trigger = daily.job.trigger
    runs: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire.astimezone(UTC) < end:
        runs.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + dt.timedelta(seconds=1))
    return runs


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time on Paris's clock, in UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def test_a_purge_at_half_past_two_runs_once_on_the_night_the_clocks_go_back(tmp_path: Path) -> None:
    runs = purge_runs(tmp_path, "02:30", paris(2026, 10, 24, 12), paris(2026, 10, 26, 12))
    # 02:30 is shown twice on Sunday 25 October 2026: the purge runs at the first.
    assert runs == [paris(2026, 10, 25, 2, 30), paris(2026, 10, 26, 2, 30)]


def test_a_purge_at_a_time_the_clocks_skip_runs_once_just_after(tmp_path: Path) -> None:
    runs = purge_runs(tmp_path, "02:30", paris(2027, 3, 27, 12), paris(2027, 3, 29, 12))
    assert runs == [paris(2027, 3, 28, 3, 30), paris(2027, 3, 29, 2, 30)]


def test_the_default_purge_runs_at_half_past_three_on_the_city_clock(tmp_path: Path) -> None:
    runs = purge_runs(tmp_path, "03:30", paris(2026, 10, 24, 12), paris(2026, 10, 26, 12))
    assert runs == [paris(2026, 10, 25, 3, 30), paris(2026, 10, 26, 3, 30)]


async def kept_after_purge(tmp_path: Path, last_activity: dt.datetime, now: dt.datetime) -> bool:
    """Whether a session last active at `last_activity` outlives a 30-day purge at `now`."""
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        who = await store.participant("resident", last_activity)
        await store.commit(make_turn(who.id, now=last_activity, saved={"q1": Answer(text="x")}))
        settings = Settings(privacy=PrivacySettings(retention_days=30))
        purged = await RetentionJob(store, settings, clock=lambda: now).run()
        return purged.sessions == 0


async def test_a_session_idle_exactly_retention_days_is_kept(tmp_path: Path) -> None:
    last = dt.datetime(2027, 6, 1, 1, 30, tzinfo=UTC)
    assert await kept_after_purge(tmp_path, last, last + dt.timedelta(days=30))


async def test_a_session_idle_a_second_longer_is_purged(tmp_path: Path) -> None:
    last = dt.datetime(2027, 6, 1, 1, 30, tzinfo=UTC)
    assert not await kept_after_purge(tmp_path, last, last + dt.timedelta(days=30, seconds=1))


async def test_days_are_24_hours_across_a_clock_change(tmp_path: Path) -> None:
    # Last active Saturday 10 October 2026 at 03:45 (summer time); the purge 30 days later at
    # 03:30 on the city's clock (winter time) comes 30 days and 45 minutes later: purged,
    # though on the city's calendar it is 15 minutes short of 30 days.
    last, purge = paris(2026, 10, 10, 3, 45), paris(2026, 11, 9, 3, 30)
    assert purge - last == dt.timedelta(days=30, minutes=45)
    assert not await kept_after_purge(tmp_path, last, purge)
