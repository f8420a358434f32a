"""Relays in storage: who they are, their invitations, attribution, assisted and paper entries.

A relay (conseiller citoyen, adulte-relais, association staff) is known by the name staff
gave and, once their invitation is accepted, by the pseudonym of their Telegram account.
Attribution is counts only: a session carries the relay that brought it in (through their
link, or an assisted or paper entry), and nothing a relay can read shows an answer.

`SqliteRelays` is a mixin of `SqliteStore`: it runs on the store's reader and writer
connections, each write one transaction taken under the store's write lock (so never inside
a batch of turns). Schema: migrations 5, 7 and 12.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Protocol, TypeVar, cast

import aiosqlite

from flows.safeguarding import disclosures
from flows.state import SessionState
from storage.base import Channel, Participant, RelayReach, Status
from storage.sqlite_common import (
    INSERT_FLAG,
    PARTICIPANT_SQL,
    Row,
    StoreParts,
    parse_opt_stamp,
    parse_stamp,
    participant_from,
    stamp,
    transaction,
)

T = TypeVar("T")

ASSISTED_PREFIX: Final = "assisted:"  # pseudonyms of assisted entries: random, never a hash
PAPER_PREFIX: Final = "paper:"
_EVER: Final = "0000"  # sorts before every stored timestamp

_RELAY_COLUMNS: Final = (
    "id, name, code, active, pseudonym IS NOT NULL, created_at, deactivated_at, "
    "entry_participant_id"
)
# Per relay: residents attributed through the link, and the completed sessions it brought in
# by channel (residents via the link on Telegram, assisted entries, paper forms).
_COUNTS: Final = """
    SELECT r.id,
        (SELECT count(*) FROM participants AS p
         WHERE p.relay_id = r.id AND p.relay_at >= ?1),
        (SELECT count(*) FROM sessions AS s WHERE s.relay_id = r.id
         AND s.channel NOT IN ('assisted', 'paper') AND s.completed_at >= ?1),
        (SELECT count(*) FROM sessions AS s WHERE s.relay_id = r.id
         AND s.channel = 'assisted' AND s.completed_at >= ?1),
        (SELECT count(*) FROM sessions AS s WHERE s.relay_id = r.id
         AND s.channel = 'paper' AND s.completed_at >= ?1)
    FROM relays AS r
    WHERE ?2 IS NULL OR r.id = ?2
    ORDER BY r.id
"""
# Sessions with activity in the period, per relay (only sessions that have one).
_REACH: Final = """
    SELECT r.id, r.name, count(*)
    FROM sessions AS s JOIN relays AS r ON r.id = s.relay_id
    WHERE s.relay_id IS NOT NULL AND s.consultation_id = ?1
      AND s.updated_at >= ?2 AND s.updated_at < ?3
    GROUP BY r.id
    ORDER BY r.id
"""

# The answers of a consultation's (?1) paper forms stored after session ?2, oldest first: see
# `_form_key`.
_PAPER_FORMS: Final = """
    SELECT id, json_extract(state, '$.answers'), created_at FROM sessions
    WHERE consultation_id = ?1 AND channel = 'paper' AND id > ?2
    ORDER BY id
"""

# A relay's entries set aside: its assisted participants whose current session is still
# active, except the entry under way (?1: the relay). `p.relay_id` is indexed.
_SET_ASIDE: Final = """
    SELECT p.id, p.lang, p.current_session_id, p.created_at
    FROM participants AS p
    JOIN sessions AS s ON s.id = p.current_session_id
    JOIN relays AS r ON r.id = p.relay_id
    WHERE p.relay_id = ?1 AND s.channel = 'assisted' AND s.status = 'active'
      AND p.id IS NOT r.entry_participant_id
    ORDER BY s.updated_at DESC, s.id DESC
"""
# Make an entry set aside (?2) the relay's (?1) entry under way again.
_RESUME: Final = f"""
    UPDATE relays SET entry_participant_id = ?2
    WHERE id = ?1 AND active = 1 AND ?2 IN (SELECT id FROM ({_SET_ASIDE}))
"""  # noqa: S608
# Remove a relay (?2) at ?1: its pseudonym goes, unless an unfinished entry is under way.
_DEACTIVATE: Final = """
    UPDATE relays SET active = 0, deactivated_at = coalesce(deactivated_at, ?1),
        pseudonym = CASE WHEN EXISTS (
            SELECT 1 FROM participants AS p JOIN sessions AS s ON s.id = p.current_session_id
            WHERE p.id = relays.entry_participant_id
              AND s.channel = 'assisted' AND s.status = 'active'
        ) THEN pseudonym END
    WHERE id = ?2
