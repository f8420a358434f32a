"""What an operator setting up a server meets: configuration files written on Windows,
times of day, placeholder secrets; one line each, never a traceback or a secret."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.retention import daily_time
from bot.settings import load_settings

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest

SECRET = "a-good-secret-for-the-tests"
# The shape @BotFather gives (the number, a colon, 35 characters); not a real bot's.
TOKEN = "1234567890:AAH-good-looking-token_for-the-tests"


def parole(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `parole ARGV`: exit code, standard output, standard error."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the configuration file ----------------------------------------------------------------


def test_a_config_with_a_byte_order_mark_is_read(capsys: pytest.CaptureFixture[str], workdir: Path):
    # Windows Notepad's "UTF-8" starts the file with a byte order mark.
    (workdir / "config.toml").write_text(
        '[privacy]\ncontroller = "la mairie (service égalité)"\n', encoding="utf-8-sig"
    )
    code, out, err = parole(capsys, "--config", "config.toml", "check")
    assert code == 0, err
    assert "ok  vivre-ensemble" in out
    assert load_settings(Path("config.toml")).privacy.controller == "la mairie (service égalité)"


# -- the daily purge time ------------------------------------------------------------------


@pytest.mark.parametrize("written", ["25:99", "24:00", "12:60", "3h30", "03:3"])
def test_a_purge_time_that_is_no_time_of_day_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, written: str
):
    monkeypatch.setenv("PAROLE_PRIVACY__PURGE_TIME", written)
    code, out, err = parole(capsys, "check")
    assert code == 2
    assert out == ""
    assert "privacy.purge_time" in err
    assert f"'{written}' is not a time of day (HH:MM, 00:00 to 23:59)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("written", "time"), [("3:30", dt.time(3, 30)), ("23:59", dt.time(23, 59))]
)
def test_the_purge_runs_at_the_time_written(
    monkeypatch: pytest.MonkeyPatch, written: str, time: dt.time
):
    monkeypatch.setenv("PAROLE_PRIVACY__PURGE_TIME", written)
    assert daily_time(load_settings()).replace(tzinfo=None) == time


# -- secrets that are no secrets -----------------------------------------------------------


@pytest.mark.usefixtures("no_start")
def test_run_refuses_a_pseudonym_secret_equal_to_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", TOKEN)
    code, out, err = parole(capsys, "run")
    assert code == 2
    assert "privacy.pseudonym_secret is the bot token: give it a secret of its own" in err
    assert TOKEN not in out + err


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to build the Telegram application fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parole run started the bot")

    monkeypatch.setattr("bot.telegram.app.build_application", refuse)
