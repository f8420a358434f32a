"""`parole chat`'s privacy commands, which every welcome names: /confidentialite, /mesdonnees
(everything stored about the resident, printed) and /oubli (erase it all, after a yes).

As on Telegram, none of them creates a participant, and someone nothing is stored about is
told so. After an erasure the resident is a newcomer: the welcome is shown again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from bot.conversation import Conversations, Reply
from bot.privacy import Privacy
from flows.model import Lang
from flows.texts import say

Ask = Callable[[str], Awaitable[str | None]]
Say = Callable[[str], None]

NOTICE: Final = ("/confidentialite", "/privacy")
MY_DATA: Final = ("/mesdonnees", "/mydata")
FORGET: Final = ("/oubli", "/forget")
COMMANDS: Final = frozenset((*NOTICE, *MY_DATA, *FORGET))
YES_WORDS: Final = ("1", "oui", "yes")


class ConsolePrivacy:
    """The privacy commands of one terminal resident (`account`)."""

    def __init__(self, conversations: Conversations, privacy: Privacy, account: str) -> None:
        self.conversations = conversations
        self.privacy = privacy
        self.account = account

    async def command(self, command: str, lang: Lang, shown: Reply, ask: Ask, tell: Say) -> Reply:
        """Run a command of `COMMANDS`; the screen to show next (`shown`, unless erased)."""
        if command in NOTICE:
            tell(self.privacy.notice.full(lang))
            return shown
        if command in MY_DATA:
            report = await self.privacy.report(self.account, lang, self.conversations.now())
            if report is None:
                tell(say("nothing_stored", lang))
            else:
                tell(report.document.rstrip("\n"))  # the question follows after one blank line
            return shown
        return await self._forget(lang, shown, ask, tell)

    async def _forget(self, lang: Lang, shown: Reply, ask: Ask, tell: Say) -> Reply:
        found = await self.privacy.counts(self.account)
        if found is None:
            tell(say("nothing_stored", lang))
            return shown
        who, sessions, answers = found
        tell(say("forget_confirm", lang, sessions=sessions, answers=answers))
        tell(f"  1. {say('forget_yes', lang)}\n  2. {say('forget_no', lang)}")
        line = await ask("> ")
        typed = (line or "").strip().lower()
        if typed not in (*YES_WORDS, say("forget_yes", lang).lower()):
            tell(say("forget_cancelled", lang))
            return shown
        await self.privacy.forget(who.id)
        tell(say("forgotten", lang))
        newcomer = await self.conversations.participant(self.account)
        return await self.conversations.start(newcomer, lang)
