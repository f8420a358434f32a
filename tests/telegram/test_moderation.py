"""Moderation on Telegram, in-process: staff hide a resident's text and show it again."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.moderation import LATEST
from bot.moderation_texts import say
from flows.model import Consultation
from flows.state import Answer
from storage.base import Flag
from storage.sqlite_reports import WITHHELD_TEXT
from tests.fakebotapi import FakeUser
from tests.fakebotapi.model import SentMessage
from tests.storage.helpers import make_turn
from tests.telegram.test_staff import OTHER_GROUP, RESIDENT, STAFF, STAFF_CHAT, TUESDAY, StaffChat

NEIGHBOUR = "Le voisin du 3e, M. Martin, est un voleur"
MARKUP = "<b>Martin</b> & co <a href='x'>ici</a>"
HIDE, SHOW = say("hide", "fr"), say("show", "fr")


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    """The staff harness with two residents' proposals: a plain one, then one naming someone."""
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        for number, proposal in enumerate(("Plus de bancs au parc", NEIGHBOUR)):
            now = TUESDAY - dt.timedelta(hours=3 - number)
            who = await running.store.participant(f"resident-{number}", now)
            saved = {"proposition": Answer(text=proposal)}
            turn = make_turn(who.id, consultation_id=consultation.id, saved=saved, now=now)
            await running.store.commit(turn)
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"
    assert running.api.unanswered_callbacks == [], "every press is answered"


async def staff_says(chat: StaffChat, text: str, user: FakeUser = STAFF) -> list[SentMessage]:
    """`user` types `text` in the staff chat; the bot's new messages there."""
    before = len(chat.api.messages(STAFF_CHAT.id))
    chat.api.send_text(user, text, STAFF_CHAT)
    await chat.deliver()
    return chat.api.messages(STAFF_CHAT.id)[before:]


def message(chat: StaffChat, message_id: int) -> SentMessage:
    [found] = [m for m in chat.api.messages(STAFF_CHAT.id) if m.message_id == message_id]
    return found


async def press(chat: StaffChat, label: str, message_id: int, user: FakeUser = STAFF) -> None:
    chat.api.click(user, label, message_id, STAFF_CHAT)
    await chat.deliver()


async def digest_quotes(chat: StaffChat, text: str) -> bool:
    """Whether a digest asked for now quotes `text` anywhere."""
    sent = await staff_says(chat, "/digest")
    assert any(m.kind == "document" for m in sent), "a whole digest was sent"
    return any(text in m.text for m in sent)


async def test_staff_hide_a_text_then_show_it_again(chat: StaffChat, consultation: Consultation):
    heading, newest, older = await staff_says(chat, "/moderation")
    assert heading.text.startswith("✍️ Les 2 derniers textes d'habitants")
    question = consultation.step("proposition").text.fr
    assert newest.text == f"{question}\nmar. 24/11/2026 08:00\n{NEIGHBOUR}"
    assert older.text.endswith("Plus de bancs au parc")
    assert newest.buttons == older.buttons == [HIDE]
    assert await digest_quotes(chat, NEIGHBOUR)

    await press(chat, HIDE, newest.message_id)
    hidden = message(chat, newest.message_id)
    assert hidden.edits == 1 and hidden.buttons == [SHOW]
    assert "🙈 Masqué le mar. 24/11/2026 10:00" in hidden.text and NEIGHBOUR in hidden.text
    assert chat.toasts()[-1] == say("done_hidden", "fr")
    assert not await digest_quotes(chat, NEIGHBOUR), "no longer quoted"
    assert await digest_quotes(chat, "Plus de bancs au parc")
    chat.api.send_text(STAFF, "/export", STAFF_CHAT)
    await chat.deliver()
    export = chat.api.messages(STAFF_CHAT.id)[-1].file
    assert export is not None and not isinstance(export, str)
    content = export.content.decode("utf-8-sig")
    assert NEIGHBOUR not in content and WITHHELD_TEXT in content

    listed = await staff_says(chat, "/moderation masques")
    assert [m.buttons for m in listed] == [[], [SHOW]]
    assert listed[0].text.startswith("🙈 Le dernier texte masqué.")
    await press(chat, SHOW, listed[1].message_id)
    shown = message(chat, listed[1].message_id)
    assert shown.buttons == [HIDE] and "Masqué" not in shown.text
    assert chat.toasts()[-1] == say("done_shown", "fr")
    assert await digest_quotes(chat, NEIGHBOUR)
    assert [m.text for m in await staff_says(chat, "/moderation masques")] == [
        say("none_hidden", "fr")
    ]


