"""The bot reads Telegram's answers with orjson: what python-telegram-bot would read, and
nothing of an unreadable answer in the log."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.telegram.app import build_application
from bot.telegram.transport import OrjsonAnswers, ParoleRequest, parse_json
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeBotApi, FakeRequest, FakeUser
from tests.telegram.harness import settings_for


class OrjsonFake(OrjsonAnswers, FakeRequest):
    """The fake Bot API, its answers read the bot's way."""


async def test_a_screen_sent_is_read_back_as_sent():
    api = FakeBotApi()
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Plus de bancs, d'ombre", callback_data="s12:7:c:o1")],
            [InlineKeyboardButton("⬅️ Retour", callback_data="s12:7:b")],
        ]
    )
    text = "Votre réponse : « Un lieu où se retrouver » 🌳\n\nQuestion 3 sur 11"
    amina = FakeUser(id=42, first_name="Amina")
    api.send_text(amina, "/start")
    async with Bot(api.token, request=OrjsonFake(api)) as bot:
        message = await bot.send_message(amina.id, text, reply_markup=keyboard)
    assert message.text == text
    assert message.reply_markup == keyboard


def test_answers_read_as_python_telegram_bot_reads_them():
    answer = {"ok": True, "result": {"text": "Mamie est à l'EHPAD 👵", "n": [1, 2.5, None]}}
    payload = json.dumps(answer, ensure_ascii=False).encode()
    assert parse_json(payload) == BaseRequest.parse_json_payload(payload) == answer


async def test_broken_utf8_is_replaced_as_python_telegram_bot_does():
    payload = b'{"ok": true, "result": {"text": "caf\xe9 \xff"}}'
    read = parse_json(payload)
    assert read == BaseRequest.parse_json_payload(payload)
    assert read["result"]["text"] == "caf\ufffd \ufffd"


async def test_an_answer_that_is_not_json_fails_without_quoting_it(
    caplog: pytest.LogCaptureFixture,
):
    payload = b"<html>mon voisin me frappe</html>"
    with caplog.at_level(logging.DEBUG), pytest.raises(TelegramError, match="Invalid server"):
        parse_json(payload)
    assert "voisin" not in caplog.text
    assert "not JSON" in caplog.text


def test_the_running_bot_reads_answers_with_orjson(
    tmp_path: Path, consultation: Consultation
) -> None:
    settings = settings_for(tmp_path / "bot.sqlite3", FakeBotApi())
    app = build_application(settings, SqliteStore(tmp_path / "bot.sqlite3"), [consultation])
    assert isinstance(app.bot.request, ParoleRequest)
    assert isinstance(app.bot._request[0], ParoleRequest)  # getUpdates' own connection
