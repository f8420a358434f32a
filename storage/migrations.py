"""Numbered schema migrations, tracked in `PRAGMA user_version`.

Each migration is a tuple of single statements rather than one script: on Python 3.11
`executescript` commits any open transaction first, which would break the rule that a
migration and its version bump land together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final, NamedTuple


class Migration(NamedTuple):
    """The statements that bring the schema from `version - 1` to `version`.

    `rebuilds` marks a migration that rebuilds tables others refer to (SQLite's procedure for
    a change ALTER TABLE cannot make): foreign keys are off while it runs, or dropping the old
    table would cascade to every row that refers to it, and every reference is checked
    before it commits.
    """

    version: int
    statements: tuple[str, ...]
    rebuilds: bool = False


class SchemaTooNew(sqlite3.DatabaseError):
    """The database was written by a newer version of the code.

    A database error, so every command reports it as it does any other (one line naming the
    file), never with a traceback.
    """


MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        (
            # No column may ever hold a Telegram id, a name or a username: a participant is
            # known only by the caller's keyed pseudonym.
            """
            CREATE TABLE participants (
                id INTEGER PRIMARY KEY,
                pseudonym TEXT NOT NULL UNIQUE,
                lang TEXT,
                current_session_id INTEGER,
                created_at TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY,
                participant_id INTEGER NOT NULL
                    REFERENCES participants(id) ON DELETE CASCADE,
                consultation_id TEXT NOT NULL,
                channel TEXT NOT NULL,
                status TEXT NOT NULL,
                state TEXT NOT NULL,  -- SessionState JSON
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                completed_at TEXT
            )
            """,
            # The rowid is implicitly the last key column, so this serves
            # `ORDER BY updated_at DESC, id DESC` and the participant foreign key.
            """
            CREATE INDEX sessions_latest
                ON sessions(participant_id, consultation_id, updated_at)
            """,
            # Same trick: export by consultation walks this index in id order.
            "CREATE INDEX sessions_consultation ON sessions(consultation_id)",
            """
            CREATE TABLE answers (
                session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                step_id TEXT NOT NULL,
                value TEXT NOT NULL,  -- Answer JSON
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (session_id, step_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE processed_updates (
                key TEXT PRIMARY KEY,
                processed_at TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        2,
        (
            # Which message shows the session's current screen (a transport's own reference,
            # such as a Telegram message id), so its keyboard can be closed once answered.
            "ALTER TABLE sessions ADD COLUMN screen TEXT",
        ),
    ),
    Migration(
        3,
        (
            # The ledger of scheduled digests: the primary key lets only one process claim a
            # period, whatever the number of bot processes sharing the database.
            """
            CREATE TABLE digest_runs (
                schedule TEXT NOT NULL,
                period_start TEXT NOT NULL,
                period_end TEXT NOT NULL,
                status TEXT NOT NULL,  -- 'sending' while claimed, 'sent' once delivered
                claimed_at TEXT NOT NULL,
                sent_at TEXT,
                PRIMARY KEY (schedule, period_start)
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        4,
        (
            # The digest's report queries. Every session that can matter to a period has
            # updated_at >= its start (a session's last activity is never before its
            # creation, completion or answers); the other columns make the index covering,
            # so reports never read the sessions table and its large state JSON.
            """
            CREATE INDEX sessions_activity ON sessions(
                consultation_id, updated_at, created_at, completed_at, status, channel,
                participant_id
            )
            """,
            # What the digest counts of each answer, without its text: counting answers by
            # content straight from the JSON costs a sort of every answer (a second and more
            # at 1,000,000 answers); this index hands them over already grouped. Derived
            # from `answers` only, kept in step by the triggers below within every write
            # transaction (batched, one by one, cascades), so no writer code knows of it.
            """
            CREATE TABLE answer_facts (
                session_id INTEGER NOT NULL,
                step_id TEXT NOT NULL,
                has_text INTEGER NOT NULL,  -- 1 when the answer carries a text
                shape TEXT NOT NULL,  -- the answer JSON without its text
                updated_at TEXT NOT NULL,
                PRIMARY KEY (session_id, step_id)
            ) WITHOUT ROWID
            """,
            """
            INSERT INTO answer_facts (session_id, step_id, has_text, shape, updated_at)
            SELECT session_id, step_id, json_type(value, '$.text') = 'text',
                   json_remove(value, '$.text'), updated_at
            FROM answers
            """,
            """
            CREATE INDEX answer_facts_report
                ON answer_facts(step_id, has_text, shape, updated_at)
            """,
            """
            CREATE TRIGGER answer_facts_insert AFTER INSERT ON answers BEGIN
                INSERT INTO answer_facts (session_id, step_id, has_text, shape, updated_at)
                VALUES (NEW.session_id, NEW.step_id, json_type(NEW.value, '$.text') = 'text',
                        json_remove(NEW.value, '$.text'), NEW.updated_at);
            END
            """,
            # Delete then insert, rather than update in place, so even a changed key is right.
            """
            CREATE TRIGGER answer_facts_update AFTER UPDATE ON answers BEGIN
                DELETE FROM answer_facts
                WHERE session_id = OLD.session_id AND step_id = OLD.step_id;
                INSERT INTO answer_facts (session_id, step_id, has_text, shape, updated_at)
                VALUES (NEW.session_id, NEW.step_id, json_type(NEW.value, '$.text') = 'text',
                        json_remove(NEW.value, '$.text'), NEW.updated_at);
            END
            """,
            """
            CREATE TRIGGER answer_facts_delete AFTER DELETE ON answers BEGIN
                DELETE FROM answer_facts
                WHERE session_id = OLD.session_id AND step_id = OLD.step_id;
            END
            """,
        ),
    ),
    Migration(
        5,
        (
            # Relays: conseillers citoyens, adultes-relais, association staff. A relay is known
            # by the name staff gave and, once the invitation is accepted, by the pseudonym of
            # their Telegram account (never the account id itself).
            """
            CREATE TABLE relays (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                code TEXT NOT NULL UNIQUE,  -- the share link's payload part
                pseudonym TEXT UNIQUE,
                active INTEGER NOT NULL DEFAULT 1,
                created_at TEXT NOT NULL,
                deactivated_at TEXT
            )
            """,
            # Only a hash of the single-use invitation token is kept: the token is in the link.
            """
            CREATE TABLE relay_invitations (
                token_hash TEXT PRIMARY KEY,
                relay_id INTEGER NOT NULL REFERENCES relays(id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                used_at TEXT
            ) WITHOUT ROWID
            """,
            # Attribution: which relay brought a session in (their link, or an assisted or
            # paper entry). Counts only: a relay never reads an individual's answers.
            "ALTER TABLE sessions ADD COLUMN relay_id INTEGER REFERENCES relays(id)",
            "ALTER TABLE participants ADD COLUMN relay_id INTEGER REFERENCES relays(id)",
            "CREATE INDEX sessions_relay ON sessions(relay_id) WHERE relay_id IS NOT NULL",
        ),
    ),
    Migration(
        6,
        (
            # Safeguarding flags: counted for staff, never quoted. `step_id` names the flagged
            # answer (so digests leave its text out); NULL for a stray message.
            """
            CREATE TABLE flags (
                id INTEGER PRIMARY KEY,
                consultation_id TEXT,
                session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
                step_id TEXT,
                category TEXT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX flags_consultation ON flags(consultation_id, created_at)",
            "CREATE INDEX flags_session ON flags(session_id, step_id)",
            # Chat ids kept only for residents who asked for follow-up news, apart from the
            # answers, encrypted with a key derived from the pseudonym secret.
            """
            CREATE TABLE contacts (
                participant_id INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                chat TEXT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        7,
        (
            # When a resident was attributed to a relay through the relay's link (NULL for the
            # anonymous participants of assisted and paper entries, attributed at creation).
            "ALTER TABLE participants ADD COLUMN relay_at TEXT",
            "CREATE INDEX participants_relay ON participants(relay_id) WHERE relay_id IS NOT NULL",
            # The assisted entry a relay's chat is typing in (the anonymous participant met in
            # person), kept here rather than in memory so it survives a restart.
            """
            ALTER TABLE relays ADD COLUMN entry_participant_id INTEGER
                REFERENCES participants(id) ON DELETE SET NULL
            """,
            # A session inherits its participant's relay when it is created, in the same
            # transaction, so no writer needs to know of relays.
            """
            CREATE TRIGGER sessions_inherit_relay AFTER INSERT ON sessions
            WHEN NEW.relay_id IS NULL AND EXISTS (
                SELECT 1 FROM participants WHERE id = NEW.participant_id AND relay_id IS NOT NULL
            )
            BEGIN
                UPDATE sessions
                SET relay_id = (SELECT relay_id FROM participants WHERE id = NEW.participant_id)
                WHERE id = NEW.id;
            END
            """,
        ),
    ),
    Migration(
        8,
        (
            # Moderation: when staff hid this answer's text from digests and exports (the
            # answer still counts; the resident still sees their own text). On the answer
            # row, so it goes with it (erasure, retention, a step left) and the upsert that
            # changes the text can drop it in the same statement.
            "ALTER TABLE answers ADD COLUMN hidden_at TEXT",
            # Few texts are hidden: this small index lets the digest leave them out as
            # cheaply as it leaves flagged ones out, without reading the answers table.
            """
            CREATE INDEX answers_hidden ON answers(session_id, step_id)
                WHERE hidden_at IS NOT NULL
            """,
        ),
    ),
    Migration(
        9,
        (
            # Follow-up news as staff sent it (stripped): the same text sent again is the same
            # news, so a send that stopped half-way can be finished without repeats.
            """
            CREATE TABLE news (
                id INTEGER PRIMARY KEY,
                text TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL
            )
            """,
            # Who received which news, by participant only (no chat id: that stays sealed in
            # `contacts`). The cascades take a resident's lines with them at erasure and
            # retention.
            """
            CREATE TABLE news_deliveries (
                news_id INTEGER NOT NULL REFERENCES news(id) ON DELETE CASCADE,
                participant_id INTEGER NOT NULL
                    REFERENCES participants(id) ON DELETE CASCADE,
                delivered_at TEXT NOT NULL,
                PRIMARY KEY (news_id, participant_id)
            ) WITHOUT ROWID
            """,
            # Deleting a participant looks their deliveries up by this index rather than
            # reading the whole table (once per participant the retention purge deletes).
            "CREATE INDEX news_deliveries_participant ON news_deliveries(participant_id)",
        ),
    ),
    Migration(
        10,
        (
            # Participant and session ids are never given twice (AUTOINCREMENT): without it
            # SQLite reuses the largest id once its row is erased, and then an older export,
            # or a moderation reference ("SESSION:STEP"), would name someone else.
            "DROP TRIGGER sessions_inherit_relay",
            """
            CREATE TABLE participants_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                pseudonym TEXT NOT NULL UNIQUE,
                lang TEXT,
                current_session_id INTEGER,
                created_at TEXT NOT NULL,
                relay_id INTEGER REFERENCES relays(id),
                relay_at TEXT
            )
            """,
            """
            INSERT INTO participants_new
                (id, pseudonym, lang, current_session_id, created_at, relay_id, relay_at)
            SELECT id, pseudonym, lang, current_session_id, created_at, relay_id, relay_at
            FROM participants
            """,
            "DROP TABLE participants",
            "ALTER TABLE participants_new RENAME TO participants",
            "CREATE INDEX participants_relay ON participants(relay_id) WHERE relay_id IS NOT NULL",
            """
            CREATE TABLE sessions_new (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                participant_id INTEGER NOT NULL
                    REFERENCES participants(id) ON DELETE CASCADE,
                consultation_id TEXT NOT NULL,
                channel TEXT NOT NULL,
                status TEXT NOT NULL,
                state TEXT NOT NULL,  -- SessionState JSON
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                completed_at TEXT,
                screen TEXT,
                relay_id INTEGER REFERENCES relays(id)
            )
            """,
            """
            INSERT INTO sessions_new
                (id, participant_id, consultation_id, channel, status, state, created_at,
                 updated_at, completed_at, screen, relay_id)
            SELECT id, participant_id, consultation_id, channel, status, state, created_at,
                   updated_at, completed_at, screen, relay_id
            FROM sessions
            """,
            "DROP TABLE sessions",
            "ALTER TABLE sessions_new RENAME TO sessions",
            """
            CREATE INDEX sessions_latest
                ON sessions(participant_id, consultation_id, updated_at)
            """,
            "CREATE INDEX sessions_consultation ON sessions(consultation_id)",
            """
            CREATE INDEX sessions_activity ON sessions(
                consultation_id, updated_at, created_at, completed_at, status, channel,
                participant_id
            )
            """,
            "CREATE INDEX sessions_relay ON sessions(relay_id) WHERE relay_id IS NOT NULL",
            """
            CREATE TRIGGER sessions_inherit_relay AFTER INSERT ON sessions
            WHEN NEW.relay_id IS NULL AND EXISTS (
                SELECT 1 FROM participants WHERE id = NEW.participant_id AND relay_id IS NOT NULL
            )
            BEGIN
                UPDATE sessions
                SET relay_id = (SELECT relay_id FROM participants WHERE id = NEW.participant_id)
                WHERE id = NEW.id;
            END
            """,
        ),
        rebuilds=True,
    ),
    Migration(
        11,
        (
            # Work that one process at a time may do (sending follow-up news), claimed until
            # `until` and renewed while it runs: a process that dies leaves a claim that
            # expires rather than one that blocks for ever.
            """
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                until TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        12,
        (
            # A relay removed while an entry was under way keeps the pseudonym of their account
            # (see storage.relays.SqliteRelays.deactivate_relay) only while that stopped entry
            # waits for them: once it is no longer theirs (they went back to their own answers,
            # or retention deleted it, which sets the column to NULL) the pseudonym goes too.
            """
            CREATE TRIGGER relays_forget_stopped AFTER UPDATE OF entry_participant_id ON relays
            WHEN NEW.active = 0 AND NEW.entry_participant_id IS NULL
                AND NEW.pseudonym IS NOT NULL
            BEGIN
                UPDATE relays SET pseudonym = NULL WHERE id = NEW.id;
            END
            """,
        ),
    ),
)

LATEST: Final[int] = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    """The version recorded in the database (0 for an empty one)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def too_new(version: int, latest: int = LATEST) -> str | None:
    """Why a database at schema `version` must not be opened by this code, or None."""
    if version <= latest:
        return None
    return (
        f"it was written by a newer version of parole (schema version {version}, this one "
        f"knows up to {latest}): upgrade parole; an older one never opens it"
    )


def _check(migrations: Sequence[Migration]) -> None:
    """Refuse a migration list with gaps or reordering: versions must be 1, 2, 3…"""
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise ValueError(f"migration {migration.version} found where {expected} was expected")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every missing migration, each in its own transaction; return the final version.

    `conn` must be in autocommit mode (`isolation_level=None`) so transactions are ours.
    """
    _check(migrations)
    latest = migrations[-1].version if migrations else 0
    current = schema_version(conn)
    problem = too_new(current, latest)
    if problem is not None:
        raise SchemaTooNew(problem)
    for migration in migrations[current:]:
        # Outside a transaction: SQLite ignores this pragma inside one.
        enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if migration.rebuilds:
            conn.execute("PRAGMA foreign_keys = OFF")
        try:
            _apply(conn, migration)
        finally:
            conn.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
    return schema_version(conn)


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    """One migration and its version bump, in one transaction (or none if already applied)."""
    # IMMEDIATE takes the write lock before re-reading the version, so two processes
    # opening the same file cannot both apply the same migration.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if schema_version(conn) >= migration.version:
            conn.execute("ROLLBACK")
            return
        for statement in migration.statements:
            conn.execute(statement)
        if migration.rebuilds:
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(
                    f"migration {migration.version} broke {len(broken)} reference(s)"
                )
        # PRAGMA arguments cannot be bound; the value is an int from our own list.
        conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