async def test_a_text_is_shown_escaped(chat: StaffChat, consultation: Consultation):
    who = await chat.store.participant("resident-markup", TUESDAY)
    saved = {"publics": Answer(choices=["autre"], text=MARKUP)}
    turn = make_turn(who.id, consultation_id="vivre-ensemble", saved=saved, now=TUESDAY)
    await chat.store.commit(turn)
    _, newest, *_ = await staff_says(chat, "/moderation")
    assert newest.text.endswith(MARKUP), "shown as typed"
    assert "&lt;b&gt;Martin&lt;/b&gt; &amp; co &lt;a href='x'&gt;ici&lt;/a&gt;" in newest.html
    question = consultation.step("publics").text.fr  # the question, in bold
    assert newest.entities == ({"type": "bold", "offset": 0, "length": len(question)},)
    await press(chat, HIDE, newest.message_id)
    assert message(chat, newest.message_id).text.endswith(MARKUP)


async def test_usage_for_an_unknown_argument(chat: StaffChat):
    [usage] = await staff_says(chat, "/moderation tout")
    assert usage.text == say("usage", "fr")


async def test_others_get_what_an_unknown_command_gets(chat: StaffChat):
    unknown = (await chat.send(RESIDENT, "/nimportequoi")).text
    assert (await chat.send(RESIDENT, "/moderation")).text == unknown
    chat.api.send_text(STAFF, "/moderation", OTHER_GROUP)
    chat.api.send_text(STAFF, "/nimportequoi", OTHER_GROUP)
    await chat.deliver()
    in_group = [m.text for m in chat.api.messages(OTHER_GROUP.id)]
    assert len(in_group) == 2 and in_group[0] == in_group[1]


async def test_a_press_by_anyone_else_changes_nothing(chat: StaffChat):
    _, newest, _ = await staff_says(chat, "/moderation")
    assert newest.reply_markup is not None
    data = newest.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("md|h|")
    chat.api.click_data(RESIDENT, newest.message_id, data, STAFF_CHAT)
    await chat.deliver()
    assert message(chat, newest.message_id).edits == 0
    assert await chat.store.texts_for_moderation(10, hidden_only=True) == []
    assert say("done_hidden", "fr") not in chat.toasts()


async def test_a_press_on_a_text_the_resident_changed_since(
    chat: StaffChat, consultation: Consultation
):
    _, newest, _ = await staff_says(chat, "/moderation")
    [text] = await chat.store.texts_for_moderation(1)
    session = await chat.store.session(text.session_id)
    assert session is not None
    await chat.store.commit(
        make_turn(
            session.participant_id,
            consultation_id=consultation.id,
            session_id=session.id,
            removed=["proposition"],
            now=TUESDAY,
        )
    )
    await press(chat, HIDE, newest.message_id)
    assert chat.toasts()[-1] == say("gone", "fr")
    assert message(chat, newest.message_id).buttons == []


