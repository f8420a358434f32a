"""Property: random sequences of updates from a few residents never break the bot.

Each example runs the real Application (in process, over the fake Bot API) on a fresh
database and feeds it a random mix of button presses (current, old or forged), typed texts
(hostile ones included), commands, redeliveries and updates of every other kind, from three
residents taking turns. After every update: no error reached the error handlers, no request
would be refused by the Bot API, no button press was left unanswered. After each example:
every session's stored answers are exactly its state's answers, and every resident can resume.
"""

from __future__ import annotations

import asyncio
import copy
import os
import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.model import LANGS
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.fakebotapi.model import JsonDict
from tests.fuzz.fuzzchat import (
    FuzzChat,
    assert_resumes,
    assert_sound,
    assert_store_consistent,
    consultation,
)
from tests.fuzz.updates import EVERY_KIND, HOSTILE_TEXTS

RESIDENTS = (
    FakeUser(id=8_001, first_name="Awa"),
    FakeUser(id=8_002, first_name="Bruno", language_code="en"),
    FakeUser(id=8_003, first_name="Chen"),
)
# PAROLE_FUZZ_EXAMPLES=1000 for a longer hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("PAROLE_FUZZ_EXAMPLES", "50"))
MAX_UPDATES = 100

# Mostly steps forward and presses on the current screen, so residents get deep into the
# journey (and finish it) as well as wander.
ACTIONS = (
    *["forward"] * 16,
    *["press"] * 4,
    *["type"] * 3,
    "old press",
    "forged press",
    "command",
    "redeliver",
    "other kind",
)
COMMANDS = ("/start", "/reprendre", "/langue", "/langue fr", "/aide", "/start vivre-ensemble")
WEIRD_CHARS = st.characters(categories=["Cs", "Cc", "Cf", "Co", "Lo", "Ll", "Lu", "Nd", "So", "Zs"])
TYPED = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(WEIRD_CHARS, max_size=40),
    st.text(max_size=20),
    st.sampled_from(["1", "2", "3", "4", "oui", "non", "autre", "Bourgogne", "Les femmes"]),
    st.sampled_from(["Le centre social", "Des bancs au parc", "Un jardin partagé"]),
)
# Telegram carries 1 to 64 bytes of callback data: never an empty string.
FORGED_DATA = st.one_of(
    st.text(min_size=1, max_size=64),
    st.builds(
        lambda scope, position, action: f"{scope}|{position}|{action}",
        st.sampled_from(["s1", "s2", "s3", "s4", "c", "cvivre-ensemble", "m", "x", ""]),
        st.integers(-2, 40).map(str),
        st.sampled_from(["ok", "no", "n", "v", "s", "b", "r", "sh", "c:bourgogne", "t:femmes"])
        | st.text(max_size=10),
    ),
)
CONSULTATION = consultation()
BACKWARDS = {say(key, lang) for key in ("back", "skip", "restart", "decline") for lang in LANGS}
VALIDATE_COUNT = re.compile(r"\(\d+\) ✔️$")
ANSWER_TEXTS = ("Le centre social", "Des bancs au parc", "Un jardin partagé")
OTHER_KINDS = sorted(name for name in EVERY_KIND if not name.startswith("text "))


def _callback_data(markup: JsonDict | None) -> list[str]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


