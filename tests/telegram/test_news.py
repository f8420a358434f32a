"""Follow-up news on Telegram, in-process: staff's /nouvelles (preview, send, cancel) and /stop."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

from bot import news
from bot.news_texts import say as say_news
from bot.privacy import Privacy
from bot.pseudonym import pseudonym
from bot.settings import StaffSettings
from bot.telegram.app import build_application
from flows.limits import MESSAGE_UNITS
from flows.model import Consultation, Lang
from storage.base import Channel
from tests.fakebotapi import FakeChat, FakeRequest, FakeUser
from tests.fakebotapi.model import SentMessage, UploadedFile
from tests.telegram.harness import SECRET, Chat, settings_for
from tests.telegram.journey import to_leviers_text
from tests.telegram.test_privacy import finish

ALICE = FakeUser(id=111_222_333, first_name="Alice")
BOB = FakeUser(id=444_555_666, first_name="Bob")
CHLOE = FakeUser(id=777_888_999, first_name="Chloé")
DAVID = FakeUser(id=222_333_444, first_name="David")
STAFF = FakeUser(id=777_000_001, first_name="Sophie")
STAFF_CHAT = FakeChat(id=-100_777, type="supergroup", title="Politique de la ville")
NEWS = "Le jardin partagé ouvre samedi à 10 h, rue de la Paix. Merci pour vos idées !"
NEWS_EN = "The shared garden opens on Saturday at 10, rue de la Paix. Thank you for your ideas!"


class NewsChat(Chat):
    """The chat harness with staff, and the application running so background sends run."""

    def __init__(self, database: Path, consultations: Sequence[Consultation]) -> None:
        super().__init__(database, consultations)
        self.settings = settings_for(database, self.api).model_copy(
            update={"staff": StaffSettings(user_ids=[STAFF.id], chat_ids=[STAFF_CHAT.id])}
        )
        self.app = build_application(
            self.settings,
            self.store,
            consultations,
            clock=lambda: self.now,
            request=FakeRequest(self.api),
        )

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        await self.app.start()  # tasks made with create_task are awaited by stop()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.app.stop()
        await super().__aexit__(exc_type, exc, tb)

    async def staff_says(self, text: str) -> list[SentMessage]:
        """Staff type `text` in the staff chat; the bot's answers there."""
        before = len(self.api.messages(STAFF_CHAT.id))
        self.api.send_text(STAFF, text, STAFF_CHAT)
        await self.deliver()
        return self.api.messages(STAFF_CHAT.id)[before:]

    async def press(self, user: FakeUser, label: str, where: FakeChat | None = None) -> None:
        """`user` presses the button labelled `label` in `where` (their private chat if None)."""
        self.api.click(user, label, chat=where)
        await self.deliver()

    async def settle(self) -> None:
        """Let every background send finish: stopping the application awaits them."""
        await self.app.stop()
        await self.app.start()

    async def report(self) -> str:
        """The send's report in the staff chat, once the background send is over."""

        def reported(api: object) -> bool:
            return "Nouvelles envoyées" in self.api.last_message(STAFF_CHAT.id).text

        async with asyncio.timeout(10):
            await self.api.wait_for_async(reported)
        return self.api.last_message(STAFF_CHAT.id).text


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[NewsChat]:
    async with NewsChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def asked_for_news(chat: Chat, user: FakeUser, lang: Lang = "fr") -> int:
    """`user` has a participant who said yes to the follow-up question; their id."""
    who = await chat.store.participant(pseudonym(SECRET, "telegram", user.id), chat.now)
    await chat.store.set_language(who.id, lang)
    privacy = Privacy(chat.store, [], SECRET, channel=Channel.TELEGRAM)
    await privacy.keep_contact(who.id, user.id, chat.now)
    return who.id


def contacts(database: Path) -> list[int]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT participant_id FROM contacts ORDER BY 1")]


def send_data(preview: SentMessage) -> str:
    """The callback data of a preview's send button."""
    assert preview.reply_markup is not None
    return str(preview.reply_markup["inline_keyboard"][0][0]["callback_data"])


