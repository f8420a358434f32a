"""A chat harness: the real Application over the fake Bot API, residents played by tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import SecretStr

from bot.conversation import Clock
from bot.settings import (
    LimitsSettings,
    PrivacySettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from bot.telegram.app import TelegramApp, build_application
from bot.telegram.intake import decode
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeBotApi, FakeChat, FakeRequest, FakeUser
from tests.fakebotapi.model import SentMessage

SECRET = "a-test-secret-of-enough-length"


def settings_for(database: Path, api: FakeBotApi) -> Settings:
    """Settings pointing at a test database and the fake API's token."""
    return Settings(
        # A test plays residents faster than any thumb, and faster than Telegram lets a bot
        # answer one chat: flood control and the outgoing rate limiter are off unless a test
        # turns them on (tests/telegram/test_privacy.py, tests/telegram/test_ratelimit.py).
        telegram=TelegramSettings(token=SecretStr(api.token), rate_limit=False),
        privacy=PrivacySettings(pseudonym_secret=SecretStr(SECRET)),
        storage=StorageSettings(path=database),
        limits=LimitsSettings(flood_updates=1_000_000),
    )


class Chat:
    """Runs the bot in-process; `send` and `click` deliver the update and wait for the bot."""

    def __init__(
        self,
        database: Path,
        consultations: Sequence[Consultation],
        *,
        clock: Clock | None = None,
        api: FakeBotApi | None = None,
        limits: LimitsSettings | None = None,
    ) -> None:
        self.api = api or FakeBotApi()
        self.database = database
        self.store = SqliteStore(database)
        self.now = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
        self.app: TelegramApp = build_application(
            settings_for(database, self.api).model_copy(
                update={"limits": limits} if limits else {}
            ),
            self.store,
            consultations,
            clock=clock or (lambda: self.now),
            request=FakeRequest(self.api),
        )

    async def __aenter__(self) -> Self:
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.app.shutdown()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)

    async def deliver(self) -> None:
        """Feed every queued update to the application, in order."""
        for data in self.api.pop_updates():
            await self.app.process_update(decode(data, self.app.bot))

    async def redeliver(self, data: dict[str, object]) -> None:
        """Feed an already delivered update again, as Telegram does after a crash."""
        await self.app.process_update(decode(data, self.app.bot))

    async def send(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> SentMessage:
        """The user types `text`; returns the bot's latest message in that chat."""
        self.api.send_text(user, text, chat)
        await self.deliver()
        return self.api.last_message(chat.id if chat else user.id)

    async def click(self, user: FakeUser, label: str, message_id: int | None = None) -> SentMessage:
        """The user presses the button labelled `label`; returns the bot's latest message."""
        self.api.click(user, label, message_id)
        await self.deliver()
        return self.api.last_message(user.id)

    def last(self, user: FakeUser) -> SentMessage:
        """The bot's latest message to the user."""
        return self.api.last_message(user.id)

    def toasts(self) -> list[str]:
        """Texts of the short notices shown on button presses."""
        return [answer.text for answer in self.api.callback_answers if answer.text]
