"""Moderation use cases, over any transport: staff list residents' texts, hide one, show it.

A text is named by its answer: a `Ref` "<session>:<step>" (`123:proposition`), which the
command line prints and takes, and the Telegram buttons carry. Hiding keeps the answer (its
choices still count) and the text itself (the resident's access report shows it); digests
and exports leave it out (see `storage.moderation`). Logs carry ids and counts, never a text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Final

from bot.conversation import Clock, utc_now
from flows.model import CODE_PATTERN
from storage.moderation import Anchor, ModeratedText, ModerationStore

log = logging.getLogger(__name__)

LATEST: Final = 10  # texts listed by default
_REF: Final = re.compile(rf"^(\d{{1,18}}):({CODE_PATTERN.strip('^$')})$")


@dataclass(frozen=True)
class Ref:
    """Which text: the session and the step of its answer."""

    session_id: int
    step_id: str

    def __str__(self) -> str:
        return f"{self.session_id}:{self.step_id}"

    @classmethod
    def of(cls, text: ModeratedText) -> Ref:
        """The reference of a listed text."""
        return cls(text.session_id, text.step_id)


def parse_ref(value: str) -> Ref | None:
    """The reference in "123:proposition"; None if it is not one."""
    match = _REF.match(value.strip())
    return Ref(int(match[1]), match[2]) if match else None


class Moderation:
    """Staff's moderation of residents' texts, around the store."""

    def __init__(self, store: ModerationStore, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    async def latest(
        self, limit: int = LATEST, *, hidden_only: bool = False, after: Anchor | None = None
    ) -> list[ModeratedText]:
        """The latest texts (or hidden ones), most recent first, those listed after `after`
        if given (the last text of the page before); flagged texts never."""
        texts = await self.store.texts_for_moderation(limit, hidden_only=hidden_only, after=after)
        log.info("moderation: %d text(s) listed", len(texts))
        return texts

    async def hide(self, ref: Ref) -> ModeratedText | None:
        """Hide a text from digests and exports; the text as it now stands, None if unknown."""
        if not await self.store.hide_text(ref.session_id, ref.step_id, self.clock()):
            return None
        log.info("moderation: text %s hidden", ref)
        return await self.store.moderated_text(ref.session_id, ref.step_id)

    async def show(self, ref: Ref) -> ModeratedText | None:
        """Put a hidden text back in digests and exports; None if unknown."""
        if not await self.store.show_text(ref.session_id, ref.step_id):
            return None
        log.info("moderation: text %s shown again", ref)
        return await self.store.moderated_text(ref.session_id, ref.step_id)
