"""End to end: the real `parole run` process against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flows.texts import say
from tests.e2e.botprocess import BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(180)


# What a press handed again after a kill may meet: the first process had answered it.
REFUSALS_EXPECTED = ("query is too old",)


@pytest.fixture
def config(tmp_path: Path, server: FakeBotApiServer, api: FakeBotApi) -> Path:
    return write_config(tmp_path, server, api)


@pytest.fixture
def start_bot(tmp_path: Path, api: FakeBotApi, config: Path) -> Iterator[Callable[[], BotProcess]]:
    """Starts bot processes; any still running at the end of the test is stopped."""
    started: list[BotProcess] = []

    def start() -> BotProcess:
        started.append(BotProcess(config, api, tmp_path / "bot.log").start())
        return started[-1]

    yield start
    for bot in started:
        bot.stop()


def first_half(resident: Resident) -> None:
    """Consent and the first four questions."""
    assert "anonyme" in resident.send("/start").text
    assert resident.click(say("accept", "fr")).text.startswith("Question 1 sur 12")
    resident.click("Bourgogne")
    resident.click("J'y habite")
    resident.click("26 à 40 ans")
    resident.toggle("▫️ Les femmes")
    resident.toggle("▫️ Personnes isolées")
    assert "Question 5 sur 12" in resident.click(say("validate_count", "fr", n=2)).text


def second_half(resident: Resident, proposal: str) -> None:
    """The remaining questions, to the thanks."""
    resident.toggle("▫️ Soutien en santé mentale")
    resident.click(say("validate_count", "fr", n=1))
    resident.toggle("▫️ Lieux de rencontre et d'accueil")
    resident.click(say("validate_count", "fr", n=1))
    resident.send("Le centre social")
    resident.toggle("▫️ Rodéos urbains (motos, voitures)")
    resident.click(say("validate_count", "fr", n=1))
    resident.click(say("skip", "fr"))
    resident.toggle("▫️ Lutter contre l'isolement")
    resident.click(say("validate_count", "fr", n=1))
    resident.send(proposal)
    assert "Merci" in resident.click(say("yes", "fr")).text


def stored(database: Path) -> list[dict[str, object]]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT s.id, s.status, a.step_id, a.value FROM sessions s "
            "JOIN answers a ON a.session_id = s.id ORDER BY s.id, a.step_id"
        ).fetchall()
    return [{"session": r[0], "status": r[1], "step": r[2], **json.loads(r[3])} for r in rows]


def test_two_residents_complete_the_journey_at_the_same_time(
    tmp_path: Path, api: FakeBotApi, start_bot: Callable[[], BotProcess]
):
    bot = start_bot()
    residents = [
        Resident(api, FakeUser(id=501, first_name="Amina")),
        Resident(api, FakeUser(id=502, first_name="Marc")),
    ]
    failures: list[BaseException] = []

    def play(resident: Resident) -> None:
        try:
            first_half(resident)
            second_half(resident, f"Un jardin partagé, dit {resident.user.first_name}")
        except BaseException as error:  # reported to the test thread below
            failures.append(error)

    threads = [threading.Thread(target=play, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    assert bot.stop() == 0
    assert not failures, failures

    rows = stored(tmp_path / "parole.sqlite3")
    sessions = {row["session"] for row in rows}
    assert len(sessions) == 2
    assert all(row["status"] == "completed" for row in rows)
    assert len(rows) == 2 * 12
    proposals = sorted(str(row["text"]) for row in rows if row["step"] == "proposition")
    assert proposals == ["Un jardin partagé, dit Amina", "Un jardin partagé, dit Marc"]
    log = (tmp_path / "bot.log").read_text()
    assert "jardin" not in log and "501" not in log, "resident data leaked into the log"


def test_sigkill_mid_journey_then_resume_with_nothing_lost_or_doubled(
    tmp_path: Path, api: FakeBotApi, start_bot: Callable[[], BotProcess]
):
    database = tmp_path / "parole.sqlite3"
    resident = Resident(api, FakeUser(id=601, first_name="Nadia"))
    bot = start_bot()
    first_half(resident)
    acknowledged = stored(database)
    assert [row["step"] for row in acknowledged] == ["age", "profil", "publics", "quartier"]

    # A press is sent and the process is killed at once: it may or may not have handled it.
    api.click(resident.user, "▫️ Soutien en santé mentale")
    bot.kill()
    start_bot()
    menu = resident.send("/start")
    assert say("resume", "fr") in menu.buttons
    resumed = resident.click(say("resume", "fr"))
    assert resumed.text.startswith("Question 5 sur 12")
    if say("validate_count", "fr", n=1) not in resumed.buttons:
        resident.toggle("▫️ Soutien en santé mentale")  # the press was lost before its commit
    resident.click(say("validate_count", "fr", n=1))
    resident.toggle("▫️ Lieux de rencontre et d'accueil")
    resident.click(say("validate_count", "fr", n=1))
    resident.send("Le centre social")
    resident.toggle("▫️ Rodéos urbains (motos, voitures)")
    resident.click(say("validate_count", "fr", n=1))
    resident.click(say("skip", "fr"))
    resident.toggle("▫️ Lutter contre l'isolement")
    resident.click(say("validate_count", "fr", n=1))
    resident.send("Des bancs")
    resident.click(say("yes", "fr"))

    rows = stored(database)
    assert len(rows) == 12
    assert len({row["step"] for row in rows}) == 12
    assert {row["session"] for row in rows} == {acknowledged[0]["session"]}
    besoins = next(row for row in rows if row["step"] == "besoins")
    assert besoins["choices"] == ["sante-mentale"]
    answers_now = [{k: v for k, v in row.items() if k != "status"} for row in rows]
    for before in acknowledged:
        before.pop("status")
        assert before in answers_now, "an acknowledged answer was lost"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