class Residents:
    """Three residents acting on one bot; each action builds one update."""

    def __init__(self, chat: FuzzChat, data: st.DataObject) -> None:
        self.chat = chat
        self.api = chat.api
        self.data = data
        self.seen_buttons: dict[int, list[tuple[int, str]]] = {u.id: [] for u in RESIDENTS}
        self.typed: dict[int, list[JsonDict]] = {u.id: [] for u in RESIDENTS}

    def remember_buttons(self, user: FakeUser) -> None:
        seen = self.seen_buttons[user.id]
        for message in self.api.messages(user.id):
            for data in _callback_data(message.reply_markup):
                if (message.message_id, data) not in seen:
                    seen.append((message.message_id, data))

    def forward(self, user: FakeUser) -> str | None:
        """What to do to get on with the journey: a button label, or None to type an answer."""
        shown = [m for m in self.api.messages(user.id) if m.buttons]
        if not shown:
            return "/start"
        onward = [label for label in shown[-1].buttons if label not in BACKWARDS]
        validate = [label for label in onward if VALIDATE_COUNT.search(label)]
        confirm: bool = self.data.draw(st.booleans(), label="confirm") if validate else False
        if confirm:
            return validate[0]
        options = [label for label in onward if not label.endswith("✔️")]
        if not options:
            return None  # a text question: only back and skip
        return self.data.draw(st.sampled_from(options), label="option")

    def build(self, user: FakeUser, action: str) -> tuple[str, JsonDict]:
        api = self.api
        if action == "forward":
            label = self.forward(user)
            if label is None:
                text = self.data.draw(st.sampled_from(ANSWER_TEXTS), label="answer")
                api.send_text(user, text)
                return f"answer {text!r}", api.pop_updates()[-1]
            if label.startswith("/"):
                api.send_text(user, label)
                return label, api.pop_updates()[-1]
            screen = [m for m in api.messages(user.id) if m.buttons][-1]
            api.click(user, label, screen.message_id)
            return f"forward {label!r}", api.pop_updates()[-1]
        if action == "press":
            shown = [m for m in api.messages(user.id) if m.buttons]
            if shown:
                latest = shown[-1]
                label = self.data.draw(st.sampled_from(latest.buttons), label="button")
                api.click(user, label, latest.message_id)
                return f"press {label!r}", api.pop_updates()[-1]
            action = "command"
        if action == "old press" and self.seen_buttons[user.id]:
            old = st.sampled_from(self.seen_buttons[user.id])
            message_id, data = self.data.draw(old, label="old")
            api.click_data(user, message_id, data)
            return f"old press {data!r}", api.pop_updates()[-1]
        if action in ("old press", "forged press"):
            data = self.data.draw(FORGED_DATA, label="forged")
            message_id = self.data.draw(st.integers(0, 30), label="message")
            api.click_data(user, message_id, data)
            return f"forged press {data!r}", api.pop_updates()[-1]
        if action == "redeliver" and self.typed[user.id]:
            again = self.data.draw(st.sampled_from(self.typed[user.id]), label="again")
            return "redelivered message", copy.deepcopy(again)
        if action == "other kind":
            kind = self.data.draw(st.sampled_from(OTHER_KINDS), label="kind")
            return kind, EVERY_KIND[kind](api, user)
        if action == "command":
            text = self.data.draw(st.sampled_from(COMMANDS), label="command")
        else:
            text = self.data.draw(TYPED, label="typed")
        api.send_text(user, text)
        update = api.pop_updates()[-1]
        self.typed[user.id].append(copy.deepcopy(update))
        return f"text {text[:40]!r}", update


async def _run_example(data: st.DataObject, database: Path) -> tuple[int, int]:
    async with FuzzChat(database, [CONSULTATION]) as chat:
        residents = Residents(chat, data)
        for _ in range(data.draw(st.integers(1, MAX_UPDATES), label="updates")):
            user = data.draw(st.sampled_from(RESIDENTS), label="who")
            action = data.draw(st.sampled_from(ACTIONS), label="action")
            what, update = residents.build(user, action)
            await chat.feed(update, f"{what} from {user.first_name}")
            assert_sound(chat)
            residents.remember_buttons(user)
        assert_store_consistent(database)
        for user in RESIDENTS:
            # Whatever happened, a resident can resume where the store says they are.
            await assert_resumes(chat, user, CONSULTATION)
        assert_sound(chat)
        assert_store_consistent(database)
        return chat.fed, _most_answers(database)


def _most_answers(database: Path) -> int:
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT COALESCE(MAX(n), 0) FROM "
            "(SELECT COUNT(*) AS n FROM answers GROUP BY session_id)"
        ).fetchone()
    return int(row[0])


@pytest.mark.timeout(600)
def test_random_updates_from_several_residents_never_break_the_bot() -> None:
    fuzzed = 0
    deepest: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        nonlocal fuzzed
        with tempfile.TemporaryDirectory() as folder:
            fed, answers = asyncio.run(_run_example(data, Path(folder) / "parole.sqlite3"))
            fuzzed += fed
            deepest.append(answers)

    example()
    print(
        f"\nfuzzed {fuzzed} updates in {len(deepest)} examples; answers stored in a session: "
        f"up to {max(deepest)}, 5+ in {sum(n >= 5 for n in deepest)} examples"
    )
    assert fuzzed >= EXAMPLES  # every example fed at least its own updates
