"""The moderation side of storage: staff hide a resident's text from what staff and partners read.

A hidden text stays stored and its answer still counts: digests leave it out of their quotes
and exports print `storage.sqlite_reports.WITHHELD_TEXT` in its place, while the resident's
own access report still shows it (it is their data). A text flagged by safeguarding is never
listed nor changed here: staff never read it. `ModerationStore` is implemented by
`SqliteStore` (see `storage.sqlite_moderation`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ModeratedText:
    """A resident's text (a free-text answer or an "Autre" text), as staff moderate it."""

    session_id: int
    step_id: str
    consultation_id: str
    text: str
    answered_at: dt.datetime
    hidden_at: dt.datetime | None  # None: shown in digests and exports

    @property
    def anchor(self) -> Anchor:
        """Where this text stands in the listing, for a page that goes on after it."""
        return Anchor(self.answered_at, self.session_id, self.step_id)


@dataclass(frozen=True)
class Anchor:
    """A place in the listing's order (latest answer first, then session, then step): the
    last text a page showed. The next page starts after it, whatever came in meanwhile (an
    offset would show a text twice, or skip one, as new texts push the others down)."""

    answered_at: dt.datetime
    session_id: int
    step_id: str


class ModerationStore(Protocol):
    """Listing, hiding and showing residents' texts (flagged ones are never involved)."""

    async def texts_for_moderation(
        self, limit: int, *, hidden_only: bool = False, after: Anchor | None = None
    ) -> list[ModeratedText]:
        """Up to `limit` texts, most recently answered first (only hidden ones if asked),
        those listed after `after` if given."""

    async def moderated_text(self, session_id: int, step_id: str) -> ModeratedText | None:
        """One text by its answer's key; None if there is no such (unflagged) text."""

    async def hide_text(
        self, session_id: int, step_id: str, now: dt.datetime, *, text: str | None = None
    ) -> bool:
        """Hide one text (a hidden one keeps its first date); False if there is no such text,
        or, with `text`, if the answer's text is no longer that one."""

    async def show_text(self, session_id: int, step_id: str, *, text: str | None = None) -> bool:
        """Show one text again; False if there is no such text, or, with `text`, if the
        answer's text is no longer that one."""
