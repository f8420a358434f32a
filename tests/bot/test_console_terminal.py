"""`parole chat` in a real terminal (a pseudo-terminal of 80 columns, the command run as
a resident runs it): a paste of several lines, Ctrl-D, long lines, and its output piped."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from flows.model import Consultation
from flows.texts import say
from tests.bot.run import parole
from tests.bot.test_console import to_free_text

COLUMNS = 80
PROMPT = b"> "
EOF = "\x04"  # Ctrl-D


class Pty:
    """`python -m bot chat` in a terminal: what it printed, and a way to type."""

    def __init__(self, master: int, process: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.process = process
        self.output = b""

    def prompted(self, timeout: float = 15) -> None:
        """Wait for the next prompt (or the end of the program)."""
        deadline = time.monotonic() + timeout
        start = len(self.output)
        while not self.output[start:].endswith(PROMPT):
            left = deadline - time.monotonic()
            assert left > 0, self.output[start:].decode(errors="replace")
            if select.select([self.master], [], [], left)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program ended
                    return
                if not chunk:
                    return
                self.output += chunk

    def type(self, text: str) -> None:
        """Type `text` after the next prompt, all at once (as a paste arrives)."""
        self.prompted()
        os.write(self.master, text.encode())

    def finish(self) -> str:
        """Everything the program printed until it ended."""
        self.prompted()
        assert self.process.wait(timeout=15) == 0
        return self.output.decode().replace("\r\n", "\n")


@contextmanager
def terminal(folder: Path) -> Iterator[Pty]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAROLE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--as", "demo"],
        cwd=folder,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    try:
        yield Pty(master, process)
    finally:
        process.kill()
        process.wait()
        os.close(master)


def chatted(folder: Path, lines: Sequence[str]) -> str:
    """What the terminal showed while `lines` were typed, each after its prompt, then Ctrl-D."""
    with terminal(folder) as screen:
        for line in lines:
            screen.type(line)
        screen.type(EOF)
        return screen.finish()


def test_a_pasted_text_of_several_lines_is_one_answer(
    capsys: pytest.CaptureFixture[str], workdir: Path, consultation: Consultation
):
    pasted = "Le centre social.\n\n2\nEt le marché du samedi 🙂, où l'on se croise."
    shown = chatted(workdir, [f"{line}\r" for line in to_free_text(consultation)] + [f"{pasted}\r"])
    assert shown.count(say("use_buttons", "fr")) == 0  # no line of it answered the next question
    [record] = [json.loads(line) for line in parole(capsys, "export")[1].splitlines()]
    assert record["answers"]["leviers_precision"] == {"text": pasted}
    assert "freins" not in record["answers"]


def test_ctrl_d_says_goodbye_on_a_line_of_its_own(workdir: Path):
    shown = chatted(workdir, ["1\r"])
    after = shown.rsplit(f"\n{PROMPT.decode()}", 1)[1]
    assert after.startswith("\n")  # not after the prompt, where Ctrl-D left the cursor
    assert after.split() == say("goodbye", "fr").split()  # wrapped at 80 columns


def test_long_lines_go_on_at_a_space_within_the_terminal(workdir: Path, consultation: Consultation):
    shown = chatted(workdir, [])
    assert max(len(line) for line in shown.splitlines()) < COLUMNS
    bullets = [line for line in shown.splitlines() if line.startswith("• ")]
    assert bullets, "the welcome's list"
    lines = shown.splitlines()
    # A bullet's next lines sit under its text, not under the bullet.
    following = lines[lines.index(bullets[0]) + 1]
    assert following.startswith("  ") and not following.startswith("   ")
    first = consultation.welcome.fr.split("\n")[0]
    assert " ".join(shown.split()).count(" ".join(first.split())) == 1


def test_piped_lines_stay_whole_and_each_is_an_answer(
    capsys: pytest.CaptureFixture[str], workdir: Path, consultation: Consultation
):
    lines = [*to_free_text(consultation), "Le centre social.", "2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAROLE_")}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "demo"],
        cwd=workdir,
        env=env,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    first = consultation.welcome.fr.split("\n")[0]
    assert first in out.splitlines()  # a file keeps each paragraph on one line
    assert out.endswith(f"> \n{say('goodbye', 'fr')}\n")  # the input ended after a prompt
    [record] = [json.loads(line) for line in parole(capsys, "export")[1].splitlines()]
    assert record["answers"]["leviers_precision"] == {"text": "Le centre social."}
    assert record["answers"].get("freins") is None  # "2" was a tick, not yet validated
