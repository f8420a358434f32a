"""`parole check` notes a consultation that residents cannot answer today: closed already, or
not open yet (with the day it opens)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from flows.loader import BUILTIN_DIR
from tests.bot.run import parole

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


def dated(folder: Path, opens: dt.date, closes: dt.date) -> None:
    """The built-in consultation, with these dates, in `folder`."""
    folder.mkdir()
    text = (BUILTIN_DIR / "vivre-ensemble.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^opens = .*$", f"opens = {opens}", text)
    text = re.sub(r"(?m)^closes = .*$", f"closes = {closes}", text)
    (folder / "vivre-ensemble.toml").write_text(text, encoding="utf-8")


def test_check_notes_a_consultation_not_open_yet_and_when_it_opens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    opens = dt.date.today() + dt.timedelta(days=40)
    dated(workdir / "consultations", opens, opens + dt.timedelta(days=90))
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(workdir / "consultations"))
    code, out, _ = parole(capsys, "check")
    assert code == 0
    notes = [line for line in out.splitlines() if line.startswith("note : vivre-ensemble")]
    assert notes == [
        f"note : vivre-ensemble n'est pas encore ouverte : les habitants pourront y répondre à "
        f"partir du {opens} / vivre-ensemble is not open yet: residents can answer it from {opens}"
    ]


def test_check_notes_nothing_about_dates_of_a_consultation_open_today(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    today = dt.date.today()
    dated(workdir / "consultations", today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", str(workdir / "consultations"))
    code, out, _ = parole(capsys, "check")
    assert code == 0
    assert not [line for line in out.splitlines() if line.startswith("note : vivre-ensemble")]
