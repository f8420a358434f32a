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
from digest.aggregate import build_digest
from digest.dispatch import RetryPolicy, run_schedule
from digest.model import Period
from digest.schedule import on_demand_period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import full_answers, session_of
from tests.digest.test_dispatch import Builder, Clock, FakeDestination

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])


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


async def day_counts(tmp_path: Path, period: Period, starts: list[dt.datetime]) -> list[str]:
    """The digest's sessions per day, "dd/mm n", for residents starting at `starts`."""
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, start in enumerate(starts):
            answers = full_answers(CONSULTATION, number)
            await session_of(store, CONSULTATION, number, answers, start)
        digest = await build_digest(
            store, CONSULTATION, period, min_group_size=2, timezone="Europe/Paris"
        )
    return [f"{count.day:%d/%m} {count.sessions.value}" for count in digest.days]


async def test_each_day_of_a_week_the_clocks_go_back_counts_its_own_residents(
    tmp_path: Path,
) -> None:
    # Sunday 25 October 2026 lasts 25 hours: its first minutes, both showings of 02:30 and
    # its last minutes are all Sunday's; Saturday's and Monday's edges stay theirs.
    sunday = [paris(10, 25, 0, 5), paris(10, 25, 2, 30), paris(10, 25, 2, 30, fold=1)]
    sunday += [paris(10, 25, 23, 55)]
    saturday, monday = [paris(10, 24, 23, 55)] * 2, [paris(10, 26, 0, 5)] * 2
    week = Period(paris(10, 19, 8), paris(10, 26, 8))
    counts = await day_counts(tmp_path, week, saturday + sunday + monday)
    assert counts == [
        "19/10 0", "20/10 0", "21/10 0", "22/10 0", "23/10 0", "24/10 2", "25/10 4", "26/10 2"
    ]  # fmt: skip


async def test_each_day_of_a_week_the_clocks_go_forward_counts_its_own_residents(
    tmp_path: Path,
) -> None:
    # Sunday 28 March 2027 lasts 23 hours: 23:55 on summer time is still Sunday's.
    sunday = [paris(3, 28, 0, 5), paris(3, 28, 3, 0), paris(3, 28, 23, 55)]
    saturday, monday = [paris(3, 27, 23, 55)] * 2, [paris(3, 29, 0, 5)] * 2
    week = Period(paris(3, 22, 8), paris(3, 29, 8))
    counts = await day_counts(tmp_path, week, saturday + sunday + monday)
    assert counts == [
        "22/03 0", "23/03 0", "24/03 0", "25/03 0", "26/03 0", "27/03 2", "28/03 3", "29/03 2"
    ]  # fmt: skip


async def previous_week_sessions(tmp_path: Path, week: Period, starts: list[dt.datetime]) -> int:
    """Sessions the digest of `week` counts in the week before, for its trend arrows."""
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, start in enumerate(starts):
            answers = full_answers(CONSULTATION, number)
            await session_of(store, CONSULTATION, number, answers, start)
        digest = await build_digest(store, CONSULTATION, week, timezone="Europe/Paris")
    assert digest.previous is not None
    return digest.previous.sessions_started


async def test_the_trend_after_the_clocks_go_back_compares_with_last_monday_to_monday(
    tmp_path: Path,
) -> None:
    # The 169-hour week to Monday 26 October 08:00 is compared with the week from Monday 12
    # to Monday 19 at 08:00, which last week's digest showed: not from 07:00.
    week = Period(paris(10, 19, 8), paris(10, 26, 8))
    starts = [paris(10, 12, 7, 30), paris(10, 12, 8, 30)]
    assert await previous_week_sessions(tmp_path, week, starts) == 1


async def test_the_trend_after_the_clocks_go_forward_compares_with_last_monday_to_monday(
    tmp_path: Path,
) -> None:
    # The 167-hour week to Monday 29 March 08:00: the week before starts at 08:00, not 09:00.
    week = Period(paris(3, 22, 8), paris(3, 29, 8))
    starts = [paris(3, 15, 7, 30), paris(3, 15, 8, 30)]
    assert await previous_week_sessions(tmp_path, week, starts) == 1


def test_a_period_within_the_hour_shown_twice_has_one_before_it() -> None:
    # 02:30 summer time to 02:15 winter time: 45 minutes, though the clock went back.
    period = Period(paris(10, 25, 2, 30), paris(10, 25, 2, 15, fold=1))
    assert period.previous(PARIS) == Period(paris(10, 25, 1, 45), period.start)


def test_the_last_seven_days_start_at_the_same_time_of_day_across_a_clock_change() -> None:
    # Asked on Monday 26 October 2026 at 10:00, after the clocks went back: from Monday 19
    # at 10:00, as the heading shows it, not 09:00.
    now = paris(10, 26, 10)
    assert on_demand_period(None, now, timezone="Europe/Paris").start == paris(10, 19, 10)
    assert on_demand_period(None, paris(3, 29, 10), timezone="Europe/Paris").start == paris(
        3, 22, 10
    )
