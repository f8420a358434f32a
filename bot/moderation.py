"""Moderation use cases, over any transport: staff list residents' texts, hide one, show it.

A text is named by its answer: a `Ref` "<session>:<step>" (`123:proposition`), which the
command line prints and takes, and the Telegram buttons carry. Hiding keeps the answer (its
choices still count) and the text itself (the resident's access report shows it); digests
and exports leave it out (see `storage.moderation`). Logs carry ids and counts, never a text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Final

from bot.conversation import Clock, utc_now
from flows.model import CODE_PATTERN
from storage.moderation import Anchor, ModeratedText, ModerationStore

log = logging.getLogger(__name__)

LATEST: Final = 10  # texts listed by default
FINGERPRINT: Final = 8  # hexadecimal digits: a rewrite that keeps them is one in 4 billion
_REF: Final = re.compile(rf"^(\d{{1,18}}):({CODE_PATTERN.strip('^$')})$")


@dataclass(frozen=True)
class Moderated:
    """A text after staff hid or showed it: as it now stands, and whether it was changed."""

    text: ModeratedText
    changed: bool  # False: the resident had rewritten it since staff read it; left alone


def fingerprint(text: str) -> str:
    """A short digest of a text, for a button to name the very text staff read (the
    button's data is too short for the text, and a resident may rewrite it meanwhile)."""
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT]


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

    async def hide(self, ref: Ref, *, seen: str | None = None) -> Moderated | None:
        """Hide a text from digests and exports; None if there is no such text. With `seen`
        (the `fingerprint` of the text staff read), nothing is done if the resident has
        rewritten it since."""
        return await self._change(ref, seen, hide=True)

    async def show(self, ref: Ref, *, seen: str | None = None) -> Moderated | None:
        """Put a hidden text back in digests and exports; None if there is no such text (and
        `seen` as for `hide`)."""
        return await self._change(ref, seen, hide=False)

    async def _change(self, ref: Ref, seen: str | None, *, hide: bool) -> Moderated | None:
        current = await self.store.moderated_text(ref.session_id, ref.step_id)
        if current is None:
            return None
        if seen is not None and fingerprint(current.text) != seen:
            return Moderated(current, changed=False)
        if hide:
            done = await self.store.hide_text(
                ref.session_id, ref.step_id, self.clock(), text=current.text
            )
        else:
            done = await self.store.show_text(ref.session_id, ref.step_id, text=current.text)
        after = await self.store.moderated_text(ref.session_id, ref.step_id)
        if after is None:  # erased meanwhile
            return None
        if done:
            log.info("moderation: text %s %s", ref, "hidden" if hide else "shown again")
        # Not done: rewritten between the read and the write; left as the resident wrote it.
        return Moderated(after, changed=done)
