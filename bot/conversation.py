"""The resident's use cases, shared by every transport: start, resume, press a button, type.

Each call reads the participant's session from storage, runs the pure engine, commits what
changed, and only then returns the reply, so nothing is acknowledged before it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.pseudonym import pseudonym
from flows.engine import Engine, Outcome
from flows.events import Accept, Decline, Event, Pick, Restart, Show, TextInput
from flows.model import Consultation, Lang
from flows.screen import Button, Screen
from flows.state import Phase
from flows.texts import say
from storage.base import Channel, DuplicateUpdate, Participant, Status, Store, StoredSession, Turn

Clock = Callable[[], dt.datetime]

MENU = "m"  # scope of buttons that belong to no session (the list of consultations)


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Reply:
    """What to show after an input.

    The screen's buttons belong to `scope` (a session "s<id>", a consultation awaiting consent
    "c<id>", or the menu) at `position`. `changed`, `moved`, `recap` and `stale` come from the
    engine and let the transport decide between editing in place, a short notice and a new
    message. `notes` are sent before the screen. `previous_screen` is the message that showed
    the session's last screen, whose keyboard the transport closes when it sends a new one.
    """

    screen: Screen
    scope: str
    position: int = 0
    changed: bool = False
    moved: bool = False
    recap: str | None = None
    stale: bool = False
    notes: tuple[str, ...] = ()
    previous_screen: str | None = None


def language_from_hint(hint: str | None) -> Lang:
    """French unless the device says English."""
    return "en" if hint and hint.lower().startswith("en") else "fr"


class Conversations:
    """Runs residents through the consultations, over any transport."""

    def __init__(
        self,
        store: Store,
        consultations: Sequence[Consultation],
        secret: str,
        *,
        channel: Channel,
        clock: Clock = utc_now,
        timezone: str = "Europe/Paris",
    ) -> None:
        self.store = store
        self.engines = {c.id: Engine(c) for c in consultations}
        self._secret = secret
        self.channel = channel
        self._clock = clock
        self._zone = ZoneInfo(timezone)

    # -- who is talking -------------------------------------------------------------------

    async def participant(self, account_id: int | str) -> Participant:
        """The pseudonymous participant behind an account of this transport."""
        key = pseudonym(self._secret, self.channel.value, account_id)
        return await self.store.participant(key, self._clock())

    @staticmethod
    def language(who: Participant, hint: str | None) -> Lang:
        """The participant's chosen language, else the device's."""
        return who.lang or language_from_hint(hint)

    # -- use cases ------------------------------------------------------------------------

    async def start(self, who: Participant, lang: Lang, payload: str | None = None) -> Reply:
        """/start: resume, or offer the open consultations; a payload may name one."""
        if payload:
            engine = self.engines.get(payload)
            if engine is not None:
                return await self._enter(who, lang, engine)
            menu = await self._menu(who, lang, resume=False)
            return Reply(
                menu.screen, menu.scope, menu.position, notes=(say("unknown_consultation", lang),)
            )
        return await self._menu(who, lang, resume=True)

    async def resume(self, who: Participant, lang: Lang) -> Reply:
        """/reprendre: show the current question again."""
        session = await self._current(who)
        if session is None:
            return Reply(Screen(title=say("nothing_to_resume", lang)), MENU)
        return await self._apply(who, lang, session, Show(), None)

    async def set_language(self, who: Participant, lang: Lang) -> Reply:
        """/langue: switch language and show where the resident is, in the new language."""
        await self.store.set_language(who.id, lang)
        session = await self._current(who)
        if session is None:
            return Reply(Screen(title=say("language_set", lang)), MENU)
        reply = await self._apply(who, lang, session, Show(), None)
        return Reply(reply.screen, reply.scope, reply.position, notes=(say("language_set", lang),))

    async def press(
        self, who: Participant, lang: Lang, scope: str, event: Event, update_key: str | None
    ) -> Reply:
        """A button was pressed."""
        if update_key is not None and await self.store.seen(update_key):
            return await self._where(who, lang)
        if isinstance(event, Pick):
            engine = self.engines.get(event.consultation_id)
            if engine is None:
                return await self._stale(who, lang)
            return await self._enter(who, lang, engine)
        if scope.startswith("c"):
            return await self._consent(who, lang, scope[1:], event, update_key)
        session_id = _session_id(scope)
        if session_id is not None:
            session = await self.store.session(session_id)
            if (
                session is None
                or session.participant_id != who.id
                or session.id != who.current_session_id
            ):
                return await self._stale(who, lang)
            return await self._apply(who, lang, session, event, update_key)
        return await self._stale(who, lang)

    async def type_text(
        self, who: Participant, lang: Lang, text: str, update_key: str | None
    ) -> Reply:
        """A typed message: an answer if a question is open, otherwise a way in."""
        if update_key is not None and await self.store.seen(update_key):
            return await self._where(who, lang)
        session = await self._current(who)
        if session is None:
            return await self.start(who, lang)
        return await self._apply(who, lang, session, TextInput(text=text), update_key)

    async def remember_screen(self, scope: str, screen: str | None) -> None:
        """Note which message now shows a session's screen (None: one without buttons)."""
        session_id = _session_id(scope)
        if session_id is not None:
            await self.store.set_screen(session_id, screen)

    # -- steps of the use cases -----------------------------------------------------------

    def today(self) -> dt.date:
        """Today in the city's time zone, for opening and closing dates."""
        return self._clock().astimezone(self._zone).date()

    async def _menu(self, who: Participant, lang: Lang, *, resume: bool) -> Reply:
        session = await self._current(who) if resume else None
        if session is not None and session.consultation_id in self.engines:
            engine = self.engines[session.consultation_id]
            return self._closed(engine, lang) or self._resume_menu(session, lang)
        open_now = [e for e in self.engines.values() if e.is_open(self.today())]
        if not open_now:
            return Reply(Screen(title=say("no_consultation", lang)), MENU)
        if len(open_now) == 1:
            return await self._enter(who, lang, open_now[0])
        rows = [
            [Button(e.consultation.title.get(lang), Pick(consultation_id=e.consultation.id))]
            for e in open_now
        ]
        return Reply(Screen(title=say("choose_consultation", lang), buttons=rows), MENU)

    async def _enter(self, who: Participant, lang: Lang, engine: Engine) -> Reply:
        closed = self._closed(engine, lang)
        if closed is not None:
            return closed
        consultation = engine.consultation
        session = await self.store.latest_session(who.id, consultation.id)
        if session is None:
            return Reply(engine.render(engine.begin(), lang), f"c{consultation.id}")
        if who.current_session_id != session.id:
            await self.store.set_current(who.id, session.id)
        if session.status is Status.COMPLETED:
            return Reply(Screen(title=say("already_done", lang)), MENU)
        return self._resume_menu(session, lang)

    def _resume_menu(self, session: StoredSession, lang: Lang) -> Reply:
        engine = self.engines[session.consultation_id]
        title = engine.consultation.title.get(lang)
        screen = Screen(
            title=say("resume_or_restart", lang, title=title, answered=session.state.answered()),
            buttons=[
                [Button(say("resume", lang), Show()), Button(say("restart", lang), Restart())]
            ],
        )
        return Reply(screen, f"s{session.id}", session.state.position)

    async def _consent(
        self, who: Participant, lang: Lang, consultation_id: str, event: Event, key: str | None
    ) -> Reply:
        engine = self.engines.get(consultation_id)
        if engine is None or not isinstance(event, Accept | Decline):
            return await self._stale(who, lang)
        closed = self._closed(engine, lang)
        if closed is not None:
            return closed
        if await self.store.latest_session(who.id, consultation_id) is not None:
            return await self._stale(who, lang)  # a second tap on an answered welcome
        outcome = engine.handle(engine.begin(), event, lang)
        if outcome.state.phase is Phase.DECLINED:
            return self._reply(outcome, f"c{consultation_id}")  # nothing is stored on refusal
        try:
            session_id = await self.store.commit(
                Turn(
                    participant_id=who.id,
                    consultation_id=consultation_id,
                    channel=self.channel,
                    state=outcome.state,
                    status=Status.ACTIVE,
                    now=self._clock(),
                    update_key=key,
                )
            )
        except DuplicateUpdate:
            return await self._where(who, lang)
        return self._reply(outcome, f"s{session_id}")

    async def _apply(
        self,
        who: Participant,
        lang: Lang,
        session: StoredSession,
        event: Event,
        key: str | None,
    ) -> Reply:
        engine = self.engines.get(session.consultation_id)
        if engine is None:
            return Reply(Screen(title=say("no_consultation", lang)), MENU)
        closed = self._closed(engine, lang)
        if closed is not None:
            return closed
        outcome = engine.handle(session.state, event, lang)
        if outcome.changed:
            state = outcome.state
            try:
                await self.store.commit(
                    Turn(
                        participant_id=who.id,
                        consultation_id=session.consultation_id,
                        channel=session.channel,
                        state=state,
                        status=Status.COMPLETED if state.phase is Phase.DONE else Status.ACTIVE,
                        now=self._clock(),
                        session_id=session.id,
                        saved={step: state.answers[step] for step in outcome.saved},
                        removed=outcome.removed,
                        update_key=key,
                        make_current=False,
                    )
                )
            except DuplicateUpdate:
                return await self._where(who, lang)
        return self._reply(outcome, f"s{session.id}", session.screen)

    async def _where(self, who: Participant, lang: Lang) -> Reply:
        """The current screen, unchanged (after a duplicate update)."""
        session = await self._current(who)
        if session is None:
            return await self.start(who, lang)
        return await self._apply(who, lang, session, Show(), None)

    async def _stale(self, who: Participant, lang: Lang) -> Reply:
        where = await self._where(who, lang)
        return replace(where, screen=replace(where.screen, notice=say("stale", lang)), stale=True)

    async def _current(self, who: Participant) -> StoredSession | None:
        if who.current_session_id is None:
            return None
        session = await self.store.session(who.current_session_id)
        if session is None or session.status is not Status.ACTIVE:
            return None
        return session

    def _closed(self, engine: Engine, lang: Lang) -> Reply | None:
        today = self.today()
        consultation = engine.consultation
        if consultation.is_open(today):
            return None
        title = consultation.title.get(lang)
        if today < consultation.opens:
            text = say("not_open_yet", lang, title=title, date=_date(consultation.opens, lang))
        else:
            text = say("closed", lang, title=title, date=_date(consultation.closes, lang))
        return Reply(Screen(title=text), MENU)

    @staticmethod
    def _reply(outcome: Outcome, scope: str, previous_screen: str | None = None) -> Reply:
        return Reply(
            screen=outcome.screen,
            scope=scope,
            position=outcome.state.position,
            changed=outcome.changed,
            moved=outcome.moved,
            recap=outcome.recap,
            stale=outcome.stale,
            previous_screen=previous_screen,
        )


def _session_id(scope: str) -> int | None:
    return int(scope[1:]) if scope.startswith("s") and scope[1:].isdigit() else None


def _date(day: dt.date, lang: Lang) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()
