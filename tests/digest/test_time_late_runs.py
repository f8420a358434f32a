"""A digest or purge whose run comes late still runs.

APScheduler drops a run that starts more than its grace time (1 second by default) after its
time. The start-up catch-up is timed when the application is built, and runs once the
JobQueue starts, after the Bot API calls of start-up (seconds on a real network); a busy
event loop delays the weekly fire as much. Here the JobQueue's own executor runs each job
ten seconds late, as it would after such a delay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apscheduler.executors.base import run_coroutine_job  # type: ignore[import-untyped]
from telegram.ext import ApplicationBuilder

from bot.retention import RetentionJob
from bot.scheduling import DigestJobs, TelegramApp
from bot.settings import DigestSettings, PrivacySettings, ScheduleSettings, Settings
from flows.loader import BUILTIN_DIR, load_consultation
from flows.state import Answer
from storage.sqlite import SqliteStore
from tests.digest.test_dispatch import FakeDestination
from tests.storage.helpers import make_turn

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
SETTINGS = Settings(
    digest=DigestSettings(schedules=[ScheduleSettings(name="hebdo", cron="0 8 * * mon")]),
    privacy=PrivacySettings(retention_days=30),
)
MONDAY = dt.datetime(2026, 11, 23, 7, 0, 5, tzinfo=dt.UTC)  # 08:00:05 in Paris


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "parole.sqlite3") as opened:
        yield opened


@pytest.fixture
async def application() -> AsyncIterator[TelegramApp]:
    """An application whose JobQueue holds its jobs, as started, without running any."""
    built = ApplicationBuilder().token("1:x").build()
    yield built
    assert built.job_queue is not None
    if built.job_queue.scheduler.running:
        built.job_queue.scheduler.shutdown(wait=False)


async def run_late(application: TelegramApp, name: str) -> None:
    """Run the job `name` as the JobQueue's executor does, ten seconds after its time."""
    assert application.job_queue is not None
    application.job_queue.scheduler.start(paused=True)
    [job] = application.job_queue.get_jobs_by_name(name)
    late = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10)
    await run_coroutine_job(job.job, "default", [late], "apscheduler.executors.default")


@pytest.mark.parametrize("job", ["digest:hebdo:start", "digest:hebdo"])
async def test_a_digest_run_ten_seconds_late_is_sent(
    application: TelegramApp, store: SqliteStore, job: str
) -> None:
    chat = FakeDestination("telegram:-1")  # the staff chat
    DigestJobs(SETTINGS, store, [CONSULTATION], [chat], clock=lambda: MONDAY).register(application)
    await run_late(application, job)
    assert len(chat.delivered) == 1


@pytest.mark.parametrize("job", ["retention-start", "retention"])
async def test_a_purge_run_ten_seconds_late_purges(
    application: TelegramApp, store: SqliteStore, job: str
) -> None:
    old = MONDAY - dt.timedelta(days=31)
    who = await store.participant("resident", old)
    await store.commit(make_turn(who.id, now=old, saved={"q1": Answer(text="x")}))
    RetentionJob(store, SETTINGS, clock=lambda: MONDAY).register(application)
    await run_late(application, job)
    assert await store.find_participant("resident") is None
