"""SIGKILL of `parole run` with residents in flight, and Telegram handing their updates again.

Telegram hands an update again until a getUpdates call confirms its offset. The fake Bot API
holds the bot's polls after the one that delivers the residents' updates, so the process dies
without having confirmed them, and the next `parole run` gets them again: ticks of a multiple
choice not validated yet, an "Autre" text, a tap, a typed choice.

Whether the first process had shown its replies or not, each answer is stored once, each
resident goes on from where their stored state is, and nobody is shown a screen twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import closing
from http import HTTPStatus
from pathlib import Path

import pytest

from flows.texts import say
from tests.e2e.botprocess import WAIT, BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser
from tests.fakebotapi.model import JsonDict, UploadedFile
from tests.fakebotapi.spec import method_name

pytestmark = pytest.mark.timeout(120)

REPLIES = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
AUTRE = "Je viens au marché"
# What a press handed again may legitimately meet: its button was answered already.
HANDED_AGAIN = "query is too old"


class SilencingApi(FakeBotApi):
    """The fake Bot API, able to hold every reply of the bot (they never reach Telegram)."""

    def __init__(self) -> None:
        super().__init__()
        self.silent = threading.Event()
        self._back = threading.Event()

    def handle(
        self,
        method: str,
        params: Mapping[str, object],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, JsonDict]:
        if self.silent.is_set() and method_name(method) in REPLIES | {"answerCallbackQuery"}:
            self._back.wait(WAIT)
            return HTTPStatus.BAD_GATEWAY, {"ok": False, "error_code": 502, "description": "x"}
        return super().handle(method, params, files)

    def speak_again(self) -> None:
        self.silent.clear()
        self._back.set()


API = SilencingApi
REFUSALS_EXPECTED = (HANDED_AGAIN,)


class Crowd:
    """Four residents at different points, and the updates they have in flight."""

    def __init__(self, api: SilencingApi) -> None:
        self.api = api
        self.ticking, self.validating, self.autre, self.tapping = (
            Resident(api, FakeUser(id=840 + n, first_name=name))
            for n, name in enumerate(("Awa", "Bilal", "Chloé", "Dan"))
        )
        self.everyone = (self.ticking, self.validating, self.autre, self.tapping)

    def get_ready(self) -> None:
        for resident in self.everyone:
            resident.send("/start")
            resident.click(say("accept", "fr"))
            resident.click("Bourgogne")
        for resident in (self.ticking, self.validating):
            resident.click("J'y habite")
            resident.click("26 à 40 ans")
            resident.toggle("▫️ Les femmes")
        self.autre.click("Autre…")

    def in_flight(self) -> set[int]:
        """Everyone acts at once; the update ids."""
        api = self.api
        updates = [
            api.click(self.ticking.user, "▫️ Personnes isolées"),
            api.click(self.validating.user, "▫️ Personnes isolées"),
            api.click(self.validating.user, say("validate_count", "fr", n=1)),  # then 2 ticked
            api.send_text(self.autre.user, AUTRE),
            api.click(self.tapping.user, "J'y habite"),
        ]
        return {update["update_id"] for update in updates}


def screens(api: FakeBotApi, resident: Resident) -> list[tuple[str, list[str]]]:
    return [(m.text, m.buttons) for m in api.messages(resident.user.id)]


def stored(database: Path) -> dict[int, dict[str, object]]:
    """Answers by session, then step: the text typed, or the options chosen."""
    with closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT session_id, step_id, value FROM answers").fetchall()
    result: dict[int, dict[str, object]] = {}
    for session, step, value in rows:
        answer = json.loads(value)
        result.setdefault(session, {})[step] = answer["text"] or answer["choices"]
    return result


def processed(database: Path) -> set[int]:
    with closing(sqlite3.connect(database)) as db:
        keys = db.execute("SELECT key FROM processed_updates").fetchall()
    return {int(key.removeprefix("tg:")) for (key,) in keys}


EXPECTED: dict[int, dict[str, object]] = {
    1: {"quartier": ["bourgogne"], "profil": ["habitant"], "age": ["26-40"]},
    2: {
        "quartier": ["bourgogne"],
        "profil": ["habitant"],
        "age": ["26-40"],
        "publics": ["femmes", "isoles"],
    },
    3: {"quartier": ["bourgogne"], "profil": AUTRE},
    4: {"quartier": ["bourgogne"], "profil": ["habitant"]},
}


def test_updates_shown_then_handed_again_after_a_kill_change_nothing(
    tmp_path: Path, api: SilencingApi, server: FakeBotApiServer
) -> None:
    database = tmp_path / "parole.sqlite3"
    config = write_config(tmp_path, server, api)
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    crowd = Crowd(api)
    crowd.get_ready()

    api.hold_polls_after_delivery()
    flying = crowd.in_flight()
    api.wait_for_text(crowd.validating.user.id, "Question 5 sur 12", WAIT)
    api.wait_for_text(crowd.autre.user.id, "Question 3 sur 12", WAIT)
    api.wait_for_text(crowd.tapping.user.id, "Question 3 sur 12", WAIT)
    api.wait_for(lambda api: not api.unanswered_callbacks, WAIT, "every press answered")
    api.wait_for(lambda api: flying <= processed(database), WAIT, "every update stored")
    seen = {r.user.id: screens(api, r) for r in crowd.everyone}
    bot.kill()
    assert api.pending_update_ids() == flying, "the updates were confirmed before the kill"

    api.release_polls()
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    api.wait_until_consumed(WAIT)
    assert bot.stop() == 0  # every update handed again is processed before it exits

    # Nothing stored twice or moved on, and every phone shows what it showed.
    assert stored(database) == EXPECTED
    for resident in crowd.everyone:
        assert screens(api, resident) == seen[resident.user.id], api.transcript(resident.user.id)

    # Each goes on from where they were: the ticks kept, the next questions.
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    ticks = crowd.ticking.send("/reprendre")
    assert {say("selected", "fr", label="Les femmes"), "✅ Personnes isolées"} <= set(ticks.buttons)
    assert "Question 5 sur 12" in crowd.ticking.click(say("validate_count", "fr", n=2)).text
    assert crowd.validating.send("/reprendre").text.startswith("Question 5 sur 12")
    assert "Question 4 sur 12" in crowd.autre.click("26 à 40 ans").text
    assert "Question 4 sur 12" in crowd.tapping.click("41 à 60 ans").text
    assert bot.stop() == 0
    after = stored(database)
    assert after[1]["publics"] == ["femmes", "isoles"]
    assert after[3]["age"] == ["26-40"] and after[4]["age"] == ["41-60"]


def test_updates_stored_but_never_shown_are_shown_once_after_a_kill(
    tmp_path: Path, api: SilencingApi, server: FakeBotApiServer
) -> None:
    database = tmp_path / "parole.sqlite3"
    config = write_config(tmp_path, server, api)
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    crowd = Crowd(api)
    crowd.get_ready()

    # The bot stores the answers, then dies before any reply reaches Telegram.
    api.hold_polls_after_delivery()
    api.silent.set()
    flying = crowd.in_flight()
    api.wait_for(lambda api: flying <= processed(database), WAIT, "every update stored")
    bot.kill()
    api.speak_again()
    api.release_polls()
    bot = BotProcess(config, api, tmp_path / "bot.log").start()
    api.wait_until_consumed(WAIT)

    assert stored(database) == EXPECTED
    # The typed "Autre" text was answered by a new message: it comes now, once.
    api.wait_for_text(crowd.autre.user.id, "Question 3 sur 12", WAIT)
    texts = [text for text, _ in screens(api, crowd.autre)]
    assert sum("Question 3 sur 12" in text for text in texts) == 1, texts
    # A press whose screen was to be redrawn in place: the next tap on it shows where the
    # resident is, changing nothing stored (a tick is a tick, not a flip).
    assert "Question 3 sur 12" in crowd.tapping.click("J'y habite").text
    ticks = crowd.ticking.click("▫️ Personnes isolées")
    assert {"✅ Les femmes", "✅ Personnes isolées"} <= set(ticks.buttons)
    assert "Question 5 sur 12" in crowd.validating.click("▫️ Personnes isolées").text
    assert bot.stop() == 0
    assert stored(database) == EXPECTED
