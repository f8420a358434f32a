"""A failed digest is one log line naming the error's type and where it was raised, never the
error's message: it can quote what the database holds (a resident's answer, read back)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.scheduling import RETRY_LATER, DigestJobs
from bot.settings import DigestSettings, ScheduleSettings, Settings
from digest import notes
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import answered
from tests.telegram.test_staff import (
    STAFF,
    TUESDAY,
    BrokenChat,
    RecordingJobQueue,
    StaffChat,
    replies,
)

WORDS = "Mon copain me frappe"


def one_line_without(caplog: pytest.LogCaptureFixture, words: str) -> None:
    """No traceback was logged, and nothing logged quotes `words`."""
    assert all(record.exc_info is None for record in caplog.records)
    assert words not in caplog.text


async def test_a_failed_digest_on_demand_logs_where_not_the_answer_it_read(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
) -> None:
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        await answered(chat.store, consultation, 3, TUESDAY - dt.timedelta(days=3))
        # An answer this version cannot read (written by another one, or edited by hand):
        # reading it back fails with a validation error quoting the resident's words.
        with sqlite3.connect(tmp_path / "parole.sqlite3") as db:
            db.execute(
                "UPDATE answers SET value = ? WHERE session_id = (SELECT min(session_id) "
                "FROM answers)",
                (f'{{"text": "a", "texte": "{WORDS}"}}',),
            )
        caplog.set_level(logging.INFO, logger="bot")
        assert await replies(chat, STAFF, "/digest") == [("text", notes.FAILED)]
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failed) == 1 and failed[0].startswith("on-demand digest failed: ValidationError")
    assert "answer_counts" in failed[0], "the line says where it failed"
    one_line_without(caplog, WORDS)


async def test_a_failed_scheduled_run_logs_where_not_the_value_it_read(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(tmp_path / "parole.sqlite3")
    await store.open()
    try:
        # The digest ledger holds a value it cannot parse: the error quotes it.
        with sqlite3.connect(tmp_path / "parole.sqlite3") as db:
            db.execute(
                "INSERT INTO digest_runs VALUES ('hebdo/telegram:-1', 'x', ?, 'sent', 'x', NULL)",
                (WORDS,),
            )
        settings = Settings(
            digest=DigestSettings(schedules=[ScheduleSettings(name="hebdo", cron="0 8 * * mon")])
        )
        jobs = DigestJobs(settings, store, [consultation], [BrokenChat()], clock=lambda: TUESDAY)
        queue = RecordingJobQueue()
        await jobs._job("hebdo", SimpleNamespace(job_queue=queue))  # type: ignore[arg-type]
    finally:
        await store.close()
    assert [name for _, _, name in queue.once] == ["digest:hebdo:retry"]
    assert [when for _, when, _ in queue.once] == [RETRY_LATER]
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failed) == 1 and failed[0].startswith("digest hebdo: run failed: ValueError at")
    assert "last_sent_end" in failed[0], "the line says where it failed"
    one_line_without(caplog, WORDS)