def texts(chat: Chat, user: FakeUser) -> list[str]:
    return [message.text for message in chat.api.messages(user.id)]


# -- residents: /stop --------------------------------------------------------------------------


async def test_stop_drops_the_contact_and_confirms(chat: NewsChat, consultation: Consultation):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "yes", ALICE)
    assert len(contacts(chat.database)) == 1
    reply = await chat.send(ALICE, "/stop")
    assert reply.text == "C'est noté\u202f: vous ne recevrez plus de nouvelles."
    assert contacts(chat.database) == []
    again = await chat.send(ALICE, "/stop")
    assert again.text.startswith("Pas de souci\u202f: vous n'êtes pas inscrit·e aux nouvelles")


async def test_stop_answers_in_the_residents_language_even_for_a_stranger(chat: NewsChat):
    await asked_for_news(chat, BOB, "en")
    assert (await chat.send(BOB, "/stopnouvelles")).text == say_news("stopped", "en")
    assert contacts(chat.database) == []
    stranger = FakeUser(id=555_000_111, first_name="Eve", language_code="en")
    assert (await chat.send(stranger, "/stop")).text == say_news("not_subscribed", "en")


async def test_nouvelles_is_in_the_staff_menu_only(chat: NewsChat):
    everyone = [name for name, _ in chat.api.commands()]
    assert everyone and "nouvelles" not in everyone
    mine = [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": STAFF.id})]
    assert "nouvelles" in mine


# -- staff: /nouvelles -------------------------------------------------------------------------


async def test_news_reach_exactly_the_residents_who_asked_in_their_language(
    chat: NewsChat, consultation: Consultation
):
    for user, follow_up in ((ALICE, "yes"), (BOB, "yes"), (CHLOE, "no"), (DAVID, "yes")):
        await to_leviers_text(chat, consultation, user)
        await finish(chat, consultation, follow_up, user)
    await chat.send(BOB, "/langue en")
    await chat.send(DAVID, "/stop")  # said yes, then withdrew

    heading, preview = await chat.staff_says(f"/nouvelles {NEWS}")
    assert "sera reçu par 2 habitants (1 en français, 1 en anglais)" in heading.text
    assert news.footer("en") in heading.text, "staff see the English footer too"
    assert preview.text == news.plain(NEWS, "fr"), "the preview is the message residents get"
    assert preview.buttons == ["📤 Envoyer à 2 habitants", "Annuler"]
    assert all(NEWS not in text for user in (ALICE, BOB) for text in texts(chat, user))

    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    sending = chat.api.messages(STAFF_CHAT.id)[-1]
    assert sending.text.startswith("📤 Envoi en cours à 2 habitants") and not sending.buttons
    report = await chat.report()
    assert report == "✅ Nouvelles envoyées\u202f: 2 reçues, 0 échec."
    assert chat.last(ALICE).text == news.plain(NEWS, "fr")
    assert chat.last(BOB).text == news.plain(NEWS, "en")
    assert chat.last(BOB).text.endswith("To stop receiving news: /stop")
    for user in (ALICE, BOB):
        assert texts(chat, user).count(news.plain(NEWS, "fr" if user is ALICE else "en")) == 1
    for user in (CHLOE, DAVID):
        assert all(NEWS not in text for text in texts(chat, user)), user.first_name


async def test_a_second_press_sends_nothing_more(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    [heading, preview] = await chat.staff_says(f"/nouvelles {NEWS}")
    assert "sera reçu par 1 habitant (1 en français, 0 en anglais)" in heading.text
    data = send_data(preview)
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    await chat.report()
    chat.api.click_data(STAFF, preview.message_id, data, STAFF_CHAT)
    await chat.deliver()
    assert texts(chat, ALICE) == [news.plain(NEWS, "fr")]
    assert chat.toasts()[-1] == say_news("expired", "fr")


async def test_cancel_sends_nothing(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    [_, preview] = await chat.staff_says(f"/nouvelles {NEWS}")
    data = send_data(preview)
    await chat.press(STAFF, "Annuler", STAFF_CHAT)
    cancelled = chat.api.messages(STAFF_CHAT.id)[-1]
    assert cancelled.text == "Annulé\u202f: ce message n'a été envoyé à personne."
    assert not cancelled.buttons
    # The send button of the cancelled preview, pressed anyway (an old client), sends nothing.
    chat.api.click_data(STAFF, preview.message_id, data, STAFF_CHAT)
    await chat.deliver()
    await chat.settle()
    assert texts(chat, ALICE) == []
    assert contacts(chat.database) != []


async def test_someone_not_staff_cannot_send(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    unknown = await chat.send(CHLOE, "/nimportequoi")
    assert (await chat.send(CHLOE, f"/nouvelles {NEWS}")).text == unknown.text
    [_, preview] = await chat.staff_says(f"/nouvelles {NEWS}")
    data = send_data(preview)
    # A resident in the staff chat presses the button; another forges it in their own chat.
    await chat.press(CHLOE, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    chat.api.click_data(DAVID, 1, data)
    await chat.deliver()
    await chat.settle()
    assert texts(chat, ALICE) == []
    assert chat.api.messages(STAFF_CHAT.id)[-1].buttons, "the preview still waits for staff"
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    assert "Nouvelles envoyées\u202f: 1 reçue" in await chat.report()


async def test_a_staff_member_taken_off_the_list_can_no_longer_send(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    await chat.staff_says(f"/nouvelles {NEWS}")
    chat.settings.staff.user_ids.remove(STAFF.id)  # rights are read on every press
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    await chat.settle()
    assert texts(chat, ALICE) == []


async def test_a_blocked_chat_loses_its_contact_and_a_network_error_does_not(chat: NewsChat):
    alice = await asked_for_news(chat, ALICE)
    await asked_for_news(chat, BOB)
    chat.api.block(BOB.id)
    await chat.staff_says(f"/nouvelles {NEWS}")
    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    report = await chat.report()
    assert report.startswith("✅ Nouvelles envoyées\u202f: 1 reçue, 1 échec.")
    assert "1 contact retiré\u202f:" in report
    assert contacts(chat.database) == [alice]

    await chat.staff_says("/nouvelles Deuxième nouvelle")
    chat.api.fail_next("sendMessage", 502)  # the next send: Alice's copy
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    assert await chat.report() == "✅ Nouvelles envoyées\u202f: 0 reçue, 1 échec."
    assert contacts(chat.database) == [alice], "a network error keeps the contact"


async def test_the_staff_text_is_sent_as_typed(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    typed = "Réunion <mardi> & jeudi à 18h\nSalle <b>polyvalente</b>"
    await chat.staff_says(f"/nouvelles {typed}")
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    await chat.report()
    received = chat.last(ALICE)
    assert received.text.startswith(typed), "shown literally, line break kept"
    assert received.parse_mode == "HTML" and "&lt;b&gt;polyvalente" in received.html


async def test_nouvelles_explains_what_it_needs(chat: NewsChat):
    [usage] = await chat.staff_says("/nouvelles")
    assert usage.text.startswith("Écrivez le message après la commande")
    [nobody] = await chat.staff_says(f"/nouvelles {NEWS}")
    assert nobody.text.startswith("Personne n'a demandé de nouvelles")
    [too_long] = await chat.staff_says("/nouvelles " + "a" * (news.max_length() + 1))
    assert too_long.text.startswith("Ce message est trop long")
    assert "une ligne qui commence par «\u202fEN\u202f:\u202f»" in usage.text
    assert "\n/nouvelles Le jardin partagé ouvre samedi à 10\u202fh.\nEN: " in usage.text
    [no_french] = await chat.staff_says(f"/nouvelles EN: {NEWS_EN}")
    assert no_french.text.startswith("Il manque le texte français")
    [empty] = await chat.staff_says(f"/nouvelles {NEWS}\nEN :")
    assert empty.text.startswith("La version anglaise est vide")
    assert not any(m.buttons for m in chat.api.messages(STAFF_CHAT.id))


async def test_residents_who_chose_english_get_the_staff_english_version(
    chat: NewsChat, consultation: Consultation
):
    for user in (ALICE, BOB):
        await to_leviers_text(chat, consultation, user)
        await finish(chat, consultation, "yes", user)
    await chat.send(BOB, "/langue en")

    heading, french, english = await chat.staff_says(f"/nouvelles {NEWS}\nEN : {NEWS_EN}")
    assert heading.text.startswith("📣 Aperçu\u202f: voici le message tel qu'il sera reçu par 2")
    assert (
        "la version française ci-dessous pour 1 habitant, puis la version anglaise pour "
        "1 habitant qui a choisi l'anglais." in heading.text
    )
    assert french.text == news.plain(NEWS, "fr") and not french.buttons
    assert english.text == news.plain(NEWS_EN, "en")
    assert english.buttons == ["📤 Envoyer à 2 habitants", "Annuler"]

    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    assert await chat.report() == "✅ Nouvelles envoyées\u202f: 2 reçues, 0 échec."
    assert chat.last(ALICE).text == news.plain(NEWS, "fr")
    assert chat.last(BOB).text == news.plain(NEWS_EN, "en")
    assert all(NEWS not in text for text in texts(chat, BOB))
    assert all(NEWS_EN not in text for text in texts(chat, ALICE))
    [everyone] = await chat.staff_says(f"/nouvelles {NEWS}\nEN : {NEWS_EN}")
    assert everyone.text == say_news("everyone_reached", "fr") and not everyone.buttons


async def test_without_an_english_version_the_preview_says_who_reads_french_and_how_to_add_one(
    chat: NewsChat,
):
    await asked_for_news(chat, ALICE)
    for user in (BOB, CHLOE):
        await asked_for_news(chat, user, "en")
    heading, _ = await chat.staff_says(f"/nouvelles {NEWS}")
    assert (
        "Sans version anglaise, les 2 habitants qui ont choisi l'anglais recevront ce texte en "
        "français." in heading.text
    )
    assert heading.text.endswith("une ligne qui commence par «\u202fEN\u202f:\u202f».")
    await chat.press(STAFF, "📤 Envoyer à 3 habitants", STAFF_CHAT)
    await chat.report()

    # The English version, sent afterwards, reaches the English readers only.
    heading, _, english = await chat.staff_says(f"/nouvelles {NEWS}\nEN: {NEWS_EN}")
    assert heading.text.endswith(
        "1 habitant l'a déjà reçu\u202f: il ne le recevra pas une deuxième fois."
    )
    assert english.buttons == ["📤 Envoyer à 2 habitants", "Annuler"]
    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    assert "2 reçues" in await chat.report()
    assert texts(chat, ALICE) == [news.plain(NEWS, "fr")]
    for user in (BOB, CHLOE):
        assert texts(chat, user) == [news.plain(NEWS, "en"), news.plain(NEWS_EN, "en")]


# -- staff: the same text again -----------------------------------------------------------------


async def test_a_send_cut_by_network_errors_is_finished_by_sending_the_same_text_again(
    chat: NewsChat,
):
    users = (ALICE, BOB, CHLOE, DAVID)
    for user in users:
        await asked_for_news(chat, user)
    await chat.staff_says(f"/nouvelles {NEWS}")
    chat.api.fail_next("sendMessage", 502, times=2)  # two of the four copies
    await chat.press(STAFF, "📤 Envoyer à 4 habitants", STAFF_CHAT)
    assert await chat.report() == "✅ Nouvelles envoyées\u202f: 2 reçues, 2 échecs."
    missed = [user for user in users if not texts(chat, user)]
    assert len(missed) == 2

    heading, preview = await chat.staff_says(f"/nouvelles {NEWS}")
    assert "sera reçu par 2 habitants (2 en français, 0 en anglais)" in heading.text
    assert heading.text.endswith(
        "\n\n2 habitants l'ont déjà reçu\u202f: ils ne le recevront pas une deuxième fois."
    )
    assert preview.buttons == ["📤 Envoyer à 2 habitants", "Annuler"]
    await chat.press(STAFF, "📤 Envoyer à 2 habitants", STAFF_CHAT)
    assert await chat.report() == (
        "✅ Nouvelles envoyées\u202f: 2 reçues, 0 échec.\n"
        "2 habitants l'avaient déjà reçu\u202f: pas de deuxième envoi."
    )
    for user in users:
        assert texts(chat, user) == [news.plain(NEWS, "fr")], "one copy each"

    [everyone] = await chat.staff_says(f"/nouvelles {NEWS}")
    assert everyone.text == say_news("everyone_reached", "fr") and not everyone.buttons
    changed, preview = await chat.staff_says(f"/nouvelles {NEWS} À samedi !")
    assert "sera reçu par 4 habitants" in changed.text and "déjà reçu" not in changed.text
    assert preview.buttons == ["📤 Envoyer à 4 habitants", "Annuler"]


async def test_two_previews_of_one_text_reach_each_resident_once(chat: NewsChat):
    for user in (ALICE, BOB):
        await asked_for_news(chat, user)
    [_, first] = await chat.staff_says(f"/nouvelles {NEWS}")
    [_, second] = await chat.staff_says(f"/nouvelles {NEWS}")
    # Both pressed before either send is over (two staff members, say).
    chat.api.click_data(STAFF, first.message_id, send_data(first), STAFF_CHAT)
    chat.api.click_data(STAFF, second.message_id, send_data(second), STAFF_CHAT)
    await chat.deliver()
    await chat.settle()
    for user in (ALICE, BOB):
        assert texts(chat, user) == [news.plain(NEWS, "fr")], user.first_name


async def test_a_send_while_parole_news_sends_says_so_and_sends_nothing(
    chat: NewsChat, tmp_path: Path
):
    await asked_for_news(chat, ALICE)
    await chat.staff_says(f"/nouvelles {NEWS}")
    # Sends claim on the wall clock (`news.send`'s default), not the harness's.
    until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    with sqlite3.connect(tmp_path / "parole.sqlite3") as db:  # `parole news --send`, mid-send
        db.execute(
            "INSERT INTO leases (name, holder, until) VALUES ('news', 'cli', ?)",
            (until.isoformat(timespec="microseconds"),),
        )
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    await chat.settle()
    assert chat.api.last_message(STAFF_CHAT.id).text == news.busy_text("fr")
    assert "Un autre envoi de nouvelles est en cours" in news.busy_text("fr")
    assert texts(chat, ALICE) == []


async def test_a_preview_pressed_after_everyone_got_the_text_sends_nothing(chat: NewsChat):
    await asked_for_news(chat, ALICE)
    [_, earlier] = await chat.staff_says(f"/nouvelles {NEWS}")
    await chat.staff_says(f"/nouvelles {NEWS}")
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)  # the latest preview
    await chat.report()
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)  # the earlier one
    await chat.settle()
    [pressed] = [m for m in chat.api.messages(STAFF_CHAT.id) if m.message_id == earlier.message_id]
    assert pressed.text == say_news("everyone_reached", "fr") and not pressed.buttons
    assert texts(chat, ALICE) == [news.plain(NEWS, "fr")]


def test_the_longest_text_fits_one_message_in_every_language():
    text = "é" * news.max_length()
    langs: tuple[Lang, ...] = ("fr", "en")
    for lang in langs:
        assert len(news.plain(text, lang)) <= MESSAGE_UNITS


async def test_mesdonnees_counts_the_news_a_resident_received(
    chat: NewsChat, consultation: Consultation
):
    await to_leviers_text(chat, consultation, ALICE)
    await finish(chat, consultation, "yes", ALICE)
    await chat.staff_says(f"/nouvelles {NEWS}")
    await chat.press(STAFF, "📤 Envoyer à 1 habitant", STAFF_CHAT)
    await chat.report()
    await chat.send(ALICE, "/mesdonnees")
    document = chat.api.messages(ALICE.id)[-1]
    assert isinstance(document.file, UploadedFile)
    content = document.file.content.decode("utf-8")
    assert "Message de suivi\u202f: oui" in content
    assert "Nouvelles de la ville reçues\u202f: 1" in content
    assert NEWS not in content, "what the city sent is not the resident's data"
