"""The thin layer between digest schedules and python-telegram-bot's JobQueue (APScheduler 3).

Only this module touches APScheduler. For each schedule it registers a cron job and a run at
start-up (to catch up a digest missed while the bot was down); both call `run_due`, which asks
the trigger for the latest fire time and lets `digest.dispatch` decide, claim and deliver.
`WallClockTrigger` is the cron trigger of every time-of-day job (the retention purge too).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from telegram.ext import Application, ContextTypes

from bot.conversation import Clock
from bot.failures import described
from bot.settings import EmailSettings, ScheduleSettings, Settings
from digest import notes
from digest.bundle import Bundle, build_bundle
from digest.dispatch import Destination, DigestStore, Outcome, RetryPolicy, run_schedule
from digest.email import SmtpServer
from digest.model import Period
from digest.schedule import LatestFire
from flows.model import Consultation

log = logging.getLogger(__name__)

RETRY_LATER = dt.timedelta(minutes=30)  # a run that left a destination failing runs again
# Cron fires at whole minutes at most, so this bounds the search for the latest fire: a
# schedule that never fired in 30 years is as good as one that never fired.
LOOKBACK = (dt.timedelta(days=1), dt.timedelta(days=32), dt.timedelta(days=400))
MAX_LOOKBACK = dt.timedelta(days=366 * 30)
RESOLUTION = dt.timedelta(milliseconds=500)  # under the gap between two fires (one minute)
# APScheduler drops a run that starts more than a second after its time: the start-up run,
# timed when the application is built, starts after start-up's Bot API calls, and a busy
# event loop delays a fire as much. A late run is as good (it does what is due at its own
# time); runs missed together make one.
LATE_RUNS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}


class ScheduleError(ValueError):
    """A digest schedule that cannot run, with its name in the message."""


class WallClockTrigger(CronTrigger):  # type: ignore[misc]
    """A cron trigger that fires once at each time of the local clock, as cron does.

    APScheduler fires again when the clocks go back and show a time a second time (02:30 on
    the last Sunday of October in Paris): staff got a second digest an hour after the first,
    and the purge ran twice. The second showing of a time is skipped. A time the clocks skip
    in spring (02:30 on the last Sunday of March) fires once, just after the change.
    """

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        fire: dt.datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and _shown_before(fire, self.timezone):
            # From the UTC instant just after: APScheduler rounds a local time up to the
            # second and loses which showing of the hour it was, finding the same fire again.
            after = fire.astimezone(dt.UTC) + dt.timedelta(microseconds=1)
            fire = super().get_next_fire_time(None, after)
        return fire


def daily_trigger(at: dt.time) -> WallClockTrigger:
    """Every day at `at`, a local time of day with its time zone."""
    trigger: WallClockTrigger = WallClockTrigger(
        hour=at.hour, minute=at.minute, second=at.second, timezone=at.tzinfo
    )
    return trigger


def _shown_before(moment: dt.datetime, zone: dt.tzinfo) -> bool:
    """Whether the local clock already showed `moment`'s time earlier (the repeated hour)."""
    shown = moment.astimezone(zone).replace(tzinfo=None)
    # In UTC: Python compares two times of the same zone by their wall clock alone.
    return shown.replace(tzinfo=zone, fold=0).astimezone(dt.UTC) < moment.astimezone(dt.UTC)


def cron_trigger(schedule: ScheduleSettings) -> WallClockTrigger:
    """The APScheduler trigger of a schedule; raises `ScheduleError` naming the schedule.

    Days of the week must be names (mon…sun): APScheduler 3 numbers them from Monday = 0,
    where cron counts from Sunday = 0, so "1" would silently mean Tuesday.
    """
    fields = schedule.cron.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"digest schedule '{schedule.name}': cron '{schedule.cron}' needs 5 fields "
            "(minute hour day-of-month month day-of-week)"
        )
    if re.search(r"\d", fields[4]):
        raise ScheduleError(
            f"digest schedule '{schedule.name}': write days of the week as names "
            f"(mon, tue, … sun), not numbers, in '{schedule.cron}'"
        )
    try:
        trigger: WallClockTrigger = WallClockTrigger.from_crontab(
            schedule.cron, timezone=ZoneInfo(schedule.timezone)
        )
    except ValueError as error:
        raise ScheduleError(
            f"digest schedule '{schedule.name}': invalid cron '{schedule.cron}': {error}"
        ) from error
    return trigger


def schedule_problems(settings: Settings) -> list[str]:
    """What is wrong with the digest schedules and e-mail settings (empty: all good)."""
    problems: list[str] = []
    names = [schedule.name for schedule in settings.digest.schedules]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"digest schedule '{name}' is defined more than once")
    for schedule in settings.digest.schedules:
        try:
            cron_trigger(schedule)
        except ScheduleError as error:
            problems.append(str(error))
    email = settings.digest.email
    if email.host and not email.recipients:
        problems.append("digest.email.host is set but digest.email.recipients is empty")
    if email.host and email.username and email.password is None:
        problems.append("digest.email.username is set but digest.email.password is missing")
    return problems


