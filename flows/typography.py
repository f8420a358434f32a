"""French typography: the no-break spaces that keep « », ? ! : ; and units on their line."""

from __future__ import annotations

import re

# The narrow no-break space (U+202F), the one French typography puts before ? ! ; and the
# digests already use in numbers ("12 345", "42 %"): one kind of space everywhere.
NNBSP = "\u202f"

# A plain space before ? ! : ; », after «, or between a number and "h" or "%" ("24 h/24"):
# on a phone, a line could break there and leave the mark or unit alone on the next line.
_BREAKABLE = re.compile(r" (?=[?!:;»])|(?<=«) |(?<=\d) (?=[h%](?!\w))")


def french_spacing(text: str) -> str:
    """`text` with a no-break space where French puts a space around punctuation."""
    return _BREAKABLE.sub(NNBSP, text)
