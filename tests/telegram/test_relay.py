"""Relays on Telegram, in-process: invitations, links and QR codes, assisted entries, rights."""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.relay_texts import say as relay_say
from bot.settings import Settings, StaffSettings
from bot.telegram.app import build_application
from flows.model import Consultation
from flows.safeguarding import Category, helplines
from flows.texts import say
from tests.fakebotapi import FakeBotApi, FakeRequest, FakeUser, UploadedFile
from tests.fakebotapi.model import SentMessage
from tests.relays.world import Clock, small_consultation
from tests.telegram.harness import Chat, settings_for

STAFF = FakeUser(id=777_000_001, first_name="Sophie")
RELAY = FakeUser(id=500_000_001, first_name="Karim")
OTHER = FakeUser(id=500_000_002, first_name="Nadia")
ALICE = FakeUser(id=111_222_333, first_name="Alice")
BOB = FakeUser(id=444_555_666, first_name="Bob")
LINK = re.compile(r"https://t\.me/parole_test_bot\?start=([A-Za-z0-9_-]+)")
AGREE = relay_say("entry_agree", "fr")


class RelayChat(Chat):
    """The chat harness with a staff user and a clock the test moves."""

    def __init__(
        self,
        database: Path,
        consultations: list[Consultation],
        clock: Clock,
        api: FakeBotApi | None = None,
    ) -> None:
        super().__init__(database, consultations, clock=clock, api=api)
        self.clock = clock
        self.settings: Settings = settings_for(database, self.api).model_copy(
            update={"staff": StaffSettings(user_ids=[STAFF.id])}
        )
        self.app = build_application(
            self.settings, self.store, consultations, clock=clock, request=FakeRequest(self.api)
        )

    async def invite(self, name: str = "Association Les Amis") -> str:
        """Staff create a relay; the invitation payload."""
        created = await self.send(STAFF, f"/relais_nouveau {name}")
        found = LINK.search(created.text)
        assert found is not None, created.text
        return found.group(1)

    async def make_relay(self, user: FakeUser, name: str = "Association Les Amis") -> None:
        welcome = await self.send(user, f"/start {await self.invite(name)}")
        assert "Vous êtes maintenant relais" in welcome.text

    async def answer_all(self, user: FakeUser) -> SentMessage:
        """The small consultation, from its first question to its end: a resident says yes
        to the follow-up question, which an assisted entry does not ask."""
        await self.click(user, "Bourgogne")
        await self.click(user, say("unselected", "fr", label="Les femmes"))
        await self.click(user, say("validate_count", "fr", n=1))
        last = await self.click(user, "4")
        if say("yes", "fr") in last.buttons:  # the follow-up question
            last = await self.click(user, say("yes", "fr"))
        return last

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as db:
            return db.execute(sql).fetchall()


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def test_an_invitation_works_once(chat: RelayChat):
    payload = await chat.invite()
    assert len(payload) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", payload)
    welcome = await chat.send(RELAY, f"/start {payload}")
    assert (
        "relais «\u202fAssociation Les Amis\u202f»" in welcome.text and "/monlien" in welcome.text
    )
    menu = [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": RELAY.id})]
    assert {"monlien", "saisie", "bilan", "start"} <= set(menu)
    # A relay's own menu replaces the residents': it keeps every command of theirs
    # (/mesdonnees, /oubli, /stop for a relay who asked for news).
    assert [name for name, _ in chat.api.commands()] == menu[: len(chat.api.commands())]
    again = await chat.send(OTHER, f"/start {payload}")
    assert again.text == relay_say("invitation_used", "fr")
    assert (await chat.send(OTHER, "/monlien")).text == (await chat.send(OTHER, "/aide")).text


async def test_a_relay_name_too_long_is_said_so_not_asked_again(chat: RelayChat):
    refused = await chat.send(STAFF, f"/relais_nouveau {'x' * 61}")
    assert refused.text == relay_say("relay_name_too_long", "fr", max=60)
    assert "60 caractères au plus" in refused.text
    assert (await chat.send(STAFF, "/relais_nouveau")).text == relay_say("relay_new_usage", "fr")
    assert (await chat.send(STAFF, "/relais")).text == relay_say("relay_list_empty", "fr")


async def test_the_invitation_of_a_relay_removed_before_joining_says_it_was_cancelled(
    chat: RelayChat,
):
    payload = await chat.invite()
    removed = await chat.send(STAFF, "/relais_retirer 1")
    # No account joined yet: staff are told what stops working, not of an account.
    assert "son lien d'invitation" in removed.text and "ce compte" not in removed.text
    refused = await chat.send(RELAY, f"/start {payload}")
    assert refused.text == relay_say("invitation_cancelled", "fr")
    assert "annulé" in refused.text and "déjà servi" not in refused.text
    assert "cancelled" in relay_say("invitation_cancelled", "en")
    assert (await chat.send(RELAY, "/saisie")).text == (await chat.send(RELAY, "/aide")).text


async def test_an_expired_invitation_is_refused_politely(chat: RelayChat):
    payload = await chat.invite()
    chat.clock.advance(days=7, seconds=1)
    refused = await chat.send(RELAY, f"/start {payload}")
    assert refused.text == relay_say("invitation_expired", "fr")
    assert (await chat.send(RELAY, "/bilan")).text == (await chat.send(RELAY, "/aide")).text


async def test_my_link_sends_a_qr_code_that_decodes_to_the_link(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/monlien")
    text, photo = chat.api.messages(RELAY.id)[-2:]
    found = LINK.search(text.text)
    assert found is not None and found.group(1).startswith("r_") and len(found.group(1)) <= 64
    assert photo.kind == "photo" and "Vivre ensemble au quartier" in photo.text
    assert isinstance(photo.file, UploadedFile)
    image = Image.open(io.BytesIO(photo.file.content))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [found.group(0)]


async def test_residents_through_the_link_are_counted_never_shown(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/monlien")
    link = LINK.search(chat.api.messages(RELAY.id)[-2].text)
    assert link is not None
    welcome = await chat.send(ALICE, f"/start {link.group(1)}")
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]
    await chat.click(ALICE, say("accept", "fr"))
    thanks = await chat.answer_all(ALICE)
    assert "Merci" in thanks.text
    await chat.send(BOB, f"/start {link.group(1)}")  # reached, not started

    report = await chat.send(RELAY, "/bilan")
    assert "Personnes venues par votre lien\u202f: 2 cette semaine, 2 en tout" in report.text
    assert (
        "Questionnaires terminés par ces personnes\u202f: 1 cette semaine, 1 en tout" in report.text
    )
    assert "  " not in report.text  # no columns lined up with spaces (a proportional font)
    assert "Bourgogne" not in report.text and "femmes" not in report.text
    assert chat.rows("SELECT channel, relay_id FROM sessions") == [("telegram", 1)]


async def test_the_agree_button_stays_until_the_entry_is_stored(
    chat: RelayChat, monkeypatch: pytest.MonkeyPatch
):
    await chat.make_relay(RELAY)
    consent = await chat.send(RELAY, "/saisie")

    async def broken(turn: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(chat.store, "commit", broken)
    await chat.click(RELAY, AGREE)
    # Nothing stored: the person's consent can still be given with the same button.
    assert chat.api.buttons(RELAY.id, consent.message_id) == consent.buttons
    monkeypatch.undo()
    question = await chat.click(RELAY, AGREE, consent.message_id)
    assert question.text.startswith("Question 1 sur ")
    assert chat.api.buttons(RELAY.id, consent.message_id) == []
    assert chat.rows("SELECT channel, status FROM sessions") == [("assisted", "active")]


async def test_a_relay_trying_their_own_link_is_not_counted_as_reached(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/monlien")
    link = LINK.search(chat.api.messages(RELAY.id)[-2].text)
    assert link is not None
    welcome = await chat.send(RELAY, f"/start {link.group(1)}")
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]
    await chat.click(RELAY, say("accept", "fr"))
    report = await chat.send(RELAY, "/bilan")
    assert "Personnes venues par votre lien\u202f: 0 cette semaine, 0 en tout" in report.text
    assert "Association Les Amis\u202f: 0 / 0 / 0 / 0" in (await chat.send(STAFF, "/relais")).text
    # Told why, before the welcome.
    assert relay_say("own_link", "fr") in [m.text for m in chat.api.messages(RELAY.id)]


async def test_assisted_entry_needs_consent_and_is_a_separate_participant(chat: RelayChat):
    await chat.make_relay(RELAY)
    # The relay's own participation, started before any entry.
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.click(RELAY, "Bourgogne")

    consent = await chat.send(RELAY, "/saisie")
    assert "Bonjour\u202f! C'est anonyme." in consent.text
    # Nothing tells that the person already answered: the relay is asked to check first.
    assert "Si elle a déjà répondu" in consent.text and "deux fois" in consent.text
    # What is kept, read to the person: not the residents' paragraph, which names commands
    # they cannot use.
    assert relay_say("entry_privacy", "fr", duration="1 an") in consent.text
    assert "/mesdonnees" not in consent.text and "/oubli" not in consent.text
    assert consent.buttons == [AGREE, relay_say("entry_cancel", "fr")]
    assert chat.rows("SELECT count(*) FROM sessions") == [(1,)]  # nothing before consent
    cancelled = await chat.click(RELAY, relay_say("entry_cancel", "fr"))
    assert cancelled.text == relay_say("entry_cancelled", "fr")
    assert chat.rows("SELECT count(*) FROM participants") == [(1,)]

    await chat.send(RELAY, "/saisie")
    first = await chat.click(RELAY, AGREE)
    assert first.text.startswith("Question 1 sur ")
    # Typed answers go to the entry while it runs.
    await chat.send(RELAY, "2")  # Pont-Rompu, by its number
    await chat.click(RELAY, say("unselected", "fr", label="Les seniors"))
    await chat.click(RELAY, say("validate_count", "fr", n=1))
    await chat.send(RELAY, "5")  # the last question asked
    closing, what_next = chat.api.messages(RELAY.id)[-2:]
    # The answer typed is confirmed, as a tap is; then the entry is saved.
    assert (
        closing.text == f"{say('your_answer', 'fr', answer='5')}\n\n{relay_say('entry_done', 'fr')}"
    )
    assert what_next.text == relay_say("entry_what_next", "fr")
    assert what_next.buttons == [relay_say("entry_next", "fr"), relay_say("entry_finish", "fr")]

    # A second entry, chained.
    await chat.click(RELAY, relay_say("entry_next", "fr"))
    await chat.click(RELAY, AGREE)
    await chat.answer_all(RELAY)

    sessions = chat.rows(
        "SELECT p.pseudonym, s.channel, s.status, s.relay_id FROM sessions AS s "
        "JOIN participants AS p ON p.id = s.participant_id ORDER BY s.id"
    )
    own, *entries = sessions
    assert own[1:] == ("telegram", "active", None)  # the relay's own answers: not attributed
    assert len(entries) == 2 and len({e[0] for e in entries}) == 2
    for pseudonym, channel, status, relay_id in entries:
        assert str(pseudonym).startswith("assisted:")
        assert (channel, status, relay_id) == ("assisted", "completed", 1)
    quartiers = chat.rows(
        "SELECT json_extract(value, '$.choices[0]') FROM answers WHERE step_id = 'quartier' "
        "ORDER BY session_id"
    )
    assert quartiers == [("bourgogne",), ("pont",), ("bourgogne",)]

    # The relay's own participation is where they left it.
    finished = await chat.click(RELAY, relay_say("entry_finish", "fr"))
    assert finished.text == relay_say("entry_finished_resume", "fr")
    resumed = await chat.send(RELAY, "/reprendre")
    assert resumed.text.startswith("Question 2 sur ")
    report = await chat.send(RELAY, "/bilan")
    assert "Saisies accompagnées\u202f: 2 cette semaine, 2 en tout" in report.text


async def test_a_disclosure_typed_in_an_entry_gives_the_relay_numbers_to_pass_on(
    chat: RelayChat,
):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "elle dit que son mari la frappe")
    helpline, *_ = chat.api.messages(RELAY.id)[before:]
    assert helpline.text == helplines(
        frozenset({Category.DANGER, Category.DOMESTIC}), "fr", relayed=True
    )
    assert "Donnez-lui ces numéros" in helpline.text and "3919" in helpline.text


async def test_an_entry_in_english_still_tells_the_relay_the_numbers_in_their_language(
    chat: RelayChat,
):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    assert "Your area?" in (await chat.send(RELAY, "/langue en")).text
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "elle dit que son mari la frappe")
    helpline, question = chat.api.messages(RELAY.id)[before:]
    assert helpline.text == helplines(
        frozenset({Category.DANGER, Category.DOMESTIC}), "fr", relayed=True
    )
    assert "Your area?" in question.text  # the person's question, in the entry's language


async def test_an_entry_asks_no_follow_up_and_ends_with_the_relay_closing(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    await chat.click(RELAY, "Bourgogne")
    await chat.click(RELAY, say("unselected", "fr", label="Les femmes"))
    await chat.click(RELAY, say("validate_count", "fr", n=1))
    await chat.click(RELAY, "4")
    # The person has no chat with the bot: no news can reach them, so nothing promises any.
    seen = [message.text for message in chat.api.messages(RELAY.id)]
    assert not [text for text in seen if "Être informé" in text]
    assert not [text for text in seen if "Merci beaucoup" in text]  # the resident's thanks
    assert seen[-2:] == [relay_say("entry_done", "fr"), relay_say("entry_what_next", "fr")]
    assert "/saisie" in seen[-1] and "/bilan" in seen[-1]
    assert chat.rows("SELECT count(*) FROM answers WHERE step_id = 'suivi'") == [(0,)]
    assert chat.rows("SELECT status, channel FROM sessions") == [("completed", "assisted")]
    assert chat.rows("SELECT count(*) FROM contacts") == [(0,)]

    # With no participation of their own, the relay is offered /start, not /reprendre.
    finished = await chat.click(RELAY, relay_say("entry_finish", "fr"))
    assert finished.text == relay_say("entry_finished_start", "fr")
    welcome = await chat.send(RELAY, "/start")
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]


async def test_residents_are_still_asked_the_follow_up_question(chat: RelayChat):
    await chat.send(ALICE, "/start")
    first = await chat.click(ALICE, say("accept", "fr"))
    assert first.text.startswith("Question 1 sur ")
    thanks = await chat.answer_all(ALICE)
    assert thanks.text == "Merci beaucoup\u202f!"
    assert chat.rows("SELECT count(*) FROM answers WHERE step_id = 'suivi'") == [(1,)]
    assert chat.rows("SELECT count(*) FROM contacts") == [(1,)]


async def test_leaving_an_entry_returns_to_the_relay_own_session(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    # /saisie again: the entry under way, to continue or to replace by a new one.
    again = await chat.send(RELAY, "/saisie")
    assert again.text == relay_say("entry_pending", "fr", answered=0)
    assert again.buttons == [relay_say("entry_resume", "fr"), relay_say("entry_next", "fr")]
    await chat.click(RELAY, relay_say("entry_resume", "fr"))
    resumed, question = chat.api.messages(RELAY.id)[-2:]
    assert resumed.text == relay_say("entry_resumed", "fr")
    assert question.text.startswith("Question 1 sur ")
    await chat.send(RELAY, "/reprendre")
    notes = [m.text for m in chat.api.messages(RELAY.id)[-2:]]
    assert notes[0] == relay_say("entry_left", "fr")
    assert notes[1] == say("nothing_to_resume", "fr")
    welcome = await chat.send(RELAY, "hello")  # typed text is the relay's own again
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]


async def test_typed_commands_in_an_entry_act_on_it_never_on_the_relays_own_answers(
    chat: RelayChat,
):
    await chat.make_relay(RELAY)
    # The relay's own participation, at its mark (no "Précisez ?": not for "Les femmes").
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    await chat.click(RELAY, "Bourgogne")
    await chat.click(RELAY, say("unselected", "fr", label="Les femmes"))
    own_question = await chat.click(RELAY, say("validate_count", "fr", n=1))
    assert "Une note\u202f?" in own_question.text

    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    await chat.click(RELAY, "Pont-Rompu")
    required = await chat.send(RELAY, "/passer")  # the entry's question, as for a resident
    assert say("required", "fr") in required.text and "Qui est concerné\u202f?" in required.text
    await chat.click(RELAY, say("unselected", "fr", label="Les jeunes"))
    precision = await chat.click(RELAY, say("validate_count", "fr", n=1))
    assert "Précisez\u202f?" in precision.text  # asked since the person picked "Les jeunes"
    skipped = await chat.send(RELAY, "/passer")
    assert "Une note\u202f?" in skipped.text and say("required", "fr") not in skipped.text
    assert "Précisez\u202f?" in (await chat.send(RELAY, "/retour")).text

    # /langue: the entry's questions in English, said to the relay in their own language.
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/langue")
    note, english = chat.api.messages(RELAY.id)[before:]
    assert note.text == relay_say("entry_language_en", "fr")
    assert "More?" in english.text and english.buttons == ["⬅️ Back", "Skip ⏭"]
    assert "A mark?" in (await chat.send(RELAY, "/skip")).text
    await chat.click(RELAY, "4")
    closing, what_next = chat.api.messages(RELAY.id)[-2:]
    assert closing.text == relay_say("entry_done", "fr")
    assert what_next.text == relay_say("entry_what_next", "fr")

    # The person's answers are the entry's; the relay's own are as they left them.
    answers = chat.rows(
        "SELECT s.channel, s.status, a.step_id, json_extract(a.value, '$.choices[0]'), "
        "json_extract(a.value, '$.skipped') FROM answers AS a "
        "JOIN sessions AS s ON s.id = a.session_id ORDER BY s.id, a.step_id"
    )
    assert answers == [
        ("telegram", "active", "publics", "femmes", 0),
        ("telegram", "active", "quartier", "bourgogne", 0),
        ("assisted", "completed", "note", "4", 0),
        ("assisted", "completed", "precision", None, 1),
        ("assisted", "completed", "publics", "jeunes", 0),
        ("assisted", "completed", "quartier", "pont", 0),
    ]
    languages = chat.rows("SELECT pseudonym LIKE 'assisted:%', lang FROM participants")
    assert sorted(languages) == [(0, None), (1, "en")]  # the relay's own: unchanged
    resumed = await chat.send(RELAY, "/reprendre")
    assert "Une note\u202f?" in resumed.text  # in French, where they were


async def test_the_relays_own_buttons_store_nothing_while_an_entry_runs(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))
    own_question = await chat.click(RELAY, "Bourgogne")
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    entry_question = chat.last(RELAY)

    # Scrolled up to their own question, the relay taps the person's answer there.
    femmes = say("unselected", "fr", label="Les femmes")
    await chat.click(RELAY, femmes, own_question.message_id)
    assert chat.toasts()[-1] == relay_say("entry_button_own", "fr")
    assert chat.last(RELAY).message_id == entry_question.message_id  # nothing sent
    assert chat.api.messages(RELAY.id)[-1].buttons == entry_question.buttons
    assert chat.rows("SELECT state LIKE '%femmes%' FROM sessions ORDER BY id") == [(0,), (0,)]
    # Once the entry is set aside, the relay's own question is theirs to answer again.
    await chat.send(RELAY, "/reprendre")
    await chat.click(RELAY, femmes)
    assert chat.rows("SELECT state LIKE '%femmes%' FROM sessions ORDER BY id") == [(1,), (0,)]


