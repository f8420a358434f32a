"""Setting up the staff from Telegram: the ids to configure, told only where they help."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.staff_setup import say
from flows.model import Consultation
from flows.texts import say as say_resident
from tests.fakebotapi import FakeChat, FakeUser
from tests.telegram.harness import Chat
from tests.telegram.test_staff import OTHER_GROUP, RESIDENT, STAFF, STAFF_CHAT, StaffChat


async def test_before_any_staff_is_configured_a_staff_command_tells_the_senders_id(
    tmp_path: Path, consultation: Consultation
):
    async with Chat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        for command in ("/digest", "/nouvelles Bonjour", "/relais_nouveau Centre social"):
            reply = await chat.send(RESIDENT, command)
            assert reply.text == say("first_staff", "fr", id=RESIDENT.id), command
        assert "staff.user_ids" in reply.text and str(RESIDENT.id) in reply.text
        # Anything else is the resident journey, as before.
        assert say_resident("accept", "fr") in (await chat.send(RESIDENT, "/start")).buttons
        assert chat.api.refused == []


async def test_once_staff_are_configured_strangers_learn_nothing(
    tmp_path: Path, consultation: Consultation
):
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        private = await chat.send(RESIDENT, "/digest")
        assert str(RESIDENT.id) not in private.text
        in_group = await chat.send(RESIDENT, "/digest", OTHER_GROUP)
        assert str(OTHER_GROUP.id) not in in_group.text
        assert chat.api.refused == []


async def test_staff_in_a_group_that_is_not_a_staff_chat_get_its_id_in_private(
    tmp_path: Path, consultation: Consultation
):
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        unknown = await chat.send(RESIDENT, "/nimportequoi", OTHER_GROUP)
        in_group = await chat.send(STAFF, "/digest", OTHER_GROUP)
        # The group sees what any unknown command gets: nothing says who is staff.
        assert in_group.text == unknown.text
        assert str(OTHER_GROUP.id) not in in_group.text
        told = chat.last(STAFF)
        assert told.chat_id == STAFF.id
        assert told.text == say("staff_group", "fr", id=OTHER_GROUP.id, title=OTHER_GROUP.title)
        assert "staff.chat_ids" in told.text
        assert chat.api.refused == []


async def test_a_colleague_in_the_staff_chat_is_told_their_id_to_add(
    tmp_path: Path, consultation: Consultation
):
    colleague = FakeUser(id=777_000_002, first_name="Karim", language_code="fr")
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        for command in ("/stats", "/moderation", "/nouvelles Bonjour"):
            reply = await chat.send(colleague, command, STAFF_CHAT)
            assert reply.text == say("colleague", "fr", id=colleague.id), command
        assert "staff.user_ids" in reply.text and str(colleague.id) in reply.text
        assert chat.api.messages(colleague.id) == [], "nothing in private"
        # Added to the list (a restart, here the settings read on every call): it works.
        chat.settings.staff.user_ids.append(colleague.id)
        assert "Participants" in (await chat.send(colleague, "/stats", STAFF_CHAT)).text
        # Elsewhere, nobody learns their id from a staff command.
        assert str(RESIDENT.id) not in (await chat.send(RESIDENT, "/stats", OTHER_GROUP)).text
        assert chat.api.refused == []


async def test_a_staff_chat_turned_into_a_supergroup_is_told_its_new_id(
    tmp_path: Path, consultation: Consultation
):
    basic = FakeChat(id=-4_555_666, title="Politique de la ville")
    upgraded = FakeChat(id=-100_4_555_666, type="supergroup", title="Politique de la ville")
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        chat.settings.staff.chat_ids.append(basic.id)

        async def migrated(old: FakeChat, new: FakeChat) -> None:
            # What Telegram sends to the new supergroup (a service message).
            service = {"message_id": 1, "date": 0, "chat": new.to_dict(), "from": STAFF.to_dict()}
            update = {"update_id": 1, "message": {**service, "migrate_from_chat_id": old.id}}
            await chat.redeliver(update)

        await migrated(basic, upgraded)
        told = chat.api.last_message(upgraded.id)
        assert told.text == say("migrated", "fr", old=basic.id, new=upgraded.id)
        assert "staff.chat_ids" in told.text
        # Another group's upgrade is none of the bot's business.
        await migrated(OTHER_GROUP, FakeChat(id=-100_999, type="supergroup", title="Voisins"))
        assert chat.api.messages(-100_999) == []
        assert chat.api.refused == []
