"""/stats and the digest say the same completion rate: paper forms, complete by nature, are
left out of both."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digest import notes
from flows.model import Consultation
from storage.base import Channel
from tests.digest.residents import answered, full_answers, session_of
from tests.telegram.test_staff import STAFF, TUESDAY, StaffChat, replies

FINISHED, STOPPED, PAPER = 7, 1, 3
SINCE = TUESDAY - dt.timedelta(days=3)


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    """Residents who finished in the chat, one who stopped half-way, and paper forms."""
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        store = running.store
        await answered(store, consultation, FINISHED, SINCE)
        number = FINISHED
        for _ in range(STOPPED):
            half = dict(list(full_answers(consultation, number).items())[:3])
            await session_of(store, consultation, number, half, SINCE, done=False)
            number += 1
        follow_up = set(consultation.follow_up_steps())
        for _ in range(PAPER):
            answers = full_answers(consultation, number)
            forms = {step: answer for step, answer in answers.items() if step not in follow_up}
            await session_of(store, consultation, number, forms, SINCE, channel=Channel.PAPER)
            number += 1
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def figures(text: str) -> list[str]:
    """The numbers of a line of text: "88 %" gives "88"."""
    return re.findall(r"\d+", text)


async def test_stats_leave_paper_forms_out_of_the_rate_as_the_digest_does(chat: StaffChat):
    [(_, stats)] = await replies(chat, STAFF, "/stats")
    table = html.unescape(stats.split("<pre>")[1].split("</pre>")[0])
    [rate_row] = [line for line in table.splitlines() if line.startswith("Taux complet")]
    today, week, ever = re.split(r" {2,}", rate_row.removeprefix("Taux complet").strip())
    chat_only = f"{round(100 * FINISHED / (FINISHED + STOPPED))}\u202f%"
    assert (today, week, ever) == ("–", chat_only, chat_only)
    assert html.escape(notes.STATS_RATE_NO_PAPER) in stats

    sent = await replies(chat, STAFF, "/digest")
    digest = "\n".join(text for kind, text in sent if kind == "text")
    [said] = [line for line in digest.splitlines() if "Taux de réponse complète" in line]
    assert "hors questionnaires papier" in said
    assert figures(said) == figures(week)  # the digest covers the same last 7 days
