"""A small consultation and a fake clock for the relay tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.loader import load_consultation
from flows.model import Consultation

CONSULTATIONS = Path(__file__).parent / "consultations"
START = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday


def small_consultation() -> Consultation:
    """Three questions and two more: see consultations/mini.toml."""
    return load_consultation(CONSULTATIONS / "mini.toml", [])


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
