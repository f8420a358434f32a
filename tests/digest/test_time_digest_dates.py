"""`parole digest --since/--until`: a day, a date and time without an offset (the city's
clock), one with an offset, read in the city's time zone and shown on its clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.sqlite import SqliteStore
from tests.bot.run import parole

CAYENNE = ZoneInfo("America/Cayenne")


@pytest.fixture
def city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a Cayenne city's configuration and an empty database."""
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[consultation]\ntimezone = "America/Cayenne"\n', encoding="utf-8")

    async def create() -> None:
        async with SqliteStore(tmp_path / "data" / "parole.sqlite3"):
            pass

    asyncio.run(create())
    return config


def heading(capsys: pytest.CaptureFixture[str], config: Path, *dates: str) -> str:
    code, out, err = parole(capsys, "--config", str(config), "digest", *dates)
    assert code == 0, err
    return out.splitlines()[0]


@pytest.mark.parametrize("until", ["2026-11-02", "20261102"])
def test_until_a_day_includes_that_day_however_it_is_written(
    capsys: pytest.CaptureFixture[str], city: Path, until: str
) -> None:
    assert heading(capsys, city, "--since", "2026-11-02", "--until", until) == (
        "📬 Synthèse du lun. 02/11/2026 00:00 au mar. 03/11/2026 00:00."
    )


def test_a_time_without_offset_is_the_city_clock_and_one_with_an_offset_is_converted(
    capsys: pytest.CaptureFixture[str], city: Path
) -> None:
    # 18:00 in Paris is 14:00 in Cayenne.
    dates = ("--since", "2026-11-02T08:00", "--until", "2026-11-02T18:00+01:00")
    assert heading(capsys, city, *dates) == (
        "📬 Synthèse du lun. 02/11/2026 08:00 au lun. 02/11/2026 14:00."
    )


def test_until_a_day_to_come_ends_the_digest_now(
    capsys: pytest.CaptureFixture[str], city: Path
) -> None:
    before = dt.datetime.now(CAYENNE).replace(second=0, microsecond=0, tzinfo=None)
    shown = heading(capsys, city, "--since", "2026-11-01", "--until", "2099-12-31")
    after = dt.datetime.now(CAYENNE).replace(tzinfo=None)
    # As /digest does: a digest cannot cover time that has not come, nor compare it.
    end = dt.datetime.strptime(shown.rsplit(" au ", 1)[1][5:-1], "%d/%m/%Y %H:%M")
    assert before <= end <= after
