"""The real `parole run` process, pointed at the fake Bot API server, and residents to play it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser
from tests.fakebotapi.model import SentMessage

SECRET = "an-end-to-end-secret-long-enough"
QUARTIERS = ["Bourgogne", "Pont-Rompu"]
WAIT = 20.0  # seconds; generous, as CI machines are shared


def write_config(folder: Path, server: FakeBotApiServer, api: FakeBotApi) -> Path:
    """A config file for the bot under test; the token comes from the environment."""
    path = folder / "config.toml"
    path.write_text(
        "[telegram]\n"
        f'base_url = "{server.base_url}"\n'
        f'base_file_url = "{server.base_file_url}"\n'
        "poll_timeout = 1\n"
        # The limiter stays on, at limits a test playing residents faster than any thumb
        # (and a digest to a staff group) does not wait for.
        "chat_messages_per_second = 50\n"
        "group_messages_per_minute = 3000\n"
        "[storage]\n"
        f'path = "{folder / "parole.sqlite3"}"\n'
        # Flood control off, for the same reason (tests/telegram/test_privacy.py tests it).
        "[limits]\n"
        "flood_updates = 1000000\n"
        "[consultation]\n"
        f"quartiers = {QUARTIERS!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    return path


class BotProcess:
    """`python -m bot --config FILE run` as a child process."""

    def __init__(self, config: Path, api: FakeBotApi, log: Path) -> None:
        self.config = config
        self.api = api
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        """Start the bot and wait until it polls for updates."""
        env = {
            **os.environ,
            "PAROLE_TELEGRAM__TOKEN": self.api.token,
            "PAROLE_PRIVACY__PSEUDONYM_SECRET": SECRET,
        }
        polls = self._polls()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.api.wait_for(lambda api: self._polls() > polls, WAIT, "the bot to poll")
        return self

    def _polls(self) -> int:
        return sum(1 for r in self.api.requests if r.method == "getUpdates")

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash or a power cut of the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.process.returncode


class Resident:
    """A person on their phone: each action waits for the bot's visible answer."""

    def __init__(self, api: FakeBotApi, user: FakeUser) -> None:
        self.api = api
        self.user = user

    def _count(self) -> int:
        return len(self.api.messages(self.user.id))

    def send(self, text: str) -> SentMessage:
        """Type a message and wait for the bot's reply."""
        before = self._count()
        self.api.send_text(self.user, text)
        return self._new_message(before)

    def click(self, label: str) -> SentMessage:
        """Press a button and wait for the next screen: sent as a new message, or shown in
        place of the pressed one (its text changed and with buttons again)."""
        before = self._count()
        shown = next(m for m in reversed(self.api.messages(self.user.id)) if label in m.buttons)
        self.api.click(self.user, label, shown.message_id)

        def answered(api: FakeBotApi) -> bool:
            messages = api.messages(self.user.id)
            if len(messages) > before:
                return True
            now = next(m for m in messages if m.message_id == shown.message_id)
            return now.edits > shown.edits and bool(now.buttons)

        self.api.wait_for(answered, WAIT, f"{self.user.first_name}'s answer to {label!r}")
        return self._new_message(before) if self._count() > before else self._finished()

    def toggle(self, label: str) -> SentMessage:
        """Press a button that edits the list in place."""
        shown = self.api.last_message(self.user.id)
        self.api.click(self.user, label, shown.message_id)
        self.api.wait_for(
            lambda api: api.last_message(self.user.id).edits > shown.edits,
            WAIT,
            f"{self.user.first_name}'s list to be edited after {label!r}",
        )
        return self.api.last_message(self.user.id)

    def _new_message(self, before: int) -> SentMessage:
        self.api.wait_for_message(self.user.id, before + 1, WAIT)
        return self._finished()

    def _finished(self) -> SentMessage:
        # Let the bot finish its reply (a note can precede the screen).
        self.api.wait_for(
            lambda api: not api.unanswered_callbacks, WAIT, "button presses to be answered"
        )
        return self.api.last_message(self.user.id)
