"""What the command-line tests share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, with no PAROLE_* variable from the outside."""
    for name in list(os.environ):
        if name.startswith("PAROLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
