"""bot.news: who gets follow-up news, in which language, and whose contact a failure drops."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot import news
from bot.privacy import Privacy
from flows.model import Lang
from storage.base import Channel
from storage.sqlite import SqliteStore

SECRET = "a-test-secret-of-enough-length"
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@dataclass
class Outcome:
    delivered: list[int]
    failed: dict[int, str]


@dataclass
class RecordingDeliver:
    """A fake transport: records each send; chats in `failures` fail with that error type."""

    failures: Mapping[int, str] = field(default_factory=dict)
    sent: list[tuple[list[int], str]] = field(default_factory=list)

    async def __call__(self, chats: list[int], html: str) -> news.Delivery:
        self.sent.append((sorted(chats), html))
        failed = {chat: self.failures[chat] for chat in chats if chat in self.failures}
        return Outcome([chat for chat in chats if chat not in failed], failed)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "parole.sqlite3") as opened:
        yield opened


def privacy(store: SqliteStore, secret: str = SECRET) -> Privacy:
    return Privacy(store, [], secret, channel=Channel.TELEGRAM)


async def residents(store: SqliteStore, chats: Sequence[tuple[int, Lang | None]]) -> None:
    """One resident per (chat id, language) who asked for news."""
    for chat, lang in chats:
        who = await store.participant(f"resident-{chat}", NOW)
        if lang is not None:
            await store.set_language(who.id, lang)
        await privacy(store).keep_contact(who.id, chat, NOW)


async def kept(store: SqliteStore) -> list[int]:
    return sorted(r.chat_id for r in (await privacy(store).recipients()).readable)


async def test_each_language_gets_one_send_with_its_footer(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en"), (103, None)])
    deliver = RecordingDeliver()
    report = await news.send(privacy(store), "Le jardin ouvre samedi.", deliver)
    assert report == news.NewsReport(delivered=3, failed=0, dropped=0, unreadable=0)
    by_chats = dict((tuple(chats), html) for chats, html in deliver.sent)
    assert by_chats[(101, 103)].endswith("<i>" + news.footer("fr") + "</i>"), "French by default"
    assert by_chats[(102,)].endswith("<i>" + news.footer("en") + "</i>")


async def test_a_chat_not_found_loses_its_contact_when_others_got_the_message(
    store: SqliteStore,
):
    await residents(store, [(101, "fr"), (102, "fr"), (103, "fr")])
    deliver = RecordingDeliver({102: "BadRequest", 103: "NetworkError"})
    report = await news.send(privacy(store), "Nouvelles", deliver)
    assert (report.delivered, report.failed, report.dropped) == (1, 2, 1)
    assert await kept(store) == [101, 103], "a network error keeps the contact"


async def test_a_message_refused_by_every_chat_costs_nobody_their_contact(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en")])
    deliver = RecordingDeliver({101: "BadRequest", 102: "BadRequest"})
    report = await news.send(privacy(store), "Nouvelles", deliver)
    assert (report.delivered, report.failed, report.dropped) == (0, 2, 0)
    assert await kept(store) == [101, 102]


async def test_a_blocked_chat_loses_its_contact_even_when_nobody_got_the_message(
    store: SqliteStore,
):
    await residents(store, [(101, "fr")])
    report = await news.send(privacy(store), "Nouvelles", RecordingDeliver({101: "Forbidden"}))
    assert report.dropped == 1 and await kept(store) == []


async def test_a_contact_sealed_with_another_secret_is_counted_not_sent(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "fr")])
    deliver = RecordingDeliver()
    report = await news.send(privacy(store, "another-secret-of-enough-length"), "Hi", deliver)
    assert report == news.NewsReport(delivered=0, failed=0, dropped=0, unreadable=2)
    assert deliver.sent == []
    assert await kept(store) == [101, 102], "kept: the secret may come back"


async def test_the_text_is_escaped_and_the_report_names_no_one(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "fr")])
    deliver = RecordingDeliver({102: "Forbidden"})
    report = await news.send(privacy(store), "  Travaux <rue> & place  \n", deliver)
    [(_, html)] = deliver.sent
    assert html.startswith("Travaux &lt;rue&gt; &amp; place\n\n<i>")
    text = news.report_text(report)
    assert text == (
        "✅ Nouvelles envoyées : 1 reçu(s), 1 échec(s).\n"
        "1 contact(s) retiré(s) : l'habitant a bloqué le bot ou son compte n'existe plus."
    )
    assert "101" not in text and "102" not in text
