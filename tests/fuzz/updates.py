"""Updates of every kind Telegram can send a bot, as raw JSON dicts, plus hostile texts.

Builders that the fake Bot API offers (texts, stickers, button presses…) go through it, so the
fake knows the messages and callback queries the bot will answer; the others (channel posts,
inline queries, chat member changes, reactions, polls…) are built here. Every builder takes
the fake API and a user and returns one update dict, taken out of the fake's queue: the test
feeds it to the application itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from tests.fakebotapi import FakeBotApi, FakeChat, FakeUser
from tests.fakebotapi.html import utf16_len
from tests.fakebotapi.model import JsonDict

Builder = Callable[[FakeBotApi, FakeUser], JsonDict]

GROUP = FakeChat(id=-4_000_001, type="group", title="Conseil citoyen")
SUPERGROUP = FakeChat(id=-1_004_000_002, type="supergroup", title="Quartier Bourgogne")
CHANNEL: JsonDict = {"id": -1_004_000_003, "type": "channel", "title": "Infos du quartier"}
ANONYMOUS_ADMIN: JsonDict = {"id": 1_087_968_824, "is_bot": True, "first_name": "Group"}

# Texts a resident's phone can produce, and some it should not but Telegram may still deliver.
HOSTILE_TEXTS: tuple[str, ...] = (
    "😀🎉👍🏾👨‍👩‍👧‍👦🇫🇷",  # emoji, skin tone, zero-width-joiner family, flag
    "مرحبا، نريد حديقة في الحي",  # right to left
    "שלום \u202eעולם\u202c",  # right to left with a bidi override
    "a\u200bb\u200c\u200d\u2060\ufeffc",  # zero-width characters
    "bell\x07 nul\x00 esc\x1b[31m del\x7f c1\x85\x9b",  # control characters
    "lone \ud800 high, lone \udfff low",  # invalid UTF-16: unpaired surrogates
    "\udc80\ud83d",  # a pair in the wrong order
    "x" * 10_000,  # longer than Telegram allows, longer than any answer may be
    "é" * 2_001,  # just over the default free-text cap
    " \n\t ",  # only white space
    "<b>pas du HTML</b> & &amp; <script>",  # markup the bot must escape
    "1",
    "99",
    "Autre",
    "oui",
    "/start",
    "/start inconnu",
    "/start \ud800",
    "/reprendre",
    "/langue en",
    "/langue xx",
    "/langue",
    "/aide",
    "/inconnue",
    "/start@parole_test_bot",
    "/aide@un_autre_bot",
    "/" + "z" * 40,
)


def _taken(api: FakeBotApi) -> JsonDict:
    """The update the fake API just queued, out of its queue."""
    return api.pop_updates()[-1]


_raw_ids = itertools.count(5_000_000)


def _raw(kind: str, payload: JsonDict) -> JsonDict:
    return {"update_id": next(_raw_ids), kind: payload}


def _now() -> int:
    return 1_790_000_000


# -- messages the fake API builds ---------------------------------------------------------


def text(content: str, chat: FakeChat | None = None) -> Builder:
    """A typed message (a bot_command entity when it starts with "/")."""
    return lambda api, user: (api.send_text(user, content, chat), _taken(api))[1]


def sticker(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_sticker(user)
    return _taken(api)


def photo(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_photo(user, caption="Le banc cassé \ud800 😀")
    return _taken(api)


def voice(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_voice(user)
    return _taken(api)


def location(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_location(user)
    return _taken(api)


def contact(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_contact(user)
    return _taken(api)


def document(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_document(user, file_name="questionnaire papier.pdf")
    return _taken(api)


def edited(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """The resident edits a message they typed earlier."""
    api.send_text(user, "Le centre social")
    first = _taken(api)
    api.edit_text(user, first["message"]["message_id"], "Le centre social et la ludothèque")
    return _taken(api)


def sticker_in_group(api: FakeBotApi, user: FakeUser) -> JsonDict:
    api.send_sticker(user, GROUP)
    return _taken(api)


# -- messages with broken entities --------------------------------------------------------


def _with_entities(content: str, entities: list[JsonDict]) -> Builder:
    def build(api: FakeBotApi, user: FakeUser) -> JsonDict:
        api.send_text(user, content)
        update = _taken(api)
        update["message"]["entities"] = entities
        return update

    return build


broken_entities: dict[str, Builder] = {
    # A command entity longer than the text.
    "command longer than the text": _with_entities(
        "/start", [{"type": "bot_command", "offset": 0, "length": 60}]
    ),
    # Offsets past the end of the text.
    "entity past the end": _with_entities("bonjour", [{"type": "bold", "offset": 40, "length": 5}]),
    # An entity cutting an emoji (a UTF-16 surrogate pair) in half.
    "entity splitting a surrogate pair": _with_entities(
        "😀😀 le parc", [{"type": "italic", "offset": 1, "length": 2}]
    ),
    # A lone surrogate inside an entity, and a command whose text is not a command.
    "lone surrogate in an entity": _with_entities(
        "\ud83d/start \ud800", [{"type": "bot_command", "offset": 0, "length": 7}]
    ),
    # Entities out of order and overlapping, one with a negative offset.
    "overlapping and negative entities": _with_entities(
        "Des bancs au parc",
        [
            {"type": "bold", "offset": 5, "length": 20},
            {"type": "italic", "offset": -3, "length": 4},
            {"type": "text_link", "offset": 0, "length": 3, "url": "https://example.org"},
        ],
    ),
}


# -- button presses -----------------------------------------------------------------------


def press_data(data: str) -> Builder:
    """A press carrying `data` on the bot's latest message (or an unknown one)."""

    def build(api: FakeBotApi, user: FakeUser) -> JsonDict:
        messages = api.messages(user.id)
        message_id = messages[-1].message_id if messages else 1
        api.click_data(user, message_id, data)
        return _taken(api)

    return build


