"""The staff's side of the SQLite store: report queries for the digests, the digest ledger,
and exports (`ReportsSqlite`, a mixin of `SqliteStore`).

Reports run on connections of their own in worker threads (`SqliteStore._report`), exports
on the reader connection: neither holds up a resident's read or write.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Sequence
from typing import Final

import aiosqlite

from flows.state import Answer
from storage.base import (
    AnswerCount,
    Channel,
    ExportedSession,
    FlagCount,
    ProfileCount,
    RecentText,
    SessionTotals,
    SlotCount,
    Status,
    StepCount,
)
from storage.sqlite_common import Row, StoreParts, parse_opt_stamp, parse_stamp, stamp

EXPORT_CHUNK: Final = 500
_EXPORT_COLUMNS: Final = (
    "id, participant_id, consultation_id, channel, status, created_at, updated_at, completed_at"
)
# Exports travel (staff chats, e-mail attachments, laptops): the text of an answer that
# raised a safeguarding flag is withheld there, replaced by a mark; so is a text staff hid
# (moderation); the database keeps both. One mark for both: a row beside its quartier, age
# and profile must not say that this resident disclosed violence.
WITHHELD_TEXT: Final = "[texte retiré]"
_EXPORTED_VALUE: Final = f"""
    CASE WHEN json_type(answers.value, '$.text') = 'text' AND (
        answers.hidden_at IS NOT NULL OR EXISTS (
            SELECT 1 FROM flags
            WHERE flags.session_id = answers.session_id AND flags.step_id = answers.step_id
        )
    )
    THEN json_set(answers.value, '$.text', '{WITHHELD_TEXT}')
    ELSE answers.value END
"""  # noqa: S608
# One statement per chunk (sessions joined to their answers) so the chunk is one snapshot
# without a read transaction spanning several hops. Two fixed statements rather than
# `? IS NULL OR …`, which would hide the consultation index from the planner.
_EXPORT_ALL: Final = f"""
    WITH chunk AS (
        SELECT {_EXPORT_COLUMNS} FROM sessions WHERE id > ? ORDER BY id LIMIT ?
    )
    SELECT chunk.*, answers.step_id, {_EXPORTED_VALUE}
    FROM chunk LEFT JOIN answers ON answers.session_id = chunk.id
    ORDER BY chunk.id
"""  # noqa: S608
_EXPORT_ONE: Final = f"""
    WITH chunk AS (
        SELECT {_EXPORT_COLUMNS} FROM sessions
        WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?
    )
    SELECT chunk.*, answers.step_id, {_EXPORTED_VALUE}
    FROM chunk LEFT JOIN answers ON answers.session_id = chunk.id
    ORDER BY chunk.id
"""  # noqa: S608

# -- report queries (ReportStore) -------------------------------------------------------------
# They lean on two facts of the write path. A session's updated_at is its latest turn's time,
# never before its created_at, its completed_at or its answers' updated_at; and the
# `sessions_activity` index (migration 4) starts with (consultation_id, updated_at) and covers
# every session column used here. So `updated_at >= :start` bounds the index range to the
# sessions that can matter, and the sessions table (with its large state JSON) is never read.
#
# Answers are counted from `answer_facts` (migration 4: each answer's step, content without
# its text, text presence and updated_at, kept by triggers), whose `answer_facts_report`
# index lists them already grouped by step and content: no sort of a million answers. They
# are matched to sessions through `session_id IN (…)`, a sorted list SQLite builds once.
_ACTIVE_SINCE: Final = """
    SELECT id FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start AND created_at < :end
"""
_STARTED_IN: Final = """
    SELECT id FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start
      AND created_at >= :start AND created_at < :end
"""
# New participants: the consultation's sessions grouped by participant, from the index alone.
_SESSION_TOTALS: Final = """
    SELECT
        coalesce(sum(created_at >= :start AND created_at < :end), 0),
        coalesce(sum(completed_at >= :start AND completed_at < :end), 0),
        coalesce(sum(status = 'active' AND updated_at >= :idle_start
                     AND updated_at < :idle_end), 0),
        coalesce(sum(created_at >= :start AND created_at < :end AND completed_at < :end), 0),
        (SELECT count(*) FROM (
            SELECT min(created_at) AS first FROM sessions
            WHERE consultation_id = :consultation GROUP BY participant_id
         ) WHERE first >= :start AND first < :end)
    FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :idle_start
