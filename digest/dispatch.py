"""Running one digest schedule: decide, claim, build once, deliver everywhere, record.

Each destination (one staff chat, the e-mail list) has its own line in the ledger, keyed
"<schedule>/<destination>": a destination that fails does not make the others receive the
same period again when it is retried, and a staff chat added to the configuration later
starts with one cycle of its own. Destinations sharing a period (the usual case) share one
bundle, built once.

Failures are retried a few times with a growing delay while the claim is held (the lease
outlasts the retries); a destination that still fails has its claim released, so the period
is not marked sent and the next run (the caller schedules one soon) sends it, extended to
that run's `now`. The log names the schedule, destination and error, never resident text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from digest.bundle import Bundle, Source
from digest.model import Period
from digest.schedule import LatestFire, due_period
from storage.base import Ledger

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=15)  # longer than every retry together (see RetryPolicy)

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]
BuildBundle = Callable[[Period], Awaitable[Bundle]]


class DigestStore(Source, Ledger, Protocol):
    """Everything digest deliveries need from storage: reports, exports and the ledger."""


class Destination(Protocol):
    """Where a digest goes: a staff chat, the e-mail list."""

    @property
    def key(self) -> str:
        """A stable name for the ledger, e.g. "telegram:-1001234" or "email"."""
        ...

    async def deliver(self, bundle: Bundle) -> None:
        """Send `bundle`; raise on failure. Called again after a failure, it may resume."""


@dataclass(frozen=True)
class RetryPolicy:
    """Seconds to wait before each new attempt after a failure (10 s, 1 min, 5 min)."""

    delays: tuple[float, ...] = (10.0, 60.0, 300.0)

    def __post_init__(self) -> None:
        if dt.timedelta(seconds=sum(self.delays)) >= LEASE / 2:
            # Half the lease is left for building and sending, so no other process takes
            # the claim over while this one is still trying.
            raise ValueError("retries must end well within the claim's lease")


@dataclass(frozen=True)
class Outcome:
    """What happened to one destination in a run."""

    destination: str
    period: Period
    result: Literal["sent", "failed", "lost"]  # lost: delivered, but the claim was taken over


def ledger_key(schedule: str, destination: str) -> str:
    """The ledger line of a destination on a schedule."""
    return f"{schedule}/{destination}"


async def run_schedule(
    schedule: str,
    latest_fire: LatestFire,
    ledger: Ledger,
    destinations: Sequence[Destination],
    build: BuildBundle,
    *,
    clock: Clock,
    retry: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> list[Outcome]:
    """Send every digest due on `schedule`; return what happened, destination by destination.

    Nothing is returned for destinations with nothing due or claimed by another process.
    """
    retry = retry or RetryPolicy()
    now = clock()
    groups: dict[Period, list[Destination]] = {}
    for destination in destinations:
        key = ledger_key(schedule, destination.key)
        period = due_period(latest_fire, await ledger.last_sent_end(key), now)
        if period is None:
            continue
        if await ledger.claim(key, period.start, period.end, now, LEASE):
            groups.setdefault(period, []).append(destination)
        else:
            log.info("digest %s for %s: claimed by another process", schedule, destination.key)
    outcomes: list[Outcome] = []
    for period, claimed in groups.items():
        outcomes += await _send(schedule, period, claimed, ledger, build, now, clock, retry, sleep)
    return outcomes


async def _send(
    schedule: str,
    period: Period,
    destinations: list[Destination],
    ledger: Ledger,
    build: BuildBundle,
    claimed_at: dt.datetime,
    clock: Clock,
    retry: RetryPolicy,
    sleep: Sleep,
) -> list[Outcome]:
    """Build the bundle of `period` once and deliver it to every destination, with retries."""
    pending = {d.key: d for d in destinations}
    outcomes: list[Outcome] = []
    bundle: Bundle | None = None
    try:
        for attempt, delay in enumerate((0.0, *retry.delays), start=1):
            if delay:
                await sleep(delay)
            try:
                bundle = bundle or await build(period)
            except Exception as error:
                _failed(schedule, "bundle", attempt, retry, error)
                continue
            for name, destination in list(pending.items()):
                try:
                    await destination.deliver(bundle)
                except Exception as error:
                    _failed(schedule, name, attempt, retry, error)
                    continue
                del pending[name]
                key = ledger_key(schedule, name)
                sent = await ledger.mark_sent(key, period.start, claimed_at, clock())
                if not sent:
                    log.warning("digest %s for %s: claim lost while sending", schedule, name)
                outcomes.append(Outcome(name, period, "sent" if sent else "lost"))
                log.info("digest %s sent to %s", schedule, name)
            if not pending:
                break
    finally:
        # Also on cancellation (shutdown mid-send): give the period back at once rather than
        # after the lease, so the next start sends it.
        for name in pending:
            await _release(ledger, ledger_key(schedule, name), period.start, claimed_at)
    for name in pending:
        log.error("digest %s for %s: not sent, will be retried later", schedule, name)
        outcomes.append(Outcome(name, period, "failed"))
    return outcomes


def _failed(schedule: str, what: str, attempt: int, retry: RetryPolicy, error: Exception) -> None:
    """Log a failed attempt, never a digest's content.

    A delivery's error says what the chat or mail server refused, worth reading; building the
    digest fails on the answers read, and its error may quote one: only its type then.
    """
    left = len(retry.delays) + 1 - attempt
    reason = type(error).__name__ if what == "bundle" else f"{type(error).__name__}: {error}"
    log.warning(
        "digest %s for %s: attempt %d failed (%s), %d attempt(s) left",
        schedule,
        what,
        attempt,
        reason,
        left,
    )


async def _release(ledger: Ledger, key: str, start: dt.datetime, claimed_at: dt.datetime) -> None:
    """Release a claim; if even that fails, the lease frees the period later."""
    try:
        await asyncio.shield(ledger.release(key, start, claimed_at))
    except Exception as error:
        log.warning("digest %s: could not release the claim (%s)", key, type(error).__name__)
