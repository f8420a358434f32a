"""End to end: the real `parole run` logs no secret, nothing residents wrote, nor who they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.texts import say
from tests.e2e.botprocess import SECRET, BotProcess, Resident, write_config
from tests.fakebotapi import FakeBotApi, FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(180)

ALICE = FakeUser(id=987_654_321, first_name="Amandine", username="amandine_b")


def test_the_running_bot_logs_no_secret_text_id_or_name(tmp_path: Path, api: FakeBotApi) -> None:
    with FakeBotApiServer(api) as server:
        config = write_config(tmp_path, server, api)
        bot = BotProcess(config, api, tmp_path / "bot.log").start()
        try:
            resident = Resident(api, ALICE)
            resident.send("/start")
            resident.click(say("accept", "fr"))
            resident.send("Mon copain me frappe")  # a stray-looking text on a choice question
            resident.send("/mesdonnees")
        finally:
            assert bot.stop() == 0
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "starting" in log  # the log was written at its default level
    for hidden in (
        api.token,
        api.token.split(":")[1],
        SECRET,
        "frappe",
        str(ALICE.id),
        "Amandine",
        "amandine_b",
    ):
        assert hidden not in log, hidden