def press_inaccessible(data: str) -> Builder:
    """A press on a message Telegram can no longer show (deleted, or older than 48 hours)."""

    def build(api: FakeBotApi, user: FakeUser) -> JsonDict:
        api.click_data(user, 1_000_000, data)
        return _taken(api)

    return build


def press_latest_button_inaccessible(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A valid press on the current screen, arriving as if its message were inaccessible."""
    messages = [m for m in api.messages(user.id) if m.buttons]
    if not messages:
        return press_inaccessible("sh")(api, user)
    latest = messages[-1]
    api.click(user, latest.buttons[0], latest.message_id)
    update = _taken(api)
    message = update["callback_query"]["message"]
    update["callback_query"]["message"] = {
        "chat": message["chat"],
        "message_id": message["message_id"],
        "date": 0,
    }
    return update


def press_inline_message(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A press on a message sent in inline mode: no message, no chat, an inline_message_id."""
    messages = api.messages(user.id)
    api.click_data(user, messages[-1].message_id if messages else 1, "sh")
    update = _taken(api)
    query = update["callback_query"]
    del query["message"]
    query["inline_message_id"] = "AAAAAQ-inline"
    return update


def press_game(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A press on a game button: no data, a game_short_name."""
    update = press_data("")(api, user)
    query = update["callback_query"]
    del query["data"]
    query["game_short_name"] = "jeu"
    return update


def press_in_group(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A press on one of the bot's messages in a group, carrying a valid-looking action."""
    group_messages = api.messages(GROUP.id)
    message_id = group_messages[-1].message_id if group_messages else 1
    api.click_data(user, message_id, "m|0|p:vivre-ensemble", GROUP)
    return _taken(api)


# -- updates the fake API does not build --------------------------------------------------


def _message(chat: JsonDict, content: JsonDict, sender: JsonDict | None = None) -> JsonDict:
    message: JsonDict = {"message_id": 77_000, "date": _now(), "chat": chat, **content}
    if sender is not None:
        message["from"] = sender
    return message


def channel_post(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw("channel_post", _message(CHANNEL, {"text": "/start", **_command("/start")}))


def edited_channel_post(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw("edited_channel_post", _message(CHANNEL, {"text": "corrigé", "edit_date": _now()}))


def anonymous_admin_in_supergroup(api: FakeBotApi, user: FakeUser) -> JsonDict:
    content = {"text": "/start", **_command("/start"), "sender_chat": SUPERGROUP.to_dict()}
    return _raw("message", _message(SUPERGROUP.to_dict(), content, ANONYMOUS_ADMIN))


def inline_query(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "inline_query",
        {"id": "iq1", "from": user.to_dict(), "query": "parc \ud800", "offset": ""},
    )


def chosen_inline_result(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "chosen_inline_result", {"result_id": "r1", "from": user.to_dict(), "query": "parc"}
    )


def _member(user: FakeUser, status: str) -> JsonDict:
    return {"status": status, "user": user.to_dict()}


def _bot(api: FakeBotApi) -> JsonDict:
    return {"id": api.bot_id, "is_bot": True, "first_name": api.bot_name}


def blocked(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """The resident blocks the bot: my_chat_member, the bot now "kicked"."""
    return _raw(
        "my_chat_member",
        {
            "chat": user.private_chat(),
            "from": user.to_dict(),
            "date": _now(),
            "old_chat_member": {"status": "member", "user": _bot(api)},
            "new_chat_member": {"status": "kicked", "user": _bot(api), "until_date": 0},
        },
    )


def unblocked(api: FakeBotApi, user: FakeUser) -> JsonDict:
    update = blocked(api, user)
    change = update["my_chat_member"]
    change["old_chat_member"], change["new_chat_member"] = (
        {"status": "kicked", "user": _bot(api), "until_date": 0},
        {"status": "member", "user": _bot(api)},
    )
    return update


def added_to_group(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "my_chat_member",
        {
            "chat": GROUP.to_dict(),
            "from": user.to_dict(),
            "date": _now(),
            "old_chat_member": {"status": "left", "user": _bot(api)},
            "new_chat_member": {"status": "member", "user": _bot(api)},
        },
    )


def chat_member(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "chat_member",
        {
            "chat": SUPERGROUP.to_dict(),
            "from": user.to_dict(),
            "date": _now(),
            "old_chat_member": _member(user, "left"),
            "new_chat_member": _member(user, "member"),
        },
    )


def chat_join_request(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "chat_join_request",
        {
            "chat": SUPERGROUP.to_dict(),
            "from": user.to_dict(),
            "user_chat_id": user.id,
            "date": _now(),
        },
    )


def message_reaction(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "message_reaction",
        {
            "chat": user.private_chat(),
            "message_id": 1,
            "user": user.to_dict(),
            "date": _now(),
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
    )


def message_reaction_count(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "message_reaction_count",
        {
            "chat": SUPERGROUP.to_dict(),
            "message_id": 1,
            "date": _now(),
            "reactions": [{"type": {"type": "emoji", "emoji": "❤"}, "total_count": 3}],
        },
    )


_POLL: JsonDict = {
    "id": "poll1",
    "question": "Un banc ici ?",
    "options": [
        {"text": "Oui", "voter_count": 1, "persistent_id": "o1"},
        {"text": "Non", "voter_count": 0, "persistent_id": "o2"},
    ],
    "total_voter_count": 1,
    "is_closed": False,
    "is_anonymous": False,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": True,
    "members_only": False,
}


def poll(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw("poll", _POLL)


def poll_answer(api: FakeBotApi, user: FakeUser) -> JsonDict:
    return _raw(
        "poll_answer",
        {
            "poll_id": "poll1",
            "user": user.to_dict(),
            "option_ids": [0],
            "option_persistent_ids": ["o1"],
        },
    )


def poll_message(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A resident sends a poll in the private chat."""
    return _raw("message", _message(user.private_chat(), {"poll": _POLL}, user.to_dict()))


def service_message(api: FakeBotApi, user: FakeUser) -> JsonDict:
    """A service message (a pinned message) in the private chat."""
    pinned = _message(user.private_chat(), {"text": "épinglé"}, user.to_dict())
    return _raw(
        "message", _message(user.private_chat(), {"pinned_message": pinned}, user.to_dict())
    )


def forwarded_from_channel(api: FakeBotApi, user: FakeUser) -> JsonDict:
    origin = {"type": "channel", "chat": CHANNEL, "message_id": 5, "date": _now()}
    content = {"text": "Réunion publique jeudi", "forward_origin": origin}
    return _raw("message", _message(user.private_chat(), content, user.to_dict()))


def _command(command: str) -> JsonDict:
    return {"entities": [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]}


EVERY_KIND: dict[str, Builder] = {
    **{f"text {content[:30]!r}": text(content) for content in HOSTILE_TEXTS},
    "group text": text("Bonjour à tous", GROUP),
    "group command": text("/start", GROUP),
    "group command for the bot": text("/start@parole_test_bot", GROUP),
    "supergroup command": text("/aide", SUPERGROUP),
    "supergroup hostile command": text("/start \ud800" + "x" * 5000, SUPERGROUP),
    "sticker in a group": sticker_in_group,
    "anonymous admin in a supergroup": anonymous_admin_in_supergroup,
    "sticker": sticker,
    "photo": photo,
    "voice": voice,
    "location": location,
    "contact": contact,
    "document": document,
    "poll message": poll_message,
    "service message": service_message,
    "forwarded from a channel": forwarded_from_channel,
    "edited message": edited,
    **broken_entities,
    "unknown callback data": press_data("n'importe quoi"),
    "forged session": press_data("s999999|0|v"),
    "forged scope": press_data("zz|1|c:bourgogne"),
    "huge position": press_data("s1|99999999999999999999|c:x"),
    "unknown consultation": press_data("m|0|p:nulle-part"),
    "unknown action": press_data("s1|1|q:zzz"),
    "surrogate in callback data": press_data("s1|1|c:\ud800"),
    "press on an inaccessible message": press_inaccessible("s1|1|c:bourgogne"),
    "current button from an inaccessible message": press_latest_button_inaccessible,
    "press on an inline message": press_inline_message,
    "game press": press_game,
    "press in a group": press_in_group,
    "channel post": channel_post,
    "edited channel post": edited_channel_post,
    "inline query": inline_query,
    "chosen inline result": chosen_inline_result,
    "resident blocks the bot": blocked,
    "resident unblocks the bot": unblocked,
    "bot added to a group": added_to_group,
    "chat member": chat_member,
    "chat join request": chat_join_request,
    "message reaction": message_reaction,
    "message reaction count": message_reaction_count,
    "poll": poll,
    "poll answer": poll_answer,
}
