"""State and behaviour of the fake Bot API, shared by the in-process and HTTP transports."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from tests.fakebotapi import html
from tests.fakebotapi.model import (
    CallbackAnswer,
    FakeChat,
    FakeUser,
    JsonDict,
    RecordedRequest,
    SentMessage,
    StoredMessage,
    UploadedFile,
    inline_buttons,
    inline_markup,
    keyboard_lines,
)
from tests.fakebotapi.spec import ApiError, bad_request, method_name, validate

Predicate = Callable[["FakeBotApi"], bool]

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "Bad Request",
    HTTPStatus.FORBIDDEN: "Forbidden: bot was blocked by the user",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Internal Server Error",
    HTTPStatus.BAD_GATEWAY: "Bad Gateway",
}


@dataclass
class _Callback:
    chat_id: int
    data: str
    answered: bool = False


@dataclass
class _Fault:
    error: ApiError
    times: int


class FakeBotApi:
    """A thread-safe in-memory Telegram Bot API plus the controls to play users in tests."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "parole_test_bot",
        bot_name: str = "Parole habitante",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_name = bot_name
        self._cond = threading.Condition()
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, FakeChat] = {}
        self._messages: defaultdict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._next_message_id: defaultdict[int, int] = defaultdict(lambda: 1)
        self._bot_sent: defaultdict[int, int] = defaultdict(int)
        self._transcripts: defaultdict[int, list[str]] = defaultdict(list)
        self._queue: list[JsonDict] = []
        self._update_ids = itertools.count(1000)
        self._allowed_updates: list[str] | None = None
        self._file_numbers = itertools.count(1)
        self._callbacks: dict[str, _Callback] = {}
        self._callback_ids = itertools.count(1)
        self._answers: list[CallbackAnswer] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._requests: list[RecordedRequest] = []
        self._faults: dict[str, _Fault] = {}
        self._blocked: set[int] = set()
        self._polls = 0  # getUpdates calls begun: the latest is the only one Telegram keeps
        self._conflicts = 0
        self._lost_polls: set[int] = set()  # getUpdates calls held: they confirm nothing
        # "open"; "armed": hold the polls after the next one that delivers; "held".
        self._poll_gate = "open"
        self._watchers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._handlers: dict[str, Callable[[JsonDict, Mapping[str, UploadedFile]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "logOut": self._ok,
            "close": self._ok,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
        }

    # ----------------------------------------------------------------- Bot API side

    def handle(
        self,
        method: str,
        params: Mapping[str, object],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, JsonDict]:
        """Answer one Bot API call with (HTTP status, JSON body) as Telegram would."""
        files = dict(files or {})
        arrived = time.monotonic()
        with self._cond:
            name, decoded, injected = method, dict(params), False
            try:
                name = method_name(method)
                decoded = validate(name, params, files)
                handler = self._handlers.get(name)
                if handler is None:
                    raise bad_request(f"method {name} is not implemented by the fake Bot API")
                fault = self._blocked_fault(decoded) or self._take_fault(name)
                if fault is not None:
                    injected = True
                    raise fault
                result = handler(decoded, files)
            except ApiError as error:
                self._record(name, decoded, files, error.code, error.description, injected, arrived)
                return error.code, error.body()
            self._record(name, decoded, files, HTTPStatus.OK, None, False, arrived)
            if name == "getUpdates" and result and self._poll_gate == "armed":
                self._poll_gate = "held"
            return HTTPStatus.OK, {"ok": True, "result": result}

    def updates_ready(self, params: Mapping[str, object]) -> bool:
        """Confirm a getUpdates call's offset; tell whether it should be answered now."""
        with self._cond:
            try:
                decoded = validate("getUpdates", params)
            except ApiError:
                return True  # handle() reports the error without waiting
            self._apply_poll_params(decoded)
            return bool(self._queue) or not decoded.get("timeout")

    def hold_polls_after_delivery(self) -> None:
        """Let the next getUpdates call that delivers updates through, then hold every later
        one until `release_polls()`, unanswered and its offset unconfirmed, as calls that never
        reached Telegram: a bot killed meanwhile has its last updates handed to it again.
        Over HTTP only (`FakeBotApiServer`)."""
        with self._cond:
            self._poll_gate = "armed"

    def release_polls(self) -> None:
        """End `hold_polls_after_delivery()`: the held calls fail (502 Bad Gateway, or 409
        if a later call ended them), later ones work."""
        with self._cond:
            self._poll_gate = "open"
            self._changed()

    def begin_poll(self) -> int:
        """A getUpdates call arrives over HTTP; its number, for `superseded` and `lost`.

        Telegram serves one getUpdates of a bot at a time: a new one ends the one still
        waiting with 409 Conflict, as when two processes poll with the same token.
        """
        with self._cond:
            self._polls += 1
            if self._poll_gate == "held":
                self._lost_polls.add(self._polls)
            self._changed()
            return self._polls

    def held(self, poll: int) -> bool:
        """Whether getUpdates call number `poll` came while polls were held: it confirms
        nothing, and fails once they are released (see `wait_for_release`)."""
        with self._cond:
            return poll in self._lost_polls

    def wait_for_release(self, poll: int) -> None:
        """Block a held getUpdates call until `release_polls()`."""
        with self._cond:
            self._cond.wait_for(lambda: self._poll_gate != "held")
            self._lost_polls.discard(poll)

    def superseded(self, poll: int) -> bool:
        """Whether another getUpdates call arrived after call number `poll`."""
        with self._cond:
            return poll != self._polls

    def conflict(self) -> tuple[int, JsonDict]:
        """Telegram's answer to a getUpdates call ended by a later one, counted in `conflicts`
        (not in `requests`: the call ended may be a killed process's, which nobody sees)."""
        error = ApiError(
            HTTPStatus.CONFLICT,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
        with self._cond:
            self._conflicts += 1
        return error.code, error.body()

    @property
    def conflicts(self) -> int:
        """How many getUpdates calls were ended by a later one with 409 Conflict."""
        with self._cond:
            return self._conflicts

    @staticmethod
    def long_poll_seconds(params: Mapping[str, object]) -> float:
        """The timeout of a getUpdates call, 0 when absent or invalid."""
        try:
            return max(float(str(params.get("timeout", 0))), 0.0)
        except ValueError:
            return 0.0

    def fail_next(
        self,
        method: str,
        status: int = HTTPStatus.TOO_MANY_REQUESTS,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` valid calls of `method` fail with `status`."""
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        if description is None and status == HTTPStatus.TOO_MANY_REQUESTS:
            description = f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            description = _DEFAULT_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)
        with self._cond:
            self._faults[method_name(method)] = _Fault(
                ApiError(status, description, retry_after), times
            )

    def block(self, user_id: int) -> None:
        """The user blocks the bot: from now on every call naming their chat gets a 403."""
        with self._cond:
            self._blocked.add(user_id)

    def _blocked_fault(self, params: JsonDict) -> ApiError | None:
        if params.get("chat_id") not in self._blocked:
            return None
        return ApiError(HTTPStatus.FORBIDDEN, _DEFAULT_DESCRIPTIONS[HTTPStatus.FORBIDDEN])

    def _take_fault(self, name: str) -> ApiError | None:
        fault = self._faults.get(name)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            del self._faults[name]
        return fault.error

    def _record(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile],
        status: int,
        description: str | None,
        injected: bool,
        arrived: float,
    ) -> None:
        self._requests.append(
            RecordedRequest(method, params, tuple(files), status, description, injected, arrived)
        )
        self._changed()

    def _bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def _get_me(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _ok(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        return True

    def _delete_webhook(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
            self._changed()
        return True

    def _apply_poll_params(self, params: JsonDict) -> None:
        pending = len(self._queue)
        offset = params.get("offset")
        if offset is not None and offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        elif offset is not None and offset < 0:
            self._queue = self._queue[offset:]
        if "allowed_updates" in params:
            # Telegram remembers allowed_updates; an empty list restores the default.
            self._allowed_updates = params["allowed_updates"] or None
        if self._allowed_updates is not None:
            # Updates of other types are never delivered, so they count as consumed.
            allowed = set(self._allowed_updates)
            self._queue = [u for u in self._queue if allowed & u.keys()]
        # Notify only on change: waiters re-run this from their predicates, so an
        # unconditional notification would make them wake each other forever.
        if len(self._queue) != pending:
            self._changed()

    def _get_updates(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> list[JsonDict]:
        self._apply_poll_params(params)
        limit = min(max(params.get("limit", 100), 1), 100)
        return copy.deepcopy(self._queue[:limit])

    def _chat(self, chat_id: int | str) -> JsonDict:
        if isinstance(chat_id, str):
            raise bad_request("chat not found")  # the fake knows no @usernames
        if chat_id in self._chats:
            return self._chats[chat_id].to_dict()
        if chat_id in self._users:
            return self._users[chat_id].private_chat()
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Unknown"}
        return {"id": chat_id, "type": "group", "title": "Unknown"}

    def _new_payload(self, chat: JsonDict, sender: JsonDict, content: JsonDict) -> JsonDict:
        message_id = self._next_message_id[chat["id"]]
        self._next_message_id[chat["id"]] += 1
        return {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }

    def _store(self, stored: StoredMessage) -> None:
        payload = stored.payload
        self._messages[payload["chat"]["id"]][payload["message_id"]] = stored
        self._changed()

    def _log(self, chat_id: int, line: str) -> None:
        self._transcripts[chat_id].append(line)

    def _send(
        self, params: JsonDict, stored: StoredMessage, content: JsonDict, line: str
    ) -> JsonDict:
        markup = params.get("reply_markup")
        inline = inline_markup(markup)
        if inline is not None:
            content["reply_markup"] = inline
        stored.payload = self._new_payload(self._chat(params["chat_id"]), self._bot_user(), content)
        stored.reply_markup = markup
        chat_id = stored.payload["chat"]["id"]
        self._bot_sent[chat_id] += 1
        self._store(stored)
        self._log(chat_id, f"bot: {line}{keyboard_lines(inline)}")
        return copy.deepcopy(stored.payload)

    def _send_message(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        parse_mode = params.get("parse_mode")
        parsed = html.check_message_text(params["text"], parse_mode)
        content: JsonDict = {"text": parsed.text}
        entities = list(parsed.entities) or (params.get("entities") if not parse_mode else None)
        if entities:
            content["entities"] = entities
        stored = StoredMessage({}, from_bot=True, html=params["text"], parse_mode=parse_mode)
        return self._send(params, stored, content, parsed.text)

    def _file(
        self, params: JsonDict, files: Mapping[str, UploadedFile], name: str
    ) -> UploadedFile | str:
        """The upload standing for parameter `name`, or the file_id/URL string sent."""
        # PTB uploads a lone file as a multipart part named after the parameter.
        value: str = params.get(name, f"attach://{name}")
        if not value.startswith("attach://"):
            return value
        upload = files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return upload

    def _caption(self, params: JsonDict, content: JsonDict) -> str:
        caption = params.get("caption", "")
        parsed = html.check_caption(caption, params.get("parse_mode"))
        if parsed.text:
            content["caption"] = parsed.text
        if parsed.entities:
            content["caption_entities"] = list(parsed.entities)
        return parsed.text

    def _file_ids(self, kind: str) -> JsonDict:
        number = next(self._file_numbers)
        return {"file_id": f"FAKE-{kind}-{number}", "file_unique_id": f"U{kind}{number}"}

    def _send_photo(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        photo = self._file(params, files, "photo")
        size = len(photo.content) if isinstance(photo, UploadedFile) else 1000
        content: JsonDict = {
            "photo": [{**self._file_ids("photo"), "width": 800, "height": 600, "file_size": size}]
        }
        caption = self._caption(params, content)
        stored = StoredMessage(
            {},
            from_bot=True,
            kind="photo",
            html=params.get("caption", ""),
            parse_mode=params.get("parse_mode"),
            file=photo,
        )
        return self._send(params, stored, content, f"[photo] {caption}".rstrip())

    def _send_document(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        document = self._file(params, files, "document")
        document_object: JsonDict = {**self._file_ids("document"), "file_name": "document"}
        if isinstance(document, UploadedFile):
            document_object["file_name"] = document.filename
            document_object["file_size"] = len(document.content)
            if document.mime_type:
                document_object["mime_type"] = document.mime_type
        content: JsonDict = {"document": document_object}
        caption = self._caption(params, content)
        stored = StoredMessage(
            {},
            from_bot=True,
            kind="document",
            html=params.get("caption", ""),
            parse_mode=params.get("parse_mode"),
            file=document,
        )
        line = f"[document {document_object['file_name']}] {caption}".rstrip()
        return self._send(params, stored, content, line)

    def _find(self, params: JsonDict, action: str) -> StoredMessage:
        if "inline_message_id" in params:
            raise bad_request("the fake Bot API does not support inline messages")
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat_id = params["chat_id"]
        stored = self._messages.get(chat_id, {}) if isinstance(chat_id, int) else {}
        found = stored.get(params["message_id"])
        if found is None or found.deleted:
            raise bad_request(f"message to {action} not found")
        return found

    def _editable(self, params: JsonDict) -> StoredMessage:
        stored = self._find(params, "edit")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def _edit_message_text(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> JsonDict:
        stored = self._editable(params)
        if stored.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parse_mode = params.get("parse_mode")
        parsed = html.check_message_text(params.get("text", ""), parse_mode)
        markup = params.get("reply_markup")
        inline = inline_markup(markup)
        payload = stored.payload
        if (
            parsed.text == payload["text"]
            and list(parsed.entities) == payload.get("entities", [])
            and inline == payload.get("reply_markup")
        ):
            raise bad_request(_NOT_MODIFIED)
        payload["text"] = parsed.text
        payload.pop("entities", None)
        if parsed.entities:
            payload["entities"] = list(parsed.entities)
        stored.html, stored.parse_mode = params["text"], parse_mode
        self._replace_markup(stored, markup, inline)
        self._log(
            payload["chat"]["id"],
            f"bot (edit #{payload['message_id']}): {parsed.text}{keyboard_lines(inline)}",
        )
        return copy.deepcopy(payload)

    def _replace_markup(
        self, stored: StoredMessage, markup: JsonDict | None, inline: JsonDict | None
    ) -> None:
        # Telegram drops the inline keyboard of an edited message unless it is sent again.
        stored.payload.pop("reply_markup", None)
        if inline is not None:
            stored.payload["reply_markup"] = inline
        stored.reply_markup = markup
        stored.payload["edit_date"] = int(time.time())
        stored.edits += 1
        self._changed()

    def _edit_message_reply_markup(
        self, params: JsonDict, files: Mapping[str, UploadedFile]
    ) -> JsonDict:
        stored = self._editable(params)
        markup = params.get("reply_markup")
        inline = inline_markup(markup)
        if inline == stored.payload.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        self._replace_markup(stored, markup, inline)
        self._log(
            stored.payload["chat"]["id"],
            f"bot (keyboard #{stored.payload['message_id']}):{keyboard_lines(inline) or ' none'}",
        )
        return copy.deepcopy(stored.payload)

    def _delete_message(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        stored = self._find(params, "delete")
        stored.deleted = True
        self._log(params["chat_id"], f"bot (delete #{params['message_id']})")
        self._changed()
        return True

    def _answer_callback_query(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        query_id = params["callback_query_id"]
        callback = self._callbacks.get(query_id)
        if callback is None or callback.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        callback.answered = True
        text = params.get("text")
        self._answers.append(
            CallbackAnswer(query_id, callback.data, text, params.get("show_alert", False))
        )
        if text:
            self._log(callback.chat_id, f"bot (answer): {text}")
        self._changed()
        return True

    def _send_chat_action(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        if params["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._chat(params["chat_id"])
        return True

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def _set_my_commands(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        commands = params["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(
        self, params: JsonDict, files: Mapping[str, UploadedFile]
    ) -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JsonDict, files: Mapping[str, UploadedFile]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    # ------------------------------------------------------------- test-driver side

    def _enqueue(self, kind: str, payload: JsonDict) -> JsonDict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._queue.append(update)
        self._changed()
        return copy.deepcopy(update)

    def _user_message(
        self, user: FakeUser, chat: FakeChat | None, content: JsonDict, line: str
    ) -> JsonDict:
        with self._cond:
            self._users[user.id] = user
            if chat is not None:
                self._chats[chat.id] = chat
            chat_object = chat.to_dict() if chat else user.private_chat()
            payload = self._new_payload(chat_object, user.to_dict(), content)
            self._store(StoredMessage(payload, from_bot=False))
            self._log(chat_object["id"], f"{user.first_name}: {line}")
            return self._enqueue("message", copy.deepcopy(payload))

    def send_text(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> JsonDict:
        """Enqueue a text message from `user` (with a bot_command entity for "/cmd")."""
        return self._user_message(user, chat, _text_content(text), text)

    def send_sticker(self, user: FakeUser, chat: FakeChat | None = None) -> JsonDict:
        """Enqueue a sticker message."""
        sticker = {
            **self._file_ids("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._user_message(user, chat, {"sticker": sticker}, "[sticker]")

    def send_photo(
        self,
        user: FakeUser,
        caption: str | None = None,
        chat: FakeChat | None = None,
        album: str | None = None,
    ) -> JsonDict:
        """Enqueue a photo message, optionally captioned; `album`: its `media_group_id`, as
        each photo of an album sent at once carries."""
        sizes = [
            {**self._file_ids("photo"), "width": w, "height": h, "file_size": w * h // 10}
            for w, h in ((90, 67), (1280, 960))
        ]
        content: JsonDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        if album is not None:
            content["media_group_id"] = album
        return self._user_message(user, chat, content, f"[photo] {caption or ''}".rstrip())

    def send_voice(self, user: FakeUser, chat: FakeChat | None = None) -> JsonDict:
        """Enqueue a voice message."""
        voice = {**self._file_ids("voice"), "duration": 3, "mime_type": "audio/ogg"}
        return self._user_message(user, chat, {"voice": voice}, "[voice]")

    def send_location(self, user: FakeUser, chat: FakeChat | None = None) -> JsonDict:
        """Enqueue a location message."""
        location = {"latitude": 48.8566, "longitude": 2.3522}
        return self._user_message(user, chat, {"location": location}, "[location]")

    def send_contact(self, user: FakeUser, chat: FakeChat | None = None) -> JsonDict:
        """Enqueue the user sharing their own contact."""
        contact = {
            "phone_number": "+33600000000",
            "first_name": user.first_name,
            "user_id": user.id,
        }
        return self._user_message(user, chat, {"contact": contact}, "[contact]")

    def send_document(
        self, user: FakeUser, file_name: str = "document.pdf", chat: FakeChat | None = None
    ) -> JsonDict:
        """Enqueue a document message."""
        document = {
            **self._file_ids("document"),
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": 1234,
        }
        return self._user_message(user, chat, {"document": document}, f"[document {file_name}]")

    def edit_text(
        self, user: FakeUser, message_id: int, new_text: str, chat: FakeChat | None = None
    ) -> JsonDict:
        """Enqueue an edited_message update for one of the user's text messages."""
        chat_id = chat.id if chat else user.id
        with self._cond:
            stored = self._messages[chat_id].get(message_id)
            if stored is None or stored.from_bot or stored.payload["from"]["id"] != user.id:
                raise AssertionError(f"{user.first_name} sent no message #{message_id}")
            stored.payload.pop("entities", None)
            stored.payload.update(_text_content(new_text), edit_date=int(time.time()))
            self._log(chat_id, f"{user.first_name} (edit #{message_id}): {new_text}")
            return self._enqueue("edited_message", copy.deepcopy(stored.payload))

    def click(
        self,
        user: FakeUser,
        label: str,
        message_id: int | None = None,
        chat: FakeChat | None = None,
    ) -> JsonDict:
        """Enqueue a press on the button labelled exactly `label` (latest message showing it)."""
        chat_id = chat.id if chat else user.id
        with self._cond:
            candidates = [
                stored
                for stored in reversed(self._messages[chat_id].values())
                if stored.from_bot
                and not stored.deleted
                and message_id in (None, stored.payload["message_id"])
            ]
            for stored in candidates:
                for button in inline_buttons(stored.payload.get("reply_markup")):
                    if button["text"] != label:
                        continue
                    if "callback_data" not in button:
                        raise AssertionError(f"button {label!r} has no callback_data")
                    return self._callback(
                        user, chat, stored.payload, button["callback_data"], label
                    )
            available = {
                stored.payload["message_id"]: stored.snapshot().buttons
                for stored in candidates
                if stored.snapshot().buttons
            }
            where = f"message #{message_id}" if message_id is not None else f"chat {chat_id}"
            raise AssertionError(
                f"no button {label!r} in {where}; buttons by message id: {available}"
            )

    def click_data(
        self, user: FakeUser, message_id: int, data: str, chat: FakeChat | None = None
    ) -> JsonDict:
        """Enqueue a callback query with arbitrary data, as a stale or forged button would."""
        chat_id = chat.id if chat else user.id
        with self._cond:
            stored = self._messages[chat_id].get(message_id)
            if stored is not None and not stored.deleted:
                message = stored.payload
            else:
                # Telegram sends an InaccessibleMessage (date 0) for messages it cannot show.
                chat_object = chat.to_dict() if chat else user.private_chat()
                message = {"chat": chat_object, "message_id": message_id, "date": 0}
            return self._callback(user, chat, message, data, f"data {data!r}")

    def _callback(
        self, user: FakeUser, chat: FakeChat | None, message: JsonDict, data: str, line: str
    ) -> JsonDict:
        self._users[user.id] = user
        if chat is not None:
            self._chats[chat.id] = chat
        chat_id = message["chat"]["id"]
        query_id = str(next(self._callback_ids))
        self._callbacks[query_id] = _Callback(chat_id, data)
        self._log(chat_id, f"{user.first_name}: [click {line}]")
        return self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "message": copy.deepcopy(message),
                "chat_instance": str(chat_id * 7919),
                "data": data,
            },
        )

    # ---------------------------------------------------------------- reading side

    def messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat as they are now (edited, deleted ones left out)."""
        with self._cond:
            return [
                stored.snapshot()
                for stored in self._messages[chat_id].values()
                if stored.from_bot and not stored.deleted
            ]

    def last_message(self, chat_id: int) -> SentMessage:
        """The bot's latest message in a chat; AssertionError when there is none."""
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent no message to chat {chat_id}")
        return messages[-1]

    def buttons(self, chat_id: int, message_id: int | None = None) -> list[str]:
        """Button labels of a message, by default of the latest bot message with a keyboard."""
        for message in reversed(self.messages(chat_id)):
            if message_id in (None, message.message_id) and message.buttons:
                return message.buttons
        return []

    def transcript(self, chat_id: int) -> list[str]:
        """Both sides of a chat, one line per event, for assertions and failure messages."""
        with self._cond:
            return list(self._transcripts[chat_id])

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order."""
        with self._cond:
            return list(self._requests)

    @property
    def refused(self) -> list[RecordedRequest]:
        """Requests refused because of the bot (injected failures excluded)."""
        return [r for r in self.requests if r.status != HTTPStatus.OK and not r.injected]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery call, in order."""
        with self._cond:
            return list(self._answers)

    @property
    def unanswered_callbacks(self) -> list[str]:
        """Data of the callback queries the bot never answered (the button keeps spinning)."""
        with self._cond:
            return [c.data for c in self._callbacks.values() if not c.answered]

    def commands(
        self, language_code: str = "", scope: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str]]:
        """(command, description) pairs set by setMyCommands for a language and scope."""
        key = self._commands_key({"language_code": language_code, "scope": scope})
        with self._cond:
            return [(c["command"], c["description"]) for c in self._commands.get(key, [])]

    def pending_updates(self) -> int:
        """Number of enqueued updates the bot has not confirmed yet."""
        with self._cond:
            return len(self._queue)

    def pending_update_ids(self) -> set[int]:
        """The ids of the enqueued updates the bot has not confirmed yet."""
        with self._cond:
            return {update["update_id"] for update in self._queue}

    def pop_updates(self) -> list[JsonDict]:
        """Take (and confirm) every pending update, for feeding Application.process_update."""
        with self._cond:
            updates, self._queue = self._queue, []
            self._changed()
            return updates

    # ----------------------------------------------------------------------- waiting

    def wait(self, predicate: Predicate, timeout: float) -> bool:
        """Block until predicate(self) holds or `timeout` seconds pass; return its value."""
        with self._cond:
            return self._cond.wait_for(lambda: self._holds(predicate), timeout)

    def _holds(self, predicate: Predicate) -> bool:
        # An AssertionError (e.g. from last_message() before any message) means "not yet".
        with self._cond:
            try:
                return predicate(self)
            except AssertionError:
                return False

    def wake(self) -> None:
        """Make every blocked wait() re-check its predicate (e.g. on server shutdown)."""
        with self._cond:
            self._changed()

    def _changed(self) -> None:
        """Wake threads in wait() and coroutines in wait_for_async(); call with the lock held."""
        self._cond.notify_all()
        for loop, event in self._watchers:
            loop.call_soon_threadsafe(event.set)

    def wait_for(self, predicate: Predicate, timeout: float = 10.0, what: str = "") -> None:
        """Block until predicate(self) holds; AssertionError after `timeout` seconds."""
        if not self.wait(predicate, timeout):
            refused = [(r.method, r.description) for r in self.refused]
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what or 'the condition'}; "
                f"refused requests: {refused}"
            )

    async def wait_for_async(self, predicate: Predicate) -> None:
        """wait_for() without blocking the event loop; bound it with asyncio.timeout()."""
        watcher = (asyncio.get_running_loop(), asyncio.Event())
        with self._cond:
            self._watchers.append(watcher)
        try:
            while True:
                watcher[1].clear()
                if self._holds(predicate):
                    return
                await watcher[1].wait()
        finally:
            with self._cond:
                self._watchers.remove(watcher)

    def wait_for_message(
        self, chat_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent `count` messages to a chat (deleted ones included)."""
        if not self.wait(lambda api: api._bot_sent[chat_id] >= count, timeout):
            with self._cond:
                sent = self._bot_sent[chat_id]
            transcript = "\n".join(self.transcript(chat_id))
            raise AssertionError(
                f"chat {chat_id}: the bot sent {sent} of {count} messages "
                f"within {timeout}s; transcript:\n{transcript}"
            )
        return self.messages(chat_id)

    def wait_for_text(self, chat_id: int, text: str, timeout: float = 10.0) -> SentMessage:
        """Wait until the bot's latest message in a chat shows `text`; return that message."""
        self.wait_for(
            lambda api: text in api.last_message(chat_id).text,
            timeout,
            f"the bot's latest message in chat {chat_id} to show {text!r}",
        )
        return self.last_message(chat_id)

    def wait_until_consumed(self, timeout: float = 10.0) -> None:
        """Wait until the bot has confirmed (via getUpdates offset) every enqueued update."""
        self.wait_for(lambda api: not api._queue, timeout, "all updates to be consumed")


def _text_content(text: str) -> JsonDict:
    content: JsonDict = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": html.utf16_len(command)}
        content["entities"] = [entity]
    return content
