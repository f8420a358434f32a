"""Cutting a text to fit, never inside what a reader sees as one character."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Measure = Callable[[str], int]  # a text's length: characters, or Telegram's UTF-16 units
ELLIPSIS = "…"
# Characters that belong with the one before them on screen: an emoji's skin tone, variation
# selectors (text or emoji style), the tags of a subdivision flag, the joiner of a family.
_JOINED = re.compile(
    "[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)


def shorten(text: str, limit: int, measure: Measure = len) -> str:
    """`text` if it measures `limit` at most, else cut to fit with "…" at its end.

    The cut falls on a space when that loses little, and never inside what a reader sees as
    one character: a letter and its accents, a flag's two letters, an emoji family."""
    if measure(text) <= limit:
        return text
    room = limit - measure(ELLIPSIS)
    end = 0
    for char in text:
        room -= measure(char)
        if room < 0:
            break
        end += 1
    cut = _grapheme_start(text, end)
    space = text.rfind(" ", 0, cut)
    if space > cut * 0.6:  # end on a whole word unless that loses too much
        cut = space
    return text[:cut].rstrip(" ,;:.") + ELLIPSIS


def _grapheme_start(text: str, end: int) -> int:
    """The last position at or before `end` that does not split a character as seen."""
    at = end
    while 0 < at < len(text) and _inside(text, at):
        at -= 1
    # A single character as seen longer than the limit (a letter under a pile of accents) is
    # cut anyway: an empty quote would say less.
    return at or end


def _inside(text: str, at: int) -> bool:
    """Whether a cut before `text[at]` would split a character as seen."""
    char, before = text[at], text[at - 1]
    if unicodedata.category(char) in ("Mn", "Mc", "Me") or _JOINED.match(char):
        return True
    if before == "\u200d":
        return True
    if _regional(char) and _regional(before):
        # Flags are pairs of regional letters: inside one after an odd number of them.
        run = 0
        while at - run - 1 >= 0 and _regional(text[at - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"
