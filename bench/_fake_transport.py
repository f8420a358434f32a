"""A fast in-process Bot API transport for benchmarks, and the residents' phones behind it.

`tests.fakebotapi.FakeRequest` checks every request against the Bot API spec and keeps every
message: right for tests, too slow and too hungry for a benchmark whose point is to measure
the bot, not the fake. `FastRequest` answers each call with the smallest JSON Telegram would
send (the result PTB parses), and hands the call to the `Phone` of the chat it targets so the
simulated resident can see the bot's screens, find a button's callback_data, and know when
the bot has answered. Both measured bots get the same transport, so the framework and the
JSON it answers cost the same on both sides of the ratio; each reads the answers its own way
(`parse_json_payload`, python-telegram-bot's documented place for another JSON library).

Memory: the transport keeps nothing per chat; a phone holds only the messages that still show
a keyboard and is dropped by the driver when its resident stops, so a memory benchmark
measures the bot, not this file.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from telegram.request import BaseRequest, RequestData

JsonDict = dict[str, Any]

# Whether a Bot API call is the answer a resident waits for (method, parameters).
ReplyRule = Callable[[str, Mapping[str, Any]], bool]
# A Bot API call as the transport saw it: method and parameters.
Call = tuple[str, Mapping[str, Any]]

_TAG: Final = re.compile(r"<[^>]*>")
_OK_TRUE: Final = b'{"ok":true,"result":true}'
# Calls that only need `true` back: the bot's startup, toasts, and what other parts may add.
_TRUE_METHODS: Final = frozenset(
    {
        "answerCallbackQuery",
        "setMyCommands",
        "deleteMyCommands",
        "deleteWebhook",
        "sendChatAction",
        "deleteMessage",
        "logOut",
        "close",
    }
)


def plain(text: str) -> str:
    """What Telegram shows of an HTML `text`: tags dropped, entities decoded.

    Telegram would also return `entities` for the tags; the bot only reads the text back
    (to append a recap), so they are left out to keep the fake cheap.
    """
    return html.unescape(_TAG.sub("", text))


def inline_buttons(markup: Mapping[str, Any] | None) -> list[JsonDict]:
    """The buttons of an inline keyboard, row after row (none for another kind of markup)."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", ()) for button in row]


class Phone:
    """One resident's Telegram client: the messages still showing buttons, and the wait.

    `expect()` arms a future resolved (with the `time.perf_counter()` of the call) by the
    first later Bot API call that `rule` calls a reply; the resident sends its next update
    only after that, as a person reads the answer before tapping again.

    With `keep_calls`, `calls` holds the Bot API calls made after each `expect()`, each as
    the JSON text of [method, parameters]: what the bot did for each update, to be replayed
    without the bot's logic. Text, because strings are not tracked by the garbage collector:
    tens of thousands of recorded dicts would make each of its full passes slower and slower
    during the run, a cost of the benchmark that would be counted as the bot's.
    """

    __slots__ = ("_keyboards", "_message_ids", "_rule", "_waiter", "calls", "chat", "user")

    def __init__(
        self, user_id: int, first_name: str, rule: ReplyRule, *, keep_calls: bool = False
    ) -> None:
        self.user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "fr",
        }
        self.chat: JsonDict = {"id": user_id, "type": "private", "first_name": first_name}
        self._rule = rule
        self._keyboards: dict[int, JsonDict] = {}  # message id -> message, keyboard included
        self._waiter: asyncio.Future[float] | None = None
        self._message_ids = itertools.count(1)
        self.calls: list[list[str]] | None = [] if keep_calls else None

    def new_message_id(self) -> int:
        """The id of the next message sent to this chat, numbered per chat as Telegram does:
        a recorded journey then carries the same ids when it is replayed to the bot."""
        return next(self._message_ids)

    def expect(self) -> asyncio.Future[float]:
        """A future for the bot's next reply to this resident."""
        if self.calls is not None:
            self.calls.append([])
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def button(self, label: str) -> tuple[JsonDict, str] | None:
        """The newest message showing a button labelled `label`, and its callback_data."""
        for message_id in sorted(self._keyboards, reverse=True):
            message = self._keyboards[message_id]
            for button in inline_buttons(message.get("reply_markup")):
                if button.get("text") == label and "callback_data" in button:
                    return message, str(button["callback_data"])
        return None

    def labels(self) -> list[str]:
        """Every button label on screen, for error messages."""
        return [
            str(button.get("text"))
            for message in self._keyboards.values()
            for button in inline_buttons(message.get("reply_markup"))
        ]

    def received(self, method: str, params: Mapping[str, Any], message: JsonDict | None) -> None:
        """A Bot API call aimed at this chat; `message` is what the transport answered."""
        if self.calls:
            self.calls[-1].append(json.dumps([method, params]))
        if message is not None:
            message_id = int(message["message_id"])
            if message.get("reply_markup"):
                self._keyboards[message_id] = message
            else:  # a keyboard closed, or a screen replaced by its recap without buttons
                self._keyboards.pop(message_id, None)
        waiter = self._waiter
        if waiter is not None and not waiter.done() and self._rule(method, params):
            waiter.set_result(time.perf_counter())


