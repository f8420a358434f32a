"""A scheduled digest in a French overseas city: its schedule reads the city's clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import DigestJobs
from bot.settings import load_settings
from digest.bundle import Bundle
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.test_dispatch import FakeDestination

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
CONFIG = """
[consultation]
timezone = "{zone}"

[[digest.schedules]]
name = "hebdo"
cron = "0 8 * * mon"
{schedule_zone}
"""


async def first_digest(tmp_path: Path, zone: str, schedule_zone: str = "") -> Bundle:
    """The first weekly digest a city in `zone` gets, on Tuesday 24 November 2026 at noon."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(zone=zone, schedule_zone=schedule_zone), encoding="utf-8")
    settings = load_settings(config)
    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    chat = FakeDestination("telegram:-1")  # the staff chat
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        jobs = DigestJobs(settings, store, [CONSULTATION], [chat], clock=lambda: now)
        [outcome] = await jobs.run_due("hebdo")
    assert outcome.result == "sent"
    [bundle] = chat.delivered
    return bundle


@pytest.mark.parametrize("zone", ["America/Cayenne", "Indian/Reunion", "Pacific/Noumea"])
async def test_a_schedule_without_a_zone_of_its_own_runs_at_eight_in_the_city(
    tmp_path: Path, zone: str
) -> None:
    bundle = await first_digest(tmp_path, zone)
    # One week from Monday 08:00 to Monday 08:00 on the city's clock, then up to now.
    assert "du lun. 16/11 08:00 au mar. 24/11 12:00" in bundle.plain


async def test_a_schedule_given_its_own_zone_keeps_it(tmp_path: Path) -> None:
    bundle = await first_digest(tmp_path, "America/Cayenne", 'timezone = "Europe/Paris"')
    # 08:00 in Paris is 04:00 in Cayenne, where the digest reads its times.
    assert "du lun. 16/11 04:00 au mar. 24/11 12:00" in bundle.plain
