"""`parole run` failing at start, as systemd's journal shows it: one line, no secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.e2e.botprocess import SECRET, WAIT, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer

WRONG_TOKEN = "987654:WRONG-TOKEN-abcdefghijklmnopqrstuvwxyz"


def run(config: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`parole --config CONFIG run` with `env` on top of real-looking secrets."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env={**os.environ, "PAROLE_PRIVACY__PSEUDONYM_SECRET": SECRET, **env},
        capture_output=True,
        text=True,
        timeout=3 * WAIT,
        check=False,
    )


def problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the process said, less the start-up line every run logs."""
    return [line for line in result.stderr.splitlines() if "INFO parole: starting" not in line]


def test_a_refused_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    api = FakeBotApi()
    with FakeBotApiServer(api) as server:
        result = run(write_config(tmp_path, server, api), PAROLE_TELEGRAM__TOKEN=WRONG_TOKEN)
    assert result.returncode == 1
    assert problems(result) == [
        "parole run: Telegram refused the token (check telegram.token / PAROLE_TELEGRAM__TOKEN)"
    ]
    assert WRONG_TOKEN not in result.stderr + result.stdout
    assert "WRONG-TOKEN" not in result.stderr + result.stdout


def test_telegram_unreachable_at_start_is_one_line(tmp_path: Path) -> None:
    api = FakeBotApi()
    # A port bound but not listening: connections to it are refused, as to a server not
    # reachable yet at boot.
    with socket.socket() as closed, FakeBotApiServer(api) as server:
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
        result = run(
            write_config(tmp_path, server, api),
            PAROLE_TELEGRAM__TOKEN=api.token,
            PAROLE_TELEGRAM__BASE_URL=nowhere,
        )
    assert result.returncode == 1
    [line] = problems(result)
    assert line.startswith(f"parole run: cannot reach Telegram at {nowhere} (")
    assert api.token not in result.stderr + result.stdout