"""
# Abandon every unfinished entry of a relay (?1), under way or set aside: see `start_entry`.
_ABANDON: Final = """
    UPDATE participants SET current_session_id = NULL
    WHERE relay_id = ?1 AND EXISTS (
        SELECT 1 FROM sessions AS s WHERE s.id = participants.current_session_id
        AND s.channel = 'assisted' AND s.status = 'active'
    )
"""


@dataclass(frozen=True)
class Relay:
    """A relay as staff created it; `joined` once the invitation was accepted."""

    id: int
    name: str
    code: str  # the share link's payload part
    active: bool
    joined: bool
    created_at: dt.datetime
    deactivated_at: dt.datetime | None = None
    entry_participant_id: int | None = None  # the assisted entry under way, if any


@dataclass(frozen=True)
class RelayCounts:
    """What a relay brought in: residents reached through the link, completed sessions."""

    reached: int = 0  # residents who started the bot through the link
    completed: int = 0  # sessions those residents completed
    assisted: int = 0  # assisted entries completed
    paper: int = 0  # paper forms imported


@dataclass(frozen=True)
class PaperImport:
    """What a paper import stored: the new sessions, and how many of their texts were flagged
    (a disclosure of violence, danger or self-harm: counted in digests, never quoted)."""

    sessions: list[int]
    flagged: int


class AlreadyImported(Exception):
    """A paper import refused because some forms were imported before: nothing was stored.

    `forms` maps the index of each such form (among the states given) to when the same
    answers were first imported.
    """

    def __init__(self, forms: dict[int, dt.datetime]) -> None:
        super().__init__(f"{len(forms)} form(s) already imported")
        self.forms = forms


def _form_key(answers: object) -> str:
    """What makes two paper forms the same: their answers (as JSON values), nothing else.

    Compared in memory with the stored forms' answers at each import, and never stored: it
    says nothing the answers do not, so erasure and retention have nothing more to remove,
    and forms imported before this check existed are recognised too.
    """
    return json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _remember(rows: Sequence[Row], known: dict[str, dt.datetime], after: int) -> int:
    """Add `_PAPER_FORMS` rows to `known` (a form's first import wins); the last id read."""
    for session_id, answers, created in rows:
        known.setdefault(_form_key(json.loads(answers)), parse_stamp(created))
        after = session_id
    return after


class Invitation(StrEnum):
    """What became of an invitation link that was opened."""

    ACCEPTED = "accepted"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    INACTIVE = "inactive"  # the relay was removed meanwhile
    ALREADY_RELAY = "already_relay"  # this account is already another relay


class RelayStore(Protocol):
    """Storage of relays, their invitations, attribution and entries."""

    async def create_relay(
        self, name: str, code: str, token_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> Relay:
        """A new relay and its single-use invitation (only the token's hash is kept)."""

    async def accept_invitation(
        self, token_hash: str, pseudonym: str, now: dt.datetime
    ) -> tuple[Invitation, Relay | None]:
        """Use an invitation: the account with `pseudonym` becomes its relay."""

    async def relay(self, relay_id: int) -> Relay | None:
        """A relay by id, active or not."""

    async def active_relay(self, pseudonym: str) -> Relay | None:
        """The active relay of the account with this pseudonym."""

    async def relay_by_code(self, code: str) -> Relay | None:
        """The active relay whose share link carries `code`."""

    async def relay_pseudonyms(self) -> dict[str, int]:
        """The pseudonym of every account that is an active relay, or a removed one whose
        entry the removal stopped, with its relay's id."""

    async def relays(self) -> list[Relay]:
        """Every relay, oldest first."""

    async def deactivate_relay(self, relay_id: int, now: dt.datetime) -> Relay | None:
        """Take a relay's rights away at once; None if there is no such relay."""

    async def relay_counts(
        self, since: dt.datetime | None = None, relay_id: int | None = None
    ) -> dict[int, RelayCounts]:
        """Counts per relay (of one, if given) since `since` (None: in total)."""

    async def attribute(self, participant_id: int, relay_id: int, now: dt.datetime) -> bool:
        """Attribute a resident to a relay, if they have no relay and no session yet."""

    async def start_entry(self, relay_id: int, now: dt.datetime) -> Participant:
        """A fresh anonymous participant for an assisted entry, now the relay's entry; the
        relay's unfinished entries are abandoned (their sessions stay, unfinished)."""

    async def end_entry(self, relay_id: int) -> None:
        """The relay's chat goes back to the relay's own participation; the entry under way,
        if unfinished, is set aside."""

    async def set_aside_entries(self, relay_id: int) -> list[Participant]:
        """The relay's unfinished entries that are not under way, latest activity first."""

    async def resume_entry(self, relay_id: int, participant_id: int) -> bool:
        """Make an entry set aside the relay's entry under way again; False if it is not
        one of the relay's entries set aside (finished, abandoned, someone else's)."""

    async def participant_by_id(self, participant_id: int) -> Participant | None:
        """A participant by id."""

    async def import_paper(
        self,
        consultation_id: str,
        states: Sequence[SessionState],
        relay_id: int | None,
        now: dt.datetime,
        *,
        refuse_imported: bool = False,
    ) -> PaperImport:
        """Completed paper sessions, one anonymous participant each: all of them or none.

        Every text is checked like a typed one: a disclosure is flagged on its answer. With
        `refuse_imported`, forms with the same answers as a paper form already imported into
        the consultation raise `AlreadyImported` and nothing is stored.
        """


class SqliteRelays(StoreParts):
    """`RelayStore` on `SqliteStore`'s connections (a mixin: see the module docstring)."""

    async def _transaction(self, fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `fn` in one write transaction (under the store's write lock)."""

        async def run(conn: aiosqlite.Connection) -> T:
            return await transaction(conn, lambda: fn(conn))

        return await self._write(run)

    @staticmethod
    def _relay_from(row: Row) -> Relay:
        rid, name, code, active, joined, created, deactivated, entry = row
        created_at = parse_opt_stamp(created)
        assert created_at is not None
        return Relay(
            id=rid,
            name=name,
            code=code,
            active=bool(active),
            joined=bool(joined),
            created_at=created_at,
            deactivated_at=parse_opt_stamp(deactivated),
            entry_participant_id=entry,
        )

    async def _one_relay(self, where: str, params: Sequence[object]) -> Relay | None:
        rows = await self._read(f"SELECT {_RELAY_COLUMNS} FROM relays WHERE {where}", params)  # noqa: S608
        return self._relay_from(rows[0]) if rows else None

    async def create_relay(
        self, name: str, code: str, token_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> Relay:
        """A new relay and its single-use invitation (only the token's hash is kept)."""

        async def insert(conn: aiosqlite.Connection) -> int:
            cursor = await conn.execute(
                "INSERT INTO relays (name, code, created_at) VALUES (?, ?, ?)",
                (name, code, stamp(now)),
            )
            relay_id = cursor.lastrowid
            assert relay_id is not None
            await conn.execute(
                "INSERT INTO relay_invitations (token_hash, relay_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, relay_id, stamp(now), stamp(expires_at)),
            )
            return relay_id

        relay_id = await self._transaction(insert)
        relay = await self.relay(relay_id)
        assert relay is not None
        return relay

    async def accept_invitation(
        self, token_hash: str, pseudonym: str, now: dt.datetime
    ) -> tuple[Invitation, Relay | None]:
        """Use an invitation: the account with `pseudonym` becomes its relay."""

        async def accept(conn: aiosqlite.Connection) -> tuple[Invitation, int | None]:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT i.relay_id, i.expires_at, i.used_at, r.active, r.pseudonym "
                    "FROM relay_invitations AS i JOIN relays AS r ON r.id = i.relay_id "
                    "WHERE i.token_hash = ?",
                    (token_hash,),
                )
            )
            if not rows:
                return Invitation.UNKNOWN, None
            relay_id, expires_at, used_at, active, taken = rows[0]
            if used_at is not None or taken is not None:
                return Invitation.USED, relay_id
            if not active:
                return Invitation.INACTIVE, relay_id
            if expires_at <= stamp(now):
                return Invitation.EXPIRED, relay_id
            other = list(
                await conn.execute_fetchall(
                    "SELECT 1 FROM relays WHERE pseudonym = ? AND active = 1", (pseudonym,)
                )
            )
            if other:
                return Invitation.ALREADY_RELAY, relay_id
            await conn.execute(
                "UPDATE relay_invitations SET used_at = ? WHERE token_hash = ?",
                (stamp(now), token_hash),
            )
            # A relay again: the entry their removal stopped is no longer theirs to be told of.
            await conn.execute(
                "UPDATE relays SET pseudonym = NULL WHERE pseudonym = ? AND active = 0",
                (pseudonym,),
            )
            await conn.execute(
                "UPDATE relays SET pseudonym = ? WHERE id = ?", (pseudonym, relay_id)
            )
            return Invitation.ACCEPTED, relay_id

        outcome, relay_id = await self._transaction(accept)
        relay = await self.relay(relay_id) if relay_id is not None else None
        return outcome, relay

    async def relay(self, relay_id: int) -> Relay | None:
        """A relay by id, active or not."""
        return await self._one_relay("id = ?", (relay_id,))

    async def active_relay(self, pseudonym: str) -> Relay | None:
        """The active relay of the account with this pseudonym."""
        return await self._one_relay("pseudonym = ? AND active = 1", (pseudonym,))

    async def relay_by_code(self, code: str) -> Relay | None:
        """The active relay whose share link carries `code`."""
        return await self._one_relay("code = ? AND active = 1", (code,))

    async def relay_pseudonyms(self) -> dict[str, int]:
        """The pseudonym of every account that is an active relay, or a removed one whose
        entry the removal stopped (see `deactivate_relay`), with its relay's id."""
        rows = await self._read("SELECT pseudonym, id FROM relays WHERE pseudonym IS NOT NULL", ())
        return {pseudonym: relay_id for pseudonym, relay_id in rows}

    async def relays(self) -> list[Relay]:
        """Every relay, oldest first."""
        rows = await self._read(f"SELECT {_RELAY_COLUMNS} FROM relays ORDER BY id", ())  # noqa: S608
        return [self._relay_from(row) for row in rows]

    async def deactivate_relay(self, relay_id: int, now: dt.datetime) -> Relay | None:
        """Take a relay's rights away at once; None if there is no such relay.

        The account's pseudonym is forgotten (so the same person can be invited again); the
        relay's counts stay, and so does the entry under way, if any. With an unfinished
        entry under way, the pseudonym is kept until that entry is no longer theirs (migration
        12): the bot, even restarted, then tells the account's chat the entry stopped
        (`bot.relays.Entries.stopped`) rather than take what it sends for their own answers.
        """

        async def update(conn: aiosqlite.Connection) -> None:
            await conn.execute(_DEACTIVATE, (stamp(now), relay_id))

        await self._write(update)
        return await self.relay(relay_id)

    async def relay_counts(
        self, since: dt.datetime | None = None, relay_id: int | None = None
    ) -> dict[int, RelayCounts]:
        """Counts per relay (of one, if given) since `since` (None: in total)."""
        rows = await self._scan(_COUNTS, (_EVER if since is None else stamp(since), relay_id))
        return {rid: RelayCounts(*counts) for rid, *counts in rows}

    async def attribute(self, participant_id: int, relay_id: int, now: dt.datetime) -> bool:
        """Attribute a resident to a relay, if they have no relay and no session yet.

        The first relay wins; a resident who had already started is not counted as reached.
        """

        async def update(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "UPDATE participants SET relay_id = ?, relay_at = ? "
                "WHERE id = ? AND relay_id IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM sessions WHERE participant_id = participants.id)",
                (relay_id, stamp(now), participant_id),
            )
            return cursor.rowcount == 1

        return await self._write(update)

    async def start_entry(self, relay_id: int, now: dt.datetime) -> Participant:
        """A fresh anonymous participant for an assisted entry, now the relay's entry.

        The relay's unfinished entries are abandoned in the same transaction: they lose their
        current session, so nothing offers them again, and their sessions stay unfinished
        (digests count them as abandoned, like a resident's who stopped, never as completed).
        """
        pseudonym = ASSISTED_PREFIX + secrets.token_hex(16)

        async def insert(conn: aiosqlite.Connection) -> int:
            await conn.execute(_ABANDON, (relay_id,))
            cursor = await conn.execute(
                "INSERT INTO participants (pseudonym, created_at, relay_id) VALUES (?, ?, ?)",
                (pseudonym, stamp(now), relay_id),
            )
            participant_id = cursor.lastrowid
            assert participant_id is not None
            cursor = await conn.execute(
                "UPDATE relays SET entry_participant_id = ? WHERE id = ? AND active = 1",
                (participant_id, relay_id),
            )
            if cursor.rowcount != 1:
                raise LookupError(f"no active relay {relay_id}")
            return participant_id

        participant = await self.participant_by_id(await self._transaction(insert))
        assert participant is not None
        return participant

    async def end_entry(self, relay_id: int) -> None:
        """The relay's chat goes back to the relay's own participation.

        An unfinished entry keeps its current session: it is then set aside (see
        `set_aside_entries`), until resumed or abandoned. A removed relay's pseudonym, kept
        for the entry the removal stopped, goes with it (migration 12).
        """

        async def update(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "UPDATE relays SET entry_participant_id = NULL WHERE id = ?", (relay_id,)
            )

        await self._write(update)

    async def set_aside_entries(self, relay_id: int) -> list[Participant]:
        """The relay's unfinished entries that are not under way, latest activity first.

        Nothing marks them but what they are: participants of the relay whose current
        session is an active assisted one (starting a new entry clears that, see
        `start_entry`).
        """
        rows = await self._read(_SET_ASIDE, (relay_id,))
        return [participant_from(row) for row in rows]

    async def resume_entry(self, relay_id: int, participant_id: int) -> bool:
        """Make an entry set aside the relay's entry under way again; False if it is not
        one of the relay's entries set aside (finished, abandoned, someone else's)."""

        async def update(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(_RESUME, (relay_id, participant_id))
            return cursor.rowcount == 1

        return await self._write(update)

    async def participant_by_id(self, participant_id: int) -> Participant | None:
        """A participant by id."""
        rows = await self._read(PARTICIPANT_SQL.format("id = ?"), (participant_id,))
        return participant_from(rows[0]) if rows else None

    async def import_paper(
        self,
        consultation_id: str,
        states: Sequence[SessionState],
        relay_id: int | None,
        now: dt.datetime,
        *,
        refuse_imported: bool = False,
    ) -> PaperImport:
        """Completed paper sessions, one anonymous participant each: all of them or none.

        Every text is checked like a typed one: a disclosure gets the flags a typed answer
        would (one per category, on its session and step), in the same transaction, so
        digests count it and never quote it, and exports withhold it.

        With `refuse_imported`, a form whose answers are those of a paper form already in
        the consultation raises `AlreadyImported` (a file imported twice would double its
        forms and their flags). The last check is made in the import's transaction: two
        imports at once cannot both store the same forms. Forms repeated within `states`
        are not refused: two people can answer alike.
        """
        at = stamp(now)
        for state in states:
            if state.consultation_id != consultation_id:
                raise ValueError(f"a state of {state.consultation_id!r} in {consultation_id!r}")
        known: dict[str, dt.datetime] = {}
        seen = 0
        if refuse_imported:
            # Most of the reading outside the write transaction, which holds the database's
            # write lock (the bot's writes wait for it): that then reads only later forms.
            seen = _remember(await self._scan(_PAPER_FORMS, (consultation_id, 0)), known, seen)

        async def insert(conn: aiosqlite.Connection) -> PaperImport:
            if relay_id is not None:
                found = list(
                    await conn.execute_fetchall("SELECT 1 FROM relays WHERE id = ?", (relay_id,))
                )
                if not found:
                    raise LookupError(f"no relay {relay_id}")
            if refuse_imported:
                later = await conn.execute_fetchall(_PAPER_FORMS, (consultation_id, seen))
                _remember(cast("list[Row]", later), known, seen)
                already = {
                    index: known[key]
                    for index, state in enumerate(states)
                    if (key := _form_key(state.model_dump(mode="json")["answers"])) in known
                }
                if already:
                    raise AlreadyImported(already)
            sessions: list[int] = []
            flagged = 0
            for state in states:
                cursor = await conn.execute(
                    "INSERT INTO participants (pseudonym, created_at, relay_id) VALUES (?, ?, ?)",
                    (PAPER_PREFIX + secrets.token_hex(16), at, relay_id),
                )
                participant_id = cursor.lastrowid
                cursor = await conn.execute(
                    "INSERT INTO sessions (participant_id, consultation_id, channel, status, "
                    "state, created_at, updated_at, completed_at, relay_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        participant_id,
                        consultation_id,
                        Channel.PAPER.value,
                        Status.COMPLETED.value,
                        state.model_dump_json(),
                        at,
                        at,
                        at,
                        relay_id,
                    ),
                )
                session_id = cursor.lastrowid
                assert session_id is not None
                await conn.executemany(
                    "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (session_id, step, answer.model_dump_json(), at, at)
                        for step, answer in state.answers.items()
                    ],
                )
                disclosed = disclosures(state.answers)
                await conn.executemany(
                    INSERT_FLAG,
                    [
                        (consultation_id, session_id, step, category.value, at)
                        for step, categories in disclosed.items()
                        for category in sorted(categories)
                    ],
                )
                flagged += len(disclosed)
                sessions.append(session_id)
            return PaperImport(sessions, flagged)

        return await self._transaction(insert)

    async def relay_reach(
        self, consultation_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[RelayReach]:
        """Sessions with activity in the period, per relay that brought some in."""
        rows = await self._scan(_REACH, (consultation_id, stamp(start), stamp(end)))
        return [RelayReach(rid, name, sessions) for rid, name, sessions in rows]
