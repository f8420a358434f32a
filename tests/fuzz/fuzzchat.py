"""The in-process chat harness, instrumented for fuzzing: errors, refusals, store consistency."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from telegram.ext import ContextTypes

from bot.conversation import language_from_hint
from bot.pseudonym import pseudonym
from bot.telegram.intake import decode
from flows.engine import Engine
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation, Lang
from flows.state import Answer, SessionState
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.fakebotapi.model import JsonDict
from tests.telegram.harness import SECRET, Chat

QUARTIERS = ["Bourgogne", "Pont-Rompu"]


def consultation() -> Consultation:
    """The shipped workshop consultation."""
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)


class FuzzChat(Chat):
    """A `Chat` whose application reports every error reaching its error handlers."""

    def __init__(self, database: Path, consultations: list[Consultation]) -> None:
        super().__init__(database, consultations)
        self.errors: list[tuple[str, BaseException | None]] = []
        self.fed = 0
        self._feeding = ""
        self.app.add_error_handler(self._record)

    async def _record(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append((self._feeding, context.error))

    async def feed(self, update: JsonDict, what: str = "") -> None:
        """Process one raw update, as polling would."""
        self._feeding = what or next(iter(k for k in update if k != "update_id"))
        self.fed += 1
        await self.app.process_update(decode(update, self.app.bot))

    async def deliver(self) -> None:
        """Feed the queued updates, counting them."""
        for data in self.api.pop_updates():
            await self.feed(data)


def assert_sound(chat: FuzzChat) -> None:
    """No update failed, the real Bot API would have accepted every request, no spinner left."""
    assert chat.errors == [], _describe_errors(chat.errors)
    refused = [(r.method, r.description) for r in chat.api.refused]
    assert refused == [], f"requests the Bot API would refuse: {refused}"
    assert chat.api.unanswered_callbacks == [], "button presses left unanswered"


def _describe_errors(errors: list[tuple[str, BaseException | None]]) -> str:
    return "; ".join(f"{what}: {type(error).__name__}: {error}" for what, error in errors)


def assert_store_consistent(database: Path) -> None:
    """Each session's stored answers are exactly its state's answers; the file is sound."""
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        states = {
            session_id: SessionState.model_validate_json(state)
            for session_id, state in db.execute("SELECT id, state FROM sessions")
        }
        stored: dict[int, dict[str, Answer]] = {session_id: {} for session_id in states}
        for session_id, step_id, value in db.execute(
            "SELECT session_id, step_id, value FROM answers"
        ):
            assert session_id in stored, f"answers of a missing session {session_id}"
            stored[session_id][step_id] = Answer.model_validate(json.loads(value))
    for session_id, state in states.items():
        assert stored[session_id] == state.answers, f"session {session_id}"


def stored_position(chat: Chat, user: FakeUser) -> tuple[SessionState | None, Lang]:
    """The state of the resident's session in progress (None if none), and their language."""
    with sqlite3.connect(chat.database) as db:
        row = db.execute(
            "SELECT p.lang, s.state, s.status FROM participants p "
            "LEFT JOIN sessions s ON s.id = p.current_session_id WHERE p.pseudonym = ?",
            (pseudonym(SECRET, "telegram", user.id),),
        ).fetchone()
    if row is None:
        return None, language_from_hint(user.language_code)
    lang, state, status = row
    chosen: Lang = lang or language_from_hint(user.language_code)
    if state is None or status != "active":
        return None, chosen
    return SessionState.model_validate_json(state), chosen


async def assert_resumes(chat: Chat, user: FakeUser, consultation: Consultation) -> None:
    """/reprendre shows the resident the screen of the state stored for them."""
    state, lang = stored_position(chat, user)
    shown = await chat.send(user, "/reprendre")
    if state is None:
        assert shown.text
        return
    expected = Engine(consultation).render(state, lang)
    assert expected.title in shown.text, (expected.title, shown.text)
    if expected.progress:
        assert shown.text.startswith(expected.progress), (expected.progress, shown.text)


# -- bringing a resident to a given point of the journey ----------------------------------


async def to_welcome(chat: Chat, user: FakeUser) -> None:
    """The resident opened the bot and sees the consent screen."""
    await chat.send(user, "/start")


async def to_first_question(chat: Chat, user: FakeUser) -> None:
    """The resident accepted and sees the first question (a single choice)."""
    await to_welcome(chat, user)
    await chat.click(user, say("accept", "fr"))


async def to_text_question(chat: Chat, user: FakeUser) -> None:
    """The resident answered six questions and is asked to type an example."""
    await to_first_question(chat, user)
    await chat.click(user, "Bourgogne")
    await chat.click(user, "J'y habite")
    await chat.click(user, say("skip", "fr"))
    for option in ("Les femmes", "Soutien en santé mentale", "Lieux de rencontre et d'accueil"):
        await chat.click(user, say("unselected", "fr", label=option))
        await chat.click(user, say("validate_count", "fr", n=1))
    assert "Question 7 sur 12" in chat.last(user).text


def current_question(chat: Chat, user: FakeUser) -> str:
    """The first line of the bot's latest message."""
    return chat.last(user).text.split("\n", 1)[0]


def buttons_of(chat: Chat, user: FakeUser) -> list[tuple[int, str]]:
    """(message id, label) of every button the resident can still see."""
    return [
        (message.message_id, label)
        for message in chat.api.messages(user.id)
        for label in message.buttons
    ]
