"""A consultation's last day ends at midnight on the city's clock, wherever the city is.

Nouméa is 11 hours ahead of UTC and Cayenne 3 hours behind: the UTC date there is not the
city's date at 23:59 nor at 00:01.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.conversation import Conversations
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.bot.test_console import SECRET, Terminal, talk
from tests.conftest import QUARTIERS

LAST_DAY = dt.date(2026, 11, 30)


def closing_on(day: dt.date) -> Consultation:
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    return consultation.model_copy(update={"opens": day - dt.timedelta(days=30), "closes": day})


class CityClock:
    """The city's wall clock, set by hand."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)
        self.now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)

    def set(self, day: dt.date, hour: int, minute: int) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour, minute), self.zone).astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


async def journey(
    tmp_path: Path, zone: str, steps: list[tuple[dt.date, int, int, list[str]]]
) -> tuple[Consultation, list[Terminal]]:
    """What the console showed at each visit: `steps` are (day, hour, minute, lines typed)."""
    consultation = closing_on(LAST_DAY)
    clock = CityClock(zone)
    shown: list[Terminal] = []
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        conversations = Conversations(
            store, [consultation], SECRET, channel=Channel.CONSOLE, clock=clock, timezone=zone
        )
        for day, hour, minute, lines in steps:
            clock.set(day, hour, minute)
            shown.append(await talk(conversations, lines))
    return consultation, shown


NEXT_DAY = LAST_DAY + dt.timedelta(days=1)


@pytest.mark.parametrize("zone", ["Pacific/Noumea", "America/Cayenne", "Europe/Paris"])
async def test_a_resident_under_way_answers_until_2359_and_is_told_it_closed_at_0001(
    tmp_path: Path, zone: str
) -> None:
    consultation, (evening, night) = await journey(
        tmp_path,
        zone,
        [
            (LAST_DAY, 23, 58, ["1", "1"]),  # consent, then the quartier
            (NEXT_DAY, 0, 1, ["1"]),
        ],
    )
    assert "est fermée" not in "\n".join(evening.screens) + evening.farewell
    assert "Question 2 sur" in evening.last
    told = "\n".join(night.screens) + night.farewell
    assert "est fermée" in told and consultation.title.fr in told


@pytest.mark.parametrize("zone", ["Pacific/Noumea", "America/Cayenne"])
async def test_start_at_2359_on_the_last_day_offers_the_consultation(
    tmp_path: Path, zone: str
) -> None:
    consultation, (late,) = await journey(tmp_path, zone, [(LAST_DAY, 23, 59, [])])
    assert consultation.welcome.fr in late.last and "est fermée" not in late.last


@pytest.mark.parametrize("zone", ["Pacific/Noumea", "America/Cayenne"])
async def test_the_opening_day_starts_at_midnight_on_the_city_clock(
    tmp_path: Path, zone: str
) -> None:
    opens = LAST_DAY - dt.timedelta(days=30)
    eve = opens - dt.timedelta(days=1)
    consultation, (early, on_time) = await journey(
        tmp_path, zone, [(eve, 23, 59, []), (opens, 0, 1, [])]
    )
    assert f"ouvrira le {opens:%d/%m/%Y}" in early.last  # tomorrow, on the city's clock
    assert consultation.welcome.fr not in early.last
    assert consultation.welcome.fr in on_time.last
