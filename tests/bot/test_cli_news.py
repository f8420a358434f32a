"""`parole news`: a preview that sends nothing, then --send through the fake Bot API server."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import news
from bot.cli import main
from bot.news_texts import say as say_news
from bot.privacy import Privacy
from bot.settings import Settings
from flows.model import Lang
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.bot.run import parole
from tests.fakebotapi import FakeBotApi, FakeBotApiServer

TOKEN = "123456:TEST-TOKEN"
SECRET = "a-test-secret-of-enough-length"
# Residents' chats: two asked for news in French, one in English; one said no.
ASKED: dict[int, Lang] = {501: "fr", 502: "fr", 503: "en"}
DECLINED = 504
NEWS = "Le jardin partagé ouvre samedi.\nMerci pour vos idées !"
NEWS_EN = "The shared garden opens on Saturday.\nThank you for your ideas!"


pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture
def database(workdir: Path) -> Path:
    """The default database with residents who asked for news, and one who did not."""
    path = workdir / Settings().storage.path

    async def fill() -> None:
        now = dt.datetime.now(dt.UTC)
        async with SqliteStore(path) as store:
            privacy = Privacy(store, [], SECRET, channel=Channel.TELEGRAM)
            for chat, lang in ASKED.items():
                who = await store.participant(privacy.pseudonym(chat), now)
                await store.set_language(who.id, lang)
                await privacy.keep_contact(who.id, chat, now)
            await store.participant(privacy.pseudonym(DECLINED), now)

    asyncio.run(fill())
    return path


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    yield api
    assert api.refused == [], "every request must be one the Bot API accepts"


@pytest.fixture
def server(api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotApiServer]:
    """The fake Bot API over HTTP, with the token and the secret configured."""
    with FakeBotApiServer(api) as running:
        monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
        monkeypatch.setenv("PAROLE_TELEGRAM__BASE_URL", running.base_url)
        monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
        yield running


def contacts(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM contacts").fetchone()[0])


def test_the_preview_shows_the_message_and_who_would_get_it_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    code, out, err = parole(capsys, "news", "--text", NEWS)
    assert code == 0, err
    assert out.startswith(
        "3 habitants recevraient ce message (2 en français, 1 en anglais). Rien n'a été envoyé : "
        "ajoutez --send pour l'envoyer. / 3 residents would receive this message (2 in French, "
        "1 in English). Nothing was sent: add --send to send it.\n"
    )
    assert news.plain(NEWS, "fr") in out and news.plain(NEWS, "en") in out
    assert "To stop receiving news: /stop" in out
    assert api.requests == [], "a preview never reaches Telegram"


def test_the_preview_reads_the_message_from_a_file(
    capsys: pytest.CaptureFixture[str], database: Path, workdir: Path
):
    (workdir / "nouvelles.txt").write_text(NEWS + "\n", encoding="utf-8")
    code, out, err = parole(capsys, "news", "nouvelles.txt")
    assert code == 0, err
    assert f"--- en français / in French ---\n{news.plain(NEWS, 'fr')}\n" in out


def test_send_delivers_once_per_contact_and_drops_a_blocked_chat(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    api.block(502)
    code, out, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 0, err
    assert out == (
        "✅ Nouvelles envoyées\u202f: 2 reçues, 1 échec. / ✅ News sent: 2 delivered, 1 failed.\n"
        "1 contact retiré\u202f: l'habitant a bloqué le bot ou son compte n'existe plus. / "
        "1 contact removed: the resident blocked the bot or their account is gone.\n"
    )
    assert [m.text for m in api.messages(501)] == [news.plain(NEWS, "fr")]
    assert [m.text for m in api.messages(503)] == [news.plain(NEWS, "en")]
    assert api.messages(DECLINED) == []
    assert contacts(database) == 2
    assert all(str(chat) not in out + err for chat in (*ASKED, DECLINED)), "counts only"


def test_an_english_version_goes_to_the_residents_who_chose_english(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    code, out, err = parole(capsys, "news", "--text", NEWS)
    assert code == 0, err
    assert "\nSans version anglaise, l'habitant qui a choisi l'anglais recevra ce texte" in out
    assert "Ou donnez-la avec --en. / Without an English version, the resident who chose" in out
    assert out.count("Or give it with --en.\n") == 1

    code, out, err = parole(capsys, "news", "--text", NEWS, "--en", NEWS_EN)
    assert code == 0, err
    assert (
        "\nLes habitants qui ont choisi l'anglais reçoivent la version anglaise. / The residents "
        "who chose English get the English version.\n"
    ) in out
    assert f"--- en français / in French ---\n{news.plain(NEWS, 'fr')}\n" in out
    assert f"--- en anglais / in English ---\n{news.plain(NEWS_EN, 'en')}\n" in out
    assert api.requests == [], "a preview never reaches Telegram"

    code, out, err = parole(capsys, "news", "--text", NEWS, "--en", NEWS_EN, "--send")
    sent = "✅ Nouvelles envoyées\u202f: 3 reçues, 0 échec. / ✅ News sent: 3 delivered, 0 failed."
    sent += "\n"
    assert (code, out) == (0, sent), err
    for chat, lang in ASKED.items():
        expected = news.plain(NEWS_EN if lang == "en" else NEWS, lang)
        assert [m.text for m in api.messages(chat)] == [expected], chat


def test_a_file_gives_its_english_version_after_a_line_starting_with_en(
    capsys: pytest.CaptureFixture[str],
    database: Path,
    workdir: Path,
    server: FakeBotApiServer,
    api: FakeBotApi,
):
    (workdir / "nouvelles.txt").write_text(f"{NEWS}\n\nEN :\n{NEWS_EN}\n", encoding="utf-8")
    code, _, err = parole(capsys, "news", "nouvelles.txt", "--send")
    assert code == 0, err
    assert [m.text for m in api.messages(501)] == [news.plain(NEWS, "fr")]
    assert [m.text for m in api.messages(503)] == [news.plain(NEWS_EN, "en")]


def test_send_shows_the_text_as_typed(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    typed = "Travaux <rue Haute> & place du <b>marché</b>"
    code, _, err = parole(capsys, "news", "--text", typed, "--send")
    assert code == 0, err
    [received] = api.messages(501)
    assert received.text.startswith(typed + "\n\n") and received.parse_mode == "HTML"


def test_the_same_text_sent_again_reaches_only_the_chats_it_missed(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    api.fail_next("sendMessage", 502)  # one copy lost to the network
    code, out, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 0, err
    assert out == (
        "✅ Nouvelles envoyées\u202f: 2 reçues, 1 échec. / ✅ News sent: 2 delivered, 1 failed.\n"
    )
    [missed] = [chat for chat in ASKED if not api.messages(chat)]

    code, out, err = parole(capsys, "news", "--text", NEWS)
    assert code == 0, err
    french = int(ASKED[missed] == "fr")
    assert out.startswith(
        f"1 habitant recevrait ce message ({french} en français, {1 - french} en anglais). "
    )
    assert f" / 1 resident would receive this message ({french} in French, " in out
    assert (
        "\n2 habitants l'ont déjà reçu\u202f: ils ne le recevront pas une deuxième fois. / "
        "2 residents already got it and will not get it twice.\n"
    ) in out

    code, out, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 0, err
    assert out == (
        "✅ Nouvelles envoyées\u202f: 1 reçue, 0 échec. / ✅ News sent: 1 delivered, 0 failed.\n"
        "2 habitants l'avaient déjà reçu\u202f: pas de deuxième envoi. / 2 residents had already "
        "got it: not sent again.\n"
    )
    for chat, lang in ASKED.items():
        assert [m.text for m in api.messages(chat)] == [news.plain(NEWS, lang)], "one copy"

    sent = len(api.requests)
    code, out, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 0, err
    reached = (say_news("everyone_reached", lang) for lang in ("fr", "en"))
    assert out == " / ".join(reached) + "\n"
    assert len(api.requests) == sent, "nothing sent, Telegram not even asked"
    assert all(str(chat) not in out + err for chat in ASKED), "counts only"


def test_send_while_the_bot_sends_news_sends_nothing_and_says_why(
    capsys: pytest.CaptureFixture[str], database: Path, server: FakeBotApiServer, api: FakeBotApi
):
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    with sqlite3.connect(database) as db:  # the bot's claim on sending, mid-send
        db.execute(
            "INSERT INTO leases (name, holder, until) VALUES ('news', 'bot', ?)",
            (until.isoformat(timespec="microseconds"),),
        )
    code, out, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 1 and out == ""
    assert err == f"parole news: {news.busy_text('fr')} / {news.busy_text('en')}\n"
    assert err.startswith("parole news: ⏳ Un autre envoi de nouvelles est en cours")
    assert " / ⏳ Another send of news is under way" in err
    assert not any(api.messages(chat) for chat in ASKED), "nothing sent"


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("PAROLE_TELEGRAM__TOKEN", "telegram.token manque (ou PAROLE_TELEGRAM__TOKEN) / "),
        (
            "PAROLE_PRIVACY__PSEUDONYM_SECRET",
            "privacy.pseudonym_secret manque ou est une valeur d'exemple (ou "
            "PAROLE_PRIVACY__PSEUDONYM_SECRET) / ",
        ),
    ],
)
def test_send_needs_a_token_and_the_secret(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    server: FakeBotApiServer,
    api: FakeBotApi,
    unset: str,
    message: str,
):
    monkeypatch.delenv(unset)
    code, _, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 2 and f"parole news: {message}" in err
    assert api.messages(501) == [] and contacts(database) == len(ASKED)


def test_send_with_a_refused_token_says_so_without_the_token(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database: Path,
    server: FakeBotApiServer,
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", "999:WRONG-TOKEN")
    code, _, err = parole(capsys, "news", "--text", NEWS, "--send")
    assert code == 1 and err.startswith("parole news: Telegram a refusé le jeton")
    assert " / Telegram failed: InvalidToken" in err
    assert "WRONG-TOKEN" not in err


@pytest.mark.parametrize(
    ("argv", "french", "english"),
    [
        (["--text", "   \n"], "Le message est vide.", "The message is empty."),
        (
            ["--text", "a" * (news.max_length() + 1)],
            "Ce message est trop long",
            "This message is too long",
        ),
        (
            ["--text", "EN: The garden opens."],
            "Il manque le texte français",
            "The French text is missing",
        ),
        (
            ["--text", "Le jardin ouvre.\nEN:  "],
            "La version anglaise est vide",
            "The English version is empty",
        ),
        (["--text", NEWS, "--en", " "], "La version anglaise est vide", "The English version"),
        (
            ["--text", f"{NEWS}\nEN: Hi", "--en", "Hello"],
            "Deux versions anglaises",
            "Two English versions",
        ),
        (
            ["--text", NEWS, "--en", "a" * (news.max_length() + 1)],
            "La version anglaise est trop longue",
            "The English version is too long",
        ),
    ],
)
def test_a_message_that_cannot_be_sent_is_refused(
    capsys: pytest.CaptureFixture[str],
    database: Path,
    argv: list[str],
    french: str,
    english: str,
):
    code, out, err = parole(capsys, "news", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"parole news: {french}") and f". / {english}" in err


def test_without_a_database_nothing_is_created(capsys: pytest.CaptureFixture[str], workdir: Path):
    code, _, err = parole(capsys, "news", "--text", NEWS)
    assert code == 2 and "no database" in err
    assert not (workdir / Settings().storage.path).exists()


def test_the_help_says_what_a_send_needs_and_how_to_add_english(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["news", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "needs telegram.token and privacy.pseudonym_secret" in help_text
    assert "follows a line starting with 'EN:' (or is given with --en)" in help_text