async def test_photos_and_edits_in_an_entry_count_a_disclosure_with_the_entry(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/start")
    await chat.click(RELAY, say("accept", "fr"))  # the relay's own session, under way
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    relayed = helplines(frozenset({Category.DANGER, Category.DOMESTIC}), "fr", relayed=True)

    before = len(chat.api.messages(RELAY.id))
    chat.api.send_photo(RELAY, "elle dit que son mari la frappe")
    await chat.deliver()
    helpline, unsupported = chat.api.messages(RELAY.id)[before:]
    assert helpline.text == relayed
    assert unsupported.text == say("caption_not_kept", "fr")

    sent = chat.api.send_text(RELAY, "Bourgogne")
    await chat.deliver()
    before = len(chat.api.messages(RELAY.id))
    chat.api.edit_text(RELAY, sent["message"]["message_id"], "son mari la frappe")
    await chat.deliver()
    helpline, ignored = chat.api.messages(RELAY.id)[before:]
    assert helpline.text == relayed
    assert ignored.text == say("edit_ignored", "fr")

    flagged = chat.rows(
        "SELECT s.channel, count(*) FROM flags AS f JOIN sessions AS s ON s.id = f.session_id "
        "GROUP BY s.channel"
    )
    assert flagged == [("assisted", 4)]  # two categories, twice: never the relay's own
    assert chat.rows("SELECT count(*) FROM flags WHERE session_id IS NULL") == [(0,)]


async def test_an_entry_set_aside_is_resumed_with_saisie(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    await chat.click(RELAY, "Bourgogne")
    left_at = chat.last(RELAY)
    assert "Qui est concerné\u202f?" in left_at.text

    welcome = await chat.send(RELAY, "/start")
    assert chat.api.messages(RELAY.id)[-2].text == relay_say("entry_left", "fr")
    assert welcome.buttons == [
        say("accept", "fr"),
        say("decline", "fr"),
        say("other_language", "fr"),
    ]  # the relay's own
    # The entry's buttons wait, and say how to come back to it.
    femmes = say("unselected", "fr", label="Les femmes")
    await chat.click(RELAY, femmes, left_at.message_id)
    assert chat.toasts()[-1] == relay_say("entry_button_set_aside", "fr")
    assert chat.last(RELAY).message_id == welcome.message_id

    offer = await chat.send(RELAY, "/saisie")
    assert offer.text == relay_say("entry_set_aside", "fr", answered=1)
    assert offer.buttons == [relay_say("entry_resume", "fr"), relay_say("entry_next", "fr")]
    await chat.click(RELAY, relay_say("entry_resume", "fr"))
    resumed, question = chat.api.messages(RELAY.id)[-2:]
    assert resumed.text == relay_say("entry_resumed", "fr")
    assert "Qui est concerné\u202f?" in question.text
    await chat.click(RELAY, femmes)
    await chat.click(RELAY, say("validate_count", "fr", n=1))
    await chat.click(RELAY, "4")
    assert chat.api.messages(RELAY.id)[-2].text == relay_say("entry_done", "fr")

    # One person, one session: the answers given before and after the break, together.
    assert chat.rows("SELECT channel, status FROM sessions") == [("assisted", "completed")]
    assert chat.rows("SELECT step_id FROM answers ORDER BY step_id") == [
        ("note",),
        ("publics",),
        ("quartier",),
    ]
    report = await chat.send(RELAY, "/bilan")
    assert "Saisies accompagnées\u202f: 1 cette semaine, 1 en tout" in report.text


async def test_a_new_entry_abandons_the_one_set_aside_once_the_person_agrees(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    first_question = await chat.click(RELAY, "Bourgogne")
    await chat.send(RELAY, "/reprendre")

    # "Nouvelle saisie", then the new person says no: the entry set aside is kept.
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, relay_say("entry_next", "fr"))
    await chat.click(RELAY, relay_say("entry_cancel", "fr"))
    cancelled, kept = chat.api.messages(RELAY.id)[-2:]
    assert cancelled.text == relay_say("entry_cancelled", "fr")
    assert kept.text == relay_say("entry_still_set_aside", "fr")
    offer = await chat.send(RELAY, "/saisie")
    assert offer.text == relay_say("entry_set_aside", "fr", answered=1)

    # The next person agrees: a new entry, and the first one is abandoned.
    await chat.click(RELAY, relay_say("entry_next", "fr"))
    first = await chat.click(RELAY, AGREE)
    assert first.text.startswith("Question 1 sur ") and "Votre quartier\u202f?" in first.text
    femmes = say("unselected", "fr", label="Les femmes")
    await chat.click(RELAY, femmes, first_question.message_id)  # the old entry's button
    assert chat.toasts()[-1] == relay_say("entry_button_over", "fr")
    await chat.click(RELAY, "Pont-Rompu")
    again = await chat.send(RELAY, "/saisie")  # only the new entry is on offer now
    assert again.text == relay_say("entry_pending", "fr", answered=1)

    # The abandoned entry stays an unfinished questionnaire: never counted as completed.
    sessions = chat.rows(
        "SELECT s.status, json_extract(a.value, '$.choices[0]') FROM sessions AS s "
        "JOIN answers AS a ON a.session_id = s.id ORDER BY s.id"
    )
    assert sessions == [("active", "bourgogne"), ("active", "pont")]
    report = await chat.send(RELAY, "/bilan")
    assert "Saisies accompagnées\u202f: 0 cette semaine, 0 en tout" in report.text


async def test_a_relays_help_says_what_commands_do_during_an_entry(chat: RelayChat):
    await chat.make_relay(RELAY)
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/aide")
    relay_help, resident_help = chat.api.messages(RELAY.id)[before:]
    assert relay_help.text == relay_say("relay_help", "fr")
    assert resident_help.text == say("help", "fr")
    assert (await chat.send(ALICE, "/aide")).text == say("help", "fr")  # nothing about relays

    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/oubli")
    kept, entry, own = chat.api.messages(RELAY.id)[before:]
    assert kept.text == relay_say("relay_data", "fr", name="Association Les Amis")
    assert entry.text == relay_say("entry_own_data", "fr")
    assert own.text == say("nothing_stored", "fr")  # the entry is not the relay's data


async def test_residents_and_relays_cannot_use_commands_not_theirs(chat: RelayChat):
    await chat.make_relay(RELAY)
    unknown = (await chat.send(ALICE, "/inconnue")).text
    for command in (
        "/monlien",
        "/saisie",
        "/bilan",
        "/relais",
        "/relais_nouveau X",
        "/relais_retirer 1",
    ):
        assert (await chat.send(ALICE, command)).text == unknown, command
    for command in ("/relais", "/relais_nouveau X", "/relais_retirer 1"):
        assert (await chat.send(RELAY, command)).text == unknown, command
    assert chat.rows("SELECT count(*) FROM relays") == [(1,)]


async def test_a_removed_relay_loses_rights_at_once(chat: RelayChat):
    await chat.make_relay(RELAY)
    await chat.send(RELAY, "/saisie")
    await chat.click(RELAY, AGREE)  # an entry under way
    listed = await chat.send(STAFF, "/relais")
    assert "1. Association Les Amis\u202f: 0 / 0 / 0 / 0" in listed.text
    removed = await chat.send(STAFF, "/relais_retirer 1")
    assert "retiré" in removed.text
    unknown = (await chat.send(RELAY, "/inconnue")).text
    assert (await chat.send(RELAY, "/monlien")).text == unknown
    assert (await chat.send(RELAY, "/saisie")).text == unknown
    # The entry's buttons are stale now; nothing is stored for them.
    await chat.click(RELAY, "Bourgogne")
    assert chat.rows("SELECT count(*) FROM answers") == [(0,)]
    assert "(retiré)" in (await chat.send(STAFF, "/relais")).text


async def test_a_relays_data_request_says_what_is_kept_as_a_relay(chat: RelayChat):
    await chat.make_relay(RELAY)
    before = len(chat.api.messages(RELAY.id))
    await chat.send(RELAY, "/mesdonnees")
    kept, own = chat.api.messages(RELAY.id)[before:]
    assert kept.text == relay_say("relay_data", "fr", name="Association Les Amis")
    # Then their own participation, as any resident: none yet.
    assert own.text == say("nothing_stored", "fr")
    # A resident is told nothing about relays.
    assert (await chat.send(ALICE, "/mesdonnees")).text == say("nothing_stored", "fr")
