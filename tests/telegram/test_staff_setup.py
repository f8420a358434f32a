"""Setting up the staff from Telegram: the ids to configure, told only where they help."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.staff_setup import say
from flows.model import Consultation
from flows.texts import say as say_resident
from tests.telegram.harness import Chat
from tests.telegram.test_staff import OTHER_GROUP, RESIDENT, STAFF, StaffChat


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