async def test_moderation_is_in_the_staff_menu_only(chat: StaffChat):
    everyone = [name for name, _ in chat.api.commands()]
    assert everyone and "moderation" not in everyone
    mine = [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": STAFF.id})]
    assert "moderation" in mine


async def test_older_texts_come_a_page_at_a_time(chat: StaffChat, consultation: Consultation):
    for number in range(LATEST):  # with the fixture's two: a full page and two more
        now = TUESDAY - dt.timedelta(minutes=50 - number)
        who = await chat.store.participant(f"later-{number}", now)
        saved = {"proposition": Answer(text=f"Idée numéro {number}")}
        await chat.store.commit(
            make_turn(who.id, consultation_id=consultation.id, saved=saved, now=now)
        )
    heading, *page, more = await staff_says(chat, "/moderation")
    assert heading.text.startswith(f"✍️ Les {LATEST} derniers textes")
    assert [m.text.rsplit("\n", 1)[1] for m in page] == [
        f"Idée numéro {number}" for number in reversed(range(LATEST))
    ]
    [older_label] = more.buttons
    await press(chat, older_label, more.message_id)
    assert message(chat, more.message_id).buttons == [], "the button goes once pressed"
    rest = chat.api.messages(STAFF_CHAT.id)[-2:]
    assert [m.text.rsplit("\n", 1)[1] for m in rest] == [NEIGHBOUR, "Plus de bancs au parc"]
    assert all(m.buttons == [HIDE] for m in rest), "no further page"
    # The oldest text can now be hidden like any other.
    await press(chat, HIDE, rest[-1].message_id)
    [hidden] = await chat.store.texts_for_moderation(10, hidden_only=True)
    assert hidden.text == "Plus de bancs au parc"


async def add_text(chat: StaffChat, consultation: Consultation, text: str, at: dt.datetime) -> int:
    """A resident answers the proposal question with `text` at `at`; their session's id."""
    who = await chat.store.participant(f"resident-{text}", at)
    saved = {"proposition": Answer(text=text)}
    return await chat.store.commit(
        make_turn(who.id, consultation_id=consultation.id, saved=saved, now=at)
    )


def listed(messages: list[SentMessage]) -> list[str]:
    """The residents' texts among the bot's messages (each card's last line)."""
    return [m.text.rsplit("\n", 1)[1] for m in messages if m.buttons in ([HIDE], [SHOW])]


async def test_texts_arriving_between_two_pages_are_neither_repeated_nor_skipped(
    chat: StaffChat, consultation: Consultation
):
    for number in range(LATEST):  # with the fixture's two: a full page and two more
        await add_text(
            chat, consultation, f"Idée {number}", TUESDAY - dt.timedelta(minutes=50 - number)
        )
    first = await staff_says(chat, "/moderation")
    more = first[-1]
    # Three residents answer while staff read the first page.
    for number in range(3):
        await add_text(
            chat, consultation, f"Nouvelle {number}", TUESDAY + dt.timedelta(minutes=number)
        )
    before = len(chat.api.messages(STAFF_CHAT.id))
    await press(chat, more.buttons[0], more.message_id)
    second = chat.api.messages(STAFF_CHAT.id)[before:]
    assert listed(second) == [NEIGHBOUR, "Plus de bancs au parc"], "the page goes on where it was"
    shown = listed(first) + listed(second)
    assert len(shown) == len(set(shown)) == LATEST + 2, "every text listed, once"
    # The new texts are the next /moderation's first ones.
    assert listed(await staff_says(chat, "/moderation"))[:3] == [f"Nouvelle {n}" for n in (2, 1, 0)]


async def test_a_text_shown_again_from_a_page_of_hidden_texts_skips_none_of_the_next(
    chat: StaffChat, consultation: Consultation
):
    for number in range(LATEST):
        await add_text(
            chat, consultation, f"Idée {number}", TUESDAY - dt.timedelta(minutes=50 - number)
        )
    for text in await chat.store.texts_for_moderation(LATEST + 2):
        await chat.store.hide_text(text.session_id, text.step_id, TUESDAY)
    first = await staff_says(chat, "/moderation masques")
    # The latest page of them, not how many are hidden in all (twelve).
    assert first[0].text.startswith(f"🙈 Les {LATEST} derniers textes masqués, du plus récent")
    # Staff put the first one back, then ask for the next hidden ones.
    await press(chat, SHOW, first[1].message_id)
    more = first[-1]
    before = len(chat.api.messages(STAFF_CHAT.id))
    await press(chat, more.buttons[0], more.message_id)
    second = chat.api.messages(STAFF_CHAT.id)[before:]
    assert listed(second) == [NEIGHBOUR, "Plus de bancs au parc"]


async def test_a_page_button_that_no_longer_works_says_so(chat: StaffChat):
    _, newest, _ = await staff_says(chat, "/moderation")
    chat.api.click_data(STAFF, newest.message_id, "md|o|10", STAFF_CHAT)  # before keyset pages
    await chat.deliver()
    assert chat.toasts()[-1] == say("stale", "fr")


async def test_a_press_on_a_text_the_resident_rewrote_since_hides_nothing(
    chat: StaffChat, consultation: Consultation
):
    _, newest, _ = await staff_says(chat, "/moderation")
    [text] = await chat.store.texts_for_moderation(1)
    assert text.text == NEIGHBOUR
    session = await chat.store.session(text.session_id)
    assert session is not None
    rewrite = {"proposition": Answer(text="Plus de lumière dans la rue")}
    await chat.store.commit(
        make_turn(
            session.participant_id,
            consultation_id=consultation.id,
            session_id=session.id,
            saved=rewrite,
            now=TUESDAY,
        )
    )
    await press(chat, HIDE, newest.message_id)
    assert chat.toasts()[-1] == say("rewritten", "fr")
    redrawn = message(chat, newest.message_id)
    assert redrawn.text.endswith("Plus de lumière dans la rue") and redrawn.buttons == [HIDE]
    assert await chat.store.texts_for_moderation(10, hidden_only=True) == []
    # Staff have now read the new text: the same button hides it.
    await press(chat, HIDE, newest.message_id)
    assert chat.toasts()[-1] == say("done_hidden", "fr")
    [hidden] = await chat.store.texts_for_moderation(10, hidden_only=True)
    assert hidden.text == "Plus de lumière dans la rue"


async def test_a_button_from_before_fingerprints_still_hides_its_text(chat: StaffChat):
    _, newest, _ = await staff_says(chat, "/moderation")
    [text] = await chat.store.texts_for_moderation(1)
    data = f"md|h|{text.session_id}|{text.step_id}"
    chat.api.click_data(STAFF, newest.message_id, data, STAFF_CHAT)
    await chat.deliver()
    assert chat.toasts()[-1] == say("done_hidden", "fr")
    assert message(chat, newest.message_id).buttons == [SHOW]


async def test_a_single_text_is_announced_as_one(chat: StaffChat, consultation: Consultation):
    [newest, _] = await chat.store.texts_for_moderation(2)
    # Flagged by safeguarding: never listed, which leaves one text.
    flag = Flag("violence", newest.step_id)
    await chat.store.add_flags([flag], consultation.id, newest.session_id, TUESDAY)
    heading, _ = await staff_says(chat, "/moderation")
    assert heading.text.startswith("✍️ Le dernier texte d'habitant. «\u202f🙈 Masquer\u202f»")
