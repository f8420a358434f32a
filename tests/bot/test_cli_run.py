"""`parole run`: what stops its start, in one line; and its log filter: no line or traceback
of the running bot carries the token."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path

import pytest

from bot.cli import BOOTSTRAP_FAILURE, RunLogFilter, main

TOKEN = "123456:SECRET-TOKEN-abcdefghijklmnopqrstuvw"


def logged(name: str, *args: object, error: Exception | None = None) -> str:
    """What a handler with the filter writes for one record of logger `name`."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RunLogFilter(TOKEN))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        if error is None:
            logger.error(*args)
        else:
            try:
                raise error
            except Exception:
                logger.exception(*args)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return out.getvalue()


def test_the_token_is_blanked_out_of_messages_and_tracebacks() -> None:
    text = logged(
        "telegram.ext.Updater",
        "request to %s failed",
        f"https://api.telegram.org/bot{TOKEN}/getUpdates",
        error=RuntimeError(f"The token `{TOKEN}` was rejected"),
    )
    assert "request to https://api.telegram.org/bot<token>/getUpdates failed" in text
    assert "RuntimeError: The token `<token>` was rejected" in text
    assert TOKEN not in text


def test_the_library_report_of_a_failed_start_is_left_to_parole_run() -> None:
    text = logged("telegram.ext", f"{BOOTSTRAP_FAILURE}: Invalid token.", error=ValueError(TOKEN))
    assert text == ""
    assert logged("parole", "something else") == "something else\n"


# -- what stops `parole run` at its start ---------------------------------------------------

SECRET = "a-good-secret-for-the-tests"


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["run"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("workdir")
def test_the_example_token_is_refused_before_asking_telegram(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", "123456:ABC...")  # README's example
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err == (
        "parole run: telegram.token n'est pas un jeton de @BotFather (des chiffres, "
        "deux-points, puis environ 35 lettres, chiffres, - ou _) : une valeur d'exemple ? / "
        "telegram.token is not a token from @BotFather (digits, a colon, then about 35 "
        "letters, digits, - or _): an example value?\n"
    )
    assert not (workdir / "data").exists()  # nothing started, nothing created


@pytest.mark.usefixtures("workdir")
def test_an_unreachable_bot_api_server_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", f"http://127.0.0.1:{port}/bot")
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", "123456:TEST")  # another server: any shape
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
    code, _, err = run(capsys)
    assert code == 1
    url = f"http://127.0.0.1:{port}/bot"
    assert err.startswith(
        f"parole run: impossible de joindre Telegram à {url} / cannot reach Telegram at {url} ("
    )
    assert len(err.splitlines()) == 1 and "123456:TEST" not in err
