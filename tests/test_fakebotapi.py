"""The fake Bot API refuses what Telegram refuses and works with real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeChat, FakeRequest, FakeUser
from tests.fakebotapi.html import parse_html

ALICE = FakeUser(42, "Alice", username="alice")
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Oui", callback_data="yes"),
            InlineKeyboardButton("Non", callback_data="no"),
        ]
    ]
)


def keyboard_json(*buttons: dict[str, Any]) -> str:
    return json.dumps({"inline_keyboard": [list(buttons)]})


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api)) as b:
        yield b


@pytest.fixture
def server(api: FakeBotApi) -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(api) as s:
        yield s


def refusal(api: FakeBotApi, method: str, **params: object) -> str:
    status, body = api.handle(method, params)
    assert status != 200, body
    return str(body["description"])


# ------------------------------------------------------------------ in-process, with PTB


async def test_bot_sends_and_edits_through_fake_request(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "parole_test_bot", True)

    sent = await bot.send_message(
        ALICE.id, "<b>Bonjour</b> &amp; bienvenue", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert sent.text == "Bonjour & bienvenue"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == KEYBOARD

    edited = await bot.edit_message_text("Merci", ALICE.id, sent.message_id, reply_markup=KEYBOARD)
    assert isinstance(edited, Message) and edited.text == "Merci"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Merci", ALICE.id, sent.message_id, reply_markup=KEYBOARD)

    [message] = api.messages(ALICE.id)
    assert (message.text, message.html, message.buttons, message.edits) == (
        "Merci",
        "Merci",
        ["Oui", "Non"],
        1,
    )
    assert [r.method for r in api.refused] == ["editMessageText"]


async def test_edit_without_markup_drops_the_keyboard(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(ALICE.id, "Question ?", reply_markup=KEYBOARD)
    await bot.edit_message_text("Réponse notée", ALICE.id, sent.message_id)
    assert api.last_message(ALICE.id).buttons == []
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(ALICE.id, sent.message_id)
    await bot.edit_message_reply_markup(ALICE.id, sent.message_id, reply_markup=KEYBOARD)
    assert api.buttons(ALICE.id) == ["Oui", "Non"]


async def test_unknown_parameter_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Unknown parameter bogus"):
        await bot.send_message(ALICE.id, "x", api_kwargs={"bogus": 1})


async def test_unknown_method_is_refused(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    assert api.refused[-1].status == 404
    assert api.handle("sendTelepathy", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_text_length_is_counted_in_utf16_units(bot: Bot) -> None:
    await bot.send_message(ALICE.id, "a" * 4096)
    await bot.send_message(ALICE.id, "😀" * 2048)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(ALICE.id, "a" * 4097)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(ALICE.id, "😀" * 2049)
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(ALICE.id, b"png", caption="c" * 1025)


async def test_injected_rate_limit_reaches_ptb_as_retry_after(
    api: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, RetryAfter.__init__ itself emits a PTBDeprecationWarning, which
    # filterwarnings=error turns into the exception raised instead of RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE.id, "x")
    assert caught.value.retry_after == dt.timedelta(seconds=3)
    await bot.send_message(ALICE.id, "x")
    assert api.refused == []
    assert [r.injected for r in api.requests if r.method == "sendMessage"] == [True, False]


async def test_a_user_who_blocked_the_bot_refuses_every_call_and_calls_are_timed(
    api: FakeBotApi, bot: Bot
) -> None:
    api.block(ALICE.id)
    before = time.monotonic()
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(ALICE.id, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(ALICE.id, "typing")
    await bot.send_message(ALICE.id + 1, "x")
    assert api.messages(ALICE.id) == []
    assert api.refused == [], "the user's doing, not the bot's"
    calls = api.requests[-3:]
    assert [r.status for r in calls] == [403, 403, 200]
    assert before <= calls[0].at <= calls[1].at <= calls[2].at <= time.monotonic()


async def test_bot_cannot_reach_the_network(api: FakeBotApi) -> None:
    request = FakeRequest(api)
    elsewhere = Bot(api.token, base_url="https://example.org/bot", request=request)
    with pytest.raises(NetworkError, match="refuses network access"):
        await elsewhere.get_me()
    stranger = Bot("999:OTHER", request=request)
    with pytest.raises(InvalidToken):
        await stranger.get_me()


async def test_uploads_are_recorded(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_document(
        ALICE.id,
        b"a;b\r\n1;2\n",
        filename="export.csv",
        caption="<i>csv</i>",
        parse_mode=ParseMode.HTML,
    )
    await bot.send_photo(ALICE.id, "https://example.org/photo.jpg")
    document, photo = api.messages(ALICE.id)
    assert document.kind == "document"
    assert document.text == "csv"
    assert document.file is not None and not isinstance(document.file, str)
    assert (document.file.filename, document.file.content) == ("export.csv", b"a;b\r\n1;2\n")
    assert (photo.kind, photo.file) == ("photo", "https://example.org/photo.jpg")


async def test_commands_are_stored_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Commencer")], language_code="fr")
    scope = BotCommandScopeChat(ALICE.id)
    await bot.set_my_commands([BotCommand("aide", "Aide")], scope=scope)
    assert api.commands("fr") == [("start", "Commencer")]
    assert api.commands(scope={"type": "chat", "chat_id": ALICE.id}) == [("aide", "Aide")]
    assert await bot.get_my_commands() == ()
    await bot.delete_my_commands(language_code="fr")
    assert api.commands("fr") == []
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Commencer")])


async def test_callback_queries_are_answered_once(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(ALICE.id, "Question ?", reply_markup=KEYBOARD)
    query = Update.de_json(api.click(ALICE, "Non"), bot).callback_query
    assert query is not None
    assert api.unanswered_callbacks == ["no"]
    await query.answer("Noté")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    assert [(a.data, a.text) for a in api.callback_answers] == [("no", "Noté")]
    assert api.unanswered_callbacks == []


async def test_application_polls_in_process(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Bienvenue", reply_markup=KEYBOARD)

    async def clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"Choix : {update.callback_query.data}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(FakeRequest(api))
        .get_updates_request(FakeRequest(api))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(clicked))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        api.send_text(ALICE, "/start")
        async with asyncio.timeout(5):
            await api.wait_for_async(lambda a: a.buttons(ALICE.id) == ["Oui", "Non"])
            api.click(ALICE, "Oui")
            await api.wait_for_async(lambda a: a.last_message(ALICE.id).text == "Choix : yes")
        await app.updater.stop()
        await app.stop()
    assert api.pending_updates() == 0
    assert api.refused == []
    assert api.transcript(ALICE.id) == [
        "Alice: /start",
        "bot: Bienvenue\n  [Oui] [Non]",
        "Alice: [click Oui]",
        "bot (edit #2): Choix : yes",
    ]


async def test_pop_updates_feeds_process_update(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message("Salut")

    app = ApplicationBuilder().token(api.token).request(FakeRequest(api)).build()
    app.add_handler(CommandHandler("start", start))
    api.send_text(ALICE, "/start")
    async with app:
        for data in api.pop_updates():
            await app.process_update(Update.de_json(data, app.bot))
    assert [m.text for m in api.messages(ALICE.id)] == ["Salut"]
    assert api.pending_updates() == 0


# ------------------------------------------------------------------ core-level refusals


def test_callback_data_is_limited_to_64_bytes(api: FakeBotApi) -> None:
    too_long = keyboard_json({"text": "b", "callback_data": "é" * 33})  # 33 chars, 66 bytes
    assert refusal(api, "sendMessage", chat_id=1, text="x", reply_markup=too_long) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    ascii_65 = keyboard_json({"text": "b", "callback_data": "x" * 65})
    assert "BUTTON_DATA_INVALID" in refusal(
        api, "sendMessage", chat_id=1, text="x", reply_markup=ascii_65
    )
    fits = keyboard_json({"text": "b", "callback_data": "é" * 32})
    assert api.handle("sendMessage", {"chat_id": 1, "text": "x", "reply_markup": fits})[0] == 200


@pytest.mark.parametrize(
    ("button", "error"),
    [
        ({"text": "b"}, "text buttons are unallowed"),
        ({"text": "b", "callback_data": "d", "colour": "red"}, 'unknown field "colour"'),
        ({"callback_data": "d"}, 'field "text" is required'),
        ({"text": "b", "callback_data": 5}, "expected String"),
    ],
)
def test_inline_buttons_are_checked_against_the_spec(
    api: FakeBotApi, button: dict[str, Any], error: str
) -> None:
    assert error in refusal(
        api, "sendMessage", chat_id=1, text="x", reply_markup=keyboard_json(button)
    )


def test_parameters_are_checked_against_the_spec(api: FakeBotApi) -> None:
    assert refusal(api, "sendMessage", chat_id=1) == "Bad Request: parameter text is required"
    assert refusal(api, "sendMessage", chat_id=1, text="x", colour="red") == (
        "Bad Request: unknown parameter colour"
    )
    assert "expected Integer" in refusal(api, "deleteMessage", chat_id=1, message_id="abc")
    assert "expected Boolean" in refusal(
        api, "sendMessage", chat_id=1, text="x", disable_notification="maybe"
    )
    assert "can't parse reply_markup" in refusal(
        api, "sendMessage", chat_id=1, text="x", reply_markup="{"
    )
    assert 'unknown field "emoji"' in refusal(
        api, "setMyCommands", commands='[{"command": "a", "description": "b", "emoji": "x"}]'
    )
    assert refusal(api, "getFile", file_id="x").endswith("not implemented by the fake Bot API")
    assert len(api.refused) == 7


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag ""'),
        ("<script>alert(1)</script>", 'Unsupported start tag "script"'),
        ("Tom & Jerry", 'Character "&" must be escaped'),
        ("2 > 1", 'Character ">" must be escaped'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ('<a hfer="https://x.org">l</a>', 'Unsupported attribute "hfer"'),
        ("<b> </b>", "message text is empty"),
    ],
)
def test_malformed_html_is_refused(api: FakeBotApi, text: str, error: str) -> None:
    assert error in refusal(api, "sendMessage", chat_id=1, text=text, parse_mode="HTML")


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("<b>a &amp; b</b>", "a & b"),
        ('<i>x</i>\n<a href="https://x.org">l</a>', "x\nl"),
        ('<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>', "s t"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote expandable>&lt;cité&gt; &#233;&#x1F600;</blockquote>", "<cité> é😀"),
        ("  <u>marge</u>\n", "marge"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ],
)
def test_valid_html_is_accepted(api: FakeBotApi, text: str, visible: str) -> None:
    status, body = api.handle("sendMessage", {"chat_id": 1, "text": text, "parse_mode": "HTML"})
    assert status == 200, body
    assert body["result"]["text"] == visible


def test_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <b>é</b> <a href="https://x.org/?a=1&amp;b=2">lien</a>')
    assert parsed.entities == (
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 5, "length": 4, "url": "https://x.org/?a=1&b=2"},
    )


def test_edits_need_an_existing_bot_message(api: FakeBotApi) -> None:
    assert refusal(api, "editMessageText", chat_id=1, message_id=9, text="x") == (
        "Bad Request: message to edit not found"
    )
    api.send_text(ALICE, "bonjour")
    assert refusal(api, "editMessageText", chat_id=ALICE.id, message_id=1, text="x") == (
        "Bad Request: message can't be edited"
    )
    assert api.handle("deleteMessage", {"chat_id": ALICE.id, "message_id": 1})[0] == 200
    assert refusal(api, "deleteMessage", chat_id=ALICE.id, message_id=1) == (
        "Bad Request: message to delete not found"
    )


def test_get_updates_honours_offset_limit_and_allowed_updates(api: FakeBotApi) -> None:
    first, second, third = (api.send_text(ALICE, str(n))["update_id"] for n in range(3))

    def update_ids(**params: object) -> list[int]:
        status, body = api.handle("getUpdates", params)
        assert status == 200, body
        return [u["update_id"] for u in body["result"]]

    assert update_ids(limit=2) == [first, second]
    assert update_ids(offset=second) == [second, third]
    assert update_ids(offset=-1) == [third]
    api.handle(
        "sendMessage",
        {
            "chat_id": ALICE.id,
            "text": "?",
            "reply_markup": keyboard_json({"text": "b", "callback_data": "d"}),
        },
    )
    click = api.click(ALICE, "b")["update_id"]
    assert update_ids(allowed_updates='["callback_query"]') == [click]
    api.send_text(ALICE, "ignored")
    assert update_ids() == [click]
    assert update_ids(offset=click + 1, allowed_updates="[]") == []
    assert api.pending_updates() == 0


# ------------------------------------------------------------------ test-driver side


async def test_driver_updates_parse_with_ptb(api: FakeBotApi, bot: Bot) -> None:
    group = FakeChat(-100, "supergroup", "Conseil citoyen")
    command = Update.de_json(api.send_text(ALICE, "/start@parole_test_bot abc", chat=group), bot)
    assert command.message is not None and command.effective_chat is not None
    assert command.effective_chat.type == "supergroup"
    assert command.message.parse_entities(["bot_command"]).popitem()[1] == "/start@parole_test_bot"

    senders: list[tuple[Callable[[FakeUser], dict[str, Any]], str]] = [
        (api.send_sticker, "sticker"),
        (api.send_photo, "photo"),
        (api.send_voice, "voice"),
        (api.send_location, "location"),
        (api.send_contact, "contact"),
        (api.send_document, "document"),
    ]
    for send, attribute in senders:
        message = Update.de_json(send(ALICE), bot).message
        assert message is not None and getattr(message, attribute), attribute
        assert message.from_user is not None and message.from_user.id == ALICE.id

    sent = Update.de_json(api.send_text(ALICE, "bonjour"), bot).message
    assert sent is not None
    edited = Update.de_json(api.edit_text(ALICE, sent.message_id, "bonsoir"), bot)
    assert edited.edited_message is not None and edited.edited_message.text == "bonsoir"


async def test_click_builds_a_callback_query_ptb_understands(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(ALICE.id, "Question ?", reply_markup=KEYBOARD)
    await bot.send_message(ALICE.id, "Sans bouton")
    update = Update.de_json(api.click(ALICE, "Non"), bot)
    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "no",
        ALICE.id,
        sent.message_id,
    )

    with pytest.raises(AssertionError, match=r"no button 'Peut-être'.*\['Oui', 'Non'\]"):
        api.click(ALICE, "Peut-être")

    await bot.delete_message(ALICE.id, sent.message_id)
    stale = Update.de_json(api.click_data(ALICE, sent.message_id, "yes"), bot).callback_query
    # PTB 22.8 parses it as a Message dated 1970 rather than an InaccessibleMessage.
    assert stale is not None and stale.message is not None
    assert not stale.message.is_accessible


def test_waiting_helpers(api: FakeBotApi) -> None:
    api.send_text(ALICE, "/start")
    threading.Timer(
        0.1, api.handle, ("sendMessage", {"chat_id": ALICE.id, "text": "Bienvenue"})
    ).start()
    [message] = api.wait_for_message(ALICE.id, 1, timeout=5)
    assert message.text == "Bienvenue"
    with pytest.raises(AssertionError, match=r"(?s)sent 1 of 2 messages.*Alice: /start"):
        api.wait_for_message(ALICE.id, 2, timeout=0.05)
    threading.Timer(0.1, api.pop_updates).start()
    api.wait_until_consumed(timeout=5)
    with pytest.raises(AssertionError, match="timed out"):
        api.wait_for(lambda a: False, timeout=0.01)


# ------------------------------------------------------------------ over HTTP


async def test_ptb_talks_to_the_http_server(api: FakeBotApi, server: FakeBotApiServer) -> None:
    async with Bot(api.token, base_url=server.base_url, base_file_url=server.base_file_url) as bot:
        assert (await bot.get_me()).username == "parole_test_bot"
        await bot.send_message(ALICE.id, "<b>Bonjour</b>", parse_mode="HTML", reply_markup=KEYBOARD)
        await bot.send_document(
            ALICE.id, b"\x00\xff\r\n--\n", filename="été.bin", caption="Résumé 😀"
        )
        text, document = api.messages(ALICE.id)
        assert text.buttons == ["Oui", "Non"]
        assert document.text == "Résumé 😀"
        assert document.file is not None and not isinstance(document.file, str)
        assert (document.file.filename, document.file.content) == ("été.bin", b"\x00\xff\r\n--\n")

        api.send_text(ALICE, "coucou")
        [update] = await bot.get_updates(timeout=1)
        assert update.message is not None and update.message.text == "coucou"

        # A long poll returns as soon as an update arrives.
        threading.Timer(0.2, api.send_text, (ALICE, "encore")).start()
        started = time.monotonic()
        [update] = await bot.get_updates(offset=update.update_id + 1, timeout=10)
        assert update.message is not None and update.message.text == "encore"
        assert time.monotonic() - started < 5

        started = time.monotonic()
        assert await bot.get_updates(offset=update.update_id + 1, timeout=1) == ()
        assert time.monotonic() - started >= 0.9
    assert api.refused == []


def http_post(url: str, data: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data, {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_plain_http_clients(api: FakeBotApi, server: FakeBotApiServer) -> None:
    url = f"{server.base_url}{api.token}"
    form = urllib.parse.urlencode({"chat_id": ALICE.id, "text": "formulaire"}).encode()
    status, body = http_post(f"{url}/sendMessage", form, "application/x-www-form-urlencoded")
    assert (status, body["result"]["text"]) == (200, "formulaire")

    payload = json.dumps({"chat_id": ALICE.id, "text": "json", "disable_notification": True})
    status, body = http_post(f"{url}/sendMessage", payload.encode(), "application/json")
    assert (status, body["result"]["text"]) == (200, "json")

    status, body = http_post(
        f"{url}/sendMessage", b"chat_id=1", "application/x-www-form-urlencoded"
    )
    assert (status, body["description"]) == (400, "Bad Request: parameter text is required")

    wrong = f"{server.base_url}1:WRONG/getMe"
    assert http_post(wrong, b"", "application/json") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert http_post(f"{url}/sendTelepathy", b"", "application/json")[0] == 404


@pytest.mark.parametrize("transport", ["in-process", "http"])
async def test_long_polls_sleep_until_an_update_arrives(
    api: FakeBotApi, server: FakeBotApiServer, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    checks = 0
    updates_ready = api.updates_ready

    def counting_updates_ready(params: Mapping[str, object]) -> bool:
        nonlocal checks
        checks += 1
        return updates_ready(params)

    monkeypatch.setattr(api, "updates_ready", counting_updates_ready)
    if transport == "http":
        bot = Bot(api.token, base_url=server.base_url)
    else:
        bot = Bot(api.token, request=FakeRequest(api), get_updates_request=FakeRequest(api))
    async with bot:
        asyncio.get_running_loop().call_later(0.5, api.send_text, ALICE, "réveil")
        started = time.monotonic()
        [update] = await bot.get_updates(timeout=10)
    assert 0.4 < time.monotonic() - started < 5
    assert update.message is not None and update.message.text == "réveil"
    assert checks < 20  # woken by changes, not spinning


def test_a_bot_process_polls_the_server(
    api: FakeBotApi, server: FakeBotApiServer, tmp_path: Path
) -> None:
    script = tmp_path / "bot.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from telegram.ext import ApplicationBuilder, CommandHandler

            async def start(update, context):
                await update.message.reply_text("Bienvenue <b>!</b>", parse_mode="HTML")

            app = ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2]).build()
            app.add_handler(CommandHandler("start", start))
            app.run_polling(timeout=10)
            """
        )
    )
    process = subprocess.Popen([sys.executable, str(script), api.token, server.base_url])
    try:
        api.send_text(ALICE, "/start")
        [reply] = api.wait_for_message(ALICE.id, 1, timeout=30)
        assert (reply.text, reply.entities[0]["type"]) == ("Bienvenue !", "bold")
        api.wait_until_consumed(timeout=15)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    assert api.refused == []


def test_stopping_the_server_ends_pending_long_polls(api: FakeBotApi) -> None:
    server = FakeBotApiServer(api).start()
    url = f"{server.base_url}{api.token}/getUpdates?timeout=30"
    results: list[tuple[int, dict[str, Any]]] = []
    poller = threading.Thread(
        target=lambda: results.append(http_post(url, b"", "application/json"))
    )
    poller.start()
    time.sleep(0.2)  # let the poll reach the server; it records nothing until it answers
    started = time.monotonic()
    server.stop()
    poller.join(timeout=5)
    assert time.monotonic() - started < 2
    assert results == [(200, {"ok": True, "result": []})]


def test_a_request_cut_short_by_a_dying_client_is_not_processed(
    api: FakeBotApi, server: FakeBotApiServer
) -> None:
    path = urllib.parse.urlsplit(f"{server.base_url}{api.token}/sendMessage")
    head = (
        f"POST {path.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"chat_id=1")  # then the client dies
    api.wait(lambda a: False, 0.3)
    assert api.refused == [] and api.requests == []
