"""`parole relay add|list|remove` and `parole import`: relays and paper questionnaires.

Both are run by an officer who reads French (the relay lists and invitations are French, as
the paper template is): everything they print is French (see bot.cli_french).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from bot import bootstrap, cli_french, relay_texts
from bot.relays import MAX_NAME, BadName, Relays, deep_link
from bot.settings import Settings
from flows import paper
from flows.model import Consultation, Lang
from flows.paper_form import paper_form
from flows.typography import french_spacing
from storage.relays import AlreadyImported
from storage.sqlite import SqliteStore
from storage.sqlite_open import os_reason

Handler = Callable[[Settings, argparse.Namespace], int]
# The relay CLI runs on the operator's machine: relay pseudonyms are never computed there.
NO_SECRET: Final = "parole-relay-cli"  # noqa: S105
DATABASE: Final = "base de données : {path}"
NO_USERNAME: Final = (
    "le lien d'invitation a besoin du nom du bot : renseignez relays.bot_username (ou "
    "telegram.token) dans la configuration. Aucun relais n'a été créé."
)
NO_NAME: Final = "donnez le nom du relais : parole relay add NOM"


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `relay` and `import` commands."""
    relay = commands.add_parser(
        "relay",
        help="relais : inviter (add), lister (list), retirer (remove) / relays: invite, list, "
        "remove",
    )
    actions = relay.add_subparsers(dest="relay_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="créer un relais et écrire son lien d'invitation / create a relay and print their "
        "invitation link",
    )
    add.add_argument(
        "name",
        nargs="+",
        metavar="NOM",
        help="le nom du relais (personne ou association) / the relay's name (person or "
        "association)",
    )
    actions.add_parser("list", help="les relais et leurs chiffres / relays with their counts")
    remove = actions.add_parser(
        "remove", help="retirer ses droits à un relais, aussitôt / take a relay's rights away"
    )
    remove.add_argument(
        "relay_id", type=int, metavar="ID", help="son numéro (voir list) / their number (see list)"
    )

    imports = commands.add_parser(
        "import",
        help="importer des questionnaires papier (CSV), ou écrire le modèle / import paper "
        "questionnaires (CSV), or write the template",
        description="Un fichier avec une erreur n'importe rien : chaque problème est donné par "
        "ligne et colonne. Les questionnaires importés sont terminés, canal « paper ». Une "
        "ligne aux mêmes réponses qu'un questionnaire déjà importé est prise pour ce "
        "questionnaire tapé à nouveau, et refusée (voir --again). / A file with any error "
        "imports nothing: every problem is listed by line and column. A row with the same "
        "answers as a form already imported is refused (see --again).",
    )
    imports.add_argument(
        "file",
        type=Path,
        nargs="?",
        metavar="FICHIER",
        help="le modèle CSV rempli / the filled-in CSV template",
    )
    imports.add_argument(
        "--relay",
        type=int,
        default=None,
        metavar="ID",
        help="le relais qui les a recueillis / the relay who collected them",
    )
    imports.add_argument(
        "--again",
        action="store_true",
        help="importer même les questionnaires aux mêmes réponses qu'un déjà importé : deux "
        "personnes peuvent répondre pareil / import forms like one imported before: two "
        "people can answer alike",
    )
    imports.add_argument(
        "--template",
        action="store_true",
        help="écrire le modèle vide, ses codes et le questionnaire à imprimer / write the "
        "empty template, its codes and the questionnaire to print",
    )
    imports.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="le fichier du modèle (par défaut <consultation>-papier.csv) ; les codes "
        "(-codes.txt) et le questionnaire à imprimer (.html) à côté / the template file "
        "(default <consultation>-papier.csv); the codes (-codes.txt) and the questionnaire "
        "to print (.html) beside it",
    )
    imports.add_argument(
        "--lang",
        choices=("fr", "en"),
        default=None,
        help="avec --template : la langue du questionnaire à imprimer (fr) / with --template: "
        "the language of the questionnaire to print (fr)",
    )
    imports.add_argument(
        "--consultation",
        default=None,
        metavar="ID",
        help="la consultation, s'il y en a plusieurs / the consultation, if several",
    )


def _relays(settings: Settings, store: SqliteStore) -> Relays:
    return Relays(
        store,
        NO_SECRET,
        timezone=settings.consultation.timezone,
        invitation_days=settings.relays.invitation_days,
    )


async def _bot_username(settings: Settings) -> str | None:
    """The bot's username: from the configuration, else from Telegram (getMe)."""
    if settings.relays.bot_username:
        return settings.relays.bot_username
    if settings.telegram.token is None:
        return None
    from telegram import Bot

    bot = Bot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
    )
    async with bot:
        return bot.username


