"""/digest for a period staff choose: from one day to another, or the whole history."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.model import Consultation
from tests.digest.residents import answered
from tests.telegram.test_staff import STAFF, STAFF_CHAT, TUESDAY, StaffChat, replies


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    """Three residents in October, seven on Saturday 21 November."""
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        await answered(running.store, consultation, 3, dt.datetime(2026, 10, 14, 9, tzinfo=dt.UTC))
        await answered(running.store, consultation, 7, TUESDAY - dt.timedelta(days=3))
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def digest_text(chat: StaffChat, command: str) -> str:
    """The text of the digest `command` brings to the staff chat."""
    before = len(chat.api.messages(STAFF_CHAT.id))
    chat.api.send_text(STAFF, command, STAFF_CHAT)
    await chat.deliver()
    sent = chat.api.messages(STAFF_CHAT.id)[before:]
    assert {m.kind for m in sent} >= {"text", "document"}, "a whole digest"
    return "\n".join(m.text for m in sent if m.kind == "text")


def started(text: str) -> int:
    """The questionnaires started over the period, as the digest counts them."""
    found = re.search(r"Parcours commencés\s*:\s*(\d+)", text)
    assert found is not None
    return int(found[1])


async def test_a_digest_from_one_day_to_another_includes_the_last_day(chat: StaffChat):
    october = await digest_text(chat, "/digest 2026-10-01 2026-10-31")
    assert "du jeu. 01/10/2026 00:00 au dim. 01/11/2026 00:00" in october.splitlines()[0]
    assert started(october) == 3, "October's three residents only"

    # The last day is included; an end after now stops at now.
    saturday = await digest_text(chat, "/digest 2026-11-21 2026-11-21")
    assert started(saturday) == 7
    until_now = await digest_text(chat, "/digest 2026-11-21 2026-12-31")
    assert "au mar. 24/11/2026 10:00" in until_now.splitlines()[0]


async def test_a_digest_of_the_whole_history_starts_at_the_opening(
    chat: StaffChat, consultation: Consultation
):
    whole = await digest_text(chat, "/digest tout")
    opening = consultation.opens.strftime("%d/%m/%Y")
    assert f"{opening} 00:00 au mar. 24/11/2026 10:00" in whole.splitlines()[0]
    assert started(whole) == 10


@pytest.mark.parametrize(
    "command", ["/digest 2026-11-15 2026-11-01", "/digest 2026-12-01 2026-12-31"]
)
async def test_a_period_with_nothing_to_show_gets_the_usage(chat: StaffChat, command: str):
    [(_, usage)] = await replies(chat, STAFF, command, STAFF_CHAT)
    assert usage.startswith("Usage\u202f: /digest")
    assert "/digest AAAA-MM-JJ AAAA-MM-JJ" in usage and "/digest tout" in usage


async def test_the_default_week_follows_the_city_clock_across_its_own_clock_change(
    tmp_path: Path, consultation: Consultation
):
    # Saint-Pierre-et-Miquelon moves its clocks on 14 March 2027, Paris only on the 28th:
    # the last 7 days start at the same time of day on the city's clock, not on Paris's.
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        chat.settings.consultation.timezone = "America/Miquelon"
        chat.now = dt.datetime(2027, 3, 16, 13, tzinfo=dt.UTC)  # 11:00 in Miquelon
        heading = (await digest_text(chat, "/digest")).splitlines()[0]
        assert "du mar. 09/03/2027 11:00 au mar. 16/03/2027 11:00" in heading, heading