class FastRequest(BaseRequest):
    """A `BaseRequest` that answers the Bot API in-process with minimal valid JSON.

    Unknown methods get a 400 and are counted in `unexpected`, so a benchmark notices calls
    it does not model instead of timing a silent success.
    """

    def __init__(self, token: str, phones: Mapping[int, Phone]) -> None:
        self._phones = phones
        self._bot: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "Parole habitante",
            "username": "parole_bench_bot",
        }
        # Chats with a phone number their own messages; others (no resident listening) share
        # one counter, which keeps no state per chat.
        self._message_ids = itertools.count(1)
        self.calls = 0
        self.unexpected: dict[str, int] = {}

    @property
    def read_timeout(self) -> float | None:
        """No network, no read timeout."""
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
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API call; tell the phone of the chat concerned."""
        self.calls += 1
        api_method = url.rpartition("/")[2]
        params: Mapping[str, Any] = request_data.parameters if request_data else {}
        if api_method in _TRUE_METHODS:
            self._notify(api_method, params, None)
            return 200, _OK_TRUE
        result: JsonDict
        if api_method == "getMe":
            result = {**self._bot, "can_join_groups": True, "can_read_all_group_messages": False}
            result["supports_inline_queries"] = False
        elif api_method == "sendMessage":
            phone = self._phones.get(int(params["chat_id"]))
            message_id = phone.new_message_id() if phone else next(self._message_ids)
            result = self._message(params, message_id)
        elif api_method in ("editMessageText", "editMessageReplyMarkup"):
            if "message_id" not in params:
                return self._refuse(api_method, "inline messages are not modelled")
            result = self._message(params, int(params["message_id"]))
            result["edit_date"] = result["date"]
        else:
            return self._refuse(api_method, "method not modelled by the benchmark transport")
        self._notify(api_method, params, result)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: Mapping[str, Any], message_id: int) -> JsonDict:
        """The Message object Telegram returns for a sent or edited message."""
        chat_id = int(params["chat_id"])
        message: JsonDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self._bot,
        }
        if "text" in params:
            message["text"] = plain(str(params["text"]))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return message

    def _notify(self, method: str, params: Mapping[str, Any], message: JsonDict | None) -> None:
        """Hand the call to the phone of its chat, if a resident is listening there."""
        if "chat_id" in params:
            chat_id = int(params["chat_id"])
        elif "callback_query_id" in params:
            # The benchmark's query ids are "<user id>-<n>": private chat id = user id.
            chat_id = int(str(params["callback_query_id"]).partition("-")[0])
        else:
            return
        phone = self._phones.get(chat_id)
        if phone is not None:
            phone.received(method, params, message)

    def _refuse(self, method: str, why: str) -> tuple[int, bytes]:
        self.unexpected[method] = self.unexpected.get(method, 0) + 1
        body = {"ok": False, "error_code": 400, "description": f"Bad Request: {why}"}
        return 400, json.dumps(body).encode()
