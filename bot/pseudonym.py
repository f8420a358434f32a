"""Pseudonyms: a keyed hash of an account id, so answers never sit beside a Telegram id."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


# Every update asks for its sender's pseudonym, twice (is it a relay? which resident?): the
# recent senders' are kept, a bounded table that lives and dies with the process.
@lru_cache(maxsize=4096)
def pseudonym(secret: str, channel: str, account_id: int | str) -> str:
    """HMAC-SHA256 of `channel:account_id` under `secret`, hex encoded."""
    message = f"{channel}:{account_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
