"""The `parole` command line: chat, run, check, digest, export; the others in their modules."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import getpass
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from bot import (
    bootstrap,
    cli_french,
    cli_help,
    config_problems,
    heap,
    moderation_cli,
    news_cli,
    privacy_cli,
    relay_cli,
)
from bot.console import chat, read_message, show
from bot.conversation import Conversations, utc_now
from bot.settings import Settings, load_settings
from digest.schedule import parse_when
from flows.diagram import mermaid
from flows.loader import BUILTIN_DIR, ConsultationError
from flows.model import Consultation
from storage.base import Channel, ExportedSession
from storage.sqlite_open import StoreUnavailable, os_reason, writable_problem

if TYPE_CHECKING:
    from telegram.error import TelegramError

    from digest.bundle import Bundle
    from storage.sqlite import SqliteStore

log = logging.getLogger("parole")

# Console participants are local accounts, never Telegram ids, so a fixed key is harmless.
CONSOLE_SECRET = "parole-console-local"  # noqa: S105


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parole` program."""
    # python-telegram-bot 22 gives durations (a 429's retry_after) as timedeltas with this
    # set, instead of ints and a deprecation warning on each flood-control answer.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # Everything this program writes holds residents' answers or leads to them (the database,
    # backups, exports, digests): readable by its own user only, whatever the shell's umask.
    os.umask(0o077)
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs every job it runs; the digest jobs log what they did themselves.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # `parole import` and `parole relay` are run by an officer who reads French: their
    # failures are said in French only; the other commands say them in French, then English.
    french = args.command in cli_french.COMMANDS
    try:
        settings = load_settings(args.config)
    except config_problems.READ_ERRORS as error:
        print(config_problems.config_problem(args.config, error), file=sys.stderr)
        return 2
    handlers = {"chat": _chat, "run": _run, "check": _check, "digest": _digest, "export": _export}
    handlers |= {"relay": relay_cli.relay_command, "import": _import}
    handlers |= privacy_cli.HANDLERS | news_cli.HANDLERS | moderation_cli.HANDLERS
    handler = handlers[args.command]
    try:
        code = handler(settings, args)
        sys.stdout.flush()  # so a closed pipe shows here, not at exit
        return code
    except ConsultationError as error:
        problem = cli_french.consultation_problem(
            error, english=not french, check=args.command == "check"
        )
        print(problem, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped reading (`parole export | head`): stop quietly, as Unix tools
        # do; what is left to flush goes nowhere instead of failing again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    # What the machine refuses (permissions, a full disk, a missing folder): one line naming
    # the file, not a traceback an operator must read through (or a journal every 10 s).
    except (StoreUnavailable, sqlite3.Error, OSError) as error:
        database = settings.storage.path.absolute()
        problem = cli_french.machine_problem(error, database)
        if not french:
            if isinstance(error, StoreUnavailable):
                english = str(error)
            elif isinstance(error, sqlite3.Error):
                english = f"database {database}: {error}"
            else:
                english = os_problem(error)
            problem = cli_french.both(problem, english)
        print(f"parole {args.command}: {problem}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = cli_help.Parser(
        prog="parole",
        description="Parole habitante : la consultation du Contrat de ville sur Telegram. "
        "/ The city's consultation on Telegram. Voyez / see README.md, config.example.toml.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="configuration TOML (sinon $PAROLE_CONFIG) / TOML configuration (default: "
        "$PAROLE_CONFIG)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, title="commandes / commands", metavar="COMMANDE"
    )
    talk = commands.add_parser(
        "chat",
        help="répondre à la consultation dans ce terminal / answer in this terminal",
        description="Sans Telegram ni jeton, sur la même base de données. / No Telegram, "
        "no token, same database. /quitter ou Ctrl-D pour arrêter / to stop.",
    )
    talk.add_argument(
        "--as",
        dest="account",
        default=None,
        metavar="NOM",
        help="nom du compte local (sinon le vôtre) / local account name (default: yours)",
    )
    talk.add_argument("--lang", choices=("fr", "en"), default="fr", help="langue / language (fr)")
    commands.add_parser(
        "run",
        help="le bot Telegram / the Telegram bot",
        description="Long polling ; demande telegram.token et privacy.pseudonym_secret (ou "
        "PAROLE_TELEGRAM__TOKEN, PAROLE_PRIVACY__PSEUDONYM_SECRET). / Long polling; needs "
        "the token and the pseudonym secret.",
    )
    check = commands.add_parser(
        "check",
        help="vérifier la configuration et les consultations / check the configuration "
        "and consultations",
    )
    check.add_argument(
        "--diagram",
        action="store_true",
        help="afficher aussi chaque consultation en diagramme Mermaid / also print each "
        "consultation as a Mermaid chart",
    )
    check.add_argument(
        "--for-run",
        action="store_true",
        help="échouer aussi si `parole run` ne pourrait pas démarrer (jeton, secret, base "
        "de données) / also fail unless `parole run` could start",
    )
    digest = commands.add_parser(
        "digest",
        help="une synthèse pour l'équipe : affichée, écrite ou envoyée / a staff digest: "
        "printed, written or sent",
        description="Dates : AAAA-MM-JJ ou date et heure ISO, à l'heure de la ville "
        "(consultation.timezone) ; --until JOUR compte ce jour entier. Période par défaut : "
        "depuis la dernière synthèse envoyée, sinon les 7 derniers jours. Sans --out ni "
        "--send, le texte est affiché. Rien n'est noté : les envois programmés ne changent "
        "pas. / Dates are YYYY-MM-DD or an ISO date and time, in the city's time zone; "
        "--until DAY includes that whole day. Default period: since the last digest sent, "
        "else the last 7 days. Without --out or --send, the text is printed. Nothing is "
        "recorded: scheduled digests are not affected.",
    )
    digest.add_argument(
        "--since", default=None, metavar="DATE", help="début de la période / start of the period"
    )
    digest.add_argument(
        "--until",
        default=None,
        metavar="DATE",
        help="fin (sinon maintenant) / end (default: now)",
    )
    digest.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="y écrire texte, HTML, graphiques, CSV et XLSX / write text, HTML, charts, "
        "CSV and XLSX there",
    )
    digest.add_argument(
        "--send",
        action="store_true",
        help="l'envoyer aux groupes de l'équipe et/ou par e-mail / send it to the staff "
        "chats and/or by e-mail",
    )
    export = commands.add_parser(
        "export",
        help="exporter les réponses, sous pseudonyme / export the answers, pseudonymous",
        description="jsonl : un objet JSON par participation ; csv, xlsx : une ligne par "
        "participation, une colonne par question. / jsonl: one JSON object per session; "
        "csv, xlsx: one row per session, one column per question.",
    )
    export.add_argument(
        "--format",
        choices=("jsonl", "csv", "xlsx"),
        default="jsonl",
        help="jsonl (par défaut), csv ou xlsx / jsonl (default), csv or xlsx",
    )
    export.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="fichier (sinon la sortie standard ; xlsx : <consultation>.xlsx) / file "
        "(default: standard output; xlsx: <consultation>.xlsx)",
    )
    export.add_argument(
        "--consultation",
        default=None,
        metavar="ID",
        help="cette consultation seulement (csv, xlsx : obligatoire s'il y en a plusieurs) / "
        "only this consultation (csv, xlsx: required if there are several)",
    )
    relay_cli.add_parsers(commands)
    privacy_cli.add_parsers(commands)
    news_cli.add_parsers(commands)
    moderation_cli.add_parsers(commands)
    return parser


