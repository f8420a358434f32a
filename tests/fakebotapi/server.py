"""HTTP transport: a real Bot API server on 127.0.0.1 backed by a FakeBotApi."""

from __future__ import annotations

import json
import re
import sys
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakebotapi.core import FakeBotApi
from tests.fakebotapi.model import UploadedFile

_PATH = re.compile(r"/bot([^/]+)/(\w+)")


def _error(status: HTTPStatus, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status.value, "description": description}


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(EmailMessage, policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("malformed multipart/form-data body")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("multipart part without a name")
        content = part.get_payload(decode=True)
        assert isinstance(content, bytes)
        filename = part.get_filename()
        if filename is None:
            fields[name] = content.decode()
        else:
            mime_type = part.get_content_type() if "Content-Type" in part else None
            files[name] = UploadedFile(filename, content, mime_type)
    return fields, files


class _ClientGone(Exception):
    """The connection closed before the whole request body arrived."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The bot opens up to 256 connections at once; beyond socketserver's backlog of 5 they
    # are reset (a NetworkError in the bot), which api.telegram.org never does.
    request_queue_size = 1024

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.closing = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client giving up on a long poll is routine, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects from api.telegram.org
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK, about 40 ms per Bot API call.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        """Serve a Bot API call made with GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a Bot API call made with POST."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _serve(self) -> None:
        url = urlsplit(self.path)
        match = _PATH.fullmatch(url.path)
        api = self.server.api
        try:
            # Read the body first in any case: the connection is kept alive for the next call.
            params, files = self._read_params(url.query)
        except _ClientGone:
            # The client died mid-request (a killed bot): like Telegram, nothing is processed.
            self.close_connection = True
            return
        except ValueError as exc:
            self._reply(
                HTTPStatus.BAD_REQUEST, _error(HTTPStatus.BAD_REQUEST, f"Bad Request: {exc}")
            )
            return
        if match is None:
            self._reply(HTTPStatus.NOT_FOUND, _error(HTTPStatus.NOT_FOUND, "Not Found"))
            return
        token, method = match.groups()
        if token != api.token:
            self._reply(HTTPStatus.UNAUTHORIZED, _error(HTTPStatus.UNAUTHORIZED, "Unauthorized"))
            return
        if method.lower() == "getupdates":
            closing = self.server.closing
            poll = api.begin_poll()
            api.wait(
                lambda a: (
                    (not a.held(poll) and a.updates_ready(params))
                    or closing.is_set()
                    or a.superseded(poll)
                ),
                api.long_poll_seconds(params),
            )
            if api.superseded(poll):
                self._reply(*api.conflict())
                return
            if api.held(poll):  # it never reached Telegram: it confirmed nothing
                api.wait_for_release(poll)
                error = _error(HTTPStatus.BAD_GATEWAY, "Bad Gateway")
                self._reply(HTTPStatus.BAD_GATEWAY, error)
                return
        status, body = api.handle(method, params, files)
        self._reply(status, body)

    def _read_params(self, query: str) -> tuple[dict[str, object], dict[str, UploadedFile]]:
        params: dict[str, object] = dict(parse_qsl(query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if len(body) < length:
            raise _ClientGone
        if not body:
            return params, {}
        content_type = self.headers.get_content_type()
        if content_type == "application/json":
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ValueError("the JSON body must be an object")
            params.update(decoded)
        elif content_type == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        elif content_type == "multipart/form-data":
            fields, files = parse_multipart(self.headers["Content-Type"], body)
            params.update(fields)
            return params, files
        else:
            raise ValueError(f"unsupported Content-Type {content_type}")
        return params, {}

    def _reply(self, status: HTTPStatus | int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeBotApiServer:
    """Serve a FakeBotApi over HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._httpd = _Server(api)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotApiServer",
            daemon=True,
        )

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The value for Bot(base_url=...) / ApplicationBuilder().base_url(...)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for Bot(base_file_url=...); file downloads are not served."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeBotApiServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly: end pending long polls, then the server loop and its socket."""
        self._httpd.closing.set()
        self.api.wake()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def __enter__(self) -> FakeBotApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
