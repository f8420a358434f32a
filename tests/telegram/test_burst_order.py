"""Through the running application: one resident's burst is stored in the order it was sent,
and two residents' bursts are processed side by side.

Updates go on `application.update_queue` of a started application, all at once, as the
updater puts them there after a getUpdates: the bot's `PerUserUpdateProcessor` alone decides
what runs when. Each burst answers successive questions with typed answers whose meaning
depends on the question they land on ("2" is a quartier, a link to it or an age group), so
any other processing order stores other answers (or refuses some).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.request import BaseRequest, RequestData

from bot.pseudonym import pseudonym
from bot.telegram.app import TelegramApp, build_application
from bot.telegram.intake import decode
from flows.model import OTHER_CODE, Consultation
from flows.state import Answer
from flows.texts import say
from storage.sqlite import SqliteStore
from tests.fakebotapi import FakeBotApi, FakeRequest, FakeUser
from tests.telegram.harness import SECRET, settings_for

ALICE = FakeUser(id=101, first_name="Alice")
BOB = FakeUser(id=102, first_name="Bob")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
WAIT = 10.0  # seconds; only bounds a wait that a broken bot would make endless

# Quartier "4" is "Autre…" (Bourgogne, Pont-Rompu, "Je préfère ne pas dire", Autre), whose
# text comes next; then the link to the quartier by number, the age group by its label.
ALICE_BURST = ["4", "Les Tilleuls", "2", "26 à 40 ans"]
ALICE_ANSWERS = {
    "quartier": Answer(choices=[OTHER_CODE], text="Les Tilleuls"),
    "profil": Answer(choices=["usager"]),
    "age": Answer(choices=["26-40"]),
}
# The last one ticks an option of the fourth question (redrawn in place, nothing stored).
BOB_BURST = ["2", "j'y habite", "5", "Les femmes"]
BOB_ANSWERS = {
    "quartier": Answer(choices=["pont-rompu"]),
    "profil": Answer(choices=["habitant"]),
    "age": Answer(choices=["61-75"]),
}
TICKED = say("selected", "fr", label="Les femmes")  # Bob's last tap, as his screen shows it


class GatedRequest(FakeRequest):
    """The in-process fake transport, able to hold one chat's Bot API calls at a gate."""

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(api)
        self.held_chat: int | None = None
        self.holding = asyncio.Event()  # a call of `held_chat` waits at the gate
        self.gate = asyncio.Event()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Wait at the gate for a call to `held_chat`, then answer from the fake."""
        chat = request_data.json_parameters.get("chat_id") if request_data else None
        if self.held_chat is not None and chat == str(self.held_chat):
            self.holding.set()
            await self.gate.wait()
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


@dataclass
class Running:
    """The started application, its fake Bot API and transport, and its database."""

    app: TelegramApp
    api: FakeBotApi
    request: GatedRequest
    database: Path

    def deliver(self) -> None:
        """Put every update the residents sent on the update queue at once, in order."""
        for data in self.api.pop_updates():
            self.app.update_queue.put_nowait(decode(data, self.app.bot))

    async def settle(self) -> None:
        """Wait until every delivered update has been processed."""
        async with asyncio.timeout(WAIT):
            await self.app.update_queue.join()

    async def consent(self, user: FakeUser) -> None:
        """/start and accept, each answered before the next."""
        self.api.send_text(user, "/start")
        self.deliver()
        await self.settle()
        self.api.click(user, say("accept", "fr"))
        self.deliver()
        await self.settle()
        assert self.api.last_message(user.id).text.startswith("Question 1 sur 12")

    def answers(self, user: FakeUser) -> dict[str, Answer]:
        """The answers stored for `user`'s session, by question."""
        with sqlite3.connect(self.database) as db:
            rows = db.execute(
                "SELECT a.step_id, a.value FROM participants p "
                "JOIN sessions s ON s.participant_id = p.id "
                "JOIN answers a ON a.session_id = s.id WHERE p.pseudonym = ?",
                (pseudonym(SECRET, "telegram", user.id),),
            ).fetchall()
        return {step: Answer.model_validate(json.loads(value)) for step, value in rows}


@pytest.fixture
async def bot(tmp_path: Path, consultation: Consultation) -> AsyncIterator[Running]:
    """The bot started as `parole run` starts it, minus the updater: the test feeds it."""
    api = FakeBotApi()
    request = GatedRequest(api)
    database = tmp_path / "parole.sqlite3"
    app = build_application(
        settings_for(database, api),
        SqliteStore(database),
        [consultation],
        clock=lambda: NOW,
        request=request,
    )
    await app.initialize()
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    await app.start()
    try:
        yield Running(app, api, request, database)
    finally:
        request.gate.set()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)
    assert api.refused == []


async def test_a_burst_from_one_resident_is_stored_in_the_order_it_was_sent(bot: Running):
    await bot.consent(ALICE)
    for text in ALICE_BURST:
        bot.api.send_text(ALICE, text)
    bot.deliver()
    await bot.settle()

    assert bot.answers(ALICE) == ALICE_ANSWERS
    assert "Question 4 sur 12" in bot.api.last_message(ALICE.id).text  # under the age's recap


async def test_two_bursts_interleaved_run_side_by_side_each_in_its_own_order(bot: Running):
    await bot.consent(ALICE)
    await bot.consent(BOB)
    bot.request.held_chat = ALICE.id  # Alice's first reply will wait at the gate
    for alice_text, bob_text in zip(ALICE_BURST, BOB_BURST, strict=True):
        bot.api.send_text(ALICE, alice_text)
        bot.api.send_text(BOB, bob_text)
    bot.deliver()

    async with asyncio.timeout(WAIT):
        await bot.request.holding.wait()
        # Bob's whole burst goes through while Alice's first update is still in progress…
        await bot.api.wait_for_async(lambda api: TICKED in api.last_message(BOB.id).buttons)
    assert bot.answers(BOB) == BOB_ANSWERS
    # …and her later updates wait for it: none of her answers is stored yet.
    assert bot.answers(ALICE) == {}

    bot.request.gate.set()
    await bot.settle()
    assert bot.answers(ALICE) == ALICE_ANSWERS
    assert bot.answers(BOB) == BOB_ANSWERS
    assert "Question 4 sur 12" in bot.api.last_message(ALICE.id).text  # under the age's recap
