"""The `parole` command line: chat, run, check, export."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import os
import sys
import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from bot import bootstrap
from bot.console import chat
from bot.conversation import Conversations
from bot.settings import Settings, load_settings
from flows.diagram import mermaid
from flows.loader import BUILTIN_DIR, ConsultationError
from flows.model import Consultation
from storage.base import Channel, ExportedSession

log = logging.getLogger("parole")

# Console participants are local accounts, never Telegram ids, so a fixed key is harmless.
CONSOLE_SECRET = "parole-console-local"  # noqa: S105


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parole` program."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
    except (ValidationError, FileNotFoundError, tomllib.TOMLDecodeError) as error:
        print(_config_problem(args.config, error), file=sys.stderr)
        return 2
    handler = {"chat": _chat, "run": _run, "check": _check, "export": _export}[args.command]
    try:
        return handler(settings, args)
    except ConsultationError as error:
        print(error, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parole", description="Parole habitante")
    parser.add_argument(
        "--config", type=Path, default=None, help="TOML configuration (default: $PAROLE_CONFIG)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    talk = commands.add_parser("chat", help="answer the consultation in this terminal")
    talk.add_argument("--as", dest="account", default=None, help="local resident name")
    talk.add_argument("--lang", choices=("fr", "en"), default="fr")
    commands.add_parser("run", help="run the Telegram bot (long polling)")
    check = commands.add_parser("check", help="validate the configuration and consultation files")
    check.add_argument(
        "--diagram", action="store_true", help="also print each consultation as a Mermaid chart"
    )
    export = commands.add_parser("export", help="export the answers, pseudonymous")
    export.add_argument("--format", choices=("jsonl",), default="jsonl")
    export.add_argument("--out", type=Path, default=None, help="file (default: standard output)")
    export.add_argument("--consultation", default=None, help="only this consultation id")
    return parser


def _config_problem(path: Path | None, error: Exception) -> str:
    where = str(path or os.environ.get("PAROLE_CONFIG") or "configuration")
    if isinstance(error, ValidationError):
        lines = [
            f"{where}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        ]
        return "\n".join(lines)
    if isinstance(error, tomllib.TOMLDecodeError):
        return f"{where}: is not valid TOML: {error}"
    return f"{where}: {error}"


def _consultations(settings: Settings) -> list[Consultation]:
    """The consultations to run; a folder without any is an error, not an idle bot."""
    directory = settings.consultation.directory or BUILTIN_DIR
    if not directory.is_dir():
        raise ConsultationError(directory, ["consultation.directory is not a folder"])
    consultations = bootstrap.consultations(settings)
    if not consultations:
        raise ConsultationError(directory, [f"{directory}: no consultation file (*.toml)"])
    return consultations


async def _read_line(prompt: str) -> str | None:
    """`input()` without blocking the loop; None at the end of input.

    The line is read in a daemon thread, not with `asyncio.to_thread`: on Ctrl-C,
    `asyncio.run` waits for its executor's threads, so a thread blocked in `input()` would
    hang the program until Enter is pressed.
    """
    loop = asyncio.get_running_loop()
    line: asyncio.Future[str | None] = loop.create_future()

    def settle(result: str | BaseException | None) -> None:
        if line.done():
            return
        if isinstance(result, BaseException):
            line.set_exception(result)
        else:
            line.set_result(result)

    def read() -> None:
        result: str | BaseException | None
        try:
            result = input(prompt)
        except EOFError:
            result = None
        except Exception as error:
            result = error
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result)

    threading.Thread(target=read, name="parole-input", daemon=True).start()
    return await line


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
    )
    account = args.account or getpass.getuser()

    async def session() -> None:
        await store.open()
        try:
            await chat(conversations, account, _read_line, print, args.lang)
        finally:
            await store.close()

    print(f"Parole habitante — {settings.storage.path}")
    try:
        asyncio.run(session())
    except KeyboardInterrupt:
        print()
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.telegram.app import build_application

    problems = []
    if settings.telegram.token is None:
        problems.append("telegram.token is missing (set it or PAROLE_TELEGRAM__TOKEN)")
    secret_problem = settings.secret_problem()
    if secret_problem:
        problems.append(f"{secret_problem} (set it or PAROLE_PRIVACY__PSEUDONYM_SECRET)")
    if problems:
        for problem in problems:
            print(f"parole run: {problem}", file=sys.stderr)
        return 2
    consultations = _consultations(settings)
    application = build_application(settings, bootstrap.store(settings), consultations)
    log.info("starting: %d consultation(s), database %s", len(consultations), settings.storage.path)
    application.run_polling(
        allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout
    )
    return 0


def _check(settings: Settings, args: argparse.Namespace) -> int:
    consultations = _consultations(settings)
    for consultation in consultations:
        questions = len(consultation.questions())
        print(
            f"ok  {consultation.id}: {questions} questions, "
            f"open {consultation.opens} to {consultation.closes}"
        )
        if args.diagram:
            print(f"\n```mermaid\n{mermaid(consultation)}```\n")
    problem = settings.secret_problem()
    if settings.telegram.token is None or problem:
        print("note: not ready for `parole run` (telegram.token or privacy.pseudonym_secret)")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.storage.path.is_file():
        # Opening would create an empty database there and export nothing, silently.
        print(f"parole export: no database at {settings.storage.path}", file=sys.stderr)
        return 2
    store = bootstrap.store(settings)

    async def write(out: IO[str]) -> int:
        await store.open()
        count = 0
        try:
            async for session in store.export(args.consultation):
                out.write(json.dumps(export_record(session), ensure_ascii=False) + "\n")
                count += 1
        finally:
            await store.close()
        return count

    if args.out is None:
        asyncio.run(write(sys.stdout))
    else:
        with args.out.open("w", encoding="utf-8") as out:
            count = asyncio.run(write(out))
        print(f"{count} session(s) written to {args.out}", file=sys.stderr)
    return 0


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