def relay_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole relay add|list|remove`."""
    from telegram.error import TelegramError

    from bot.telegram.relay import relay_lines
    from bot.telegram.staff import redact

    say = relay_texts.say
    # `add` too: a relay invited into a database the bot does not use (parole run from
    # another folder) gets a link that never works.
    store = bootstrap.existing_store(settings, "relay", missing=cli_french.NO_DATABASE)
    if store is None:
        return 2

    async def work() -> int:
        username = ""
        if args.relay_command == "add":
            try:
                username = await _bot_username(settings) or ""
            except TelegramError as error:  # the token was refused, or the server unreachable
                assert settings.telegram.token is not None  # Telegram is asked only with one
                reason = redact(error, settings.telegram.token.get_secret_value())
                failed = _french(
                    "Telegram a refusé le jeton ou n'a pas répondu, aucun relais n'a été "
                    "créé : {reason}",
                    reason=reason,
                )
                print(f"parole relay: {failed}", file=sys.stderr)
                return 1
            if not username:
                print(f"parole relay: {_french(NO_USERNAME)}", file=sys.stderr)
                return 2
        await store.open()
        try:
            relays = _relays(settings, store)
            if args.relay_command == "add":
                try:
                    new = await relays.invite(" ".join(args.name))
                except BadName as error:
                    too_long = say("relay_name_too_long", "fr", max=MAX_NAME)
                    print(
                        f"parole relay: {too_long if error.too_long else _french(NO_NAME)}",
                        file=sys.stderr,
                    )
                    return 2
                print(
                    say(
                        "relay_created",
                        "fr",
                        name=new.relay.name,
                        id=new.relay.id,
                        date=relays.local_date(new.expires_at),
                        link=deep_link(username, new.payload),
                    )
                )
                print(_french(DATABASE, path=store.path.absolute()), file=sys.stderr)
            elif args.relay_command == "list":
                summaries = await relays.summaries()
                if not summaries:
                    print(say("relay_list_empty_cli", "fr"))
                else:
                    print("\n".join([say("relay_list_title", "fr"), *relay_lines(summaries)]))
            else:
                relay = await relays.remove(args.relay_id)
                if relay is None:
                    unknown = say("relay_unknown", "fr", id=args.relay_id)
                    print(f"parole relay: {unknown}", file=sys.stderr)
                    return 1
                print(say("relay_removed", "fr", name=relay.name, id=relay.id))
                print(_french(DATABASE, path=store.path.absolute()), file=sys.stderr)
        finally:
            await store.close()
        return 0

    return asyncio.run(work())


def _french(template: str, **values: object) -> str:
    """A French message: French typography on its own words (flows.typography), the values
    (paths, names, what the system said) put in as they are."""
    return french_spacing(template).format(**values)


def _chosen(
    consultations: list[Consultation], wanted: str | None, today: dt.date
) -> Consultation | str:
    """The consultation to import into, or why there is none (in French)."""
    known = ", ".join(c.id for c in consultations)
    if wanted is not None:
        found = [c for c in consultations if c.id == wanted]
        return (
            found[0]
            if found
            else _french("aucune consultation « {id} » ({known})", id=wanted, known=known)
        )
    if len(consultations) == 1:
        return consultations[0]
    open_now = [c for c in consultations if c.is_open(today)]
    if len(open_now) == 1:
        return open_now[0]
    return f"--consultation est nécessaire ({known})"


def _summary(imported: int, consultation_id: str, relay: str | None, flagged: int) -> str:
    """What an import stored, for the officer who ran it."""
    line = f"{cli_french.count(imported, 'questionnaire importé', 'questionnaires importés')} dans "
    line += consultation_id
    if relay is not None:
        line += f", pour le relais {relay}"
    if flagged:
        # A count only: which form, or what it said, stays out of the terminal.
        line += _french(
            " ({flagged} : violences, danger ou idées suicidaires ; compté dans la synthèse, "
            "jamais cité, retiré des exports)",
            flagged=cli_french.count(flagged, "texte signalé", "textes signalés"),
        )
    return line


def _spans(lines: list[int]) -> str:
    """Line numbers as a person reads them: "2 à 4, 7, 9" (a run of three or more joined)."""
    runs: list[list[int]] = []
    for line in sorted(lines):
        if runs and line == runs[-1][-1] + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    parts = [f"{run[0]} à {run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs]
    return ", ".join(parts)


def _already(file: Path, lines: list[int], known: AlreadyImported, zone: ZoneInfo) -> list[str]:
    """What to tell the officer about rows imported before: which lines, imported when."""
    by_import: dict[str, list[int]] = {}
    for index, moment in sorted(known.forms.items(), key=lambda item: item[1]):
        when = moment.astimezone(zone).strftime("%d/%m/%Y à %H:%M")
        by_import.setdefault(when, []).append(lines[index])
    said = [
        f"{file}: {'ligne' if len(found) == 1 else 'lignes'} {_spans(found)} déjà "
        f"{'importée' if len(found) == 1 else 'importées'} le {when} (mêmes réponses)"
        for when, found in by_import.items()
    ]
    these = "cette ligne" if len(known.forms) == 1 else "ces lignes"
    return [
        *said,
        f"parole import: rien n'a été importé. Retirez {these} du fichier, ou relancez avec "
        "--again si ce sont d'autres questionnaires, remplis de la même façon.",
    ]


def _template(
    settings: Settings, consultation: Consultation, out: Path | None, lang: Lang, today: dt.date
) -> int:
    """`parole import --template`: the CSV template, its codes, and the form to print."""
    out = out or Path(f"{consultation.id}-papier.csv")
    codes = out.with_name(f"{out.stem}-codes.txt")
    printable = out.with_suffix(".html")
    out.parent.mkdir(parents=True, exist_ok=True)  # as `parole export --out` does
    # A byte order mark, so Excel reads the accents right.
    out.write_text(paper.template_csv(consultation), encoding="utf-8-sig")
    codes.write_text(paper.legend(consultation), encoding="utf-8")
    privacy = relay_texts.privacy_read_out(settings.privacy.retention_days, lang)
    form = paper_form(consultation, lang, privacy=privacy, printed=today)
    printable.write_text(form, encoding="utf-8")
    print(
        f"modèle écrit dans {out}, codes dans {codes}, questionnaire à imprimer dans {printable}",
        file=sys.stderr,
    )
    return 0


def import_command(
    settings: Settings, args: argparse.Namespace, consultations: list[Consultation]
) -> int:
    """`parole import FILE [--relay ID]` and `parole import --template [--out FILE] [--lang en]`.

    The officer who runs it reads French (the template, the codes and the errors are), so
    everything it prints is French.
    """
    today = dt.datetime.now(ZoneInfo(settings.consultation.timezone)).date()
    chosen = _chosen(consultations, args.consultation, today)
    if isinstance(chosen, str):
        print(f"parole import: {chosen}", file=sys.stderr)
        return 2
    if args.template:
        return _template(settings, chosen, args.out, args.lang or "fr", today)
    if args.lang is not None:
        print("parole import: --lang va avec --template", file=sys.stderr)
        return 2
    if args.file is None:
        print("parole import: donnez un fichier CSV, ou --template", file=sys.stderr)
        return 2
    try:
        text, encoding = paper.decode(args.file.read_bytes())
    except OSError as error:
        reason = cli_french.reason(os_reason(error))
        unread = _french("impossible de lire {file} : {reason}", file=args.file, reason=reason)
        print(f"parole import: {unread}", file=sys.stderr)
        return 2
    except ValueError as error:
        unread = _french("{file} : {error}", file=args.file, error=error)
        print(f"parole import: {unread}", file=sys.stderr)
        return 2
    if encoding != paper.UTF8:
        print(f"{args.file}: {paper.CP1252_NOTE}", file=sys.stderr)
    checked = paper.check(chosen, text)
    for name in checked.ignored:
        print(f"{args.file}: colonne {name} ignorée ({paper.IGNORED_WHY})", file=sys.stderr)
    if checked.absent:
        absent = ", ".join(checked.absent)
        empty = _french("colonnes absentes, lues comme vides : {names}", names=absent)
        print(f"{args.file}: {empty}", file=sys.stderr)
    if checked.problems:
        for problem in checked.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        found = cli_french.count(len(checked.problems), "problème", "problèmes")
        print(f"parole import: {found}, rien n'a été importé", file=sys.stderr)
        return 1
    # The forms go where the bot's answers are, or nowhere: a new empty database (parole
    # import run from another folder) would keep them out of every digest and export.
    store = bootstrap.existing_store(settings, "import", missing=cli_french.NO_DATABASE)
    if store is None:
        return 2

    async def work() -> int:
        await store.open()
        try:
            relays = _relays(settings, store)
            relay = await store.relay(args.relay) if args.relay is not None else None
            if args.relay is not None and relay is None:
                print(f"parole import: aucun relais n° {args.relay}", file=sys.stderr)
                return 2
            try:
                # Checked in the import's own transaction, so two runs at once cannot both
                # import the same forms.
                done = await store.import_paper(
                    chosen.id,
                    checked.states,
                    args.relay,
                    relays.now(),
                    refuse_imported=not args.again,
                )
            except AlreadyImported as known:
                zone = ZoneInfo(settings.consultation.timezone)
                for line in _already(args.file, checked.lines, known, zone):
                    print(line, file=sys.stderr)
                return 1
            except sqlite3.Error as error:
                # One transaction: a failure (a full disk) leaves nothing behind.
                failed = _french(
                    "écriture impossible dans {path} ({reason}) : rien n'a été importé",
                    path=store.path.absolute(),
                    reason=cli_french.reason(str(error)),
                )
                print(f"parole import: {failed}", file=sys.stderr)
                return 1
        finally:
            await store.close()
        name = (
            None if relay is None else _french("n° {id} « {name} »", id=relay.id, name=relay.name)
        )
        print(_summary(len(done.sessions), chosen.id, name, done.flagged), file=sys.stderr)
        print(_french(DATABASE, path=store.path.absolute()), file=sys.stderr)
        return 0

    return asyncio.run(work())
