"""The news side of storage: which follow-up news each resident already received.

A news is the text as staff sent it, stripped: the same text sent again is the same news, so
a send that stopped half-way (an outage, a restart) can be sent again to those it did not
reach. A delivery names a participant, never a chat: chat ids stay sealed in the contacts.
A send is claimed for a while (a lease) so that two processes sharing the database, the bot
and `parole news --send`, never send at the same time. `NewsStore` is implemented by
`SqliteStore` (see `storage.sqlite_news`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol


class NewsStore(Protocol):
    """Follow-up news sent, and who received each."""

    async def find_news(self, text: str) -> int | None:
        """The id of the news with this text (stripped), if it was ever sent; never creates."""

    async def news_item(self, text: str, now: dt.datetime) -> int:
        """The id of the news with this text (stripped), created on first use."""

    async def delivered(self, news_id: int) -> set[int]:
        """The participants who received this news (a scan: off the event loop)."""

    async def record_deliveries(
        self, news_id: int, participant_ids: Iterable[int], now: dt.datetime
    ) -> int:
        """Note that these participants received the news; how many were new.

        Idempotent: a delivery already noted keeps its date. A participant erased meanwhile
        is left out rather than failing the others.
        """

    async def take_lease(self, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Claim the sending of news for `holder` until `until`; False if someone else holds
        a claim that has not expired. The holder renews its own claim the same way."""

    async def end_lease(self, holder: str) -> None:
        """Give up `holder`'s claim (nothing happens if it has lost it)."""
