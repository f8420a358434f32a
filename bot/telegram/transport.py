"""How the bot reads Telegram's answers: with orjson, and without logging them.

Every Bot API call comes back as JSON that python-telegram-bot decodes with the standard
library: for the bot's screens, the message just sent with its whole keyboard. orjson decodes
it in about two fifths of the time (measured with `bench/throughput.py`), and
python-telegram-bot documents `BaseRequest.parse_json_payload` as the place to use another
JSON library. Its own version also logs a payload it cannot decode, which may quote a
resident's words: this one does not.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from telegram.error import TelegramError
from telegram.request import BaseRequest, HTTPXRequest

log = logging.getLogger(__name__)


def parse_json(payload: bytes) -> Any:
    """Telegram's answer as Python objects; `TelegramError` if it is not JSON."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    # orjson takes only valid UTF-8: decode as python-telegram-bot does, with replacements.
    try:
        return json.loads(payload.decode("utf-8", "replace"))
    except ValueError as exc:
        log.error("the Bot API sent an answer that is not JSON (%d bytes)", len(payload))
        raise TelegramError("Invalid server response") from exc


class OrjsonAnswers(BaseRequest):
    """A request class whose answers are read by `parse_json` (a mixin: put it first)."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        """See `parse_json`."""
        return parse_json(payload)


class ParoleRequest(OrjsonAnswers, HTTPXRequest):
    """python-telegram-bot's HTTPX transport, reading answers with `parse_json`."""
