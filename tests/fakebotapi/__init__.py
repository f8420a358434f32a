"""A fake Telegram Bot API for tests, in-process (FakeRequest) or over HTTP (FakeBotApiServer)."""

from tests.fakebotapi.core import FakeBotApi
from tests.fakebotapi.model import (
    CallbackAnswer,
    FakeChat,
    FakeUser,
    RecordedRequest,
    SentMessage,
    UploadedFile,
    most_in_window,
)
from tests.fakebotapi.server import FakeBotApiServer
from tests.fakebotapi.spec import ApiError
from tests.fakebotapi.transport import FakeRequest

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "FakeBotApi",
    "FakeBotApiServer",
    "FakeChat",
    "FakeRequest",
    "FakeUser",
    "RecordedRequest",
    "SentMessage",
    "UploadedFile",
    "most_in_window",
]
