"""The bot object: python-telegram-bot's, plus lean calls for the residents' screens.

Every answer a resident gives is followed by a screen sent or redrawn. PTB's `send_message`
and `edit_message_text` build a full `Message` from what Telegram sends back (the keyboard we
just sent, button by button): measured with `bench/throughput.py`, that parsing and the
keyboard's objects cost more than the whole conversation and its SQLite commit. A screen only
needs the new message's id back, so these calls go through PTB's own request (the rate
limiter, error mapping to `telegram.error`) and read that one field. A press's answer goes the
same way: PTB's typed method, through `CallbackQuery.answer`, fills in five parameters the bot
never uses for the one id and notice it sends.

Their parameters are already what the Bot API takes (text, ids, a keyboard as JSON), so they
skip what `Bot._post` does for any call (defaults put in, each value checked for dates, enums
and files): that was a third of a screen's cost in PTB, in `bench/throughput.py`.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot
from telegram.request import RequestData

# Internal to PTB (one parameter of a request): built here as `Bot._do_post` builds them.
from telegram.request._requestparameter import RequestParameter

from bot.telegram.confirmation import Unconfirmed
from bot.telegram.intake import Keyboard, lean


class ParoleBot(ExtBot[Any]):
    """`ExtBot` with the four calls the resident journey makes on every answer; getUpdates
    leaves pressed keyboards unparsed (bot/telegram/intake) and, with `unconfirmed`, confirms
    only the updates handled (bot/telegram/confirmation)."""

    def __init__(self, *args: Any, unconfirmed: Unconfirmed | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():  # PTB freezes its objects once built
            self.unconfirmed = unconfirmed

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        unconfirmed = self.unconfirmed
        if endpoint != "getUpdates" or data is None:
            if unconfirmed is not None:
                unconfirmed.showing(endpoint)
            return await super()._post(endpoint, data, **kw)
        if unconfirmed is None:
            return [lean(update) for update in await super()._post(endpoint, data, **kw)]
        await unconfirmed.before_asking()
        data["offset"] = unconfirmed.offset(data.get("offset"))
        # Updates handed again are left out before python-telegram-bot parses them.
        fetched = unconfirmed.keep_new(await super()._post(endpoint, data, **kw))
        return [lean(update) for update in fetched]

    async def send_screen(self, chat_id: int, text: str, markup: Keyboard | None) -> int:
        """Send an HTML screen with its keyboard; the new message's id."""
        result = await self._lean_post(
            "sendMessage",
            {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "reply_markup": markup},
        )
        return int(result["message_id"])

    async def edit_screen(
        self, chat_id: int, message_id: int, text: str, markup: Keyboard | None
    ) -> None:
        """Redraw a message as an HTML screen; without `markup` its keyboard goes."""
        await self._lean_post(
            "editMessageText",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": markup,
            },
        )

    async def answer_press(self, query_id: str, notice: str | None) -> None:
        """Answer a button press (the phone's spinner stops), with a short notice if any."""
        data: dict[str, Any] = {"callback_query_id": query_id}
        if notice:
            data["text"] = notice
        await self._lean_post("answerCallbackQuery", data)

    async def close_keyboard(self, chat_id: int, message_id: int) -> None:
        """Remove a message's keyboard (its text stays)."""
        await self._lean_post(
            "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id}
        )

    async def _lean_post(self, endpoint: str, data: dict[str, Any]) -> Any:
        """One call whose parameters are ready as the Bot API takes them (None: left out),
        through the rate limiter if there is one."""
        if self.unconfirmed is not None:
            self.unconfirmed.showing(endpoint)
        data = {key: value for key, value in data.items() if value is not None}
        request = RequestData([RequestParameter(key, value, None) for key, value in data.items()])
        limiter = self.rate_limiter
        if limiter is None:
            return await self._request_post(endpoint, request)
        return await limiter.process_request(
            callback=self._request_post,
            args=(endpoint, request),
            kwargs={},
            endpoint=endpoint,
            data=data,
            rate_limit_args=None,
        )

    async def _request_post(self, endpoint: str, request: RequestData) -> Any:
        """Send `request` to the Bot API; its result, or the `telegram.error` it raised."""
        return await self.request.post(url=f"{self.base_url}/{endpoint}", request_data=request)
