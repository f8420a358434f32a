"""`ModerationStore` on SQLite: a mixin of `SqliteStore` (which supplies `_read`, `_write`,
`_report`).

The mark is `answers.hidden_at` (migration 8). Listing the latest texts may walk every answer
fact, so it runs as a report (a connection of its own, in a worker thread); reading one text
is a read by key. Hiding and showing are one UPDATE each. The flagged-answer rule is in every
statement, so a flagged text can be neither read nor changed through moderation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import aiosqlite

from storage.moderation import Anchor, ModeratedText
from storage.sqlite_common import Row, StoreParts, parse_opt_stamp, parse_stamp, stamp

_COLUMNS: Final = (
    "a.session_id, a.step_id, s.consultation_id, json_extract(a.value, '$.text'), "
    "a.updated_at, a.hidden_at"
)
_HAS_TEXT: Final = "json_type(a.value, '$.text') = 'text'"
_NOT_FLAGGED: Final = """NOT EXISTS (
    SELECT 1 FROM flags WHERE flags.session_id = a.session_id AND flags.step_id = a.step_id
)"""
# The listing's order, and where a page goes on: after the anchor in that order (the text
# stamps compare as times; `stamp` writes them all alike). No anchor: from the newest.
_AFTER: Final = """(:at IS NULL OR a.updated_at < :at OR (a.updated_at = :at AND (
    a.session_id < :session OR (a.session_id = :session AND a.step_id > :step))))"""
# The newest texts are picked from answer_facts (no JSON read), then only those are joined.
_LATEST: Final = f"""
    WITH latest AS (
        -- Aliased `a` for `_NOT_FLAGGED` and `_AFTER`.
        SELECT session_id, step_id, updated_at FROM answer_facts AS a
        WHERE has_text = 1 AND {_NOT_FLAGGED} AND {_AFTER}
        ORDER BY updated_at DESC, session_id DESC, step_id
        LIMIT :limit
    )
    SELECT {_COLUMNS} FROM latest
    JOIN answers AS a ON a.session_id = latest.session_id AND a.step_id = latest.step_id
    JOIN sessions AS s ON s.id = a.session_id
    ORDER BY latest.updated_at DESC, latest.session_id DESC, latest.step_id
"""  # noqa: S608
# Hidden texts are few: the partial index `answers_hidden` lists them.
_LATEST_HIDDEN: Final = f"""
    SELECT {_COLUMNS} FROM answers AS a JOIN sessions AS s ON s.id = a.session_id
    WHERE a.hidden_at IS NOT NULL AND {_HAS_TEXT} AND {_NOT_FLAGGED} AND {_AFTER}
    ORDER BY a.updated_at DESC, a.session_id DESC, a.step_id
    LIMIT :limit
"""  # noqa: S608
_ONE: Final = f"""
    SELECT {_COLUMNS} FROM answers AS a JOIN sessions AS s ON s.id = a.session_id
    WHERE a.session_id = ? AND a.step_id = ? AND {_HAS_TEXT} AND {_NOT_FLAGGED}
"""  # noqa: S608
# With a text, only while the answer's text is still that one: staff act on what they read.
_WHERE_ONE: Final = (
    "WHERE session_id = :session AND step_id = :step AND json_type(value, '$.text') = 'text' "
    "AND (:text IS NULL OR json_extract(value, '$.text') = :text) "
    "AND NOT EXISTS (SELECT 1 FROM flags "
    "WHERE flags.session_id = answers.session_id AND flags.step_id = answers.step_id)"
)
# A text hidden twice keeps the date it was first hidden.
_HIDE: Final = f"UPDATE answers SET hidden_at = coalesce(hidden_at, :now) {_WHERE_ONE}"  # noqa: S608
_SHOW: Final = f"UPDATE answers SET hidden_at = NULL {_WHERE_ONE}"  # noqa: S608


def _text(row: Row) -> ModeratedText:
    """A `ModeratedText` from a `_COLUMNS` row."""
    session_id, step_id, consultation_id, text, answered_at, hidden_at = row
    return ModeratedText(
        session_id=session_id,
        step_id=step_id,
        consultation_id=consultation_id,
        text=text,
        answered_at=parse_stamp(answered_at),
        hidden_at=parse_opt_stamp(hidden_at),
    )


class ModerationSqlite(StoreParts):
    """Moderation operations of `SqliteStore`."""

    async def texts_for_moderation(
        self, limit: int, *, hidden_only: bool = False, after: Anchor | None = None
    ) -> list[ModeratedText]:
        """Up to `limit` unflagged texts, most recently answered first (or only hidden ones),
        those listed after `after` if given."""
        if limit <= 0:
            return []
        params: dict[str, object] = {"limit": limit, "at": None, "session": None, "step": None}
        if after is not None:
            at = stamp(after.answered_at)
            params |= {"at": at, "session": after.session_id, "step": after.step_id}
        rows = await self._report(_LATEST_HIDDEN if hidden_only else _LATEST, params)
        return [_text(row) for row in rows]

    async def moderated_text(self, session_id: int, step_id: str) -> ModeratedText | None:
        """One unflagged text by its answer's key."""
        rows = await self._read(_ONE, (session_id, step_id))
        return _text(rows[0]) if rows else None

    async def hide_text(
        self, session_id: int, step_id: str, now: dt.datetime, *, text: str | None = None
    ) -> bool:
        """Hide one unflagged text (see `ModerationStore.hide_text`)."""
        key = {"session": session_id, "step": step_id, "text": text}
        return await self._update(_HIDE, key | {"now": stamp(now)})

    async def show_text(self, session_id: int, step_id: str, *, text: str | None = None) -> bool:
        """Show one unflagged text again (see `ModerationStore.show_text`)."""
        return await self._update(_SHOW, {"session": session_id, "step": step_id, "text": text})

    async def _update(self, sql: str, params: Mapping[str, object]) -> bool:
        async def update(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount == 1

        return await self._write(update)