def latest_fire(trigger: WallClockTrigger) -> LatestFire:
    """The function giving the trigger's latest fire time at or before an instant.

    APScheduler 3 only computes the next fire time at or after an instant, `next(t)`, which
    grows with `t`: find some `t` with `next(t) <= at`, then bisect between it and `at` until
    the interval is shorter than the gap between two fires; `next` of its lower end is then
    the latest fire. Around thirty calls, and it follows the trigger's DST rules exactly.
    """

    def fire_at_or_after(moment: dt.datetime) -> dt.datetime | None:
        fire: dt.datetime | None = trigger.get_next_fire_time(None, moment)
        return fire

    def latest(at: dt.datetime) -> dt.datetime | None:
        low: dt.datetime | None = None
        for back in (*LOOKBACK, MAX_LOOKBACK):
            fire = fire_at_or_after(at - back)
            if fire is not None and fire <= at:
                low = at - back
                break
        if low is None:
            return None
        high = at + dt.timedelta(microseconds=1)  # next(high) > at, by definition
        while high - low > RESOLUTION:
            middle = low + (high - low) / 2
            fire = fire_at_or_after(middle)
            if fire is not None and fire <= at:
                low = middle
            else:
                high = middle
        found = fire_at_or_after(low)
        return None if found is None else found.astimezone(dt.UTC)

    return latest


def smtp_server(email: EmailSettings) -> SmtpServer | None:
    """The SMTP server of the settings, or None when e-mail delivery is off."""
    if not email.host or not email.recipients:
        return None
    return SmtpServer(
        host=email.host,
        port=email.port,
        security=email.security,
        username=email.username,
        password=email.password.get_secret_value() if email.password else None,
        sender=email.sender,
        recipients=tuple(email.recipients),
    )


TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class DigestJobs:
    """The digest schedules of one application: their triggers and what a run does."""

    def __init__(
        self,
        settings: Settings,
        store: DigestStore,
        consultations: Sequence[Consultation],
        destinations: Sequence[Destination],
        *,
        clock: Clock,
        retry: RetryPolicy | None = None,
        retry_later: dt.timedelta = RETRY_LATER,
    ) -> None:
        self.settings = settings
        self.store = store
        self.consultations = list(consultations)
        self.destinations = list(destinations)
        self.clock = clock
        self.retry = retry or RetryPolicy()
        self.retry_later = retry_later
        self.triggers = {s.name: cron_trigger(s) for s in settings.digest.schedules}

    async def run_due(self, name: str) -> list[Outcome]:
        """Send whatever is due on schedule `name` now (the job callback's work)."""
        return await run_schedule(
            name,
            latest_fire(self.triggers[name]),
            self.store,
            self.destinations,
            partial(self._build, name),
            clock=self.clock,
            retry=self.retry,
        )

    async def _build(self, name: str, period: Period) -> Bundle:
        digest = self.settings.digest
        timezone = self.settings.consultation.timezone
        heading = notes.scheduled_heading(name, first=await self._is_first(name))
        return await build_bundle(
            self.store,
            self.consultations,
            period,
            heading=heading,
            timezone=timezone,
            min_group_size=digest.min_group_size,
            recent_texts=digest.recent_texts,
            abandon_after_hours=digest.abandon_after_hours,
        )

    async def _is_first(self, name: str) -> bool:
        """Whether nothing was ever sent on the schedule (its first digest is one cycle)."""
        for destination in self.destinations:
            if await self.store.last_sent_end(f"{name}/{destination.key}") is not None:
                return False
        return True

    def register(self, application: TelegramApp) -> None:
        """Add a cron job per schedule and a catch-up run at start-up to the JobQueue."""
        job_queue = application.job_queue
        if job_queue is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        if not self.destinations:
            log.warning("digest schedules are set but no staff.chat_ids nor digest.email")
        for name, trigger in self.triggers.items():
            callback = partial(self._job, name)
            job_queue.run_custom(
                callback,
                # One run of a schedule at a time.
                job_kwargs={"trigger": trigger, "max_instances": 1, **LATE_RUNS},
                name=f"digest:{name}",
            )
            job_queue.run_once(callback, when=0, name=f"digest:{name}:start", job_kwargs=LATE_RUNS)
            log.info("digest schedule %s: %s", name, trigger)

    async def _job(self, name: str, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A JobQueue callback: run the schedule; if a destination failed, try again later."""
        failed = True
        try:
            outcomes = await self.run_due(name)
            failed = any(outcome.result == "failed" for outcome in outcomes)
            if not outcomes:
                log.info("digest %s: nothing due", name)
        except Exception as error:
            # Reading the ledger failed before anything was claimed (claims taken are
            # released by `run_schedule`, or expire with their lease).
            log.error("digest %s: run failed: %s", name, described(error))
        if failed and context.job_queue is not None:
            context.job_queue.run_once(
                partial(self._job, name),
                when=self.retry_later,
                name=f"digest:{name}:retry",
                job_kwargs=LATE_RUNS,
            )
