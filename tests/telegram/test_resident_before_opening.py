"""A resident who finds the bot before any consultation opens (a flyer handed out early) is
told when the first one opens, not only to come back later."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.model import Consultation
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.telegram.harness import Chat

NADIA = FakeUser(id=515_151, first_name="Nadia")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


async def test_start_before_the_opening_says_the_day_it_opens(
    tmp_path: Path, consultation: Consultation
):
    later = consultation.model_copy(
        update={"id": "emploi", "opens": dt.date(2027, 3, 1), "closes": dt.date(2027, 6, 30)}
    )
    sooner = consultation.model_copy(
        update={"opens": dt.date(2027, 1, 4), "closes": dt.date(2027, 6, 30)}
    )
    async with Chat(tmp_path / "db.sqlite3", [later, sooner]) as chat:
        chat.now = at(dt.date(2026, 12, 15))
        told = await chat.send(NADIA, "/start")
        assert "ouvrira le 04/01/2027" in told.text and sooner.title.fr in told.text
        assert told.buttons == []
        chat.now = at(dt.date(2027, 7, 1))  # all closed: nothing to wait for
        assert (await chat.send(NADIA, "/start")).text == say("no_consultation", "fr")
