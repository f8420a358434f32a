"""Running the `parole` command inside a test."""

from __future__ import annotations

import pytest

from bot.cli import main


def parole(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `parole ARGV`: exit code, standard output, standard error."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