"""
_STEPS_REACHED: Final = f"""
    SELECT step_id, count(*) FROM answer_facts
    WHERE session_id IN ({_STARTED_IN})
    GROUP BY step_id
"""  # noqa: S608
# The same for the sessions of some channels only, with a row per channel (step NULL) for
# their sessions started: the digest counts the follow-up steps on the sessions they are
# asked to. Those channels (assisted, paper) are few, so each session's answer rows are
# read by the primary key rather than grouped from the whole index.
_STEPS_REACHED_BY_CHANNEL: Final = """
    WITH started AS MATERIALIZED (
        SELECT id, channel FROM sessions
        WHERE consultation_id = :consultation AND updated_at >= :start
          AND created_at >= :start AND created_at < :end
          AND channel IN (SELECT value FROM json_each(:channels))
    )
    SELECT channel, NULL, count(*) FROM started GROUP BY 1
    UNION ALL
    SELECT started.channel, answer_facts.step_id, count(*)
    FROM started JOIN answer_facts ON answer_facts.session_id = started.id
    GROUP BY 1, 2
"""
_PROFILE_COUNTS: Final = """
    WITH active AS MATERIALIZED (
        SELECT id, channel FROM sessions
        WHERE consultation_id = :consultation AND updated_at >= :start AND updated_at < :end
        -- In id order (the LIMIT keeps the ORDER BY), answer_facts is read page after page
        -- rather than one random page per session.
        ORDER BY id LIMIT -1
    )
    SELECT active.channel, json_extract(f.shape, '$.choices[0]'),
           json_extract(g.shape, '$.choices[0]'), count(*)
    FROM active
    LEFT JOIN answer_facts AS f ON f.session_id = active.id AND f.step_id = :first
    LEFT JOIN answer_facts AS g ON g.session_id = active.id AND g.step_id = :second
    GROUP BY 1, 2, 3
"""
# The unary `+` keeps the planner from seeking answers session by session (then sorting
# them all to group them): it walks `answer_facts_report` in group order instead, skipping
# through it by updated_at when ANALYZE has run. Three times faster over the whole history,
# and twice over a week.
_ANSWER_COUNTS: Final = f"""
    SELECT step_id, shape, has_text, count(*) FROM answer_facts
    WHERE +session_id IN ({_ACTIVE_SINCE}) AND updated_at >= :start AND updated_at < :end
    GROUP BY step_id, has_text, shape
"""  # noqa: S608
# Ranked on answer_facts alone; only the texts kept are read from answers.
_RECENT_TEXTS: Final = f"""
    WITH ranked AS (
        SELECT session_id, step_id, updated_at,
               row_number() OVER (
                   PARTITION BY step_id ORDER BY updated_at DESC, session_id DESC
               ) AS rank
        FROM answer_facts
        WHERE has_text = 1 AND +session_id IN ({_ACTIVE_SINCE})  -- as in _ANSWER_COUNTS
          AND updated_at >= :start AND updated_at < :end
          -- A flagged answer (a disclosure) is counted, never quoted.
          AND NOT EXISTS (
              SELECT 1 FROM flags
              WHERE flags.session_id = answer_facts.session_id
                AND flags.step_id = answer_facts.step_id
          )
          -- Nor is a text staff hid (moderation). Hidden texts are few: SQLite lists them
          -- once from the `answers_hidden` index, rather than reading each answer's row.
          AND (session_id, step_id) NOT IN (
              SELECT session_id, step_id FROM answers WHERE hidden_at IS NOT NULL
          )
    )
    SELECT ranked.step_id, json_extract(answers.value, '$.text'), ranked.updated_at
    FROM ranked
    JOIN answers ON answers.session_id = ranked.session_id AND answers.step_id = ranked.step_id
    WHERE ranked.rank <= :limit
    ORDER BY ranked.step_id, ranked.rank
