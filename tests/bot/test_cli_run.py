"""`parole run`'s log filter: no line or traceback of the running bot carries the token."""

from __future__ import annotations

import io
import logging

from bot.cli import BOOTSTRAP_FAILURE, RunLogFilter

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
