"""End to end: a real `parole run` process sends a due digest at start, to Telegram and SMTP."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import socket
import sqlite3
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import TRICKY, answered
from tests.e2e.botprocess import QUARTIERS, WAIT, BotProcess, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, UploadedFile

pytestmark = pytest.mark.timeout(60)

STAFF_CHAT = -100_123_456
RESIDENTS = 6


class Recorder:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Recorder]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, recorder
    controller.stop()


def residents_answered(database: Path) -> None:
    """Six residents who answered everything yesterday, written through the real store."""
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)

    async def fill() -> None:
        store = SqliteStore(database)
        await store.open()
        try:
            yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            await answered(store, consultation, RESIDENTS, yesterday)
        finally:
            await store.close()

    asyncio.run(fill())


def test_a_due_digest_goes_to_the_staff_chat_and_by_email_once(
    tmp_path: Path,
    api: FakeBotApi,
    server: FakeBotApiServer,
    smtp: tuple[Controller, Recorder],
):
    controller, recorder = smtp
    config = write_config(tmp_path, server, api)
    # A yearly schedule: its last fire (1 January) has no digest yet, so one is due at start,
    # and it cannot fire again during the test.
    with config.open("a", encoding="utf-8") as toml:
        toml.write(
            "[staff]\n"
            f"chat_ids = [{STAFF_CHAT}]\n"
            "[digest]\n"
            "[digest.email]\n"
            f'host = "127.0.0.1"\nport = {controller.port}\nsecurity = "none"\n'
            'sender = "parole@example.org"\nrecipients = ["equipe@example.org"]\n'
            "[[digest.schedules]]\n"
            'name = "annuel"\ncron = "0 0 1 jan *"\n'
        )
    database = tmp_path / "parole.sqlite3"
    residents_answered(database)

    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    try:
        api.wait_for(
            lambda api: sum(1 for m in api.messages(STAFF_CHAT) if m.kind == "document") == 2,
            WAIT,
            "the digest's exports in the staff chat",
        )
        api.wait_for(lambda api: bool(recorder.envelopes), WAIT, "the digest e-mail")
    finally:
        assert bot.stop() == 0

    messages = api.messages(STAFF_CHAT)
    texts = [m for m in messages if m.kind == "text"]
    assert texts and all(m.parse_mode == "HTML" for m in texts)
    assert "«\u202fannuel\u202f»\u202f: la première" in texts[0].text
    assert "Vivre ensemble" in "".join(m.text for m in texts)
    photos = [m.file for m in messages if m.kind == "photo"]
    assert photos and all(
        isinstance(p, UploadedFile) and p.content.startswith(b"\x89PNG") for p in photos
    )
    files = {m.file.filename: m.file.content for m in messages if isinstance(m.file, UploadedFile)}
    csv_bytes = next(content for name, content in files.items() if name.endswith(".csv"))
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + RESIDENTS
    assert not any(cell.startswith("=") for row in rows for cell in row), "formulas neutralised"
    xlsx_bytes = next(content for name, content in files.items() if name.endswith(".xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes), read_only=True)
    assert workbook.sheetnames
    workbook.close()

    [envelope] = recorder.envelopes
    assert isinstance(envelope.content, bytes)
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert envelope.rcpt_tos == ["equipe@example.org"]
    kinds = {part.get_content_type() for part in mail.walk()}
    assert {"text/plain", "text/html", "image/png"} <= kinds
    attached = sorted(str(part.get_filename()) for part in mail.iter_attachments())
    assert [name.rsplit(".", 1)[1] for name in attached if "." in name][-2:] == ["csv", "xlsx"]

    with sqlite3.connect(database) as db:
        ledger = db.execute("SELECT schedule, status FROM digest_runs ORDER BY schedule").fetchall()
    assert ledger == [("annuel/email", "sent"), (f"annuel/telegram:{STAFF_CHAT}", "sent")]
    log = (tmp_path / "bot.log").read_text()
    assert "jardin" not in log and TRICKY not in log, "no resident text in the log"

    # Started again: the period is recorded as sent, so nothing goes out twice.
    sent = len(api.messages(STAFF_CHAT))
    again = BotProcess(config, api, tmp_path / "bot.log").start()
    try:
        api.wait_for(
            lambda api: "digest annuel: nothing due" in (tmp_path / "bot.log").read_text(),
            WAIT,
            "the catch-up run of the second start",
        )
    finally:
        assert again.stop() == 0
    assert len(api.messages(STAFF_CHAT)) == sent and len(recorder.envelopes) == 1
