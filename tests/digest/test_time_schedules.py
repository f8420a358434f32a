"""Scheduled digests over the city's weeks: a bot down over a clock change, several schedules
on one database, a schedule whose cron is changed between two runs (name kept)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.scheduling import DigestJobs
from bot.settings import DigestSettings, ScheduleSettings, Settings
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.test_dispatch import FakeDestination

PARIS = ZoneInfo("Europe/Paris")
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])


def paris(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A time on Paris's clock in autumn 2026, in UTC."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=PARIS).astimezone(dt.UTC)


class City:
    """One database and staff chat; the bot started with a configuration at a time."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.chat = FakeDestination("telegram:-1")  # the staff chat

    async def run(self, at: dt.datetime, name: str, *crons: tuple[str, str]) -> list[Period]:
        """The periods schedule `name` sends at `at`, with the schedules `crons` configured."""
        schedules = [ScheduleSettings(name=n, cron=cron) for n, cron in crons]
        settings = Settings(digest=DigestSettings(schedules=schedules))
        jobs = DigestJobs(settings, self.store, [CONSULTATION], [self.chat], clock=lambda: at)
        return [outcome.period for outcome in await jobs.run_due(name)]


WEEKLY = ("hebdo", "0 8 * * mon")


async def test_a_bot_down_over_the_clock_change_sends_the_missed_week_once(
    tmp_path: Path,
) -> None:
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        city = City(store)
        [first] = await city.run(paris(10, 19, 8, 0, 5), "hebdo", WEEKLY)
        # Down from Saturday 24 to Tuesday 27 at 10:00: the clocks went back on Sunday and
        # Monday's 08:00 passed. One digest covers the whole gap, the next starts after it.
        [missed] = await city.run(paris(10, 27, 10), "hebdo", WEEKLY)
        assert await city.run(paris(10, 27, 10, 30), "hebdo", WEEKLY) == []
        [following] = await city.run(paris(11, 2, 8, 0, 5), "hebdo", WEEKLY)
    assert missed == Period(first.end, paris(10, 27, 10))
    assert following.start == missed.end
    assert len(city.chat.delivered) == 3


async def test_two_schedules_on_one_database_each_tile_their_own_time(tmp_path: Path) -> None:
    daily = ("soir", "0 18 * * *")
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        city = City(store)
        [week] = await city.run(paris(11, 23, 8, 0, 5), "hebdo", WEEKLY, daily)
        [evening] = await city.run(paris(11, 23, 18, 0, 5), "soir", WEEKLY, daily)
        [next_evening] = await city.run(paris(11, 24, 18, 0, 5), "soir", WEEKLY, daily)
        assert await city.run(paris(11, 24, 18, 0, 6), "hebdo", WEEKLY, daily) == []
    # The evening digest's first cycle is its own day, whatever the weekly one sent.
    assert evening == Period(paris(11, 22, 18), paris(11, 23, 18, 0, 5))
    assert next_evening.start == evening.end
    assert week.start == paris(11, 16, 8)


async def test_a_schedule_given_a_new_cron_carries_on_from_its_last_digest(
    tmp_path: Path,
) -> None:
    friday = ("hebdo", "0 18 * * fri")
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        city = City(store)
        [monday] = await city.run(paris(11, 23, 8, 0, 5), "hebdo", WEEKLY)
        # The city moves "hebdo" to Friday 18:00 and restarts the bot on Wednesday: nothing
        # is due until Friday, whose digest starts where Monday's ended.
        assert await city.run(paris(11, 25, 12), "hebdo", friday) == []
        [moved] = await city.run(paris(11, 27, 18, 0, 5), "hebdo", friday)
        assert await city.run(paris(11, 27, 18, 5), "hebdo", friday) == []
    assert moved == Period(monday.end, paris(11, 27, 18, 0, 5))
    assert len(city.chat.delivered) == 2