"""  # noqa: S608
# Per step, the texts given in the period (as `_ANSWER_COUNTS` counts them) that digests do
# not quote: hidden by staff (moderation), and flagged (safeguarding; a text both is counted
# as flagged). Both are few: read from the flags and the `answers_hidden` index first.
_WITHHELD_TEXTS: Final = """
    WITH withheld AS (
        SELECT session_id, step_id, max(flagged) AS flagged FROM (
            SELECT session_id, step_id, 1 AS flagged FROM flags
            WHERE consultation_id = :consultation AND session_id IS NOT NULL
              AND step_id IS NOT NULL
            UNION ALL
            SELECT session_id, step_id, 0 FROM answers WHERE hidden_at IS NOT NULL
        )
        GROUP BY session_id, step_id
    )
    SELECT facts.step_id, sum(1 - withheld.flagged), sum(withheld.flagged)
    FROM withheld
    JOIN answer_facts AS facts
      ON facts.session_id = withheld.session_id AND facts.step_id = withheld.step_id
    JOIN sessions ON sessions.id = facts.session_id
    WHERE facts.has_text = 1 AND facts.updated_at >= :start AND facts.updated_at < :end
      AND sessions.consultation_id = :consultation
      AND sessions.updated_at >= :start AND sessions.created_at < :end
    GROUP BY facts.step_id
"""
# Who disclosed, as staff count them: a session with a disclosure once, however many of its
# messages disclosed (a resident repeating a phrase is one person); a message typed outside
# any session (no participant is stored for it) once per message.
_DISCLOSER: Final = "coalesce('s' || flags.session_id, 'm' || flags.created_at)"
_FLAG_COUNTS: Final = f"""
    WITH period AS (
        SELECT * FROM flags
        WHERE consultation_id = :consultation AND created_at >= :start AND created_at < :end
    )
    SELECT category, count(DISTINCT {_DISCLOSER}) FROM period AS flags GROUP BY category
    UNION ALL
    SELECT '', count(DISTINCT {_DISCLOSER}) FROM period AS flags
    ORDER BY 1
"""  # noqa: S608
# The same per channel of their session ("" for a message without one: a stray text typed to
# the bot).
_FLAGGED_BY_CHANNEL: Final = f"""
    SELECT coalesce(sessions.channel, ''), count(DISTINCT {_DISCLOSER})
    FROM flags LEFT JOIN sessions ON sessions.id = flags.session_id
    WHERE flags.consultation_id = :consultation
      AND flags.created_at >= :start AND flags.created_at < :end
    GROUP BY 1
"""  # noqa: S608
# `stamp` writes fixed-width UTC text ("2026-03-01T12:34:56.000000+00:00"): the hour is its first
# 13 characters and the minutes the 15th and 16th.
_SESSIONS_STARTED: Final = """
    SELECT substr(created_at, 1, 13), CAST(substr(created_at, 15, 2) AS INTEGER) / 15, count(*)
    FROM sessions
    WHERE consultation_id = :consultation AND updated_at >= :start
      AND created_at >= :start AND created_at < :end
    GROUP BY 1, 2
