"""How long the bot's handler groups take to find who handles an update.

    python bench/dispatch.py [--repeat 20000]

python-telegram-bot asks every handler of a group, in order, whether it takes an update. The
bot (`build_application`, with staff, relays, privacy, news, moderation and residents) puts each
group behind a `KindIndex` (bot/telegram/dispatch.py), which asks only the handlers that can
take the update's kind. For a resident's button press and typed text, this prints the time
the groups' checks take, indexed as the bot runs and one handler after the other as
python-telegram-bot would, and checks that both pick the same handlers. Only the checks are
timed (no handler runs); `bench/throughput.py` times whole updates, where this difference is
within the run-to-run spread of this shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import timeit
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

_BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(_BENCH.parent))

from _fake_transport import FastRequest  # noqa: E402
from throughput import FIRST_USER_ID, TOKEN, parole_settings  # noqa: E402

from bot.bootstrap import consultations  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from bot.telegram.dispatch import KindIndex  # noqa: E402
from bot.telegram.intake import decode  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

RESIDENT = {"id": FIRST_USER_ID, "is_bot": False, "first_name": "Habitant", "language_code": "fr"}
CHAT = {"id": FIRST_USER_ID, "type": "private", "first_name": "Habitant"}
SCREEN = {
    "message_id": 2,
    "date": 1_790_000_000,
    "chat": CHAT,
    "from": {"id": 123456, "is_bot": True, "first_name": "Parole habitante"},
    "text": "Question 2 sur 12\n\nDans quel quartier habitez-vous ?",
    "entities": [{"type": "bold", "offset": 19, "length": 32}],
    "reply_markup": {
        "inline_keyboard": [
            [{"text": name, "callback_data": f"s1|2|a:{code}"}]
            for code, name in enumerate(["Centre", "Nord", "Sud", "Est", "Ouest"])
        ]
    },
}
UPDATES: dict[str, dict[str, Any]] = {
    "button press": {
        "update_id": 1,
        "callback_query": {
            "id": "1",
            "from": RESIDENT,
            "message": SCREEN,
            "chat_instance": "1",
            "data": "s1|2|a:1",
        },
    },
    "typed text": {
        "update_id": 2,
        "message": {
            "message_id": 3,
            "date": 1_790_000_000,
            "chat": CHAT,
            "from": RESIDENT,
            "text": "Plus de bancs et de lumière dans le parc",
        },
    },
}


def one_by_one(groups: Sequence[Sequence[Any]], update: object) -> list[Any]:
    """python-telegram-bot's own loop: in each group, the first handler that takes it."""
    picked = []
    for handlers in groups:
        for handler in handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                picked.append(handler)
                break
    return picked


def indexed(groups: Sequence[Any], update: object) -> list[Any]:
    """The bot's groups as they run."""
    picked = []
    for group in groups:
        check = group.check_update(update)
        if check is not None and check is not False:
            picked.append(check[0] if isinstance(group, KindIndex) else group)
    return picked


async def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="parole-dispatch-") as folder:
        settings = parole_settings(Path(folder) / "bench.sqlite3", 256)
        app = build_application(
            settings,
            SqliteStore(settings.storage.path),
            consultations(settings),
            request=FastRequest(TOKEN, {}),
        )
        await app.initialize()
        assert app.post_init is not None and app.post_shutdown is not None
        await app.post_init(app)
        try:
            groups = [handlers[0] for handlers in app.handlers.values()]
            plain = [g.handlers if isinstance(g, KindIndex) else (g,) for g in groups]
            total = sum(len(handlers) for handlers in plain)
            print(f"{total} handlers in {len(groups)} groups")
            print(f"{'update':14} {'indexed µs':>11} {'one by one µs':>14}")
            for name, data in UPDATES.items():
                update = decode(data, app.bot)
                assert indexed(groups, update) == one_by_one(plain, update), name
                fast = timeit.timeit(partial(indexed, groups, update), number=repeat)
                slow = timeit.timeit(partial(one_by_one, plain, update), number=repeat)
                print(f"{name:14} {fast / repeat * 1e6:>11.1f} {slow / repeat * 1e6:>14.1f}")
            print("check: both pick the same handlers")
        finally:
            await app.shutdown()
            await app.post_shutdown(app)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().repeat))
