"""A removed relay's command menu: the bot stores no relay's chat, so the menu set when they
joined goes back to the residents' default the first time it hears from them after the
removal, and nothing tells anyone else that relay commands exist."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakebotapi import FakeBotApi, FakeUser
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import ALICE, RELAY, STAFF, RelayChat
from tests.telegram.test_relay_removed_mid_entry import STOPPED, removed_mid_entry


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[RelayChat]:
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def own_menu(chat: RelayChat, user: FakeUser) -> list[str]:
    """The commands of the user's own chat menu; none: the residents' default shows."""
    return [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": user.id})]


async def test_a_removed_relays_stale_menu_entry_gives_back_the_residents_menu(chat: RelayChat):
    await chat.make_relay(RELAY)
    assert "monlien" in own_menu(chat, RELAY)
    default = chat.api.commands()
    assert "retiré" in (await chat.send(STAFF, "/relais_retirer 1")).text
    unknown = (await chat.send(ALICE, "/inconnue")).text
    assert "monlien" in own_menu(chat, RELAY), "nothing can reach the relay at the removal"

    # The removed relay taps /monlien in their old menu: answered as an unknown command, as
    # a resident typing it is, and their menu is the residents' again.
    assert (await chat.send(RELAY, "/monlien")).text == unknown
    assert own_menu(chat, RELAY) == []
    assert chat.api.commands() == default
    assert (await chat.send(ALICE, "/monlien")).text == unknown
    assert own_menu(chat, ALICE) == []


async def test_the_menu_is_given_back_after_a_restart_too(tmp_path: Path):
    database, api, consultations = tmp_path / "parole.sqlite3", FakeBotApi(), [small_consultation()]
    async with RelayChat(database, consultations, Clock(), api) as before:
        await before.make_relay(RELAY)
        await before.send(STAFF, "/relais_retirer 1")
        unknown = (await before.send(ALICE, "/inconnue")).text
    # The removal erased what linked the account to the relay: the bot restarted knows
    # nothing of them, and still gives the menu back.
    async with RelayChat(database, consultations, Clock(), api) as after:
        await after.send(ALICE, "/start")  # the bot has looked up who is a relay
        assert "bilan" in own_menu(after, RELAY)
        assert (await after.send(RELAY, "/bilan")).text == unknown
        assert own_menu(after, RELAY) == []
    assert api.refused == []


async def test_a_relay_removed_mid_entry_gets_the_residents_menu_when_told(chat: RelayChat):
    await removed_mid_entry(chat)
    assert "saisie" in own_menu(chat, RELAY)
    assert (await chat.send(RELAY, "1")).text == STOPPED
    assert own_menu(chat, RELAY) == []


async def test_a_relay_removed_mid_entry_going_back_first_gets_the_residents_menu(
    chat: RelayChat,
):
    await removed_mid_entry(chat)
    resumed = await chat.send(RELAY, "/reprendre")  # their own participation, the entry left
    assert resumed.text.startswith("Question 1 sur ")
    assert own_menu(chat, RELAY) == []


async def test_a_staff_member_typing_a_relay_command_keeps_the_staff_menu(chat: RelayChat):
    staff_menu = own_menu(chat, STAFF)
    assert "relais_retirer" in staff_menu
    unknown = (await chat.send(STAFF, "/inconnue")).text
    assert (await chat.send(STAFF, "/saisie")).text == unknown
    assert own_menu(chat, STAFF) == staff_menu


async def test_a_failing_menu_reset_is_logged_and_the_answer_still_comes(
    chat: RelayChat, caplog: pytest.LogCaptureFixture
):
    await chat.make_relay(RELAY)
    await chat.send(STAFF, "/relais_retirer 1")
    unknown = (await chat.send(ALICE, "/inconnue")).text
    chat.api.fail_next("deleteMyCommands", 400, description="Bad Request: menu is broken")
    with caplog.at_level(logging.WARNING):
        assert (await chat.send(RELAY, "/papier")).text == unknown
    assert "could not reset a former relay's command menu: Menu is broken" in caplog.text
    assert str(RELAY.id) not in caplog.text
    # The next relay command from the stale menu tries again.
    await chat.send(RELAY, "/papier")
    assert own_menu(chat, RELAY) == []


async def test_staff_trying_the_relay_flow_keep_their_commands_and_get_them_back(
    chat: RelayChat,
):
    staff_menu = own_menu(chat, STAFF)
    await chat.make_relay(STAFF, "Essai de l'équipe")  # staff often try it on themselves
    as_relay = own_menu(chat, STAFF)
    assert {"monlien", "saisie", "bilan", "papier"} <= set(as_relay)
    assert set(staff_menu) <= set(as_relay), "the staff commands stay in the menu"
    assert "retiré" in (await chat.send(STAFF, "/relais_retirer 1")).text
    await chat.send(STAFF, "/monlien")  # from the stale menu
    assert own_menu(chat, STAFF) == staff_menu
