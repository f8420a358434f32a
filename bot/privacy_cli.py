"""`parole forget` (erasure on a staff request) and `parole backup` (online copy).

What they say is French first, then English (bot.cli_french.both).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import bootstrap, cli_french
from bot.pseudonym import pseudonym
from bot.settings import Settings
from storage.backup import BackupError, backup
from storage.base import Channel


def add_parsers(commands: Any) -> None:
    """Add `forget` and `backup` to the `parole` sub-commands."""
    forget = commands.add_parser(
        "forget",
        help="effacer les données d'un habitant à sa demande / erase a resident's data on "
        "their request",
        description="L'habitant est nommé par son pseudonyme, par le numéro anonyme que "
        "/mesdonnees lui a montré (--participant) ou par son identifiant Telegram "
        "(--telegram-id, qui demande privacy.pseudonym_secret). Réponses, participations, "
        "signalements et contact sont effacés ; les synthèses déjà envoyées ne changent pas. "
        "/ Name the resident by their pseudonym, by the anonymous number /mesdonnees showed "
        "them (--participant), or by their Telegram id (--telegram-id, which needs "
        "privacy.pseudonym_secret). Digests already sent are not changed.",
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "pseudonym", nargs="?", default=None, help="son pseudonyme / the resident's pseudonym"
    )
    who.add_argument(
        "--telegram-id",
        type=int,
        default=None,
        metavar="N",
        help="son identifiant Telegram / their Telegram id",
    )
    who.add_argument(
        "--participant",
        type=int,
        default=None,
        metavar="ID",
        help="son numéro anonyme / their anonymous number",
    )
    copy = commands.add_parser(
        "backup",
        help="une copie cohérente de la base, même bot en marche / a consistent copy of the "
        "database, even while the bot runs",
        description="Pour restaurer : arrêter le bot, copier FICHIER sur storage.path, "
        "supprimer les fichiers -wal et -shm à côté, redémarrer le bot (voyez docs/privacy.md). "
        "/ To restore: stop the bot, copy FILE over storage.path, delete the -wal and -shm "
        "files beside it, start the bot (see docs/privacy.md).",
    )
    copy.add_argument(
        "file",
        type=Path,
        metavar="FICHIER",
        help="la copie, ou un dossier où la mettre / the copy, or a folder to put it in",
    )


def forget_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole forget`: erase one participant and everything linked to them."""
    store = bootstrap.existing_store(settings, "forget", missing=cli_french.NO_DATABASE_BOTH)
    if store is None:
        return 2
    key: str | None = args.pseudonym
    if args.telegram_id is not None:
        if settings.secret_problem():
            print(
                "parole forget: --telegram-id demande privacy.pseudonym_secret / --telegram-id "
                "needs privacy.pseudonym_secret",
                file=sys.stderr,
            )
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
            print(
                "parole forget: participant introuvable (rien n'est enregistré) / no such "
                "participant (nothing is stored)",
                file=sys.stderr,
            )
            return 1
        count = cli_french.count
        french = (
            f"participant {participant_id} effacé : "
            f"{count(erased.sessions, 'participation', 'participations')}, "
            f"{count(erased.answers, 'réponse', 'réponses')}, "
            f"{count(erased.flags, 'signalement', 'signalements')}, "
            f"contact {'oui' if erased.contact else 'non'}"
        )
        english = (
            f"erased participant {participant_id}: "
            f"{count(erased.sessions, 'session', 'sessions', french=False)}, "
            f"{count(erased.answers, 'answer', 'answers', french=False)}, "
            f"{count(erased.flags, 'flag', 'flags', french=False)}, "
            f"contact {'yes' if erased.contact else 'no'}"
        )
        print(cli_french.both(french, english))
        return 0

    return asyncio.run(erase())


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole backup FILE`: a consistent copy of the database."""
    try:
        report = backup(settings.storage.path, args.file)
    except BackupError as error:
        french, english = error.french, error.english
        if error.reason is not None:
            french += f" : {cli_french.reason(error.reason)}"
            english += f": {error.reason}"
        print(f"parole backup: {cli_french.both(french, english)}", file=sys.stderr)
        return 2
    count = cli_french.count
    people, sessions, answers = report.participants, report.sessions, report.answers
    print(
        cli_french.both(
            f"copie écrite dans {report.path} : {count(people, 'participant', 'participants')}, "
            f"{count(sessions, 'participation', 'participations')}, "
            f"{count(answers, 'réponse', 'réponses')} ; intégrité vérifiée",
            f"backup written to {report.path}: "
            f"{count(people, 'participant', 'participants', french=False)}, "
            f"{count(sessions, 'session', 'sessions', french=False)}, "
            f"{count(answers, 'answer', 'answers', french=False)}; integrity ok",
        )
    )
    return 0


HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "forget": forget_command,
    "backup": backup_command,
}
