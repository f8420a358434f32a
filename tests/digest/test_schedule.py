"""Which period a scheduled digest covers: pure decisions with an injected clock.

The fire times come from the APScheduler trigger the bot uses (`bot.scheduling.latest_fire`),
so these tests also pin its behaviour across daylight-saving changes in Europe/Paris.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import ScheduleError, cron_trigger, latest_fire, schedule_problems
from bot.settings import DigestSettings, EmailSettings, ScheduleSettings, Settings
from digest.model import Period
from digest.schedule import LatestFire, due_period, on_demand_period

PARIS = ZoneInfo("Europe/Paris")


def paris(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """A wall-clock time in Paris, as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def fires(cron: str, timezone: str = "Europe/Paris") -> LatestFire:
    """The latest-fire function of a cron expression, as the bot computes it."""
    return latest_fire(cron_trigger(ScheduleSettings(name="s", cron=cron, timezone=timezone)))


WEEKLY = fires("0 8 * * mon")


class TestLatestFire:
    def test_weekly_fire_at_or_before(self):
        # Tuesday 24 November 2026: the latest Monday 08:00 is the day before.
        assert WEEKLY(paris(2026, 11, 24, 10, 0)) == paris(2026, 11, 23, 8, 0)
        # Exactly at the fire time, that fire counts.
        assert WEEKLY(paris(2026, 11, 23, 8, 0)) == paris(2026, 11, 23, 8, 0)
        # A microsecond before, it is the week before.
        before = paris(2026, 11, 23, 8, 0) - dt.timedelta(microseconds=1)
        assert WEEKLY(before) == paris(2026, 11, 16, 8, 0)

    def test_returns_utc(self):
        fire = WEEKLY(paris(2026, 11, 24, 10, 0))
        assert fire is not None and fire.utcoffset() == dt.timedelta(0)

    def test_autumn_dst_change_keeps_local_time(self):
        # Clocks go back on Sunday 25 October 2026: 08:00 is 06:00 UTC before, 07:00 after.
        after = WEEKLY(paris(2026, 10, 27, 9, 0))
        before = WEEKLY(paris(2026, 10, 21, 9, 0))
        assert after == dt.datetime(2026, 10, 26, 7, 0, tzinfo=dt.UTC)
        assert before == dt.datetime(2026, 10, 19, 6, 0, tzinfo=dt.UTC)
        assert after - before == dt.timedelta(hours=169)

    def test_spring_dst_change_keeps_local_time(self):
        # Clocks go forward on Sunday 28 March 2027: this week is an hour shorter.
        after = WEEKLY(paris(2027, 3, 30, 9, 0))
        before = WEEKLY(paris(2027, 3, 24, 9, 0))
        assert after is not None and before is not None
        assert after.astimezone(PARIS).hour == 8 and before.astimezone(PARIS).hour == 8
        assert after - before == dt.timedelta(hours=167)

    def test_a_daily_run_in_the_hour_repeated_in_autumn_is_found(self):
        daily = fires("30 2 * * *")
        found = daily(paris(2026, 10, 25, 12, 0))
        assert found is not None and found.astimezone(PARIS).date() == dt.date(2026, 10, 25)
        assert (found.astimezone(PARIS).hour, found.astimezone(PARIS).minute) == (2, 30)

    def test_rare_schedules_are_found(self):
        leap = fires("0 0 29 feb *")
        assert leap(paris(2026, 6, 1, 0, 0)) == paris(2024, 2, 29, 0, 0)
        yearly = fires("0 9 1 jan *")
        assert yearly(paris(2026, 6, 1, 0, 0)) == paris(2026, 1, 1, 9, 0)

    def test_every_minute(self):
        minutely = fires("* * * * *")
        at = dt.datetime(2026, 11, 24, 10, 17, 42, 123456, tzinfo=dt.UTC)
        assert minutely(at) == dt.datetime(2026, 11, 24, 10, 17, tzinfo=dt.UTC)

    def test_other_time_zone(self):
        tokyo = fires("0 8 * * mon", "Asia/Tokyo")
        assert tokyo(dt.datetime(2026, 11, 24, tzinfo=dt.UTC)) == dt.datetime(
            2026, 11, 22, 23, 0, tzinfo=dt.UTC
        )


