"""A failure as one log line: the exception's type and where it was raised, not its message.

An exception's message may quote what a resident typed (a validation error quotes its input,
a corrupt answer read back quotes the answer), so the bot's log never carries it; the frames
say where to look.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def described(error: BaseException | None) -> str:
    """`error`'s type and the frames it went through, innermost first:
    "ValidationError at sqlite_reports.py:303 answer_counts < aggregate.py:258 build_digest"."""
    frames = traceback.extract_tb(error.__traceback__) if error else []
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(error).__name__} at {where or '?'}"
