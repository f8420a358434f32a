"""bot.news: who gets follow-up news, in which language, and whose contact a failure drops."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections import Counter
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
NEWS = "Le jardin partagé ouvre samedi."

# SqliteStore is the store a preview reads (contacts and news): checked by the type checker.
_records: type[news.NewsRecords] = SqliteStore


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
    report = await news.send(privacy(store), store, news.News("Le jardin ouvre samedi."), deliver)
    assert report == news.NewsReport(delivered=3, failed=0, dropped=0, unreadable=0, already=0)
    by_chats = dict((tuple(chats), html) for chats, html in deliver.sent)
    assert by_chats[(101, 103)].endswith("<i>" + news.footer("fr") + "</i>"), "French by default"
    assert by_chats[(102,)].endswith("<i>" + news.footer("en") + "</i>")


async def test_a_chat_not_found_loses_its_contact_when_others_got_the_message(
    store: SqliteStore,
):
    await residents(store, [(101, "fr"), (102, "fr"), (103, "fr")])
    deliver = RecordingDeliver({102: "BadRequest", 103: "NetworkError"})
    report = await news.send(privacy(store), store, news.News("Nouvelles"), deliver)
    assert (report.delivered, report.failed, report.dropped) == (1, 2, 1)
    assert await kept(store) == [101, 103], "a network error keeps the contact"


async def test_a_message_refused_by_every_chat_costs_nobody_their_contact(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en")])
    deliver = RecordingDeliver({101: "BadRequest", 102: "BadRequest"})
    report = await news.send(privacy(store), store, news.News("Nouvelles"), deliver)
    assert (report.delivered, report.failed, report.dropped) == (0, 2, 0)
    assert await kept(store) == [101, 102]


async def test_a_blocked_chat_loses_its_contact_even_when_nobody_got_the_message(
    store: SqliteStore,
):
    await residents(store, [(101, "fr")])
    report = await news.send(
        privacy(store), store, news.News("Nouvelles"), RecordingDeliver({101: "Forbidden"})
    )
    assert report.dropped == 1 and await kept(store) == []


async def test_a_contact_sealed_with_another_secret_is_counted_not_sent(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "fr")])
    deliver = RecordingDeliver()
    report = await news.send(
        privacy(store, "another-secret-of-enough-length"), store, news.News("Hi"), deliver
    )
    assert report == news.NewsReport(delivered=0, failed=0, dropped=0, unreadable=2, already=0)
    assert deliver.sent == []
    assert await kept(store) == [101, 102], "kept: the secret may come back"


async def test_the_text_is_escaped_and_the_report_names_no_one(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "fr")])
    deliver = RecordingDeliver({102: "Forbidden"})
    report = await news.send(
        privacy(store), store, news.News("  Travaux <rue> & place  \n"), deliver
    )
    [(_, html)] = deliver.sent
    assert html.startswith("Travaux &lt;rue&gt; &amp; place\n\n<i>")
    text = news.report_text(report)
    assert text == (
        "✅ Nouvelles envoyées\u202f: 1 reçue, 1 échec.\n"
        "1 contact retiré\u202f: l'habitant a bloqué le bot ou son compte n'existe plus."
    )
    assert "101" not in text and "102" not in text


# -- who already received it --------------------------------------------------------------------


def chats_sent(deliver: RecordingDeliver) -> list[int]:
    return sorted(chat for chats, _ in deliver.sent for chat in chats)


async def test_the_same_text_again_reaches_only_the_residents_it_missed(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "fr"), (103, "en"), (104, "en"), (105, None)])
    outage = RecordingDeliver({102: "NetworkError", 104: "TimedOut"})
    first = await news.send(privacy(store), store, news.News(NEWS), outage)
    assert (first.delivered, first.failed, first.already) == (3, 2, 0)

    again = RecordingDeliver()
    report = await news.send(privacy(store), store, news.News(f"  {NEWS}\n"), again)  # spaces aside
    assert chats_sent(again) == [102, 104], "only the chats the outage missed"
    assert report == news.NewsReport(delivered=2, failed=0, dropped=0, unreadable=0, already=3)
    assert news.report_text(report) == (
        "✅ Nouvelles envoyées\u202f: 2 reçues, 0 échec.\n"
        "3 habitants l'avaient déjà reçu\u202f: pas de deuxième envoi."
    )

    third = RecordingDeliver()
    report = await news.send(privacy(store), store, news.News(NEWS), third)
    assert third.sent == [] and (report.delivered, report.already) == (0, 5)


async def test_a_changed_text_is_a_new_message_for_everyone(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en")])
    await news.send(privacy(store), store, news.News(NEWS), RecordingDeliver())
    deliver = RecordingDeliver()
    report = await news.send(
        privacy(store), store, news.News(NEWS.replace("samedi", "dimanche")), deliver
    )
    assert chats_sent(deliver) == [101, 102] and (report.delivered, report.already) == (2, 0)


async def test_the_audience_counts_only_who_would_get_it_now(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en"), (103, None)])
    before = await news.audience(store, news.News(NEWS))
    assert (before.langs, before.already, before.total) == (Counter(fr=2, en=1), 0, 3)
    assert await store.find_news(NEWS) is None, "a preview records nothing"

    await news.send(privacy(store), store, news.News(NEWS), RecordingDeliver({102: "NetworkError"}))
    after = await news.audience(store, news.News(NEWS))
    assert (after.langs["fr"], after.langs["en"], after.already, after.total) == (0, 1, 2, 1)
    other = await news.audience(store, news.News("Une autre nouvelle"))
    assert (other.total, other.already) == (3, 0)
    assert news.already_text(after.already, "fr") == (
        "2 habitants l'ont déjà reçu\u202f: ils ne le recevront pas une deuxième fois."
    )
    assert news.already_text(1, "en") == "1 resident already got it and will not get it twice."
    assert news.already_text(0, "fr") == ""


async def test_a_send_to_more_than_one_chunk_records_them_all(store: SqliteStore):
    await residents(store, [(1000 + i, "fr") for i in range(news.CHUNK + 1)])
    deliver = RecordingDeliver()
    report = await news.send(privacy(store), store, news.News(NEWS), deliver)
    assert [len(chats) for chats, _ in deliver.sent] == [news.CHUNK, 1]
    assert report.delivered == news.CHUNK + 1
    news_id = await store.find_news(NEWS)
    assert news_id is not None and len(await store.delivered(news_id)) == news.CHUNK + 1


class Crash(Exception):
    """The process stopping mid-send, as a test can play it."""


async def test_a_send_stopped_mid_way_keeps_the_record_of_the_chunks_done(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(news, "CHUNK", 2)
    await residents(store, [(101 + i, "fr") for i in range(5)])
    calls: list[list[int]] = []

    async def crashing(chats: list[int], html: str) -> news.Delivery:
        calls.append(sorted(chats))
        if len(calls) == 2:
            raise Crash
        return Outcome(chats, {})

    with pytest.raises(Crash):
        await news.send(privacy(store), store, news.News(NEWS), crashing)
    assert calls[0] == [101, 102]

    rest = RecordingDeliver()
    report = await news.send(privacy(store), store, news.News(NEWS), rest)
    assert [chats for chats, _ in rest.sent] == [[103, 104], [105]]
    assert (report.delivered, report.already) == (3, 2)


# -- one send at a time, across processes ----------------------------------------------------


async def test_a_second_process_cannot_send_while_a_send_runs(store: SqliteStore, tmp_path: Path):
    await residents(store, [(101, "fr"), (102, "fr"), (103, "en")])
    started, finish = asyncio.Event(), asyncio.Event()
    sent: list[int] = []

    async def slow(chats: list[int], html: str) -> news.Delivery:
        started.set()
        await finish.wait()
        sent.extend(chats)
        return Outcome(chats, {})

    first = asyncio.create_task(news.send(privacy(store), store, news.News(NEWS), slow))
    await started.wait()
    # `parole news --send` beside the bot: its own connections to the same file.
    async with SqliteStore(tmp_path / "parole.sqlite3") as other:
        second = RecordingDeliver()
        with pytest.raises(news.SendInProgress):
            await news.send(privacy(other), other, news.News(NEWS), second)
        assert second.sent == [], "refused before anything went out"
        finish.set()
        report = await first
        assert sorted(sent) == [101, 102, 103] and report.delivered == 3

        after = RecordingDeliver()
        report = await news.send(privacy(other), other, news.News(NEWS), after)
        assert after.sent == [] and report.already == 3, "the claim went with the first send"


def leave_claim(database: Path, holder: str, until: dt.datetime) -> None:
    """A claim as a process that died mid-send leaves it."""
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO leases (name, holder, until) VALUES ('news', ?, ?)",
            (holder, until.isoformat(timespec="microseconds")),
        )


async def test_the_claim_of_a_process_that_died_blocks_until_it_expires(
    store: SqliteStore, tmp_path: Path
):
    await residents(store, [(101, "fr")])
    leave_claim(tmp_path / "parole.sqlite3", "died", NOW + dt.timedelta(minutes=3))
    deliver = RecordingDeliver()
    with pytest.raises(news.SendInProgress):
        await news.send(privacy(store), store, news.News(NEWS), deliver, clock=lambda: NOW)
    assert deliver.sent == []

    later = NOW + dt.timedelta(minutes=3, seconds=1)
    report = await news.send(privacy(store), store, news.News(NEWS), deliver, clock=lambda: later)
    assert report.delivered == 1 and chats_sent(deliver) == [101]


async def test_a_send_whose_claim_was_taken_over_stops_after_its_chunk(
    store: SqliteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(news, "CHUNK", 2)
    await residents(store, [(101 + i, "fr") for i in range(5)])
    calls: list[list[int]] = []

    async def overtaken(chats: list[int], html: str) -> news.Delivery:
        calls.append(sorted(chats))
        # Meanwhile the claim expired and another process took it.
        with sqlite3.connect(tmp_path / "parole.sqlite3") as db:
            db.execute("UPDATE leases SET holder = 'other'")
        return Outcome(chats, {})

    with pytest.raises(news.SendInProgress):
        await news.send(privacy(store), store, news.News(NEWS), overtaken)
    assert calls == [[101, 102]], "no second chunk: the other send reaches whoever is left"
    assert await store.delivered(await store.news_item(NEWS, NOW)) == {1, 2}


# -- an English version -----------------------------------------------------------------------

NEWS_EN = "The shared garden opens on Saturday."


def test_the_english_version_follows_a_line_starting_with_en():
    typed = f"  {NEWS}\nMerci !\nEN : {NEWS}\nThank you!\n"
    assert news.read(typed) == news.News(f"{NEWS}\nMerci !", f"{NEWS}\nThank you!")
    for marker in ("EN:", "en:", "En :", "  EN\u202f:"):  # any case, French typography
        assert news.read(f"{NEWS}\n{marker} {NEWS_EN}").en == NEWS_EN, marker
    # Not a line starting with "EN:": the whole text is French.
    for french in (f"{NEWS} EN: {NEWS_EN}", f"{NEWS}\nEN BREF : tout va bien", "Entrée : libre"):
        assert news.read(french) == news.News(french), french
    assert news.read(NEWS, english=f" {NEWS_EN} ") == news.News(NEWS, NEWS_EN)


@pytest.mark.parametrize(
    ("typed", "english", "key"),
    [
        (" \n", None, "empty"),
        (f"EN: {NEWS_EN}", None, "no_french"),
        (f"{NEWS}\nEN:\n ", None, "empty_english"),
        (NEWS, "  ", "empty_english"),
        (f"{NEWS}\nEN: {NEWS_EN}", NEWS_EN, "two_english"),
        ("é" * (news.max_length() + 1), None, "too_long"),
        (f"{NEWS}\nEN: {'e' * (news.max_length() + 1)}", None, "too_long_en"),
    ],
)
def test_a_message_that_cannot_be_sent_says_why(typed: str, english: str | None, key: str):
    with pytest.raises(news.BadNews) as refused:
        news.read(typed, english)
    assert refused.value.key == key


async def test_residents_who_chose_english_get_the_english_version(store: SqliteStore):
    await residents(store, [(101, "fr"), (102, "en"), (103, None)])
    deliver = RecordingDeliver()
    report = await news.send(privacy(store), store, news.News(NEWS, NEWS_EN), deliver)
    assert report.delivered == 3
    by_chats = dict((tuple(chats), html) for chats, html in deliver.sent)
    assert by_chats[(101, 103)] == news.html(NEWS, "fr"), "French when no language is stored"
    assert by_chats[(102,)] == news.html(NEWS_EN, "en")
    assert by_chats[(102,)].startswith(NEWS_EN) and NEWS not in by_chats[(102,)]


async def test_an_english_version_added_later_goes_to_the_english_readers_only(
    store: SqliteStore,
):
    await residents(store, [(101, "fr"), (102, "en"), (103, "en")])
    await news.send(privacy(store), store, news.News(NEWS), RecordingDeliver())

    translated = news.News(NEWS, NEWS_EN)
    preview = await news.audience(store, translated)
    assert (preview.langs["fr"], preview.langs["en"], preview.already) == (0, 2, 1)
    deliver = RecordingDeliver()
    report = await news.send(privacy(store), store, translated, deliver)
    assert deliver.sent == [([102, 103], news.html(NEWS_EN, "en"))]
    assert (report.delivered, report.already) == (2, 1)

    again = RecordingDeliver()
    report = await news.send(privacy(store), store, translated, again)
    assert again.sent == [] and report.already == 3, "each version reaches each resident once"
    corrected = RecordingDeliver()
    await news.send(privacy(store), store, news.News(NEWS, NEWS_EN + "!"), corrected)
    assert chats_sent(corrected) == [102, 103], "a changed English text is new to its readers"


async def test_a_version_refused_in_every_chat_costs_nobody_their_contact(store: SqliteStore):
    # The English text is refused wherever it goes, though the French one went through.
    await residents(store, [(101, "fr"), (102, "en"), (103, "en")])
    deliver = RecordingDeliver({102: "BadRequest", 103: "BadRequest"})
    report = await news.send(privacy(store), store, news.News(NEWS, NEWS_EN), deliver)
    assert (report.delivered, report.failed, report.dropped) == (1, 2, 0)
    assert await kept(store) == [101, 102, 103]
