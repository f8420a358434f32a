"""Digest schedules on the nights the clocks change, run as the JobQueue runs them.

Europe/Paris goes from 02:00 to 03:00 on the last Sunday of March and from 03:00 back to
02:00 on the last Sunday of October: 02:30 does not exist on the first night and is shown
twice on the second.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.scheduling import WallClockTrigger, cron_trigger, latest_fire
from bot.settings import ScheduleSettings
from digest.dispatch import RetryPolicy, run_schedule
from storage.sqlite import SqliteStore
from tests.digest.test_dispatch import Builder, Clock, FakeDestination

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def paris(month: int, day: int, hour: int, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """A time on Paris's clock in 2026-2027 (October and November 2026, else 2027), in UTC:
    Python never finds a time of the hour shown twice equal to one of another zone."""
    year = 2026 if month >= 10 else 2027
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold).astimezone(UTC)


def job_runs(trigger: WallClockTrigger, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """When APScheduler runs a job on `trigger` between two instants (UTC), asking the
    trigger for the next run after each one as its scheduler does."""
    runs: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start.astimezone(UTC))
    while fire is not None and fire.astimezone(UTC) < end:
        runs.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + dt.timedelta(seconds=1))
    return runs


def schedule(cron: str) -> WallClockTrigger:
    return cron_trigger(ScheduleSettings(name="nuit", cron=cron, timezone="Europe/Paris"))


async def test_a_digest_at_half_past_two_comes_once_on_the_night_the_clocks_go_back(
    tmp_path: Path,
) -> None:
    trigger = schedule("30 2 * * *")
    runs = job_runs(trigger, paris(10, 24, 12), paris(10, 26, 12))
    chat, builder = FakeDestination("telegram:-1"), Builder()
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for run in runs:
            await run_schedule(
                "nuit",
                latest_fire(trigger),
                store,
                [chat],
                builder,
                clock=Clock(run + dt.timedelta(seconds=2)),
                retry=RetryPolicy(delays=()),
            )
    # One digest on the night of Saturday to Sunday, one on the next: none an hour later.
    ends = [period.end - dt.timedelta(seconds=2) for period in builder.periods]
    assert ends == [paris(10, 25, 2, 30), paris(10, 26, 2, 30)]
    assert len(chat.delivered) == 2
    # Sunday's digest covers the 25 hours of that day: nothing lost, nothing twice.
    assert builder.periods[1].start == builder.periods[0].end
    assert builder.periods[1].end - builder.periods[1].start == dt.timedelta(hours=25)


def test_the_hour_shown_twice_runs_a_weekly_schedule_once() -> None:
    runs = job_runs(schedule("30 2 * * sun"), paris(10, 24, 12), paris(11, 2, 12))
    assert runs == [paris(10, 25, 2, 30), paris(11, 1, 2, 30)]


def test_the_latest_fire_in_the_hour_shown_twice_is_its_first_showing() -> None:
    latest = latest_fire(schedule("30 2 * * *"))
    # 02:45 for the second time, on winter time: the digest of 02:30 went out on summer time.
    assert latest(paris(10, 25, 2, 45, fold=1)) == paris(10, 25, 2, 30, fold=0)


def test_a_time_the_clocks_skip_runs_once_just_after_the_change() -> None:
    runs = job_runs(schedule("30 2 * * *"), paris(3, 27, 12), paris(3, 29, 12))
    # 02:30 never shows on 28 March 2027: the run comes at 03:30 summer time, the next day's
    # at 02:30 again.
    assert runs == [paris(3, 28, 3, 30), paris(3, 29, 2, 30)]
