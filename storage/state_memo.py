"""Parsed session states kept with the text they were parsed from, so a resident's state is
not parsed again at every update while it has not changed."""

from __future__ import annotations

import time
from collections.abc import Callable

from flows.state import SessionState

SIZE = 1024  # sessions remembered: a crowd answering at once; ~10 KiB each at most
# A session nobody read or wrote for this long is dropped at the next read or write: one
# erased by another process (`parole forget` beside the bot) is never read again, and its
# answers would otherwise stay in memory until 1,024 other sessions pushed them out.
IDLE_SECONDS = 600.0


class StateMemo:
    """For the most recently used sessions, the last state text seen and its parsed state.

    Parsing a session's JSON state is the largest part of reading a resident's session
    (pydantic, 10 to 20 µs for a finished journey), and the text read back is most often the
    one the last commit wrote. The stored text is still read every time: the memo only says
    what a given text means, never what a session holds, so a session changed by anyone else
    (another process, a deletion) is never served stale. Bounded, least recently used first
    out, and idle entries expire, so residents who stopped answering cost nothing after a
    while.
    """

    def __init__(
        self,
        size: int = SIZE,
        idle: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.idle = idle
        self._clock = clock
        # Least recently used first: (text, parsed state, when last used).
        self._entries: dict[int, tuple[str, SessionState, float]] = {}

    def parse(self, session_id: int, text: str) -> SessionState:
        """The state stored as `text` for `session_id`, parsed only if the memo does not
        already hold that very text for it."""
        entry = self._entries.pop(session_id, None)
        if entry is not None and entry[0] == text:
            state = entry[1]
        else:
            state = SessionState.model_validate_json(text)
        self._keep(session_id, text, state)
        return state

    def remember(self, session_id: int, text: str, state: SessionState) -> None:
        """`text` was just written for `session_id`, as the JSON of `state`."""
        self._entries.pop(session_id, None)
        self._keep(session_id, text, state)

    def clear(self) -> None:
        """Forget everything (after an erasure: erased answers leave memory at once too)."""
        self._entries.clear()

    def __contains__(self, session_id: int) -> bool:
        """Whether the memo holds a state of `session_id`."""
        return session_id in self._entries

    def __len__(self) -> int:
        """How many sessions are remembered."""
        return len(self._entries)

    def _keep(self, session_id: int, text: str, state: SessionState) -> None:
        now = self._clock()
        self._entries[session_id] = (text, state, now)
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            if len(entries) <= self.size and entries[oldest][2] >= now - self.idle:
                return
            del entries[oldest]
