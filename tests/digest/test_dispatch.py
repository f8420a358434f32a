"""Running a schedule: claim, build once, deliver everywhere, retry, record — with fakes."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digest.bundle import Bundle
from digest.dispatch import RetryPolicy, ledger_key, run_schedule
from digest.model import Period
from digest.schedule import LatestFire
from storage.sqlite import SqliteStore

UTC = dt.UTC
# Fires every day at 08:00 UTC.
MONDAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def daily(at: dt.datetime) -> dt.datetime:
    """The latest 08:00 UTC at or before `at`."""
    fire = at.astimezone(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    return fire if fire <= at else fire - dt.timedelta(days=1)


DAILY: LatestFire = daily


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class FakeDestination:
    """Records what it was asked to deliver; fails its first `failures` attempts."""

    def __init__(self, key: str, failures: int = 0) -> None:
        self.key = key
        self.failures = failures
        self.attempts = 0
        self.delivered: list[Bundle] = []

    async def deliver(self, bundle: Bundle) -> None:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the line is down")
        self.delivered.append(bundle)


class Builder:
    """Builds empty bundles and records the periods asked for; can fail first."""

    def __init__(self, failures: int = 0) -> None:
        self.periods: list[Period] = []
        self.failures = failures

    async def __call__(self, period: Period) -> Bundle:
        self.periods.append(period)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("aggregation failed")
        return Bundle(period, "heading", "subject", ("<b>part</b>",), "<html></html>", "", (), ())


class Sleeps:
    """Records the waits between attempts instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "parole.sqlite3"


@pytest.fixture
async def store(db: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(db)
    await opened.open()
    yield opened
    await opened.close()


async def run(
    store: SqliteStore,
    destinations: list[FakeDestination],
    clock: Clock,
    builder: Builder | None = None,
    sleeps: Sleeps | None = None,
):
    return await run_schedule(
        "quotidien",
        DAILY,
        store,
        destinations,
        builder or Builder(),
        clock=clock,
        retry=RetryPolicy(delays=(10.0, 60.0)),
        sleep=sleeps or Sleeps(),
    )


async def test_one_bundle_for_every_destination_then_nothing(store: SqliteStore):
    chat, mail = FakeDestination("telegram:-1"), FakeDestination("email")
    builder = Builder()
    clock = Clock(MONDAY + dt.timedelta(minutes=1))
    outcomes = await run(store, [chat, mail], clock, builder)
    assert [o.result for o in outcomes] == ["sent", "sent"]
    assert builder.periods == [Period(MONDAY - dt.timedelta(days=1), clock.now)]
    assert chat.delivered == mail.delivered and len(chat.delivered) == 1
    for key in ("telegram:-1", "email"):
        assert await store.last_sent_end(ledger_key("quotidien", key)) == clock.now

    clock.now += dt.timedelta(hours=3)
    assert await run(store, [chat, mail], clock, builder) == []
    assert len(chat.delivered) == 1 and len(builder.periods) == 1

    # The next day: the next period starts where the first ended.
    first_end = builder.periods[0].end
    clock.now = MONDAY + dt.timedelta(days=1, seconds=5)
    await run(store, [chat, mail], clock, builder)
    assert builder.periods[1] == Period(first_end, clock.now)


async def test_a_failing_destination_is_retried_with_growing_delays(store: SqliteStore):
    flaky, steady = FakeDestination("email", failures=2), FakeDestination("telegram:-1")
    sleeps = Sleeps()
    outcomes = await run(store, [steady, flaky], Clock(MONDAY), sleeps=sleeps)
    assert sorted(o.result for o in outcomes) == ["sent", "sent"]
    assert sleeps.delays == [10.0, 60.0]
    assert flaky.attempts == 3 and len(flaky.delivered) == 1
    assert len(steady.delivered) == 1, "a destination that worked is not sent again"


async def test_a_destination_that_keeps_failing_is_released_and_sent_later(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
):
    broken, steady = FakeDestination("email", failures=3), FakeDestination("telegram:-1")
    clock = Clock(MONDAY + dt.timedelta(seconds=1))
    outcomes = await run(store, [steady, broken], clock)
    assert {o.destination: o.result for o in outcomes} == {"telegram:-1": "sent", "email": "failed"}
    assert await store.last_sent_end(ledger_key("quotidien", "email")) is None
    assert "not sent, will be retried later" in caplog.text
    assert "<b>part</b>" not in caplog.text, "no digest content in the log"

    # Thirty minutes later the server is back: only e-mail is due, for a longer period.
    first_start = MONDAY - dt.timedelta(days=1)
    clock.now += dt.timedelta(minutes=30)
    builder = Builder()
    outcomes = await run(store, [steady, broken], clock, builder)
    assert [(o.destination, o.result) for o in outcomes] == [("email", "sent")]
    assert builder.periods == [Period(first_start, clock.now)]
    assert len(steady.delivered) == 1 and len(broken.delivered) == 1


async def test_a_failing_build_releases_every_claim(store: SqliteStore):
    chat = FakeDestination("telegram:-1")
    builder = Builder(failures=3)
    outcomes = await run(store, [chat], Clock(MONDAY), builder)
    assert [o.result for o in outcomes] == ["failed"]
    assert chat.attempts == 0
    assert await store.last_sent_end(ledger_key("quotidien", "telegram:-1")) is None
    # Nothing is left claimed: the next run can send at once.
    outcomes = await run(store, [chat], Clock(MONDAY + dt.timedelta(minutes=1)))
    assert [o.result for o in outcomes] == ["sent"]


async def test_a_failing_build_logs_no_word_the_error_quotes(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
):
    class Unreadable(Builder):
        async def __call__(self, period: Period) -> Bundle:
            # As pydantic quotes an answer it could not read back.
            raise ValueError("input_value='Mon copain me frappe'")

    await run(store, [FakeDestination("telegram:-1")], Clock(MONDAY), Unreadable())
    assert "attempt 1 failed (ValueError)" in caplog.text
    assert "frappe" not in caplog.text


async def test_two_processes_running_the_same_schedule_send_once(db: Path):
    stores = [SqliteStore(db), SqliteStore(db)]
    for store in stores:
        await store.open()
    try:
        chats = [FakeDestination("telegram:-1"), FakeDestination("telegram:-1")]
        clock = Clock(MONDAY + dt.timedelta(seconds=2))
        await asyncio.gather(*(run(s, [c], clock) for s, c in zip(stores, chats, strict=True)))
        assert sum(len(chat.delivered) for chat in chats) == 1
    finally:
        for store in stores:
            await store.close()


async def test_a_run_cancelled_mid_retry_gives_the_period_back(store: SqliteStore):
    broken = FakeDestination("email", failures=10)
    waiting = asyncio.Event()

    async def forever(delay: float) -> None:
        waiting.set()
        await asyncio.sleep(3600)

    task = asyncio.create_task(
        run_schedule(
            "quotidien",
            DAILY,
            store,
            [broken],
            Builder(),
            clock=Clock(MONDAY),
            retry=RetryPolicy(delays=(10.0,)),
            sleep=forever,
        )
    )
    await waiting.wait()  # the first attempt failed, the run waits to try again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    steady = FakeDestination("email")
    outcomes = await run(store, [steady], Clock(MONDAY + dt.timedelta(seconds=1)))
    assert [o.result for o in outcomes] == ["sent"], "the claim was released, not left to expire"


def test_retries_must_fit_in_the_lease():
    with pytest.raises(ValueError):
        RetryPolicy(delays=(600.0, 600.0))
