"""Each group's handlers behind a KindIndex pick exactly the handler python-telegram-bot would."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import StaffSettings
from bot.telegram.app import TelegramApp, build_application
from bot.telegram.dispatch import KindIndex
from bot.telegram.intake import decode
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.conftest import QUARTIERS
from tests.fakebotapi import FakeBotApi, FakeRequest
from tests.telegram.harness import settings_for

STAFF = 7001
RESIDENT = 7002
GROUP = -100_123
_ids = itertools.count(1)


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "X", "language_code": "fr"}


def chat(cid: int) -> dict[str, Any]:
    kind = "private" if cid > 0 else "supergroup"
    return {"id": cid, "type": kind, **({"title": "Équipe"} if cid < 0 else {})}


def message(uid: int, cid: int, text: str | None = None, **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": next(_ids),
        "date": 1_790_000_000,
        "chat": chat(cid),
        "from": user(uid),
        **more,
    }
    if text is not None:
        data["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return data


def press(uid: int, cid: int, data: str) -> dict[str, Any]:
    shown = message(1, cid, "/start ou une question ?", reply_markup={"inline_keyboard": []})
    shown["from"] = {"id": 1, "is_bot": True, "first_name": "Parole"}
    return {"id": str(next(_ids)), "from": user(uid), "message": shown, "chat_instance": "1",
            "data": data}  # fmt: skip


def member(uid: int, cid: int) -> dict[str, Any]:
    return {
        "chat": chat(cid),
        "from": user(uid),
        "date": 1_790_000_000,
        "old_chat_member": {"user": user(1), "status": "left"},
        "new_chat_member": {"user": user(1), "status": "member"},
    }


def updates() -> list[dict[str, Any]]:
    """Every kind of update the bot may get, from a resident, a staff member, in a group."""
    found: list[dict[str, Any]] = []
    for uid, cid in ((RESIDENT, RESIDENT), (STAFF, STAFF), (STAFF, GROUP), (RESIDENT, GROUP)):
        texts = ["/start", "/start c-vivre-ensemble", "/aide", "/langue en", "/digest",
                 "/relais", "/moderation", "/nouvelles", "/oubli", "/inconnue", "bonjour",
                 "/start@autre_bot", "2", "Oui"]  # fmt: skip
        found += [{"message": message(uid, cid, text)} for text in texts]
        found += [
            {
                "message": message(
                    uid,
                    cid,
                    sticker={
                        "file_id": "s",
                        "file_unique_id": "s",
                        "type": "regular",
                        "width": 1,
                        "height": 1,
                        "is_animated": False,
                        "is_video": False,
                    },
                )
            },
            {"message": message(uid, cid, caption="une photo", photo=[])},
            {
                "message": message(
                    uid,
                    cid,
                    "transféré",
                    forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "Y"},
                )
            },
            {"edited_message": message(uid, cid, "corrigé", edit_date=1_790_000_100)},
            {"my_chat_member": member(uid, cid)},
            {"chat_member": member(uid, cid)},
        ]
        datas = ["s1|0|a:x", "m|0|s", "cvivre-ensemble|0|y", "oubli|y|1", "nw|s|t", "md|h|1",
                 "rl|x", "", "n'importe quoi"]  # fmt: skip
        found += [{"callback_query": press(uid, cid, data)} for data in datas]
    found.append({"channel_post": message(1, GROUP, "annonce")})
    found.append({"inline_query": {"id": "q", "from": user(RESIDENT), "query": "", "offset": ""}})
    return [{"update_id": next(_ids), **update} for update in found]


def linear(handlers: tuple[Any, ...], update: object) -> Any:
    """The handler python-telegram-bot's own loop over a group would pick."""
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[TelegramApp]:
    """The bot as `parole run` builds it, started (its username known, its store open)."""
    api = FakeBotApi()
    settings = settings_for(tmp_path / "db.sqlite3", api).model_copy(
        update={"staff": StaffSettings(user_ids=[STAFF], chat_ids=[GROUP])}
    )
    vivre = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    app = build_application(
        settings, SqliteStore(settings.storage.path), [vivre], request=FakeRequest(api)
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    yield app
    await app.shutdown()
    await app.post_shutdown(app)


def indexed(app: TelegramApp) -> list[KindIndex]:
    groups = [handlers[0] for handlers in app.handlers.values() if len(handlers) == 1]
    return [group for group in groups if isinstance(group, KindIndex)]


def test_every_group_of_several_handlers_is_indexed(started: TelegramApp) -> None:
    assert all(len(handlers) == 1 for handlers in started.handlers.values())
    assert len(indexed(started)) >= 2  # the relays' group and the default one, at least
    assert sum(len(group.handlers) for group in indexed(started)) >= 40


def test_the_index_picks_the_handler_the_linear_loop_picks(started: TelegramApp) -> None:
    picked = 0
    for data in updates():
        update = decode(data, started.bot)
        for group in indexed(started):
            found = group.check_update(update)
            expected = linear(group.handlers, update)
            assert (found[0] if found else None) is expected, data
            picked += expected is not None
    not_update = "a job's payload, not an update"
    for group in indexed(started):
        assert group.check_update(not_update) is None
        assert linear(group.handlers, not_update) is None
    assert picked > 40  # the updates reach real handlers, not only "none takes it"