class TestDuePeriod:
    def test_first_digest_covers_one_cycle_up_to_now(self):
        now = paris(2026, 11, 23, 8, 0, 1)
        period = due_period(WEEKLY, None, now)
        assert period == Period(paris(2026, 11, 16, 8, 0), now)

    def test_missed_run_is_caught_up_at_start(self):
        # Last digest sent on Monday 16 at 08:00:02; the bot was down on Monday 23 at 08:00
        # and starts on Tuesday 24 at 10:00: Monday's digest goes out now, up to now.
        last_end = paris(2026, 11, 16, 8, 0, 2)
        now = paris(2026, 11, 24, 10, 0)
        assert due_period(WEEKLY, last_end, now) == Period(last_end, now)

    def test_several_missed_runs_make_one_digest(self):
        last_end = paris(2026, 11, 2, 8, 0, 2)
        now = paris(2026, 11, 24, 10, 0)
        assert due_period(WEEKLY, last_end, now) == Period(last_end, now)

    def test_never_the_same_period_twice(self):
        clock = paris(2026, 11, 23, 8, 0, 1)
        sent = due_period(WEEKLY, paris(2026, 11, 16, 8, 0, 1), clock)
        assert sent is not None
        # Later the same week, with that digest recorded: nothing is due.
        for later in (clock + dt.timedelta(seconds=1), paris(2026, 11, 29, 23, 59)):
            assert due_period(WEEKLY, sent.end, later) is None
        # The next Monday: the next period starts exactly where the last one ended.
        following = due_period(WEEKLY, sent.end, paris(2026, 11, 30, 8, 0, 3))
        assert following is not None and following.start == sent.end

    def test_nothing_due_when_the_clock_went_back(self):
        last_end = paris(2026, 11, 23, 8, 0, 1)
        assert due_period(WEEKLY, last_end, last_end - dt.timedelta(minutes=5)) is None

    def test_first_cycle_across_the_autumn_change(self):
        now = paris(2026, 10, 26, 8, 0, 5)
        period = due_period(WEEKLY, None, now)
        assert period is not None
        assert period.start.astimezone(PARIS) == paris(2026, 10, 19, 8, 0)
        assert period.end - period.start == dt.timedelta(hours=169, seconds=5)

    def test_digests_tile_time_across_the_spring_change(self):
        last_end = paris(2027, 3, 22, 8, 0, 1)
        now = paris(2027, 3, 29, 8, 0, 1)
        period = due_period(WEEKLY, last_end, now)
        assert period == Period(last_end, now)
        assert period.end - period.start == dt.timedelta(hours=167)

    def test_a_schedule_that_never_fired(self):
        assert due_period(lambda at: None, None, paris(2026, 11, 24, 10, 0)) is None

    def test_with_a_hand_written_schedule(self):
        # Fires every day at 00:00 UTC: the rules do not depend on APScheduler.
        def midnight(at: dt.datetime) -> dt.datetime:
            return at.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)

        now = dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC)
        assert due_period(midnight, None, now) == Period(
            dt.datetime(2026, 1, 9, tzinfo=dt.UTC), now
        )
        assert due_period(midnight, now - dt.timedelta(hours=1), now) is None

    def test_naive_times_are_refused(self):
        with pytest.raises(ValueError):
            due_period(WEEKLY, None, dt.datetime(2026, 11, 24, 10, 0))


class TestOnDemand:
    def test_since_the_last_digest(self):
        now = paris(2026, 11, 24, 10, 0)
        last = paris(2026, 11, 23, 8, 0, 1)
        assert on_demand_period(last, now) == Period(last, now)

    def test_seven_days_without_one(self):
        now = paris(2026, 11, 24, 10, 0)
        assert on_demand_period(None, now) == Period(now - dt.timedelta(days=7), now)

    def test_seven_days_when_the_last_one_is_in_the_future(self):
        now = paris(2026, 11, 24, 10, 0)
        odd = now + dt.timedelta(hours=1)
        assert on_demand_period(odd, now).start == now - dt.timedelta(days=7)


class TestValidation:
    def test_numbers_for_weekdays_are_refused_with_the_schedule_name(self):
        with pytest.raises(ScheduleError, match=r"'hebdo'.*names"):
            cron_trigger(ScheduleSettings(name="hebdo", cron="0 8 * * 1"))

    @pytest.mark.parametrize("cron", ["0 8 * *", "0 25 * * mon", "x 8 * * mon", "0 8 * * lundi"])
    def test_bad_cron_names_the_schedule(self, cron: str):
        with pytest.raises(ScheduleError, match="'hebdo'"):
            cron_trigger(ScheduleSettings(name="hebdo", cron=cron))

    def test_problems_of_the_settings(self):
        settings = Settings(
            digest=DigestSettings(
                schedules=[
                    ScheduleSettings(name="hebdo", cron="0 8 * * mon"),
                    ScheduleSettings(name="hebdo", cron="0 8 * * fri"),
                    ScheduleSettings(name="faux", cron="0 8 * * 7"),
                ],
                email=EmailSettings(host="smtp.example.org"),
            )
        )
        problems = schedule_problems(settings)
        assert any("'hebdo' is defined more than once" in p for p in problems)
        assert any("'faux'" in p for p in problems)
        assert any("recipients is empty" in p for p in problems)

    def test_good_settings_have_no_problem(self):
        settings = Settings(
            digest=DigestSettings(schedules=[ScheduleSettings(name="hebdo", cron="0 8 * * mon")])
        )
        assert schedule_problems(settings) == []


def test_digest_imports_no_transport_scheduler_or_driver():
    """`digest/` knows nothing of Telegram, APScheduler, aiosqlite (bot/ and storage/ do)."""
    import ast
    from pathlib import Path

    import digest

    forbidden = ("telegram", "apscheduler", "aiosqlite", "bot")
    for path in Path(digest.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"