"""


def _window(consultation_id: str, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    """The named parameters every report query takes."""
    return {"consultation": consultation_id, "start": stamp(start), "end": stamp(end)}


class ReportsSqlite(StoreParts):
    """Digest reports, the digest ledger and exports, on `SqliteStore`'s connections."""

    async def session_totals(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, idle: dt.timedelta
    ) -> SessionTotals:
        """New participants, sessions started, completed and abandoned (see `ReportStore`)."""
        [(started, completed, abandoned, finished, new)] = await self._report(
            _SESSION_TOTALS,
            {
                **_window(consultation_id, start, end),
                "idle_start": stamp(start - idle),
                "idle_end": stamp(end - idle),
            },
        )
        return SessionTotals(
            new_participants=new,
            sessions_started=started,
            completed=completed,
            abandoned=abandoned,
            finished=finished,
        )

    async def steps_reached(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[StepCount]:
        """Per step, how many sessions started in the period have an answer row for it."""
        rows = await self._report(_STEPS_REACHED, _window(consultation_id, start, end))
        return [StepCount(step_id, sessions) for step_id, sessions in rows]

    async def steps_reached_by_channel(
        self,
        consultation_id: str,
        start: dt.datetime,
        end: dt.datetime,
        channels: Sequence[str],
    ) -> dict[str, dict[str | None, int]]:
        """For each of `channels`, its sessions started in the period (key None) and, per
        step, how many of them have an answer row for it."""
        rows = await self._report(
            _STEPS_REACHED_BY_CHANNEL,
            {**_window(consultation_id, start, end), "channels": json.dumps(list(channels))},
        )
        found: dict[str, dict[str | None, int]] = {channel: {} for channel in channels}
        for channel, step_id, sessions in rows:
            found[channel][step_id] = sessions
        return found

    async def profile_counts(
        self,
        consultation_id: str,
        start: dt.datetime,
        end: dt.datetime,
        first_step: str | None,
        second_step: str | None,
    ) -> list[ProfileCount]:
        """Sessions with activity (updated_at) in the period, by channel and profile codes."""
        rows = await self._report(
            _PROFILE_COUNTS,
            {**_window(consultation_id, start, end), "first": first_step, "second": second_step},
        )
        return [ProfileCount(*row) for row in rows]

    async def answer_counts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[AnswerCount]:
        """Answers given in the period, grouped by step and content (texts left out)."""
        rows = await self._report(_ANSWER_COUNTS, _window(consultation_id, start, end))
        # Contents that differ only in spelling (JSON written otherwise) are merged.
        merged: dict[tuple[str, tuple[str, ...], bool, bool], int] = {}
        for step_id, value, has_text, answers in rows:
            answer = Answer.model_validate_json(value)
            key = (step_id, tuple(answer.choices), answer.skipped, bool(has_text))
            merged[key] = merged.get(key, 0) + answers
        return [AnswerCount(*key, answers=answers) for key, answers in merged.items()]

    async def recent_texts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime, per_step: int
    ) -> list[RecentText]:
        """Up to `per_step` texts per step given in the period, by step, most recent first."""
        if per_step <= 0:
            return []
        rows = await self._report(
            _RECENT_TEXTS, {**_window(consultation_id, start, end), "limit": per_step}
        )
        return [RecentText(step_id, text, parse_stamp(at)) for step_id, text, at in rows]

    async def sessions_started(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[SlotCount]:
        """Sessions started in the period per quarter of an hour (empty slots left out)."""
        rows = await self._report(_SESSIONS_STARTED, _window(consultation_id, start, end))
        return [
            SlotCount(parse_stamp(f"{hour}:{quarter * 15:02d}:00+00:00"), sessions)
            for hour, quarter, sessions in rows
        ]

    async def withheld_texts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, tuple[int, int]]:
        """Per step, the texts given in the period that digests never quote: (hidden by
        moderation, flagged by safeguarding)."""
        rows = await self._report(_WITHHELD_TEXTS, _window(consultation_id, start, end))
        return {step_id: (hidden, flagged) for step_id, hidden, flagged in rows}

    async def flag_counts(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[FlagCount]:
        """Disclosures in the period per category, and "" for all (texts never read): each
        session with one counts once, each message outside a session once."""
        rows = await self._report(_FLAG_COUNTS, _window(consultation_id, start, end))
        return [FlagCount(category, disclosers) for category, disclosers in rows]

    async def flagged_by_channel(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> dict[str, int]:
        """Disclosures in the period per channel of their session ("": no session), counted
        as `flag_counts` counts them (texts never read)."""
        rows = await self._report(_FLAGGED_BY_CHANNEL, _window(consultation_id, start, end))
        return {channel: messages for channel, messages in rows}

    # -- digest ledger ---------------------------------------------------------------------

    async def claim(
        self,
        key: str,
        start: dt.datetime,
        end: dt.datetime,
        now: dt.datetime,
        lease: dt.timedelta,
    ) -> bool:
        """Take the period [start, end) for sending; True only for the one caller that got it.

        One statement: the primary key (key, start) lets one INSERT through, whatever the
        number of processes; the upsert only takes over a claim older than `lease`.
        """

        async def insert(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "INSERT INTO digest_runs "
                "(schedule, period_start, period_end, status, claimed_at, sent_at) "
                "VALUES (?, ?, ?, 'sending', ?, NULL) "
                "ON CONFLICT (schedule, period_start) DO UPDATE SET "
                "period_end = excluded.period_end, claimed_at = excluded.claimed_at "
                "WHERE digest_runs.status = 'sending' AND digest_runs.claimed_at <= ?",
                (key, stamp(start), stamp(end), stamp(now), stamp(now - lease)),
            )
            return cursor.rowcount == 1

        return await self._write(insert)

    async def mark_sent(
        self, key: str, start: dt.datetime, claimed_at: dt.datetime, now: dt.datetime
    ) -> bool:
        """Record a claimed period as sent; False if the claim was lost (taken over)."""

        async def update(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "UPDATE digest_runs SET status = 'sent', sent_at = ? "
                "WHERE schedule = ? AND period_start = ? AND status = 'sending' "
                "AND claimed_at = ?",
                (stamp(now), key, stamp(start), stamp(claimed_at)),
            )
            return cursor.rowcount == 1

        return await self._write(update)

    async def release(self, key: str, start: dt.datetime, claimed_at: dt.datetime) -> bool:
        """Give up a claim after a failed delivery, so the period is sent later."""

        async def delete(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "DELETE FROM digest_runs WHERE schedule = ? AND period_start = ? "
                "AND status = 'sending' AND claimed_at = ?",
                (key, stamp(start), stamp(claimed_at)),
            )
            return cursor.rowcount == 1

        return await self._write(delete)

    async def last_sent_end(self, key: str | None = None) -> dt.datetime | None:
        """The end of the latest period sent under `key` (None: under any key)."""
        if key is None:
            rows = await self._read(
                "SELECT MAX(period_end) FROM digest_runs WHERE status = 'sent'", ()
            )
        else:
            rows = await self._read(
                "SELECT MAX(period_end) FROM digest_runs WHERE schedule = ? AND status = 'sent'",
                (key,),
            )
        return parse_opt_stamp(rows[0][0]) if rows else None

    # -- export ----------------------------------------------------------------------------

    async def export(self, consultation_id: str | None = None) -> AsyncIterator[ExportedSession]:
        """Every session (of one consultation, if given), oldest first, with its answers.

        Read in chunks of `EXPORT_CHUNK` sessions, each chunk a consistent snapshot; sessions
        committed during the export show up if their id is past the chunk being read ahead.
        """

        def read(after: int) -> asyncio.Future[list[Row]]:
            if consultation_id is None:
                return asyncio.ensure_future(self._scan(_EXPORT_ALL, (after, EXPORT_CHUNK)))
            return asyncio.ensure_future(
                self._scan(_EXPORT_ONE, (consultation_id, after, EXPORT_CHUNK))
            )

        # The next chunk is read on the database thread while this one is consumed.
        pending = read(0)
        try:
            while True:
                chunk = self._exported(await pending)
                if not chunk:
                    return
                pending = read(chunk[-1].session_id)
                for exported in chunk:
                    yield exported
        finally:
            pending.cancel()

    @staticmethod
    def _exported(rows: Sequence[Row]) -> list[ExportedSession]:
        """Sessions from export rows: one per answer (or one without), in session order."""
        heads: dict[int, Row] = {}
        answers: dict[int, dict[str, Answer]] = {}
        for row in rows:
            sid, step, value = row[0], row[-2], row[-1]
            if sid not in heads:
                heads[sid] = row[:-2]
                answers[sid] = {}
            if step is not None:
                answers[sid][step] = Answer.model_validate_json(value)
        return [
            ExportedSession(
                session_id=sid,
                participant_id=pid,
                consultation_id=cid,
                channel=Channel(channel),
                status=Status(status),
                created_at=parse_stamp(created),
                updated_at=parse_stamp(updated),
                completed_at=parse_opt_stamp(completed),
                answers=dict(sorted(answers[sid].items())),
            )
            for sid, pid, cid, channel, status, created, updated, completed in heads.values()
        ]
