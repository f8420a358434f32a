"""`parole forget` (erasure on a staff request) and `parole backup` (online copy)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import bootstrap
from bot.pseudonym import pseudonym
from bot.settings import Settings
from storage.backup import BackupError, backup
from storage.base import Channel


def add_parsers(commands: Any) -> None:
    """Add `forget` and `backup` to the `parole` sub-commands."""
    forget = commands.add_parser(
        "forget",
        help="erase a resident's data on their request (answers, sessions, flags, contact)",
        description="Name the resident by their pseudonym, by the anonymous number /mesdonnees "
        "showed them (--participant), or by their Telegram id (--telegram-id, which needs "
        "privacy.pseudonym_secret). Digests already sent are not changed.",
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("pseudonym", nargs="?", default=None, help="the participant's pseudonym")
    who.add_argument("--telegram-id", type=int, default=None, metavar="N")
    who.add_argument("--participant", type=int, default=None, metavar="ID")
    copy = commands.add_parser(
        "backup",
        help="a consistent copy of the database, even while the bot runs",
        description="Uses SQLite's online backup API. To restore: stop the bot, copy FILE over "
        "storage.path, delete the -wal and -shm files beside it, start the bot.",
    )
    copy.add_argument("file", type=Path, metavar="FILE")


def forget_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole forget`: erase one participant and everything linked to them."""
    store = bootstrap.existing_store(settings, "forget")
    if store is None:
        return 2
    key: str | None = args.pseudonym
    if args.telegram_id is not None:
        if settings.secret_problem():
            print("parole forget: --telegram-id needs privacy.pseudonym_secret", file=sys.stderr)
            return 2
        secret = settings.privacy.pseudonym_secret
        assert secret is not None
        key = pseudonym(secret.get_secret_value(), Channel.TELEGRAM.value, args.telegram_id)

    async def erase() -> int:
        await store.open()
        try:
            if args.participant is not None:
                participant_id: int | None = args.participant
            else:
                assert key is not None
                found = await store.find_participant(key)
                participant_id = found.id if found else None
            erased = await store.forget(participant_id) if participant_id is not None else None
        finally:
            await store.close()
        if erased is None:
            print("parole forget: no such participant (nothing is stored)", file=sys.stderr)
            return 1
        print(
            f"erased participant {participant_id}: {erased.sessions} session(s), "
            f"{erased.answers} answer(s), {erased.flags} flag(s), "
            f"contact {'yes' if erased.contact else 'no'}"
        )
        return 0

    return asyncio.run(erase())


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole backup FILE`: a consistent copy of the database."""
    try:
        report = backup(settings.storage.path, args.file)
    except BackupError as error:
        print(f"parole backup: {error}", file=sys.stderr)
        return 2
    print(
        f"backup written to {report.path}: {report.participants} participant(s), "
        f"{report.sessions} session(s), {report.answers} answer(s); integrity ok"
    )
    return 0


HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "forget": forget_command,
    "backup": backup_command,
}
