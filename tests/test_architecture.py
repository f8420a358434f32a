"""The architecture holds: the core never loads Telegram, the database driver or the scheduler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "aiosqlite", "apscheduler", "sqlite3")
CORE = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for package in ("flows", "digest")
    for path in (ROOT / package).glob("*.py")
    if path.name != "__init__.py"
)


@pytest.mark.parametrize("module", CORE)
def test_core_modules_load_no_adapter_library(module: str):
    # A fresh interpreter, so that what other tests imported does not hide a transitive import.
    probe = (
        f"import sys, {module}\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"
