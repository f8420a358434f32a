"""The bot reads Telegram's answers with orjson: what python-telegram-bot would read, and
nothing of an unreadable answer in the log."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData

from bot.telegram.app import build_application
from bot.telegram.transport import OrjsonAnswers, ParoleRequest
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeBotApi
from tests.telegram.harness import settings_for

TOKEN = "123456:TEST-token-for-the-transport"


class Canned(OrjsonAnswers):
    """A transport that answers every call with `payload`, read the bot's way."""

    def __init__(self, payload: bytes) -> None:
        super().__init__()
        self.payload = payload

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        if url.endswith("/getMe"):
            return 200, json.dumps({"ok": True, "result": ME}).encode()
        return 200, self.payload


ME = {"id": 123456, "is_bot": True, "first_name": "Parole habitante", "username": "parole_bot"}


SENT: dict[str, Any] = {
    "ok": True,
    "result": {
        "message_id": 7,
        "date": 1_790_000_000,
        "chat": {"id": 42, "type": "private", "first_name": "Amina"},
        "text": "Votre réponse : « Un lieu où se retrouver » 🌳\n\nQuestion 3 sur 11",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Plus de bancs, d'ombre", "callback_data": "s12:7:c:o1"}],
                [{"text": "⬅️ Retour", "callback_data": "s12:7:b"}],
            ]
        },
    },
}


async def test_a_screen_sent_is_read_back_as_python_telegram_bot_reads_it():
    payload = json.dumps(SENT, ensure_ascii=False).encode()
    assert Canned(payload).parse_json_payload(payload) == BaseRequest.parse_json_payload(payload)
    async with Bot(TOKEN, request=Canned(payload)) as bot:
        message = await bot.send_message(42, "…")
    assert message.text == SENT["result"]["text"]
    assert message.reply_markup is not None
    labels = [button.text for row in message.reply_markup.inline_keyboard for button in row]
    assert labels == ["Plus de bancs, d'ombre", "⬅️ Retour"]


async def test_broken_utf8_is_replaced_as_python_telegram_bot_does():
    payload = b'{"ok": true, "result": {"text": "caf\xe9 \xff"}}'
    read = Canned(payload).parse_json_payload(payload)
    assert read == BaseRequest.parse_json_payload(payload)
    assert read["result"]["text"] == "caf\ufffd \ufffd"


async def test_an_answer_that_is_not_json_fails_without_quoting_it(
    caplog: pytest.LogCaptureFixture,
):
    payload = b"<html>mon voisin me frappe</html>"
    with caplog.at_level(logging.DEBUG), pytest.raises(TelegramError, match="Invalid server"):
        Canned(payload).parse_json_payload(payload)
    assert "voisin" not in caplog.text
    assert "not JSON" in caplog.text


def test_the_running_bot_reads_answers_with_orjson(
    tmp_path: Path, consultation: Consultation
) -> None:
    settings = settings_for(tmp_path / "bot.sqlite3", FakeBotApi())
    app = build_application(settings, SqliteStore(tmp_path / "bot.sqlite3"), [consultation])
    assert isinstance(app.bot.request, ParoleRequest)
    assert isinstance(app.bot._request[0], ParoleRequest)  # getUpdates' own connection
