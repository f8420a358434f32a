"""In-process transport: a python-telegram-bot BaseRequest answered by a FakeBotApi."""

from __future__ import annotations

import asyncio
import contextlib
import json
from http import HTTPStatus

from telegram.request import BaseRequest, RequestData

from tests.fakebotapi.core import FakeBotApi
from tests.fakebotapi.model import UploadedFile

UNAUTHORIZED = {"ok": False, "error_code": HTTPStatus.UNAUTHORIZED, "description": "Unauthorized"}


class FakeRequest(BaseRequest):
    """Route every Bot API call of a PTB Bot to a FakeBotApi; refuse any other URL."""

    def __init__(self, api: FakeBotApi, base_url: str = "https://api.telegram.org/bot") -> None:
        self._api = api
        self._base_url = base_url

    @property
    def read_timeout(self) -> float | None:
        """No network, hence no read timeout."""
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
        """Answer a Bot API call from the fake; raise on any URL outside the Bot API."""
        if not url.startswith(self._base_url):
            # PTB wraps this into telegram.error.NetworkError.
            raise RuntimeError(f"FakeRequest refuses network access: {method} {url}")
        token, _, api_method = url.removeprefix(self._base_url).partition("/")
        if token != self._api.token:
            return HTTPStatus.UNAUTHORIZED, json.dumps(UNAUTHORIZED).encode()
        # json_parameters gives the strings an HTTP request would carry, so both transports
        # feed the core identical input.
        params = dict(request_data.json_parameters) if request_data else {}
        files = {}
        for name, (filename, content, mime_type) in (
            request_data.multipart_data.items() if request_data else ()
        ):
            data = content if isinstance(content, bytes) else content.read()
            files[name] = UploadedFile(filename, data, mime_type)
        if api_method.lower() == "getupdates":
            await self._long_poll(params)
        status, body = self._api.handle(api_method, params, files)
        return status, json.dumps(body).encode()

    async def _long_poll(self, params: dict[str, str]) -> None:
        """Hold a getUpdates call until an update arrives or its timeout passes."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._api.long_poll_seconds(params)):
                await self._api.wait_for_async(lambda api: api.updates_ready(params))