@contextlib.contextmanager
def naming(path: Path | None) -> Iterator[None]:
    """Failures to write `path` name it: a full disk's error (ENOSPC) names no file."""
    try:
        yield
    except OSError as error:
        if path is not None and error.filename is None and not isinstance(error, BrokenPipeError):
            error.filename = str(path)
        raise


def os_problem(error: OSError) -> str:
    """A failed file operation in one line: the file, then why ("no space left on device")."""
    return f"{error.filename}: {os_reason(error)}" if error.filename else os_reason(error)


def _consultations(settings: Settings) -> list[Consultation]:
    """The consultations to run; a folder without any is an error, not an idle bot."""
    directory = settings.consultation.directory or BUILTIN_DIR
    if not directory.is_dir():
        raise ConsultationError(directory, ["consultation.directory is not a folder"])
    consultations = bootstrap.consultations(settings)
    if not consultations:
        raise ConsultationError(directory, [f"{directory}: no consultation file (*.toml)"])
    return consultations


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    consultations = _consultations(settings)
    store = bootstrap.store(settings)
    secret = settings.privacy.pseudonym_secret
    conversations = Conversations(
        store,
        consultations,
        secret.get_secret_value() if secret else CONSOLE_SECRET,
        channel=Channel.CONSOLE,
        timezone=settings.consultation.timezone,
        notice=bootstrap.notice(settings),
    )
    account = args.account or getpass.getuser()

    async def session() -> None:
        await store.open()
        try:
            await chat(
                conversations,
                account,
                read_message,
                show,
                args.lang,
                database=settings.storage.path,
            )
        finally:
            await store.close()

    print(f"Parole habitante — {settings.storage.path}")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: the chat said goodbye
        asyncio.run(session())
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Update
    from telegram.error import TelegramError

    from bot.scheduling import schedule_problems
    from bot.telegram.app import build_application

    problems = settings.run_problems() + schedule_problems(settings)
    if problems:
        for problem in problems:
            print(f"parole run: {config_problems.both(problem)}", file=sys.stderr)
        return 2
    assert settings.telegram.token is not None  # bot_problems() refused to start without one
    for handler in logging.getLogger().handlers:
        handler.addFilter(RunLogFilter(settings.telegram.token.get_secret_value()))
    consultations = _consultations(settings)
    application = build_application(settings, bootstrap.store(settings), consultations)
    log.info("starting: %d consultation(s), database %s", len(consultations), settings.storage.path)
    heap.settle()
    try:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout
        )
    except TelegramError as error:
        # Only the start can fail this way (getMe): once polling, python-telegram-bot retries
        # by itself. One line, never the token (PTB's InvalidToken quotes it), for the journal
        # of a service restarted every 10 s.
        print(f"parole run: {_start_failure(settings, error)}", file=sys.stderr)
        return 1
    return 0


