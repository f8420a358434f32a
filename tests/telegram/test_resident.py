"""The resident journey on Telegram, in-process: real Application, fake Bot API transport."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.telegram.callbacks import unpack
from flows.model import ChoiceStepBase, Consultation
from flows.texts import say
from storage.base import Status
from tests.fakebotapi import FakeBotApi, FakeChat, FakeUser
from tests.telegram.harness import Chat
from tests.telegram.journey import label

ALICE = FakeUser(id=111_222_333, first_name="Alice")
BOB = FakeUser(id=444_555_666, first_name="Bob", language_code="en")


def unticked(consultation: Consultation, step_id: str, code: str) -> str:
    return say("unselected", "fr", label=label(consultation, step_id, code))


def answers(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT step_id, value FROM answers ORDER BY step_id").fetchall())


async def pick_many(chat: Chat, c: Consultation, step_id: str, codes: list[str]) -> None:
    for code in codes:
        await chat.click(ALICE, unticked(c, step_id, code))
    await chat.click(ALICE, say("validate_count", "fr", n=len(codes)))


async def test_a_whole_journey_is_stored_and_thanked(chat: Chat, consultation: Consultation):
    c = consultation
    welcome = await chat.send(ALICE, "/start")
    assert "Vivre ensemble" in welcome.text and "anonyme" in welcome.text
    first = await chat.click(ALICE, say("accept", "fr"))
    assert first.text.startswith("Question 1 sur 12")
    assert chat.api.messages(ALICE.id)[0].buttons == []  # the welcome's keyboard is closed

    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, label(c, "profil", "habitant"))
    await chat.click(ALICE, say("skip", "fr"))  # age is optional
    await pick_many(chat, c, "publics", ["femmes", "isoles"])
    await pick_many(chat, c, "besoins", ["sante-mentale"])
    await pick_many(chat, c, "leviers", ["lieux"])
    await chat.send(ALICE, "La ludothèque du quartier")
    await pick_many(chat, c, "freins", ["rodeos"])
    await chat.click(ALICE, say("skip", "fr"))
    await pick_many(chat, c, "objectifs", ["isolement", "convivialite", "culture"])
    await chat.send(ALICE, "Des jardins partagés en bas des immeubles")
    thanks = await chat.click(ALICE, say("yes", "fr"))

    assert "Merci" in thanks.text and thanks.buttons == []
    stored = answers(chat.database)
    assert stored["quartier"] == '{"choices":["bourgogne"],"text":null,"skipped":false}'
    assert '"femmes","isoles"' in stored["publics"]
    assert '"skipped":true' in stored["age"]
    assert "jardins partagés" in stored["proposition"]
    assert '["yes"]' in stored["suivi"]
    assert len(stored) == 12
    session = await chat.store.latest_session(1, c.id)
    assert session is not None and session.status is Status.COMPLETED


async def test_answers_carry_no_telegram_id(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    with sqlite3.connect(chat.database) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        cells = [
            str(cell)
            for table in tables
            for row in db.execute(f"SELECT * FROM {table}")
            for cell in row
        ]
    assert cells, "the journey stored something"
    assert not [cell for cell in cells if str(ALICE.id) in cell or "Alice" in cell]


async def test_multi_choice_toggles_edit_the_same_message(chat: Chat, consultation: Consultation):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, label(consultation, "profil", "habitant"))
    question = await chat.click(ALICE, say("skip", "fr"))
    count = len(chat.api.messages(ALICE.id))

    edited = await chat.click(ALICE, unticked(consultation, "publics", "femmes"))

    assert edited.message_id == question.message_id
    assert len(chat.api.messages(ALICE.id)) == count
    women = label(consultation, "publics", "femmes")
    assert say("selected", "fr", label=women) in edited.buttons
    assert say("validate_count", "fr", n=1) in edited.buttons
    untoggled = await chat.click(ALICE, say("selected", "fr", label=women))
    assert say("unselected", "fr", label=women) in untoggled.buttons
    assert say("validate", "fr") in untoggled.buttons


async def test_validating_nothing_shows_a_short_notice(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, "J'y habite")
    question = await chat.click(ALICE, say("skip", "fr"))
    after = await chat.click(ALICE, say("validate", "fr"))
    assert after.message_id == question.message_id
    assert chat.toasts()[-1] == say("too_few", "fr", n=1)


async def test_a_stale_button_is_explained_and_changes_nothing(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    quartier = chat.last(ALICE)
    old_data = quartier.reply_markup["inline_keyboard"][1][0]["callback_data"]  # type: ignore[index]
    await chat.click(ALICE, "Bourgogne")
    before = answers(chat.database)

    chat.api.click_data(ALICE, quartier.message_id, old_data)
    await chat.deliver()

    # The question now shown in that very message is where the resident is: the toast says
    # why nothing happened, and nothing is sent again.
    assert chat.toasts()[-1] == say("stale", "fr")
    assert chat.last(ALICE).message_id == quartier.message_id
    assert "Question 2 sur 12" in chat.last(ALICE).text
    assert answers(chat.database) == before


async def test_a_forged_button_for_another_session_changes_nothing(chat: Chat):
    await chat.send(BOB, "/start")
    await chat.click(BOB, say("accept", "en"))
    bob_question = chat.last(BOB)
    bob_data = bob_question.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    unpacked = unpack(bob_data)
    assert unpacked is not None

    chat.api.click_data(ALICE, chat.last(ALICE).message_id, bob_data)
    await chat.deliver()

    assert chat.toasts()[-1] == say("stale", "fr")
    assert answers(chat.database) == {}


async def test_back_returns_to_the_previous_question_and_changes_the_answer(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    back = await chat.click(ALICE, say("back", "fr"))
    assert back.text.startswith("Question 1 sur 12")
    await chat.click(ALICE, "Pont-Rompu")
    assert '"pont-rompu"' in answers(chat.database)["quartier"]


async def test_the_next_question_replaces_the_answered_one_under_the_answer(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    question = chat.last(ALICE)
    sent = len(chat.api.messages(ALICE.id))
    await chat.click(ALICE, "Bourgogne")
    # No new message (Telegram limits how many a bot sends): the answered one shows the
    # answer given, then the next question with its buttons.
    assert len(chat.api.messages(ALICE.id)) == sent
    answered = chat.last(ALICE)
    assert answered.message_id == question.message_id
    assert answered.text.startswith(say("your_answer", "fr", answer="Bourgogne"))
    assert "Question 2 sur 12" in answered.text and "J'y habite" in answered.buttons
    assert not chat.api.refused


async def test_a_double_tap_only_says_the_answer_is_saved(chat: Chat):
    await chat.send(ALICE, "/start")
    question = await chat.click(ALICE, say("accept", "fr"))
    sent = len(chat.api.messages(ALICE.id))
    # The second tap left the phone before the first answer redrew the message.
    chat.api.click(ALICE, "Bourgogne", question.message_id)
    chat.api.click(ALICE, "Bourgogne", question.message_id)
    await chat.deliver()
    assert len(chat.api.messages(ALICE.id)) == sent
    assert "Question 2 sur 12" in chat.last(ALICE).text and chat.last(ALICE).buttons
    assert chat.toasts() == [say("already_saved", "fr")]
    assert not chat.api.refused


async def test_a_double_tap_on_a_list_option_shows_nothing_more(
    tmp_path: Path, consultation: Consultation
):
    async with Chat(tmp_path / "db.sqlite3", [consultation]) as chat:
        await chat.send(ALICE, "/start")
        await chat.click(ALICE, say("accept", "fr"))
        await chat.click(ALICE, "Bourgogne")
        await chat.click(ALICE, "J'y habite")
        question = await chat.click(ALICE, say("skip", "fr"))
        sent = len(chat.api.messages(ALICE.id))
        # Both presses left the phone while the list still showed the option unticked.
        chat.api.click(ALICE, unticked(consultation, "publics", "femmes"), question.message_id)
        chat.api.click(ALICE, unticked(consultation, "publics", "femmes"), question.message_id)
        await chat.deliver()

        assert len(chat.api.messages(ALICE.id)) == sent  # no "technical problem" message
        women = label(consultation, "publics", "femmes")
        assert say("selected", "fr", label=women) in chat.last(ALICE).buttons
        assert chat.api.unanswered_callbacks == []
        await chat.click(ALICE, say("validate_count", "fr", n=1))
        assert '"choices":["femmes"]' in answers(chat.database)["publics"]
    # Telegram refuses to redraw the list into what it already shows; that is tolerated.
    [refused] = chat.api.refused
    assert refused.method == "editMessageText" and "not modified" in (refused.description or "")


async def test_a_tap_after_a_lost_redraw_brings_the_question_up_to_date(chat: Chat):
    await chat.send(ALICE, "/start")
    question = await chat.click(ALICE, say("accept", "fr"))
    # The answer is stored, then its redraw is lost, as when the bot dies just before it.
    chat.api.fail_next("editMessageText", 502, description="Bad Gateway")
    await chat.click(ALICE, "Bourgogne", question.message_id)
    assert '"bourgogne"' in answers(chat.database)["quartier"]

    def shown() -> str:
        return next(
            m.text for m in chat.api.messages(ALICE.id) if m.message_id == question.message_id
        )

    assert "Question 1 sur 12" in shown()
    # The resident, still seeing the first question, taps again: the message catches up,
    # with the answer the first tap gave.
    await chat.click(ALICE, "Bourgogne", question.message_id)
    assert shown().startswith(say("your_answer", "fr", answer="Bourgogne"))
    assert "Question 2 sur 12" in shown() and say("already_saved", "fr") in shown()
    assert chat.toasts()[-1] == say("already_saved", "fr")
    assert '"bourgogne"' in answers(chat.database)["quartier"]


async def test_the_welcome_stays_and_the_first_question_comes_below_it(chat: Chat):
    welcome = await chat.send(ALICE, "/start")
    first = await chat.click(ALICE, say("accept", "fr"))
    assert first.message_id != welcome.message_id and "Question 1 sur 12" in first.text
    kept = next(m for m in chat.api.messages(ALICE.id) if m.message_id == welcome.message_id)
    assert kept.text.startswith(welcome.text)  # what the resident agreed to stays readable
    assert kept.buttons == []


async def test_other_text_is_escaped_and_stored_as_given(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    prompt = await chat.click(ALICE, say("other", "fr"))
    assert say("other_prompt", "fr") in prompt.text
    await chat.send(ALICE, "<b>Rue & Cie</b>")
    assert "Question 2 sur 12" in chat.last(ALICE).text
    assert '"text":"<b>Rue & Cie</b>"' in answers(chat.database)["quartier"]


async def test_a_too_long_text_is_refused_with_numbers(chat: Chat, consultation: Consultation):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, say("other", "fr"))
    reply = await chat.send(ALICE, "x" * 301)
    assert say("too_long", "fr", n=301, max=300) in reply.text
    assert "quartier" not in answers(chat.database)


async def test_group_chats_are_sent_to_a_private_chat(chat: Chat):
    group = FakeChat(id=-100_200, type="supergroup")
    reply = await chat.send(ALICE, "/start", chat=group)
    assert "t.me/parole_test_bot" in reply.text
    assert chat.api.messages(ALICE.id) == []
    assert answers(chat.database) == {}


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "contact", "document"])
async def test_unsupported_content_gets_guidance(chat: Chat, kind: str):
    getattr(chat.api, f"send_{kind}")(ALICE)
    await chat.deliver()
    assert chat.last(ALICE).text == say("unsupported_content", "fr")


async def test_a_duplicate_update_is_stored_once(tmp_path: Path, consultation: Consultation):
    async with Chat(tmp_path / "db.sqlite3", [consultation]) as chat:
        await chat.send(ALICE, "/start")
        await chat.click(ALICE, say("accept", "fr"))
        await chat.click(ALICE, "Bourgogne")
        await chat.click(ALICE, "J'y habite")
        await chat.click(ALICE, say("skip", "fr"))
        update = chat.api.click(ALICE, "▫️ Les femmes")
        await chat.deliver()
        await chat.redeliver(update)  # Telegram sends it again after a crash
        await chat.click(ALICE, say("validate_count", "fr", n=1))
        assert '"choices":["femmes"]' in answers(chat.database)["publics"]
    # The second answer to the same button press is refused by Telegram and tolerated.
    assert [r.method for r in chat.api.refused] == ["answerCallbackQuery"]


async def test_language_switch_and_help(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    english = await chat.send(ALICE, "/langue")
    assert english.text.startswith("Question 1 of 12")
    assert "What is your neighbourhood" in english.text or "neighbourhood" in english.text
    assert say("language_set", "en") in chat.api.transcript(ALICE.id)[-2]
    help_text = await chat.send(ALICE, "/aide")
    assert "/reprendre" in help_text.text and "resume" in help_text.text


async def test_resume_after_a_restart_of_the_bot(tmp_path: Path, consultation: Consultation):
    database = tmp_path / "parole.sqlite3"
    async with Chat(database, [consultation]) as first:
        await first.send(ALICE, "/start")
        await first.click(ALICE, say("accept", "fr"))
        await first.click(ALICE, "Bourgogne")
    async with Chat(database, [consultation], api=first.api) as second:
        menu = await second.send(ALICE, "/start")
        assert say("resume", "fr") in menu.buttons and say("restart", "fr") in menu.buttons
        resumed = await second.click(ALICE, say("resume", "fr"))
        assert resumed.text.startswith("Question 2 sur 12")
        again = await second.send(ALICE, "/reprendre")
        assert again.text.startswith("Question 2 sur 12")
        restarted = await second.send(ALICE, "/start")
        assert restarted.buttons
        asked = await second.click(ALICE, say("restart", "fr"))
        assert asked.text == say("restart_confirm", "fr", answered=1)
        assert answers(database) != {}  # nothing is erased before the confirmation
        fresh = await second.click(ALICE, say("restart_yes", "fr"))
        assert fresh.text.startswith("Question 1 sur 12")
        assert answers(database) == {}
    assert second.api.refused == []


async def test_commands_are_registered_in_french_and_english(chat: Chat):
    french = chat.api.commands(language_code="fr")
    english = chat.api.commands(language_code="en")
    default = chat.api.commands()
    assert [command for command, _ in french] == [
        "start",
        "reprendre",
        "langue",
        "aide",
        "confidentialite",
        "mesdonnees",
        "oubli",
        "stop",
    ]
    assert default == french
    assert [command for command, _ in english] == [command for command, _ in french]
    assert english != french


async def test_help_explains_every_command_of_the_menu(chat: Chat):
    menu = [command for command, _ in chat.api.commands(language_code="fr")]
    french = await chat.send(ALICE, "/aide")
    await chat.send(ALICE, "/langue en")
    english = await chat.send(ALICE, "/aide")
    for help_text in (french.text, english.text):
        for command in menu:
            assert f"/{command}" in help_text, command


async def test_several_open_consultations_are_offered(tmp_path: Path, consultation: Consultation):
    other = consultation.model_copy(
        update={
            "id": "cadre-de-vie",
            "title": consultation.title.model_copy(update={"fr": "Cadre de vie"}),
        }
    )
    async with Chat(tmp_path / "db.sqlite3", [consultation, other]) as chat:
        menu = await chat.send(ALICE, "/start")
        assert menu.buttons == [consultation.title.fr, "Cadre de vie"]
        welcome = await chat.click(ALICE, "Cadre de vie")
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
        direct = await chat.send(BOB, "/start vivre-ensemble")
        assert direct.buttons == [
            say("accept", "en"),
            say("decline", "en"),
            say("other_language", "en"),
        ]
        assert consultation.title.en in direct.text
        assert chat.api.refused == []


async def test_a_closed_consultation_says_so_and_keeps_answers(
    tmp_path: Path, consultation: Consultation
):
    async with Chat(tmp_path / "db.sqlite3", [consultation]) as chat:
        await chat.send(ALICE, "/start")
        await chat.click(ALICE, say("accept", "fr"))
        await chat.click(ALICE, "Bourgogne")
        chat.now = dt.datetime.combine(consultation.closes, dt.time(23), dt.UTC) + dt.timedelta(
            days=1
        )
        closed = await chat.send(ALICE, "/start")
        assert "fermée" in closed.text
        late = await chat.click(ALICE, "J'y habite")
        assert "fermée" in late.text
        assert list(answers(chat.database)) == ["quartier"]


async def test_declining_stores_nothing(chat: Chat):
    await chat.send(ALICE, "/start")
    refusal = await chat.click(ALICE, say("decline", "fr"))
    assert refusal.text == say("declined", "fr")
    with sqlite3.connect(chat.database) as db:
        assert db.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


async def test_start_after_finishing_says_it_is_done(chat: Chat, consultation: Consultation):
    nothing = await chat.send(ALICE, "/reprendre")
    assert nothing.text == say("nothing_to_resume", "fr")
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, "J'y habite")
    await chat.click(ALICE, say("skip", "fr"))
    for step in ("publics", "besoins", "leviers"):
        step_def = consultation.step(step)
        assert isinstance(step_def, ChoiceStepBase)
        await pick_many(chat, consultation, step, [step_def.options[0].code])
    await chat.click(ALICE, say("skip", "fr"))
    freins = consultation.step("freins")
    assert isinstance(freins, ChoiceStepBase)
    await pick_many(chat, consultation, "freins", [freins.options[0].code])
    await chat.click(ALICE, say("skip", "fr"))
    await pick_many(chat, consultation, "objectifs", ["culture"])
    await chat.click(ALICE, say("skip", "fr"))
    await chat.click(ALICE, say("no", "fr"))

    again = await chat.send(ALICE, "/start")
    assert again.text == say("already_done", "fr") and again.buttons == []
    typed = await chat.send(ALICE, "bonjour")
    assert typed.text == say("already_done", "fr")
    # Not "nothing in progress, type /start": that led back here, round and round.
    resumed = await chat.send(ALICE, "/reprendre")
    assert resumed.text == say("already_done", "fr")


async def test_an_unknown_deep_link_lists_the_open_consultations(chat: Chat):
    await chat.send(ALICE, "/start nimporte-quoi")
    texts = [m.text for m in chat.api.messages(ALICE.id)]
    assert texts[0] == say("unknown_consultation", "fr")
    assert chat.last(ALICE).buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]


async def test_a_failing_command_menu_is_logged_not_fatal(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    api = FakeBotApi()
    api.fail_next("setMyCommands", 400, description="Bad Request: commands are broken", times=3)
    async with Chat(tmp_path / "db.sqlite3", [consultation], api=api) as chat:
        welcome = await chat.send(ALICE, "/start")
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
    assert "could not register the command menu" in caplog.text


async def test_typed_answers_close_the_previous_keyboard(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    prompt = await chat.click(ALICE, say("other", "fr"))
    assert prompt.buttons  # ⬅️ Retour, Passer
    retry = await chat.send(ALICE, "x" * 400)  # refused: the prompt is shown again
    after = await chat.send(ALICE, "Le Virolois")

    with_keyboards = [m.message_id for m in chat.api.messages(ALICE.id) if m.buttons]
    assert with_keyboards == [after.message_id]
    assert retry.message_id != after.message_id


async def test_retour_and_passer_are_the_back_and_skip_buttons_typed(chat: Chat):
    await chat.send(ALICE, "/start")
    await chat.click(ALICE, say("accept", "fr"))
    await chat.click(ALICE, "Bourgogne")
    await chat.click(ALICE, "J'y habite")
    assert "Question 3 sur 12" in chat.last(ALICE).text
    back = await chat.send(ALICE, "/retour")
    assert back.text.startswith("Question 2 sur 12") and "✅ J'y habite" in back.buttons
    await chat.click(ALICE, "✅ J'y habite")
    skipped = await chat.send(ALICE, "/passer")  # the age question is optional
    assert skipped.text.startswith("Question 4 sur 12")
    stored = answers(chat.database)
    assert '"skipped":true' in stored["age"].replace(" ", "")
    help_text = (await chat.send(ALICE, "/aide")).text
    assert "/retour" in help_text and "/passer" in help_text


async def test_retour_with_no_question_on_screen_says_where_the_resident_is(chat: Chat):
    reply = await chat.send(ALICE, "/retour")
    assert reply.text == say("nothing_to_resume", "fr")
    assert answers(chat.database) == {}
