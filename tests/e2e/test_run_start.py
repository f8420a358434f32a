"""`parole run` failing at start, as systemd's journal shows it: one line, no secret."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        "parole run: Telegram a refusé le jeton (voyez telegram.token ou PAROLE_TELEGRAM__TOKEN) "
        "/ Telegram refused the token (check telegram.token or PAROLE_TELEGRAM__TOKEN)"
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
    assert line.startswith(
        f"parole run: impossible de joindre Telegram à {nowhere} / cannot reach Telegram at "
        f"{nowhere} ("
    )
    assert api.token not in result.stderr + result.stdout


@pytest.fixture
def other_user(tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    """How to run a command as a user the files below are not for, and a folder for them.

    As root (who may read and write anything), the command runs as nobody through setpriv;
    otherwise as oneself, the files being made read-only for their owner too.
    """
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("needs setpriv to run as another user than root")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    folder = Path(tempfile.mkdtemp(prefix="parole-perm-", dir="/tmp"))
    folder.chmod(0o755)  # nobody may look in, not write
    cache = folder / "matplotlib"  # where nobody, without a home of its own, may write
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    try:
        yield prefix, folder
    finally:
        shutil.rmtree(folder)


def test_a_database_the_service_user_cannot_write_is_one_line(
    other_user: tuple[list[str], Path],
) -> None:
    prefix, folder = other_user
    api = FakeBotApi()
    with FakeBotApiServer(api) as server:
        config = write_config(folder, server, api)
        config.chmod(0o644)
        # Made by someone else (`parole chat` run as root, say): not the service user's.
        database = folder / "parole.sqlite3"
        sqlite3.connect(database).close()
        database.chmod(0o400)
        env = {
            **os.environ,
            "PAROLE_TELEGRAM__TOKEN": api.token,
            "PAROLE_PRIVACY__PSEUDONYM_SECRET": SECRET,
            "MPLCONFIGDIR": str(folder / "matplotlib"),
        }
        expected = (
            f"impossible d'ouvrir la base de données {database} en écriture : permission "
            f"refusée / cannot open the database {database} for writing: permission denied"
        )

        def parole(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*prefix, sys.executable, "-m", "bot", "--config", str(config), *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=3 * WAIT,
                check=False,
                cwd=folder,
            )

        # systemd's ExecStartPre stops the start here, with the reason in the journal.
        checked = parole("check", "--for-run")
        assert checked.returncode == 2
        assert checked.stderr.splitlines()[-1] == (
            f"parole check: base de données {database} : impossible de l'ouvrir en écriture : "
            "permission refusée / cannot open it for writing: permission denied"
        )
        started = parole("run")
        assert started.returncode == 1
        assert problems(started) == [f"parole run: {expected}"]
        exported = parole("export")
        assert (exported.returncode, exported.stderr) == (1, f"parole export: {expected}\n")

        config.chmod(0o000)  # /etc/parole/config.toml left readable by root only
        unreadable = parole("check")
        assert unreadable.returncode == 2
        assert unreadable.stderr == (
            f"{config} : illisible : permission refusée / cannot be read: permission denied\n"
        )
