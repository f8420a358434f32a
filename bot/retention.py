"""Retention: what to purge (a pure decision on the time given) and the daily job that does it.

Data is kept `privacy.retention_days` after a resident's last activity: a session idle that
long is deleted with its answers and flags; a participant with no session left (and created
before that limit) goes too; a follow-up contact goes `retention_days` after the resident said
yes, and the record of a follow-up news received goes `retention_days` after it was sent;
stray flags (no session) go by their own date. Update keys, which only guard against
Telegram delivering an update twice, are kept `privacy.processed_days`.

The job runs once shortly after start (a bot that was down at the daily time still purges)
and then every day at `privacy.purge_time` in the city's time zone, once even on the night the
clocks go back (see `bot.scheduling.WallClockTrigger`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from bot.conversation import Clock, utc_now
from bot.scheduling import LATE_RUNS, daily_trigger
from bot.settings import Settings, clock
from storage.privacy import PrivacyStore, Purged, PurgePlan

log = logging.getLogger(__name__)

FIRST_RUN_DELAY = dt.timedelta(seconds=60)


def purge_plan(now: dt.datetime, retention_days: int, processed_days: int = 3) -> PurgePlan:
    """What retention removes at `now`: everything older than these instants."""
    if now.tzinfo is None:
        raise ValueError("purge_plan needs an aware datetime")
    if retention_days < 1 or processed_days < 1:
        raise ValueError("retention periods are at least a day")
    limit = now - dt.timedelta(days=retention_days)
    return PurgePlan(
        sessions_before=limit,
        contacts_before=limit,
        processed_before=now - dt.timedelta(days=processed_days),
    )


def daily_time(settings: Settings) -> dt.time:
    """The local time of the daily purge, with the city's time zone."""
    hours, minutes = clock(settings.privacy.purge_time)  # checked when the settings were read
    return dt.time(hours, minutes, tzinfo=ZoneInfo(settings.consultation.timezone))


class RetentionJob:
    """Runs the purge on a store; logs counts only."""

    def __init__(self, store: PrivacyStore, settings: Settings, clock: Clock = utc_now) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    async def run(self) -> Purged:
        """Purge now."""
        privacy = self.settings.privacy
        purged = await self.store.purge(
            purge_plan(self.clock(), privacy.retention_days, privacy.processed_days)
        )
        log.info(
            "retention: removed %d session(s), %d answer(s), %d flag(s), %d participant(s), "
            "%d contact(s), %d update key(s), %d news delivery record(s)",
            purged.sessions,
            purged.answers,
            purged.flags,
            purged.participants,
            purged.contacts,
            purged.processed,
            purged.deliveries,
        )
        return purged

    async def callback(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue callback; a failure is logged and tried again at the next run."""
        try:
            await self.run()
        except Exception as error:
            log.error("retention: purge failed (%s); retried at the next run", type(error).__name__)

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Run once shortly after start, then every day at `privacy.purge_time`."""
        jobs = application.job_queue
        if jobs is None:
            raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
        jobs.run_once(self.callback, FIRST_RUN_DELAY, name="retention-start", job_kwargs=LATE_RUNS)
        # Not `run_daily`: its trigger runs the purge twice when the clocks go back.
        trigger = daily_trigger(daily_time(self.settings))
        jobs.run_custom(
            self.callback, job_kwargs={"trigger": trigger, **LATE_RUNS}, name="retention"
        )
