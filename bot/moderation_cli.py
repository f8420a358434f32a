"""`parole moderation list|hide|show`: staff hide residents' texts from digests and exports.

What it says is French first, then English (bot.cli_french.both); `list`'s lines are a
table whose state column is a single French word, so the reference staff copy stays first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot import bootstrap, cli_french
from bot.moderation import LATEST, Moderation, Ref, parse_ref
from bot.moderation_texts import say
from bot.settings import Settings
from storage.moderation import ModeratedText
from storage.sqlite_reports import WITHHELD_TEXT

# A resident text printed whole, on one line (controls and line breaks made spaces).
LINE_LIMIT = 100_000
MAX_LIMIT = 1_000_000  # texts `list` prints at most: more than a city's consultation holds


def add_parsers(commands: Any) -> None:
    """Add `moderation` to the `parole` sub-commands."""
    parser = commands.add_parser(
        "moderation",
        help="les textes des habitants : les lister, en masquer un, le remontrer / residents' "
        "texts: list them, hide one, show it again",
        description="Un texte masqué reste enregistré et sa réponse compte ; les synthèses "
        f"l'omettent et les exports montrent « {WITHHELD_TEXT} » à sa place. Un texte est "
        "nommé par sa référence SESSION:ÉTAPE, comme `list` l'affiche. Les textes signalés "
        "par la protection ne sont jamais listés. / A hidden text stays stored and its answer "
        f"still counts; digests leave it out and exports show '{WITHHELD_TEXT}' instead. A "
        "text is named by its reference SESSION:STEP, as `list` prints it. Texts flagged by "
        "safeguarding are never listed.",
    )
    actions = parser.add_subparsers(dest="moderation_command", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="les derniers textes, du plus récent / the latest texts, most recent first",
    )
    listing.add_argument(
        "--hidden", action="store_true", help="les textes masqués seulement / only hidden texts"
    )
    listing.add_argument(
        "--limit",
        type=_positive,
        default=LATEST,
        metavar="N",
        help=f"au plus N ({LATEST}) / at most N (default {LATEST})",
    )
    for action, what in (
        ("hide", "masquer un texte / hide a text"),
        ("show", "remontrer un texte masqué / show a hidden text again"),
    ):
        actions.add_parser(action, help=what).add_argument(
            "ref",
            metavar="REF",
            help="sa référence, par exemple 123:proposition / the text's reference, such as "
            "123:proposition",
        )


def _positive(value: str) -> int:
    # SQLite's integers stop at 2**63 - 1: a bigger LIMIT was an OverflowError traceback.
    if not value.strip().isdecimal() or not 1 <= int(value) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"un nombre entier de 1 à {MAX_LIMIT} / a whole number from 1 to {MAX_LIMIT}"
        )
    return int(value)


def line(text: ModeratedText, timezone: str) -> str:
    """One text as `list` prints it: reference, date, state, then the text."""
    # Imported here: digest.layout brings matplotlib, whose start-up every other command
    # (a nightly `parole backup` from cron) would pay, and warn about without a cache folder.
    from digest.layout import clean_text

    date = text.answered_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    state = "masqué" if text.hidden_at else "visible"
    return f"{Ref.of(text)}  {date}  {state}  {clean_text(text.text, LINE_LIMIT)}"


def moderation_command(settings: Settings, args: argparse.Namespace) -> int:
    """`parole moderation list|hide|show`."""
    ref: Ref | None = None
    if args.moderation_command != "list":
        ref = parse_ref(args.ref)
        if ref is None:
            print(
                f"parole moderation: « {args.ref} » n'est pas une référence comme "
                f"123:proposition / {args.ref!r} is not a reference like 123:proposition",
                file=sys.stderr,
            )
            return 2
    store = bootstrap.existing_store(settings, "moderation", missing=cli_french.NO_DATABASE_BOTH)
    if store is None:
        return 2

    async def work() -> int:
        await store.open()
        try:
            moderation = Moderation(store)
            if ref is None:
                # One more than asked, to tell staff that older texts were left out.
                texts = await moderation.latest(args.limit + 1, hidden_only=args.hidden)
                for text in texts[: args.limit]:
                    print(line(text, settings.consultation.timezone))
                if not texts:
                    none = "none_hidden" if args.hidden else "none"
                    print(cli_french.both(say(none, "fr"), say(none, "en")))
                if len(texts) > args.limit:
                    print(
                        f"parole moderation: textes plus anciens non listés : augmentez --limit "
                        f"({args.limit} pour l'instant) / older texts not listed: raise --limit "
                        f"(now {args.limit})",
                        file=sys.stderr,
                    )
                return 0
            if args.moderation_command == "hide":
                changed = await moderation.hide(ref)
            else:
                changed = await moderation.show(ref)
        finally:
            await store.close()
        if changed is None:
            print(
                f"parole moderation: aucun texte d'habitant {ref} / no resident text {ref}",
                file=sys.stderr,
            )
            return 2
        if changed.text.hidden_at:
            done = cli_french.both(
                "texte masqué, absent des synthèses et des exports",
                "text hidden, left out of digests and exports",
            )
        else:
            done = cli_french.both(
                "texte réaffiché, de retour dans les synthèses et les exports",
                "text shown again, back in digests and exports",
            )
        print(f"{ref} : {done}")
        return 0

    return asyncio.run(work())


HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "moderation": moderation_command
}
