"""A relay removed by `parole relay remove` (another process) while an entry is under way, with
the bot restarted before their next message: they are told as if it had never stopped, and
nothing they send lands in their own answers. Once back to their own answers, the account is
no longer linked to the relay's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flows.texts import say
from tests.fakebotapi import FakeBotApi
from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import AGREE, OTHER, RELAY, RelayChat
from tests.telegram.test_relay_removed_mid_entry import STOPPED, stored


def pseudonyms(chat: RelayChat) -> list[object]:
    """What links each relay to an account."""
    return [pseudonym for (pseudonym,) in chat.rows("SELECT pseudonym FROM relays ORDER BY id")]


def remove_from_the_command_line(database: Path) -> None:
    """`parole relay remove 1`, in a process of its own, as staff run it beside the bot."""
    config = database.with_name("config.toml")
    config.write_text(f'[storage]\npath = "{database}"\n', encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAROLE_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "relay", "remove", "1"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "retiré" in done.stdout


async def test_a_removal_in_another_process_holds_across_a_restart(tmp_path: Path):
    database, api, consultations = tmp_path / "parole.sqlite3", FakeBotApi(), [small_consultation()]
    async with RelayChat(database, consultations, Clock(), api) as before:
        await before.make_relay(RELAY)
        await before.send(RELAY, "/start")
        await before.click(RELAY, say("accept", "fr"))
        await before.send(RELAY, "/saisie")
        await before.click(RELAY, AGREE)
        await before.click(RELAY, "Pont-Rompu")
        entry_question = before.last(RELAY)
    remove_from_the_command_line(database)

    async with RelayChat(database, consultations, Clock(), api) as after:
        assert (await after.send(RELAY, "1")).text == STOPPED
        assert (await after.send(RELAY, "/passer")).text == STOPPED
        label = say("unselected", "fr", label="Les femmes")
        await after.click(RELAY, label, entry_question.message_id)
        assert after.last(RELAY).text == STOPPED
        assert stored(after) == [("assisted", "active", "quartier")]

        assert (await after.send(RELAY, "/reprendre")).text.startswith("Question 1 sur ")
        assert pseudonyms(after) == [None], "back to their own answers: no longer linked"
        await after.send(RELAY, "1")
        assert stored(after) == [
            ("telegram", "active", "quartier"),
            ("assisted", "active", "quartier"),
        ]
    assert api.refused == []


async def test_a_relay_removed_with_no_entry_under_way_is_unlinked_at_once(tmp_path: Path):
    database = tmp_path / "parole.sqlite3"
    async with RelayChat(database, [small_consultation()], Clock()) as chat:
        await chat.make_relay(RELAY)
        await chat.send(RELAY, "/saisie")
        await chat.click(RELAY, AGREE)
        await chat.send(RELAY, "/reprendre")  # the entry set aside: not under way
        remove_from_the_command_line(database)
        assert pseudonyms(chat) == [None]
        # Answered as anyone else's unknown command.
        assert (await chat.send(RELAY, "/saisie")).text == (await chat.send(OTHER, "/saisie")).text
