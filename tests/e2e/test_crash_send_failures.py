"""Telegram failing for a while (5xx) while residents answer `parole run`.

The answer is committed before the bot shows the next screen: when the screen cannot be
shown, the answer is still stored, once, and the resident gets there by tapping again or
with /reprendre. Fetching updates failing is one line in the log, not a failed update.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from http import HTTPStatus
from pathlib import Path

import pytest

from flows.texts import ERROR_MESSAGE, say
from tests.e2e.botprocess import WAIT, BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(120)


# After a screen that could not be sent, the bot closes the keyboard of the one before again,
# not knowing it closed it already: Telegram says "not modified", nothing more.
REFUSALS_EXPECTED = ("message is not modified",)


@pytest.fixture
def started(tmp_path: Path, api: FakeBotApi) -> Iterator[tuple[BotProcess, Path]]:
    with FakeBotApiServer(api) as server:
        log = tmp_path / "bot.log"
        bot = BotProcess(write_config(tmp_path, server, api), api, log).start()
        yield bot, log
        bot.stop()


def answers(database: Path) -> list[tuple[str, list[str]]]:
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT step_id, value FROM answers ORDER BY step_id").fetchall()
    return [(step, json.loads(value)["choices"]) for step, value in rows]


def failed(api: FakeBotApi, method: str) -> int:
    return sum(r.method == method and r.status == HTTPStatus.BAD_GATEWAY for r in api.requests)


def test_an_answer_whose_next_screen_failed_is_stored_once_and_shown_on_the_next_tap(
    tmp_path: Path, api: FakeBotApi, started: tuple[BotProcess, Path]
) -> None:
    resident = Resident(api, FakeUser(id=811, first_name="Yanis"))
    resident.send("/start")
    question = resident.click(say("accept", "fr"))
    assert question.text.startswith("Question 1 sur 12")

    # Telegram fails the redraw, then the bot's apology too.
    api.fail_next("editMessageText", HTTPStatus.BAD_GATEWAY)
    api.fail_next("sendMessage", HTTPStatus.BAD_GATEWAY)
    api.click(resident.user, "Bourgogne", question.message_id)
    api.wait_for(lambda api: failed(api, "sendMessage") == 1, WAIT, "the apology to fail")
    assert answers(tmp_path / "parole.sqlite3") == [("quartier", ["bourgogne"])]
    assert api.last_message(resident.user.id).text.startswith("Question 1 sur 12")

    # Telegram is back: the resident taps again, and sees where they are, their answer kept.
    shown = resident.click("Bourgogne")
    assert "\n\nQuestion 2 sur 12\n" in shown.text, shown.text
    assert [a.text for a in api.callback_answers][-1] == say("already_saved", "fr")
    resident.click("J'y habite")
    assert answers(tmp_path / "parole.sqlite3") == [
        ("profil", ["habitant"]),
        ("quartier", ["bourgogne"]),
    ]


def test_a_typed_answer_whose_reply_failed_is_stored_once_and_reprendre_goes_on(
    tmp_path: Path, api: FakeBotApi, started: tuple[BotProcess, Path]
) -> None:
    resident = Resident(api, FakeUser(id=812, first_name="Mila"))
    resident.send("/start")
    resident.click(say("accept", "fr"))
    api.fail_next("sendMessage", HTTPStatus.BAD_GATEWAY)
    apology = resident.send("1")  # Bourgogne, typed: its reply fails, the apology goes out
    assert apology.text == ERROR_MESSAGE
    assert resident.send("/reprendre").text.startswith("Question 2 sur 12")
    assert answers(tmp_path / "parole.sqlite3") == [("quartier", ["bourgogne"])]


def test_fetching_updates_failing_is_one_line_and_nothing_is_missed(
    tmp_path: Path, api: FakeBotApi, started: tuple[BotProcess, Path]
) -> None:
    bot, log = started
    resident = Resident(api, FakeUser(id=813, first_name="Sacha"))
    api.fail_next("getUpdates", HTTPStatus.BAD_GATEWAY, times=3)
    assert "anonyme" in resident.send("/start").text  # once Telegram answers again
    assert failed(api, "getUpdates") == 3
    assert bot.stop() == 0
    problems = [line for line in log.read_text().splitlines() if " INFO " not in line]
    assert len(problems) == 1, problems
    assert problems[0].endswith(
        " WARNING bot.telegram.app: cannot reach Telegram to fetch updates (Bad Gateway): "
        "trying again"
    )