# How python-telegram-bot's own report of a failed start begins (logged with a traceback).
BOOTSTRAP_FAILURE: Final = "Network Retry Loop (Bootstrap Initialize Application)"


class RunLogFilter(logging.Filter):
    """`parole run`'s log: the token blanked out of every line and traceback, and
    python-telegram-bot's report of a failed start left out (`parole run` says it in one line;
    PTB's InvalidToken quotes the token)."""

    def __init__(self, token: str) -> None:
        """Filter out `token`."""
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the start failure; every other record, redacted."""
        message = record.getMessage()
        if record.name.startswith("telegram") and message.startswith(BOOTSTRAP_FAILURE):
            return False
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def _start_failure(settings: Settings, error: TelegramError) -> str:
    """Why `parole run` could not start on Telegram, without the token."""
    from telegram.error import InvalidToken, NetworkError

    from bot.telegram.staff import redact

    if isinstance(error, InvalidToken):
        return cli_french.both(
            "Telegram a refusé le jeton (voyez telegram.token ou PAROLE_TELEGRAM__TOKEN)",
            "Telegram refused the token (check telegram.token or PAROLE_TELEGRAM__TOKEN)",
        )
    assert settings.telegram.token is not None
    reason = redact(error, settings.telegram.token.get_secret_value())
    if isinstance(error, NetworkError):  # TimedOut too: DNS or proxy not ready at boot
        url = settings.telegram.base_url
        return f"impossible de joindre Telegram à {url} / cannot reach Telegram at {url} ({reason})"
    return f"Telegram a échoué au démarrage / Telegram failed at start ({reason})"


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from bot.scheduling import schedule_problems, smtp_server

    consultations = _consultations(settings)
    schedules = schedule_problems(settings)
    for wrong in schedules:
        print(config_problems.both(wrong), file=sys.stderr)
    if schedules:
        return 2
    today = dt.datetime.now(ZoneInfo(settings.consultation.timezone)).date()
    for consultation in consultations:
        questions = len(consultation.questions())
        opens, closes = consultation.opens, consultation.closes
        print(
            f"ok  {consultation.id} : {questions} questions, ouverte du {opens} au {closes} / "
            f"open {opens} to {closes}"
        )
        if closes < today:
            _note(
                f"{consultation.id} est close : les habitants ne peuvent plus y répondre",
                f"{consultation.id} is closed: residents can no longer answer it",
            )
        elif today < opens:
            _note(
                f"{consultation.id} n'est pas encore ouverte : les habitants pourront y "
                f"répondre à partir du {opens}",
                f"{consultation.id} is not open yet: residents can answer it from {opens}",
            )
        if args.diagram:
            print(f"\n```mermaid\n{mermaid(consultation)}```\n")
    database = settings.storage.path.absolute()
    unwritable = writable_problem(settings.storage.path)
    if args.for_run:
        problems = settings.bot_problems()
        shape = settings.token_problem()
        if settings.telegram.token is not None and shape:
            problems.insert(0, shape)
        lines = [config_problems.both(problem) for problem in problems]
        if unwritable:
            lines.append(
                f"base de données {database} : impossible de l'ouvrir en écriture : "
                f"{cli_french.reason(unwritable)} / cannot open it for writing: {unwritable}"
            )
        for line in lines:
            print(f"parole check: {line}", file=sys.stderr)
        if lines:
            return 2
    if unwritable:
        _note(
            f"base de données {database} : le bot ne pourrait pas l'ouvrir en écriture : "
            f"{cli_french.reason(unwritable)}",
            f"the bot could not open it for writing: {unwritable}",
        )
    elif settings.storage.path.is_file():
        print(f"ok  base de données / database {database}")
    else:
        _note(
            f"base de données {database} : pas encore là, `parole run` la crée",
            "not there yet: `parole run` creates it",
        )
    if settings.telegram.token is None or settings.secret_problem():
        _note(
            "pas prêt pour `parole run` (telegram.token ou privacy.pseudonym_secret)",
            "not ready for `parole run` (telegram.token or privacy.pseudonym_secret)",
        )
    for note in settings.setup_notes():
        print(f"note : {config_problems.both(note)}")
    nowhere = not settings.staff.chat_ids and smtp_server(settings.digest.email) is None
    for schedule in settings.digest.schedules:
        print(
            f"ok  synthèse programmée / digest schedule {schedule.name} : {schedule.cron} "
            f"({schedule.timezone})"
        )
    if settings.digest.schedules and nowhere:
        _note(
            "les synthèses programmées ne vont nulle part : renseignez staff.chat_ids ou "
            "digest.email (host et recipients)",
            "the digest schedules have nowhere to go: set staff.chat_ids or digest.email "
            "(host and recipients)",
        )
    return 0


def _note(french: str, english: str) -> None:
    """A line of `parole check` about what works, but not as it should."""
    print(f"note : {cli_french.both(french, english)}")


def _import(settings: Settings, args: argparse.Namespace) -> int:
    return relay_cli.import_command(settings, args, _consultations(settings))


def _export(settings: Settings, args: argparse.Namespace) -> int:
    store = bootstrap.existing_store(settings, "export", missing=cli_french.NO_DATABASE_BOTH)
    if store is None:
        return 2
    if args.format in ("csv", "xlsx"):
        return _export_table(settings, args, store)
    from digest.exports import json_line  # here, as in _export_table: it loads xlsxwriter

    async def write(out: IO[str]) -> int:
        await store.open()
        count = 0
        try:
            async for session in store.export(args.consultation):
                out.write(json_line(export_record(session)) + "\n")
                count += 1
        finally:
            await store.close()
        return count

    if args.out is None:
        asyncio.run(write(sys.stdout))
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)  # as csv, xlsx and digest --out do
        with naming(args.out), args.out.open("w", encoding="utf-8") as out:
            count = asyncio.run(write(out))
        print(_written(count, "", args.out), file=sys.stderr)
    return 0


def _written(count: int, consultation: str, out: Path) -> str:
    """What an export wrote, where (`consultation` named if given)."""
    of = (f" de {consultation}", f" of {consultation}") if consultation else ("", "")
    french = cli_french.count(count, "participation", "participations")
    wrote = "écrite" if count <= 1 else "écrites"
    english = cli_french.count(count, "session", "sessions", french=False)
    return f"{french}{of[0]} {wrote} dans {out} / {english}{of[1]} written to {out}"


def _export_table(settings: Settings, args: argparse.Namespace, store: SqliteStore) -> int:
    """`parole export --format csv|xlsx`: one consultation, one row per session."""
    from digest.exports import export_csv, export_xlsx

    consultations = _consultations(settings)
    known = ", ".join(c.id for c in consultations)
    if args.consultation is not None:
        chosen = [c for c in consultations if c.id == args.consultation]
        if not chosen:
            wanted = args.consultation
            print(
                f"parole export: aucune consultation « {wanted} » ({known}) / no consultation "
                f"'{wanted}' ({known})",
                file=sys.stderr,
            )
            return 2
    elif len(consultations) == 1:
        chosen = consultations
    else:
        print(
            f"parole export: --consultation est nécessaire / --consultation is required ({known})",
            file=sys.stderr,
        )
        return 2
    consultation = chosen[0]
    out: Path | None = args.out
    if out is None and args.format == "xlsx":
        out = Path(f"{consultation.id}.xlsx")  # a spreadsheet is no use on a terminal

    zone = settings.consultation.timezone

    async def write(out: IO[str] | Path) -> int:
        await store.open()
        try:
            if isinstance(out, Path) and args.format == "xlsx":
                return await export_xlsx(store, consultation, out, timezone=zone)
            # A pipe gets no byte order mark; a file does (Excel needs it for accents).
            return await export_csv(
                store, consultation, out, bom=isinstance(out, Path), timezone=zone
            )
        finally:
            await store.close()

    with naming(out):
        count = asyncio.run(write(sys.stdout if out is None else out))
    if out is not None:
        print(_written(count, consultation.id, out), file=sys.stderr)
    return 0


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from digest import notes
    from digest.bundle import build_bundle
    from digest.model import Period
    from digest.schedule import on_demand_period

    store = bootstrap.existing_store(settings, "digest", missing=cli_french.NO_DATABASE_BOTH)
    if store is None:
        return 2
    zone = settings.consultation.timezone
    try:
        option, given = "--since", args.since
        since = parse_when(given, zone) if given else None
        option, given = "--until", args.until
        # As /digest: up to now at the latest, a period to come has nothing to count.
        until = min(parse_when(given, zone, end_of_day=True), utc_now()) if given else utc_now()
    except ValueError as error:
        print(
            f"parole digest: {option} : « {given} » n'est ni une date (AAAA-MM-JJ) ni une date "
            f"et heure ISO / {error}",
            file=sys.stderr,
        )
        return 2
    if since is not None and since >= until:
        print(
            "parole digest: --since doit être avant --until / --since must be before --until",
            file=sys.stderr,
        )
        return 2
    if args.send:
        problem = _send_problem(settings)
        if problem:
            print(f"parole digest: {problem}", file=sys.stderr)
            return 2
    consultations = _consultations(settings)
    digest = settings.digest

    async def work() -> int:
        await store.open()
        try:
            if since is None:
                last = await store.last_sent_end(None)
                period = on_demand_period(last, until, timezone=zone)
                heading = notes.on_demand_heading(period, last, zone)
            else:
                period = Period(since, until)
                heading = notes.custom_heading(period, zone)
            bundle = await build_bundle(
                store,
                consultations,
                period,
                heading=heading,
                timezone=zone,
                min_group_size=digest.min_group_size,
                recent_texts=digest.recent_texts,
                abandon_after_hours=digest.abandon_after_hours,
            )
        finally:
            await store.close()
        if args.out is not None:
            try:
                written = bundle.write(args.out)
            except OSError as error:
                # A folder that cannot be written is a mistake in the arguments: one line, and
                # nothing sent either (the command did not do what was asked).
                print(f"parole digest: {_write_failure(error, args.out)}", file=sys.stderr)
                return 2
            files = len(written)
            print(
                f"{cli_french.count(files, 'fichier écrit', 'fichiers écrits')} dans {args.out} "
                f"/ {cli_french.count(files, 'file', 'files', french=False)} written to "
                f"{args.out}",
                file=sys.stderr,
            )
        if args.send:
            return await _send_digest(settings, bundle)
        if args.out is None:
            print(f"{bundle.heading}\n\n{bundle.plain}", end="")
        return 0

    return asyncio.run(work())


def _write_failure(error: OSError, folder: Path) -> str:
    """The folder and why it could not be written (and which file, if not the folder)."""
    reason = error.strerror or str(error)
    french = cli_french.reason(reason)
    if error.filename is not None and Path(error.filename) != folder:
        french += f" ({error.filename})"
        reason += f" ({error.filename})"
    return f"impossible d'écrire dans {folder} : {french} / cannot write {folder}: {reason}"


def _send_problem(settings: Settings) -> str | None:
    """Why `parole digest --send` cannot send anything (French, then English), or None."""
    from bot.scheduling import schedule_problems, smtp_server

    if not settings.staff.chat_ids and smtp_server(settings.digest.email) is None:
        return cli_french.both(
            "--send demande staff.chat_ids ou digest.email (host et recipients)",
            "--send needs staff.chat_ids or digest.email (host and recipients)",
        )
    if settings.staff.chat_ids and settings.telegram.token is None:
        return config_problems.both("telegram.token is missing (set it or PAROLE_TELEGRAM__TOKEN)")
    problems = schedule_problems(settings)
    return config_problems.both(problems[0]) if problems else None


async def _send_digest(settings: Settings, bundle: Bundle) -> int:
    """Deliver `bundle` to every staff chat and by e-mail; 1 if any delivery failed."""
    from telegram.error import TelegramError

    from bot.scheduling import smtp_server
    from bot.telegram.app import standalone_bot
    from bot.telegram.staff import DeliveryFailed, TelegramChat, redact
    from digest.email import EmailDestination

    failures = 0
    server = smtp_server(settings.digest.email)
    if server is not None:
        try:
            await EmailDestination(server).deliver(bundle)
            n = len(server.recipients)
            french = cli_french.count(n, "destinataire", "destinataires")
            english = cli_french.count(n, "recipient", "recipients", french=False)
            print(f"envoyée par e-mail à {french} / sent by e-mail to {english}", file=sys.stderr)
        except Exception as error:
            failures += 1
            print(
                "parole digest: l'envoi par e-mail a échoué / e-mail failed: "
                f"{type(error).__name__}: {error}",
                file=sys.stderr,
            )
    if settings.staff.chat_ids:
        assert settings.telegram.token is not None
        token = settings.telegram.token.get_secret_value()
        bot = standalone_bot(settings)
        try:
            async with bot:
                for chat_id in settings.staff.chat_ids:
                    try:
                        await TelegramChat(bot, chat_id).deliver(bundle)
                        print(
                            f"envoyée à la discussion Telegram {chat_id} / sent to Telegram "
                            f"chat {chat_id}",
                            file=sys.stderr,
                        )
                    except DeliveryFailed as error:
                        failures += 1
                        print(
                            f"parole digest: l'envoi à la discussion Telegram {chat_id} a échoué "
                            f"/ Telegram chat {chat_id} failed: {error}",
                            file=sys.stderr,
                        )
        except TelegramError as error:  # the token was refused, or the server is unreachable
            failures += 1
            print(
                f"parole digest: Telegram a refusé le jeton ou n'a pas répondu / Telegram "
                f"failed: {redact(error, token)}",
                file=sys.stderr,
            )
    return 1 if failures else 0


def export_record(session: ExportedSession) -> dict[str, object]:
    """One exported session as JSON-ready data: no Telegram id, no name."""
    return {
        "session": session.session_id,
        "participant": session.participant_id,
        "consultation": session.consultation_id,
        "channel": session.channel.value,
        "status": session.status.value,
        "created_at": session.created_at.isoformat(),
        "updated_at": session.updated_at.isoformat(),
        "completed_at": session.completed_at.isoformat() if session.completed_at else None,
        "answers": {
            step: answer.model_dump(exclude_defaults=True)
            for step, answer in session.answers.items()
        },
    }
