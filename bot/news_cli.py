"""`parole news`: follow-up news to the residents who asked, previewed, then sent with --send.

What it says is French first, then English, a line per fact (bot.cli_french.both).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import bootstrap, cli_french, config_problems, news
from bot.news_texts import residents, say
from bot.privacy import Privacy
from bot.settings import Settings
from flows.loader import not_utf8
from flows.model import Lang
from storage.base import Channel
from storage.sqlite import SqliteStore
from storage.sqlite_open import os_reason

VERSIONS: dict[Lang, str] = {"fr": "en français / in French", "en": "en anglais / in English"}


def add_parsers(commands: Any) -> None:
    """Add `news` to the `parole` sub-commands."""
    parser = commands.add_parser(
        "news",
        help="des nouvelles aux habitants qui en ont demandé (un aperçu sans --send) / "
        "follow-up news to the residents who asked (a preview without --send)",
        description="Texte simple en français, de --text ou d'un fichier UTF-8 ; une version "
        "anglaise, facultative, suit une ligne qui commence par « EN : » (ou se donne avec "
        "--en) : les habitants qui ont choisi l'anglais la reçoivent, le texte français "
        "sinon. Chacun le reçoit avec une dernière ligne, dans sa langue, disant comment "
        "arrêter (/stop). Sans --send, affiche le message tel qu'il sera reçu et combien le "
        "recevraient, sans rien envoyer. Le même texte renvoyé ne va qu'à ceux qui ne l'ont "
        "pas encore reçu. / "
        "The message is plain text in French, from --text or a UTF-8 file; an English "
        "version, optional, follows a line starting with 'EN:' (or is given with --en): the "
        "residents who chose English get it, the French text otherwise. Each resident gets "
        "it with a last line, in their language, saying how to stop (/stop). Without --send, "
        "prints the message as residents will get it and how many would, and sends nothing. "
        "The same text sent again only goes to the residents it has not reached yet.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "file",
        type=Path,
        nargs="?",
        default=None,
        metavar="FICHIER",
        help="le message (UTF-8) / the message (UTF-8)",
    )
    source.add_argument(
        "--text", default=None, metavar="TEXTE", help="le message lui-même / the message itself"
    )
    parser.add_argument(
        "--en",
        default=None,
        metavar="TEXTE",
        help="la version anglaise, pour les habitants qui ont choisi l'anglais / the English "
        "version, for the residents who chose English",
    )
    parser.add_argument(
        "--send",
        action="store_true",
        help="l'envoyer (demande telegram.token et privacy.pseudonym_secret) / send it "
        "(needs telegram.token and privacy.pseudonym_secret)",
    )


def news_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole news`: preview, or with --send send, a follow-up message."""
    message = _message(args)
    if message is None:
        return 2
    if args.send:
        problems = settings.bot_problems()
        for problem in problems:
            print(f"parole news: {config_problems.both(problem)}", file=sys.stderr)
        if problems:
            return 2
    store = bootstrap.existing_store(settings, "news", missing=cli_french.NO_DATABASE_BOTH)
    if store is None:
        return 2

    async def work() -> int:
        await store.open()
        try:
            audience = await news.audience(store, message)
            if not args.send:
                _preview(message, audience)
                return 0
            if not audience.total:
                print(_both("everyone_reached" if audience.already else "nobody"))
                return 0
            return await _send(settings, store, message)
        finally:
            await store.close()

    return asyncio.run(work())


def _message(args: argparse.Namespace) -> news.News | None:
    """The message from --text or the file, and --en; None (and why, printed) if it cannot
    be sent."""
    if args.text is not None:
        typed: str = args.text
    else:
        try:
            typed = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            if isinstance(error, UnicodeDecodeError):
                why = not_utf8(error)
                unread = f"{args.file} : {cli_french.reason(why)} / {why}"
            else:
                why = os_reason(error)
                unread = (
                    f"impossible de lire {args.file} : {cli_french.reason(why)} / cannot read "
                    f"{args.file}: {why}"
                )
            print(f"parole news: {unread}", file=sys.stderr)
            return None
    try:
        return news.read(typed, args.en)
    except news.BadNews as problem:
        french, english = problem.text("fr"), problem.text("en")
        print(f"parole news: {cli_french.both(french, english)}", file=sys.stderr)
        return None


def _both(key: str, **values: object) -> str:
    """A text of bot.news_texts in French, then in English, on one line."""
    return cli_french.both(say(key, "fr", **values), say(key, "en", **values))


def _preview(message: news.News, audience: news.Audience) -> None:
    french, english = audience.langs["fr"], audience.langs["en"]
    total = audience.total
    would = "recevrait" if total <= 1 else "recevraient"
    print(
        cli_french.both(
            f"{residents(total, 'fr')} {would} ce message ({french} en français, {english} en "
            "anglais). Rien n'a été envoyé : ajoutez --send pour l'envoyer.",
            f"{residents(total, 'en')} would receive this message ({french} in French, "
            f"{english} in English). Nothing was sent: add --send to send it.",
        )
    )
    if message.en is not None:
        print(
            cli_french.both(
                "Les habitants qui ont choisi l'anglais reçoivent la version anglaise.",
                "The residents who chose English get the English version.",
            )
        )
    elif english:
        print(
            cli_french.both(
                f"{say('no_english', 'fr', n=english)} Ou donnez-la avec --en.",
                f"{say('no_english', 'en', n=english)} Or give it with --en.",
            )
        )
    if audience.already:
        already = (news.already_text(audience.already, lang) for lang in ("fr", "en"))
        print(cli_french.both(*already))
    for lang, version in VERSIONS.items():
        print(f"\n--- {version} ---\n{news.plain(message.text(lang), lang)}")


async def _send(settings: Settings, store: SqliteStore, message: news.News) -> int:
    """Send through a rate-limited bot; 1 if Telegram could not be used at all."""
    from telegram.error import TelegramError

    from bot.telegram.app import standalone_bot
    from bot.telegram.broadcast import broadcast
    from bot.telegram.staff import redact

    secret = settings.privacy.pseudonym_secret
    assert secret is not None and settings.telegram.token is not None
    privacy = Privacy(store, [], secret.get_secret_value(), channel=Channel.TELEGRAM)
    bot = standalone_bot(settings)

    async def deliver(chats: list[int], html: str) -> news.Delivery:
        return await broadcast(bot, chats, html)

    try:
        async with bot:
            report = await news.send(privacy, store, message, deliver)
    except TelegramError as error:  # the token was refused, or the server is unreachable
        token = settings.telegram.token.get_secret_value()
        print(
            "parole news: Telegram a refusé le jeton ou n'a pas répondu, rien n'a été envoyé / "
            f"Telegram failed: {redact(error, token)}",
            file=sys.stderr,
        )
        return 1
    except news.SendInProgress:
        busy = cli_french.both(news.busy_text("fr"), news.busy_text("en"))
        print(f"parole news: {busy}", file=sys.stderr)
        return 1
    # The report's lines are the same facts in both languages, in the same order.
    lines = zip(
        news.report_text(report, "fr").splitlines(),
        news.report_text(report, "en").splitlines(),
        strict=True,
    )
    for french, english in lines:
        print(cli_french.both(french, english))
    return 0


HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {"news": news_command}
