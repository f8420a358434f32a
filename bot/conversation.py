"""The resident's use cases, shared by every transport: start, resume, press a button, type.

Each call reads the participant's session from storage, runs the pure engine, commits what
changed, and only then returns the reply, so nothing is acknowledged before it is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import cast
from zoneinfo import ZoneInfo

from bot.privacy import Privacy, PrivacyNotice
from bot.pseudonym import pseudonym
from flows.engine import Engine, Outcome
from flows.events import Accept, Decline, Event, Pick, Restart, SetLanguage, Show, TextInput
from flows.model import YES, Consultation, Lang, is_follow_up
from flows.safeguarding import Category, detect, helplines
from flows.screen import Button, Screen
from flows.state import Phase
from flows.texts import say
from flows.typed import consent_event
from storage.base import (
    NO_FOLLOW_UP_CHANNELS,
    Arrival,
    Channel,
    DuplicateUpdate,
    Flag,
    Participant,
    Status,
    Store,
    StoredSession,
    Turn,
)
from storage.privacy import PrivacyStore

Clock = Callable[[], dt.datetime]

MENU = "m"  # scope of buttons that belong to no session (the list of consultations)
NOT_STORED = 0  # the id of a `Newcomer`: no participant row has this id


@dataclass(frozen=True)
class Newcomer(Participant):
    """A resident nothing is stored about yet: their row is created when they consent.

    Someone who only reads the welcome, declines or asks for /confidentialite leaves no
    trace; the row appears with their first session (or when they choose a language).
    """

    pseudonym: str = ""


@dataclass(frozen=True)
class FollowUp:
    """The answer to the follow-up question changed: keep or drop the resident's contact."""

    participant_id: int
    wanted: bool


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
    `repeated`: the update was processed already (Telegram hands an update again after a
    crash), so the screen is shown only if its message is older than the update's.
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
    urgent: str | None = None  # helplines after a disclosure: shown before anything else
    follow_up: FollowUp | None = None
    repeated: bool = False


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
        notice: PrivacyNotice | None = None,
    ) -> None:
        self.notice = notice or PrivacyNotice(timezone=timezone)
        self.store = store
        # Follow-up news can only reach a chat: someone answering through a relay, or in the
        # console, has none, so the follow-up question is not asked at all.
        left_out = channel in NO_FOLLOW_UP_CHANNELS
        self.engines = {
            c.id: Engine(c, left_out=c.follow_up_steps() if left_out else ()) for c in consultations
        }
        self._secret = secret
        self.channel = channel
        self._clock = clock
        self._zone = ZoneInfo(timezone)

    # -- who is talking -------------------------------------------------------------------

    async def participant(
        self, account_id: int | str, update_key: str | None = None
    ) -> Participant:
        """The pseudonymous participant behind an account of this transport.

        With the `update_key` of an answer, read with their current session and whether that
        update was already processed: what `press` and `type_text` need, in one read.
        """
        key = pseudonym(self._secret, self.channel.value, account_id)
        if update_key is None:
            found: Participant | None = await self.store.find_participant(key)
        else:
            found = await self.store.arrival(key, update_key)
        if found is not None:
            return found
        return Newcomer(NOT_STORED, None, None, self._clock(), pseudonym=key)

    async def _stored(self, who: Participant) -> Participant:
        """`who` with a row in storage, created now for a newcomer."""
        if isinstance(who, Newcomer):
            return await self.store.participant(who.pseudonym, self._clock())
        return who

    def safeguard(self, text: str, lang: Lang) -> tuple[frozenset[Category], str | None]:
        """The disclosures in a typed text, and the helplines to send at once (None: none)."""
        found = detect(text)
        if not found:
            return found, None
        # A relay types for the person they accompany: the numbers are for them to pass on.
        return found, helplines(found, lang, relayed=self.channel is Channel.ASSISTED)

    async def record_flags(
        self, who: Participant, categories: frozenset[Category], update_key: str | None
    ) -> None:
        """Count a disclosure whose text is not stored as an answer (stray or refused text).

        The flag goes with the resident's current session, else with the one open
        consultation (none when several are open: it is then counted in no digest).
        """
        if not categories:
            return
        session = await self._current(who)
        if session is not None:
            consultation_id: str | None = session.consultation_id
        else:
            open_now = [e for e in self.engines.values() if e.is_open(self.today())]
            consultation_id = open_now[0].consultation.id if len(open_now) == 1 else None
        await self.store.add_flags(
            [Flag(category.value) for category in sorted(categories)],
            consultation_id,
            session.id if session else None,
            self._clock(),
            update_key,
        )

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
        stored = await self._latest(who)
        session = _active(stored)
        if session is None:
            # Someone who finished has nothing to resume, and nothing to begin either.
            done = stored is not None and stored.status is Status.COMPLETED
            return Reply(
                Screen(title=say("already_done" if done else "nothing_to_resume", lang)), MENU
            )
        return await self._apply(who, lang, session, Show(), None)

    async def set_language(self, who: Participant, lang: Lang) -> Reply:
        """/langue: switch language and show where the resident is, in the new language."""
        who = await self._stored(who)
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
        session_id = _session_id(scope)
        if session_id is not None and not isinstance(event, Pick):
            # The common case, a question's button.
            session, seen = await self._session_for_update(who, session_id, update_key)
            if seen:
                return await self._again(who, lang)
            if (
                session is None
                or session.participant_id != who.id
                or session.id != who.current_session_id
            ):
                return await self._stale(who, lang)
            return await self._apply(who, lang, session, event, update_key)
        if update_key is not None and await self.store.seen(update_key):
            return await self._again(who, lang)
        if isinstance(event, Pick):
            engine = self.engines.get(event.consultation_id)
            if engine is None:
                return await self._stale(who, lang)
            return await self._enter(who, lang, engine)
        welcomed = welcome_of(scope)
        if welcomed is None:
            return await self._stale(who, lang)
        if isinstance(event, SetLanguage):
            return await self._welcome_in(who, event.lang, welcomed)
        return await self._consent(who, lang, welcomed, event, update_key)

    async def type_text(
        self,
        who: Participant,
        lang: Lang,
        text: str,
        update_key: str | None,
        *,
        disclosed: frozenset[Category] | None = None,
    ) -> Reply:
        """A typed message: an answer if a question is open, otherwise a way in.

        Every text is checked for a disclosure. `disclosed` says the transport did it and
        already sent the helplines; otherwise they come back as the reply's `urgent`. The
        answer is stored as given, with its flags in the same transaction.
        """
        urgent = None
        if disclosed is None:
            disclosed, urgent = self.safeguard(text, lang)
        session, seen = await self._current_for_update(who, update_key)
        if seen:
            return replace(await self._again(who, lang), urgent=urgent)
        if session is None:
            welcome = await self.start(who, lang)
            welcomed = welcome_of(welcome.scope)
            consent = consent_event(text) if welcomed is not None else None
            if welcomed is not None and consent is not None:
                # "oui" typed under the welcome is the "J'accepte" it asks for.
                reply = await self._consent(who, lang, welcomed, consent, update_key)
                return replace(reply, urgent=urgent)
            await self.record_flags(who, disclosed, update_key)
            return replace(welcome, urgent=urgent)
        reply = await self._apply(
            who, lang, session, TextInput(text=text), update_key, disclosed=disclosed, text=text
        )
        return replace(reply, urgent=urgent)

    async def under_way(self, who: Participant) -> bool:
        """Whether `who` has a session to resume (what /reprendre would show)."""
        return await self._current(who) is not None

    async def remember_screen(self, scope: str, screen: str | None) -> None:
        """Note which message now shows a session's screen (None: one without buttons)."""
        session_id = _session_id(scope)
        if session_id is not None:
            await self.store.set_screen(session_id, screen)

    # -- steps of the use cases -----------------------------------------------------------

    def now(self) -> dt.datetime:
        """The clock's time."""
        return self._clock()

    def privacy(self) -> Privacy:
        """Access and erasure for the same residents: same secret, consultations and notice."""
        return Privacy(
            cast(PrivacyStore, self.store),
            [engine.consultation for engine in self.engines.values()],
            self._secret,
            channel=self.channel,
            notice=self.notice,
        )

    def today(self) -> dt.date:
        """Today in the city's time zone, for opening and closing dates."""
        return self._clock().astimezone(self._zone).date()

    async def _menu(self, who: Participant, lang: Lang, *, resume: bool) -> Reply:
        session = await self._current(who) if resume else None
        notes: tuple[str, ...] = ()
        if session is not None and session.consultation_id in self.engines:
            engine = self.engines[session.consultation_id]
            closed = self._closed(engine, lang, elsewhere=False)  # the open ones follow
            if closed is None:
                return self._resume_menu(session, lang)
            # Closed while the resident was under way: say so, then offer what is still
            # open rather than the same closed notice at every /start.
            notes = (closed.screen.title,)
        today = self.today()
        open_now = [e for e in self.engines.values() if e.is_open(today)]
        if not open_now:
            if notes:
                return Reply(Screen(title=notes[0]), MENU)
            coming = [e for e in self.engines.values() if today < e.consultation.opens]
            if coming:
                # A flyer handed out before the opening: say when rather than "come back".
                first = min(coming, key=lambda e: e.consultation.opens)
                not_yet = self._closed(first, lang)
                assert not_yet is not None
                return not_yet
            return Reply(Screen(title=say("no_consultation", lang)), MENU)
        if len(open_now) == 1:
            entered = await self._enter(who, lang, open_now[0])
            return replace(entered, notes=(*notes, *entered.notes))
        rows = [
            [Button(e.consultation.title.get(lang), Pick(consultation_id=e.consultation.id))]
            for e in open_now
        ]
        screen = Screen(title=say("choose_consultation", lang), buttons=rows)
        return Reply(screen, MENU, notes=notes)

    async def _enter(self, who: Participant, lang: Lang, engine: Engine) -> Reply:
        closed = self._closed(engine, lang)
        if closed is not None:
            return closed
        consultation = engine.consultation
        session = await self.store.latest_session(who.id, consultation.id)
        if session is None:
            return Reply(self._welcome(engine, lang), f"c{consultation.id}")
        if who.current_session_id != session.id:
            await self.store.set_current(who.id, session.id)
        if session.status is Status.COMPLETED:
            return Reply(Screen(title=say("already_done", lang)), MENU)
        return self._resume_menu(session, lang)

    async def _welcome_in(self, who: Participant, lang: Lang, consultation_id: str) -> Reply:
        """The welcome's other-language button: the language is kept, as /langue keeps it,
        and the welcome shown again in it, in place of the one read."""
        engine = self.engines.get(consultation_id)
        if engine is None:
            return await self._stale(who, lang)
        if who.lang == lang:
            # Pressed twice: the welcome is in that language already.
            return replace(await self._enter(who, lang, engine), stale=True)
        who = await self._stored(who)
        await self.store.set_language(who.id, lang)
        return replace(await self._enter(who, lang, engine), changed=True)

    def _welcome(self, engine: Engine, lang: Lang) -> Screen:
        """The consultation's welcome, then what is kept and for how long, then the prompt."""
        screen = engine.render(engine.begin(), lang)
        parts = [screen.body or "", self.notice.welcome(lang), say("consent_prompt", lang)]
        return replace(screen, body="\n\n".join(part for part in parts if part))

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
            # Nothing is stored on refusal: a newcomer has no row, and the row of someone who
            # only chose a language goes too.
            if not isinstance(who, Newcomer):
                await self.store.discard_if_unused(who.id)
            return self._reply(outcome, f"c{consultation_id}")
        who = await self._stored(who)
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
            return await self._again(who, lang)
        return self._reply(outcome, f"s{session_id}")

    async def _apply(
        self,
        who: Participant,
        lang: Lang,
        session: StoredSession,
        event: Event,
        key: str | None,
        *,
        disclosed: frozenset[Category] = frozenset(),
        text: str | None = None,
    ) -> Reply:
        engine = self.engines.get(session.consultation_id)
        if engine is None:
            return Reply(Screen(title=say("no_consultation", lang)), MENU)
        now = self._clock()  # one reading for the opening dates and the turn
        closed = self._closed(engine, lang, now)
        if closed is not None:
            return closed
        outcome = engine.handle(session.state, event, lang)
        flags = _flags(outcome, disclosed, text)
        if outcome.changed or flags:
            # A refused text that disclosed something still counts: the turn keeps the
            # state and carries the flags, idempotent like any other.
            state = outcome.state if outcome.changed else session.state
            try:
                await self.store.commit(
                    Turn(
                        participant_id=who.id,
                        consultation_id=session.consultation_id,
                        channel=session.channel,
                        state=state,
                        status=Status.COMPLETED if state.phase is Phase.DONE else Status.ACTIVE,
                        now=now,
                        session_id=session.id,
                        saved={step: state.answers[step] for step in outcome.saved},
                        removed=outcome.removed if outcome.changed else (),
                        update_key=key,
                        make_current=False,
                        flags=flags,
                    )
                )
            except DuplicateUpdate:
                return await self._again(who, lang)
        follow_up = self._follow_up(who, engine, outcome)
        if follow_up is not None and follow_up.wanted and who.lang is None:
            # News go out in the language stored: one who never chose it read the
            # questions in their phone's language, and gets the news in it too.
            await self.store.set_language(who.id, lang)
        return self._reply(outcome, f"s{session.id}", session.screen, follow_up)

    @staticmethod
    def _follow_up(who: Participant, engine: Engine, outcome: Outcome) -> FollowUp | None:
        """Whether the turn answered (or undid) the follow-up question."""
        if not outcome.changed:
            return None
        for step_id in (*outcome.saved, *outcome.removed):
            step = engine.consultation.step(step_id)
            if is_follow_up(step):
                answer = outcome.state.answers.get(step_id)
                kept = step_id not in outcome.removed and answer is not None
                return FollowUp(who.id, kept and answer is not None and answer.choices == [YES])
        return None

    async def _where(self, who: Participant, lang: Lang) -> Reply:
        """The current screen, unchanged (after a duplicate update)."""
        session = await self._current(who)
        if session is None:
            return await self.start(who, lang)
        return await self._apply(who, lang, session, Show(), None)

    async def _again(self, who: Participant, lang: Lang) -> Reply:
        """The current screen, after an update already processed."""
        return replace(await self._where(who, lang), repeated=True)

    async def _stale(self, who: Participant, lang: Lang) -> Reply:
        where = await self._where(who, lang)
        return replace(where, screen=replace(where.screen, notice=say("stale", lang)), stale=True)

    async def _session_for_update(
        self, who: Participant, session_id: int, update_key: str | None
    ) -> tuple[StoredSession | None, bool]:
        """A session (None if it is not `who`'s current one and was not read with it), and
        whether the update was seen; from `arrive` when it read them, else in one read."""
        if isinstance(who, Arrival) and who.update_key == update_key:
            return (who.session if who.current_session_id == session_id else None), who.seen
        return await self.store.session_for_update(session_id, update_key)

    async def _current_for_update(
        self, who: Participant, update_key: str | None
    ) -> tuple[StoredSession | None, bool]:
        """The participant's current session, if active, and whether the update was seen."""
        if isinstance(who, Arrival) and who.update_key == update_key:
            return _active(who.session), who.seen
        if who.current_session_id is None:
            return None, update_key is not None and await self.store.seen(update_key)
        session, seen = await self.store.session_for_update(who.current_session_id, update_key)
        return _active(session), seen

    async def _current(self, who: Participant) -> StoredSession | None:
        return _active(await self._latest(who))

    async def _latest(self, who: Participant) -> StoredSession | None:
        """The participant's current session, whatever its status (finished included)."""
        if who.current_session_id is None:
            return None
        return await self.store.session(who.current_session_id)

    def _closed(
        self,
        engine: Engine,
        lang: Lang,
        now: dt.datetime | None = None,
        *,
        elsewhere: bool = True,
    ) -> Reply | None:
        """What to say when `engine`'s consultation is not open: closed, or not yet open; with
        `elsewhere`, that /start offers the ones open, if any (a relay's entry has no /start:
        it would leave the entry for the relay's own participation)."""
        today = (now or self._clock()).astimezone(self._zone).date()
        consultation = engine.consultation
        if consultation.is_open(today):
            return None
        title = consultation.title.get(lang)
        if today < consultation.opens:
            text = say("not_open_yet", lang, title=title, date=_date(consultation.opens, lang))
        else:
            text = say("closed", lang, title=title, date=_date(consultation.closes, lang))
        if (
            elsewhere
            and self.channel is not Channel.ASSISTED
            and any(other.is_open(today) for other in self.engines.values())
        ):
            text += "\n\n" + say("others_open", lang)
        return Reply(Screen(title=text), MENU)

    @staticmethod
    def _reply(
        outcome: Outcome,
        scope: str,
        previous_screen: str | None = None,
        follow_up: FollowUp | None = None,
    ) -> Reply:
        return Reply(
            screen=outcome.screen,
            scope=scope,
            position=outcome.state.position,
            changed=outcome.changed,
            moved=outcome.moved,
            recap=outcome.recap,
            stale=outcome.stale,
            previous_screen=previous_screen,
            follow_up=follow_up,
        )


def _flags(outcome: Outcome, disclosed: frozenset[Category], text: str | None) -> list[Flag]:
    """Flag rows for a disclosure: on the answer that stored the text, if one did."""
    if not disclosed:
        return []
    step_id = None
    if outcome.changed:
        for saved in outcome.saved:
            answer = outcome.state.answers.get(saved)
            if answer is not None and answer.text is not None and text is not None:
                step_id = saved
                break
    return [Flag(category.value, step_id) for category in sorted(disclosed)]


def _active(session: StoredSession | None) -> StoredSession | None:
    """`session`, if it is still under way (None for a finished or missing one)."""
    return session if session is not None and session.status is Status.ACTIVE else None


def welcome_of(scope: str) -> str | None:
    """The consultation whose welcome a reply's `scope` is ("c<id>"), else None."""
    return scope[1:] if scope.startswith("c") else None


def _session_id(scope: str) -> int | None:
    return int(scope[1:]) if scope.startswith("s") and scope[1:].isdigit() else None


def _date(day: dt.date, lang: Lang) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()
