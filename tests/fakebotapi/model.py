"""Value objects of the fake Bot API: users, chats, uploads and messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class FakeUser:
    """A resident talking to the bot; their private chat id equals their user id."""

    id: int
    first_name: str
    language_code: str = "fr"
    username: str | None = None

    def to_dict(self) -> JsonDict:
        """The Telegram User object."""
        user: JsonDict = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username is not None:
            user["username"] = self.username
        return user

    def private_chat(self) -> JsonDict:
        """The Telegram Chat object of the user's private chat with the bot."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username is not None:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True)
class FakeChat:
    """A group or supergroup the bot is a member of."""

    id: int
    type: str = "group"
    title: str = "Groupe de test"

    def __post_init__(self) -> None:
        if self.id >= 0 or self.type not in {"group", "supergroup"}:
            raise ValueError("a FakeChat needs a negative id and type group or supergroup")

    def to_dict(self) -> JsonDict:
        """The Telegram Chat object."""
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part of a request."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """Current state of a message the bot sent (after edits)."""

    chat_id: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str  # visible text (or caption) after HTML parsing
    html: str  # raw text (or caption) as sent
    parse_mode: str | None
    entities: tuple[JsonDict, ...]
    reply_markup: JsonDict | None  # as sent, any kind of keyboard
    file: UploadedFile | str | None  # the upload, or the file_id/URL string sent
    edits: int

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline keyboard, row by row."""
        return [button["text"] for button in inline_buttons(self.reply_markup)]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received and how it answered."""

    method: str
    # Decoded values when the request passed validation, else the raw values received.
    params: Mapping[str, Any]
    files: tuple[str, ...]
    status: int
    description: str | None = None
    injected: bool = False  # the failure came from fail_next() or block()
    at: float = 0.0  # time.monotonic() when the fake received it (after a long poll's wait)


@dataclass(frozen=True)
class CallbackAnswer:
    """An answerCallbackQuery call."""

    query_id: str
    data: str
    text: str | None
    show_alert: bool


@dataclass
class StoredMessage:
    """A message as the fake keeps it, with the Telegram object it serves."""

    payload: JsonDict  # the Telegram Message object
    from_bot: bool
    kind: str = "text"
    html: str = ""
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    file: UploadedFile | str | None = None
    edits: int = 0
    deleted: bool = False

    def snapshot(self) -> SentMessage:
        """An immutable copy for tests."""
        media = self.kind != "text"
        text: str = self.payload.get("caption" if media else "text", "")
        entities: list[JsonDict] = self.payload.get("caption_entities" if media else "entities", [])
        return SentMessage(
            chat_id=self.payload["chat"]["id"],
            message_id=self.payload["message_id"],
            kind=self.kind,
            text=text,
            html=self.html,
            parse_mode=self.parse_mode,
            entities=tuple(copy.deepcopy(entities)),
            reply_markup=copy.deepcopy(self.reply_markup),
            file=self.file,
            edits=self.edits,
        )


def inline_buttons(markup: JsonDict | None) -> list[JsonDict]:
    """The buttons of an inline keyboard, row by row."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def inline_markup(markup: JsonDict | None) -> JsonDict | None:
    """The markup Telegram stores on a message: inline keyboards only, empty ones dropped."""
    return markup if inline_buttons(markup) else None


def keyboard_lines(markup: JsonDict | None) -> str:
    """Inline keyboard rows as transcript lines: "\\n  [Oui] [Non]"."""
    rows = (markup or {}).get("inline_keyboard", [])
    return "".join("\n  " + " ".join(f"[{b['text']}]" for b in row) for row in rows)


def most_in_window(times: Sequence[float], seconds: float) -> int:
    """The largest number of `times` in any half-open window [t, t + seconds)."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most
