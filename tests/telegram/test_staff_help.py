"""/aide from staff: their own commands, where they use them; residents' help unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.model import Consultation
from flows.texts import say
from tests.telegram.test_staff import OTHER_GROUP, RESIDENT, STAFF, STAFF_CHAT, StaffChat, replies


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


def staff_only_commands(chat: StaffChat) -> set[str]:
    """The commands in the staff's menu and not in the residents'."""
    mine = {name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": STAFF.id})}
    return mine - {name for name, _ in chat.api.commands()}


async def test_staff_aide_in_private_lists_their_commands_after_the_residents_help(
    chat: StaffChat,
):
    sent = await replies(chat, STAFF, "/aide")
    assert [kind for kind, _ in sent] == ["text", "text"]
    residents_help, staff_help = (html for _, html in sent)
    assert residents_help == say("help", "fr"), "staff answer consultations too"
    commands = staff_only_commands(chat)
    assert {"digest", "stats", "export", "moderation", "nouvelles", "relais"} <= commands
    for command in commands:
        assert f"/{command}\u202f: " in staff_help, command


async def test_staff_aide_in_the_staff_chat_is_their_commands_only(chat: StaffChat):
    [(kind, staff_help)] = await replies(chat, STAFF, "/aide", STAFF_CHAT)
    assert kind == "text"
    for command in staff_only_commands(chat):
        assert f"/{command}\u202f: " in staff_help, command
    assert "message privé" not in staff_help, "not the residents' 'answer me in private'"


async def test_residents_aide_never_mentions_the_staff_commands(chat: StaffChat):
    private = await replies(chat, RESIDENT, "/aide")
    assert [html for _, html in private] == [say("help", "fr")]
    # Staff in a group that is not theirs, and a resident in the staff chat: the group reply.
    [(_, in_group)] = await replies(chat, STAFF, "/aide", OTHER_GROUP)
    [(_, in_staff_chat)] = await replies(chat, RESIDENT, "/aide", STAFF_CHAT)
    assert in_group == in_staff_chat
    assert all(f"/{command}" not in in_group for command in staff_only_commands(chat))


async def test_the_staff_chat_menu_shows_staff_their_commands(chat: StaffChat):
    scope = {"type": "chat_member", "chat_id": STAFF_CHAT.id, "user_id": STAFF.id}
    in_staff_chat = {name for name, _ in chat.api.commands(scope=scope)}
    assert in_staff_chat == staff_only_commands(chat) | {"aide"}
    # The residents' commands answer "in private" in a group: not offered there.
    assert not in_staff_chat & {"start", "reprendre", "mesdonnees"}
    for command in sorted(in_staff_chat):
        sent = await replies(chat, STAFF, f"/{command}", STAFF_CHAT)
        assert sent and all("message privé" not in html for _, html in sent), command
