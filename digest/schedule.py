"""Which period a scheduled digest covers, whether one is due, and the dates staff type for an
on-demand one (`parole digest --since`, `/digest DATE`): pure decisions.

A schedule fires at the times of a cron expression; the caller knows how to compute them
(the bot layer asks APScheduler's trigger) and passes a `LatestFire` function. Nothing here
reads the clock: `now` is always an argument, so the rules are tested with a fake clock.

The rules:

- A digest is due when the schedule fired after the end of the last digest sent on it. It
  covers from that end to `now`, so digests tile time with neither gap nor overlap, and a
  bot that was down at the scheduled time sends the missed digest as soon as it runs again
  (one digest for however many fires were missed, covering the whole gap).
- The first digest ever sent on a schedule covers one full cycle before the latest fire
  (from the fire before it) up to `now`. We chose this over "since the consultation opened":
  a first weekly digest should look like the ones that follow, not like a dump of months;
  the CSV/XLSX exports attached to every digest already hold everything since the opening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from digest.model import Period
from digest.texts import DEFAULT_TIMEZONE

LatestFire = Callable[[dt.datetime], dt.datetime | None]
"""The latest fire time of a schedule at or before the given instant (None: never fired)."""

TICK = dt.timedelta(microseconds=1)


def due_period(
    latest_fire: LatestFire, last_end: dt.datetime | None, now: dt.datetime
) -> Period | None:
    """The period the next digest of a schedule covers, or None when none is due at `now`.

    `last_end` is the end of the last period sent on this schedule (None: never sent).
    """
    _aware(now, "now")
    fire = latest_fire(now)
    if fire is None:
        return None
    _aware(fire, "fire time")
    if last_end is None:
        # One cycle: from the fire before the latest one (the latest, if it is the first).
        start = latest_fire(fire - TICK) or fire
    else:
        _aware(last_end, "last_end")
        if fire <= last_end:
            return None  # the digest of this fire (or a later one) is already out
        start = last_end
    if now <= start:
        return None  # the clock went back: nothing sensible to send
    return Period(start.astimezone(dt.UTC), now.astimezone(dt.UTC))


def on_demand_period(
    last_end: dt.datetime | None,
    now: dt.datetime,
    days: int = 7,
    timezone: str = DEFAULT_TIMEZONE,
) -> Period:
    """An on-demand digest: since the last digest sent, else (or if odd) the last `days` days
    of the city's calendar, from the same time of day even across a clock change."""
    _aware(now, "now")
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=days)
    default = local.replace(tzinfo=zone)
    start = last_end if last_end is not None and last_end < now else default
    return Period(start.astimezone(dt.UTC), now.astimezone(dt.UTC))


def _aware(value: dt.datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")


def parse_when(text: str, timezone: str, *, end_of_day: bool = False) -> dt.datetime:
    """A date staff typed (--since, --until, /digest DATE) as an aware UTC datetime.

    A date is local midnight (or the next midnight with `end_of_day`, so that --until DAY
    includes the day); a date and time without an offset is local time.
    """
    zone = ZoneInfo(timezone)
    try:
        # Any ISO form of a day ("2026-11-30", "20261130") is a day, which --until includes.
        day = dt.date.fromisoformat(text)
    except ValueError:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{text}' is not a date (YYYY-MM-DD) or an ISO date and time"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(dt.UTC)
    if end_of_day:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
