"""The conversation engine: a pure function of (consultation, state, event, today, language).

It never touches Telegram, a terminal or a database: it returns the new state, the screen to
show and which answers changed; adapters in `bot/` carry that out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Final

from flows.events import (
    Accept,
    Back,
    Choose,
    ConfirmRestart,
    Continue,
    Decline,
    Event,
    GoTo,
    Keep,
    Restart,
    Review,
    SetLanguage,
    Show,
    Skip,
    TextInput,
    Toggle,
    Validate,
)
from flows.model import (
    LANGS,
    NO,
    OTHER_CODE,
    YES,
    ChoiceStepBase,
    Condition,
    Consultation,
    InfoStep,
    Lang,
    MultiStep,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from flows.question_screen import other_text_screen, question_screen, review_screen
from flows.screen import Button, Screen
from flows.state import Answer, Phase, SessionState
from flows.texts import say
from flows.typed import (
    TYPED_BUTTON_MAX,
    button_word,
    cleaned_text,
    consent_event,
    greets,
    option_named,
    options_numbered,
)

# Question screens kept for reuse, per engine: every answer renders one, and residents mostly
# see the same few. Emptied when full, so memory stays bounded whatever the residents do.
SCREEN_MEMO: Final = 4096


@dataclass(frozen=True)
class Outcome:
    """The result of one event.

    `saved` and `removed` name the steps whose stored answer must be written or erased;
    `moved` says the resident left the step the previous screen showed, whose keyboard should
    then be closed, replaced by `recap` (the answer just given) when there is one; `stale` says
    the event came from an old button and changed nothing.
    """

    state: SessionState
    screen: Screen
    saved: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    moved: bool = False
    recap: str | None = None
    stale: bool = False
    changed: bool = False


class Engine:
    """Runs one consultation.

    `left_out` names steps this engine's sessions never ask (an assisted entry leaves out the
    follow-up question: the person has no chat to send news to). They count as steps whose
    condition is false: passed over, never answered, not in the progress's total; a step
    whose condition names one is left out with it.
    """

    def __init__(self, consultation: Consultation, *, left_out: Collection[str] = ()) -> None:
        self.consultation = consultation
        # Steps are pydantic models: finding one by equality compares every field. Positions
        # and labels are looked up by id instead (every answer renders a screen).
        self._order = {step.id: index for index, step in enumerate(consultation.steps)}
        unknown = sorted(set(left_out) - self._order.keys())
        if unknown:
            raise ValueError(f"no step {', '.join(unknown)} to leave out in {consultation.id}")
        self._left_out = frozenset(left_out)
        # Filtered once here, so that residents' sessions (nothing left out) pay nothing.
        self._asked = [step for step in consultation.steps if step.id not in self._left_out]
        self._step_codes = {step.id: _codes_of(step) for step in consultation.steps}
        self._labels = {
            (step.id, option.code): option.label
            for step in consultation.steps
            if isinstance(step, ChoiceStepBase)
            for option in step.options
        }
        # A question's screen depends on the step, the language, the notice, the options
        # ticked, whether there is a way back, and the questions shown (the progress), which
        # depend on the answers to the steps that conditions name: together, its memo key.
        self._deciding = tuple(
            sorted({step.show_if.step for step in consultation.steps if step.show_if})
        )
        self._screens: dict[tuple[object, ...], Screen] = {}
        if not self.visible_steps(self.begin()):
            left = ", ".join(sorted(self._left_out))
            raise ValueError(f"leaving out {left} leaves nothing to ask in {consultation.id}")

    # -- entry points ---------------------------------------------------------------------

    def begin(self) -> SessionState:
        """A fresh session, waiting for consent."""
        return SessionState(consultation_id=self.consultation.id)

    def handle(self, state: SessionState, event: Event, lang: Lang) -> Outcome:
        """Apply `event` to `state`."""
        if state.step_id is not None and state.step_id not in self._order:
            outcome = self._dispatch(self._rebased(state), event, lang)
        else:
            outcome = self._dispatch(state, event, lang)
        # The same object when nothing was done; compared otherwise (a toggle can give back
        # the picks it had). Every field copied through `vars`: a field added to `Outcome`
        # cannot be dropped here, at two thirds of the cost of `dataclasses.replace`.
        changed = outcome.state is not state and outcome.state != state
        return Outcome(**{**vars(outcome), "changed": changed})

    def _dispatch(self, state: SessionState, event: Event, lang: Lang) -> Outcome:
        if event.position is not None and event.position != state.position:
            return self._stale(state, event, lang)
        if isinstance(event, Show):
            return Outcome(state, self.render(state, lang))
        if state.phase is Phase.CONSENT:
            if isinstance(event, TextInput):
                event = consent_event(event.text) or event
            return self._consent(state, event, lang)
        if state.phase is Phase.DECLINED and isinstance(event, Restart | ConfirmRestart):
            # Changing one's mind after "No thanks" means being asked for consent again.
            new = self.begin().model_copy(update={"position": state.position + 1})
            return Outcome(new, self.render(new, lang), moved=True)
        if state.phase in (Phase.DONE, Phase.DECLINED):
            return Outcome(state, self.render(state, lang))
        if isinstance(event, TextInput) and len(event.text) <= TYPED_BUTTON_MAX:
            event = self._typed_button(state, event, lang)
            if isinstance(event, TextInput) and greets(event.text):
                return Outcome(state, self.render(state, lang, say("welcome_back", lang)))
        if isinstance(event, Restart):
            return self._ask_restart(state, lang)
        if isinstance(event, ConfirmRestart):
            return self._restart(state, lang)
        if isinstance(event, Back):
            return self._back(state, lang)
        if isinstance(event, Review) and state.phase is Phase.QUESTION and state.history:
            return Outcome(state, self._review(state, lang))
        if isinstance(event, GoTo) and state.phase is Phase.QUESTION:
            return self._go_to(state, event.step, lang)
        step = self._current(state)
        if isinstance(event, Keep):
            return self._keep(state, step, lang)
        if state.phase is Phase.OTHER:
            return self._other_text(state, step, event, lang)
        if isinstance(event, Skip):
            return self._skip(state, step, lang)
        if isinstance(step, InfoStep):
            if isinstance(event, Continue | TextInput):
                return self._advance(state, step, None, lang)
            return self._refuse(state, lang, "use_buttons")
        if isinstance(step, TextStep):
            return self._text(state, step, event, lang)
        if isinstance(step, MultiStep):
            return self._multi(state, step, event, lang)
        return self._single(state, step, event, lang)

    def _stale(self, state: SessionState, event: Event, lang: Lang) -> Outcome:
        """A button of a screen gone by: nothing changes. The press just applied, sent again
        (a double tap on a slow phone), says the answer is saved and recaps it; a finished
        session says it is finished."""
        if state.phase is Phase.DONE:
            notice = say("already_done", lang)
            return Outcome(state, self.render(state, lang, notice), stale=True)
        recap = self._pressed_again(state, event, lang)
        notice = say("already_saved" if recap else "stale", lang)
        return Outcome(state, self.render(state, lang, notice), stale=True, recap=recap)

    def _pressed_again(self, state: SessionState, event: Event, lang: Lang) -> str | None:
        """The recap of the answer `event` gave, if it is the press that led to `state`."""
        if state.phase is not Phase.QUESTION or event.position != state.position - 1:
            return None
        if not state.history or (answer := state.answers.get(state.history[-1])) is None:
            return None
        step = self.consultation.step(state.history[-1])
        if isinstance(event, Skip) and answer.skipped:
            return say("skipped", lang)
        if answer.skipped or answer.text is not None:
            return None
        chosen = isinstance(event, Choose) and answer.choices == [event.code]
        if chosen or (isinstance(event, Validate) and isinstance(step, MultiStep)):
            return say("your_answer", lang, answer=self.describe(step, answer, lang))
        return None

    def _rebased(self, state: SessionState) -> SessionState:
        """A session at a step the consultation no longer has (its file was edited while the
        resident was under way): the answers to the steps still there are kept, and it goes
        on at the first question left to answer (the last one if none is)."""
        answers = {sid: answer for sid, answer in state.answers.items() if sid in self._order}
        kept = state.model_copy(
            update={
                "phase": Phase.QUESTION,
                "answers": answers,
                "history": [sid for sid in state.history if sid in self._order],
                "picks": [],
                "position": state.position + 1,
            }
        )
        visible = self.visible_steps(kept)
        left = [s for s in visible if s.id not in answers and not isinstance(s, InfoStep)]
        target = (left or visible)[0 if left else -1].id
        # Going back from there leads through the steps before it only.
        history = [sid for sid in kept.history if self._order[sid] < self._order[target]]
        return kept.model_copy(update={"step_id": target, "history": history})

    def is_open(self, today: dt.date) -> bool:
        """Whether the consultation takes answers on `today`."""
        return self.consultation.is_open(today)

    def render(
        self, state: SessionState, lang: Lang, notice: str | None = None, *, edit: bool = False
    ) -> Screen:
        """The screen for `state`, with an optional notice about the last input; `edit`: a
        question's screen that updates the one shown (a list's ticks) instead of following it."""
        if state.phase is Phase.CONSENT:
            return Screen(
                title=self.consultation.title.get(lang),
                body=self.consultation.welcome.get(lang),
                notice=notice,
                buttons=[
                    [
                        Button(say("accept", lang), Accept()),
                        Button(say("decline", lang), Decline()),
                    ],
                    # Whoever reads the other language better finds it before reading on.
                    [Button(say("other_language", lang), SetLanguage(lang=_other(lang)))],
                ],
            )
        if state.phase is Phase.DONE:
            return Screen(title=self.consultation.thanks.get(lang), notice=notice, final=True)
        if state.phase is Phase.DECLINED:
            return Screen(title=say("declined", lang), notice=notice, final=True)
        step = self._current(state)
        earlier = state.answers.get(step.id)
        if state.phase is Phase.OTHER:
            progress = self._progress(state, step, lang)
            return other_text_screen(state, lang, earlier, notice=notice, progress=progress)
        if earlier is not None and not earlier.skipped:
            # A question answered before (the resident came back to it): its screen shows
            # the resident's own answer, so it is built each time and never kept.
            return self._question(state, step, lang, notice, edit, earlier)
        key = (
            step.id,
            lang,
            notice,
            edit,
            tuple(state.picks),
            bool(state.history),
            tuple(
                (sid, tuple(answer.choices), answer.skipped)
                for sid in self._deciding
                if (answer := state.answers.get(sid)) is not None
            ),
        )
        screen = self._screens.get(key)
        if screen is None:
            if len(self._screens) >= SCREEN_MEMO:
                self._screens.clear()
            screen = self._screens[key] = self._question(state, step, lang, notice, edit, None)
        return screen

    def describe(self, step: Step, answer: Answer, lang: Lang) -> str:
        """An answer in words, as the resident would recognise it."""
        if answer.skipped:
            return say("skipped", lang)
        labels = [self._label(step, code, lang) for code in answer.choices]
        if answer.text is not None:
            labels = [
                label
                for label, code in zip(labels, answer.choices, strict=True)
                if code != OTHER_CODE
            ]
            labels.append(
                answer.text if not answer.choices else f"{say('other', lang)} {answer.text}"
            )
        return ", ".join(labels)

    def visible_steps(self, state: SessionState) -> list[Step]:
        """The steps this resident sees, given the answers so far (never a left-out one).

        A condition on a step that is itself hidden is false: the answer that step may still
        hold (given before an earlier answer changed) no longer counts.
        """
        return self._visible(state.answers)

    def _visible(self, answers: Mapping[str, Answer]) -> list[Step]:
        """`visible_steps` for a state holding `answers`."""
        visible: list[Step] = []
        shown: set[str] = set()
        for step in self._asked:
            if self._shown(step, answers, shown):
                visible.append(step)
                shown.add(step.id)
        return visible

    def counted_steps(self, state: SessionState) -> list[str]:
        """The questions the progress counts: those shown, and those whose condition names a
        question not answered yet, which may still be shown.

        Answering on can then only take questions away from the total, never add one (only
        changing an earlier answer can).
        """
        counted: list[str] = []
        shown: set[str] = set()
        possible: set[str] = set()  # shown, or may still be
        for step in self._asked:
            condition = step.show_if
            if condition is None:
                shown.add(step.id)
            elif condition.step not in possible:
                continue  # what it depends on is never shown
            elif condition.step in shown and (
                (answer := state.answers.get(condition.step)) is not None
            ):
                if not _holds(condition, answer):
                    continue  # decided: not shown
                shown.add(step.id)
            possible.add(step.id)
            if not isinstance(step, InfoStep):
                counted.append(step.id)
        return counted

    # -- transitions ----------------------------------------------------------------------

    def _consent(self, state: SessionState, event: Event, lang: Lang) -> Outcome:
        if isinstance(event, Accept):
            first = self.visible_steps(state)[0]
            new = state.model_copy(
                update={
                    "phase": Phase.QUESTION,
                    "step_id": first.id,
                    "position": state.position + 1,
                }
            )
            return Outcome(new, self.render(new, lang), moved=True, recap=say("accepted", lang))
        if isinstance(event, Decline):
            new = state.model_copy(update={"phase": Phase.DECLINED, "position": state.position + 1})
            return Outcome(new, self.render(new, lang), moved=True)
        return self._refuse(state, lang, "use_buttons")

    def _ask_restart(self, state: SessionState, lang: Lang) -> Outcome:
        """Starting again erases every answer: asked once more, unless none would be lost."""
        answered = state.answered()
        if not answered:
            return self._restart(state, lang)
        screen = Screen(
            title=say("restart_confirm", lang, answered=answered),
            buttons=[
                [Button(say("restart_yes", lang), ConfirmRestart())],
                [Button(say("restart_no", lang), Show())],
            ],
            edit=True,  # in place of the menu that offered it
        )
        return Outcome(state, screen)

    def _restart(self, state: SessionState, lang: Lang) -> Outcome:
        fresh = self.begin()
        first = self.visible_steps(fresh)[0]
        new = fresh.model_copy(
            update={"phase": Phase.QUESTION, "step_id": first.id, "position": state.position + 1}
        )
        removed = tuple(state.answers)
        return Outcome(new, self.render(new, lang), removed=removed, moved=True)

    def _back(self, state: SessionState, lang: Lang) -> Outcome:
        if state.phase is Phase.OTHER:
            new = state.model_copy(update={"phase": Phase.QUESTION, "position": state.position + 1})
            return Outcome(new, self.render(new, lang), moved=True)
        if not state.history:
            return self._refuse(state, lang, "first_question")
        previous = state.history[-1]
        step = self.consultation.step(previous)
        earlier = state.answers.get(previous)
        picks = list(earlier.choices) if isinstance(step, MultiStep) and earlier else []
        new = state.model_copy(
            update={
                "step_id": previous,
                "history": state.history[:-1],
                "picks": picks,
                "position": state.position + 1,
            }
        )
        return Outcome(new, self.render(new, lang), moved=True)

    def _review(self, state: SessionState, lang: Lang) -> Screen:
        """The answers given so far, each with a button back to its question."""
        counted = self.counted_steps(state)
        answered: list[tuple[str, int, str, str]] = []
        for step_id in state.history:
            answer = state.answers.get(step_id)
            if step_id not in counted or answer is None:
                continue
            step = self.consultation.step(step_id)
            described = self.describe(step, answer, lang)
            answered.append((step_id, counted.index(step_id) + 1, step.text.get(lang), described))
        return review_screen(answered, lang)

    def _go_to(self, state: SessionState, step_id: str, lang: Lang) -> Outcome:
        """Back at a question answered earlier, from the review; answering it brings the
        resident back to where they were (see `_advance`)."""
        if step_id not in state.history or step_id not in self.counted_steps(state):
            return self._refuse(state, lang, "use_buttons")
        step = self.consultation.step(step_id)
        earlier = state.answers.get(step_id)
        new = state.model_copy(
            update={
                "step_id": step_id,
                "history": state.history[: state.history.index(step_id)],
                "picks": list(earlier.choices) if isinstance(step, MultiStep) and earlier else [],
                "position": state.position + 1,
                "reviewing": True,
            }
        )
        return Outcome(new, self.render(new, lang), moved=True)

    def _skip(self, state: SessionState, step: Step, lang: Lang) -> Outcome:
        if not step.optional:
            return self._refuse(state, lang, "required")
        earlier = state.answers.get(step.id)
        # The button said "Effacer et passer" then: the recap says the answer is gone.
        erased = say("answer_erased", lang) if earlier and not earlier.skipped else None
        return self._advance(state, step, Answer(skipped=True), lang, recap=erased)

    def _keep(self, state: SessionState, step: Step, lang: Lang) -> Outcome:
        """Go on from a question answered before, its answer left as it is."""
        earlier = state.answers.get(step.id)
        if earlier is None or earlier.skipped:
            return self._refuse(state, lang, "use_buttons")
        if state.phase is Phase.OTHER:
            # The "Autre" text kept, with the options ticked now (a list may have changed).
            if earlier.text is None:
                return self._refuse(state, lang, "other_prompt")
            kept = Answer(choices=list(state.picks), text=earlier.text)
            return self._advance(state, step, kept, lang, keep=kept == earlier)
        return self._advance(state, step, earlier, lang, keep=True)

    def _text(self, state: SessionState, step: TextStep, event: Event, lang: Lang) -> Outcome:
        if not isinstance(event, TextInput):
            return self._refuse(state, lang, "use_buttons")
        text, problem = cleaned_text(event.text, step.max_length, lang)
        if problem is not None:
            return Outcome(state, self.render(state, lang, problem))
        return self._advance(state, step, Answer(text=text), lang)

    def _single(self, state: SessionState, step: Step, event: Event, lang: Lang) -> Outcome:
        codes = self._codes(step)
        if isinstance(event, TextInput):
            code = self._match(step, event.text, lang)
            if code is None:
                return self._refuse(state, lang, "use_buttons")
            event = Choose(code=code)
        if not isinstance(event, Choose) or event.code not in codes:
            return self._refuse(state, lang, "use_buttons")
        if event.code == OTHER_CODE:
            new = state.model_copy(
                update={"phase": Phase.OTHER, "picks": [OTHER_CODE], "position": state.position + 1}
            )
            return Outcome(new, self.render(new, lang), moved=True)
        return self._advance(state, step, Answer(choices=[event.code]), lang)

    def _multi(self, state: SessionState, step: MultiStep, event: Event, lang: Lang) -> Outcome:
        if isinstance(event, TextInput):
            several = options_numbered(event.text, self._codes(step))
            if several:
                return self._pick_several(state, step, several, lang)
            code = self._match(step, event.text, lang)
            if code is None:
                return self._refuse(state, lang, "use_buttons")
            event = Toggle(code=code, on=code not in state.picks)
        if isinstance(event, Toggle):
            if event.code not in self._codes(step):
                return self._refuse(state, lang, "use_buttons")
            picks = [code for code in state.picks if code != event.code]
            if event.on:
                if step.max_picks is not None and len(picks) >= step.max_picks:
                    notice = say("too_many", lang, n=step.max_picks)
                    return Outcome(state, self.render(state, lang, notice, edit=True))
                picks.append(event.code)
            order = self._codes(step)
            new = state.model_copy(update={"picks": sorted(picks, key=order.index)})
            # Said in words (a button press's short notice): which option changed, and how.
            said = say(
                "picked" if event.on else "unpicked",
                lang,
                label=self._label(step, event.code, lang),
            )
            return Outcome(new, self.render(new, lang, edit=True), recap=said)
        if isinstance(event, Validate):
            if len(state.picks) < step.min_picks:
                return self._refuse(state, lang, "too_few", n=step.min_picks)
            if OTHER_CODE in state.picks:
                new = state.model_copy(
                    update={"phase": Phase.OTHER, "position": state.position + 1}
                )
                return Outcome(new, self.render(new, lang), moved=True)
            return self._advance(state, step, Answer(choices=list(state.picks)), lang)
        return self._refuse(state, lang, "use_buttons")

    def _pick_several(
        self, state: SessionState, step: MultiStep, codes: list[str], lang: Lang
    ) -> Outcome:
        """Tick every option of `codes` (numbers typed together, "1, 4"), keeping the others."""
        order = self._codes(step)
        picks = sorted({*state.picks, *codes}, key=order.index)
        if step.max_picks is not None and len(picks) > step.max_picks:
            notice = say("too_many", lang, n=step.max_picks)
            return Outcome(state, self.render(state, lang, notice, edit=True))
        new = state.model_copy(update={"picks": picks})
        labels = ", ".join(self._label(step, code, lang) for code in codes)
        said = say("picked", lang, label=labels)
        return Outcome(new, self.render(new, lang, edit=True), recap=said)

    def _other_text(self, state: SessionState, step: Step, event: Event, lang: Lang) -> Outcome:
        if isinstance(event, Skip):
            return self._advance(state, step, Answer(choices=list(state.picks)), lang)
        if not isinstance(event, TextInput):
            return self._refuse(state, lang, "other_prompt")
        limit = step.max_length if isinstance(step, TextStep) else 300
        text, problem = cleaned_text(event.text, limit, lang)
        if problem is not None:
            return Outcome(state, self.render(state, lang, problem))
        return self._advance(state, step, Answer(choices=list(state.picks), text=text), lang)

    def _advance(
        self,
        state: SessionState,
        step: Step,
        answer: Answer | None,
        lang: Lang,
        *,
        keep: bool = False,
        recap: str | None = None,
    ) -> Outcome:
        """Store `answer` (not when `keep`: it is the one stored) and go to the next step;
        `recap` says what was done instead of the answer in words."""
        if step.id in self._left_out:
            # A session that was already at this step when it was left out (an entry under
            # way across an upgrade) goes on, keeping no answer to it.
            answer = None
        answers = dict(state.answers)
        saved: tuple[str, ...] = ()
        if answer is not None:
            answers[step.id] = answer
            saved = () if keep else (step.id,)
        # The state is copied once, at the end: the next step is found from `answers`.
        following = self._after(answers, step)
        if answer is not None and recap is None:
            recap = self.describe(step, answer, lang)
            if not answer.skipped:
                recap = say("your_answer", lang, answer=recap)
        if following is None:
            visible = {s.id for s in self._visible(answers)}
            removed = tuple(sid for sid in answers if sid not in visible)
            kept = {sid: a for sid, a in answers.items() if sid in visible}
            new = state.model_copy(
                update={
                    "phase": Phase.DONE,
                    "step_id": None,
                    "answers": kept,
                    "history": [*state.history, step.id],
                    "picks": [],
                    "position": state.position + 1,
                }
            )
            return Outcome(new, self.render(new, lang), saved, removed, moved=True, recap=recap)
        history = [*state.history, step.id]
        reviewing = False
        if state.reviewing:
            # An answer changed from the review: the questions answered after it are passed
            # over, back to the last one. A question it brought (a condition now true) is
            # asked on the way, and the passing over goes on after it.
            while (after := self._after(answers, following)) is not None:
                if following.id not in answers and not isinstance(following, InfoStep):
                    reviewing = True
                    break
                history.append(following.id)
                following = after
        nxt = answers.get(following.id)
        new = state.model_copy(
            update={
                "answers": answers,
                "phase": Phase.QUESTION,
                "step_id": following.id,
                "history": history,
                "picks": list(nxt.choices) if isinstance(following, MultiStep) and nxt else [],
                "position": state.position + 1,
                "reviewing": reviewing,
            }
        )
        return Outcome(new, self.render(new, lang), saved, moved=True, recap=recap)

    def _refuse(self, state: SessionState, lang: Lang, key: str, **values: object) -> Outcome:
        return Outcome(state, self.render(state, lang, say(key, lang, **values)))

    # -- helpers --------------------------------------------------------------------------

    def _current(self, state: SessionState) -> Step:
        assert state.step_id is not None, "a session in a question phase has a step"
        return self.consultation.step(state.step_id)

    def _next(self, state: SessionState, step: Step) -> Step | None:
        return self._after(state.answers, step)

    def _after(self, answers: Mapping[str, Answer], step: Step) -> Step | None:
        """The step shown after `step` to a resident whose answers are `answers`."""
        steps = self.consultation.steps
        visible = {s.id for s in self._visible(answers)}
        for candidate in steps[self._order[step.id] + 1 :]:
            if candidate.id in visible:
                return candidate
        return None

    @staticmethod
    def _shown(step: Step, answers: Mapping[str, Answer], shown: set[str]) -> bool:
        condition = step.show_if
        if condition is None:
            return True
        if condition.step not in shown:
            return False
        answer = answers.get(condition.step)
        return answer is not None and _holds(condition, answer)

    def _progress(self, state: SessionState, step: Step, lang: Lang) -> str | None:
        questions = self.counted_steps(state)
        if step.id not in questions:
            return None
        return say("progress", lang, n=questions.index(step.id) + 1, total=len(questions))

    def _typed_button(self, state: SessionState, event: TextInput, lang: Lang) -> Event:
        """The button a typed word names ("valider", "passer", "retour"…) if the screen
        shows it, else the typed text; an option's label or number comes first."""
        wanted = button_word(event.text)
        if wanted is None:
            return event
        if state.phase is Phase.QUESTION and self._match(self._current(state), event.text, lang):
            return event
        for row in self.render(state, lang).buttons:
            for button in row:
                if type(button.event) is wanted:
                    return button.event
        return event

    def _question(
        self,
        state: SessionState,
        step: Step,
        lang: Lang,
        notice: str | None,
        edit: bool,
        earlier: Answer | None,
    ) -> Screen:
        return question_screen(
            step,
            earlier,
            state,
            lang,
            codes=self._codes(step),
            named=lambda code: self._label(step, code, lang),
            progress=self._progress(state, step, lang),
            last=bool(state.history) and self._next(state, step) is None,
            notice=notice,
            edit=edit,
        )

    def _codes(self, step: Step) -> tuple[str, ...]:
        return self._step_codes[step.id]

    def _label(self, step: Step, code: str, lang: Lang) -> str:
        if isinstance(step, ChoiceStepBase):
            if code == OTHER_CODE:
                return say("other", lang)
            label = self._labels.get((step.id, code))
            if label is not None:
                return label.get(lang)
        if isinstance(step, YesNoStep) and code in (YES, NO):
            return say(code, lang)
        return code

    def _match(self, step: Step, typed: str, lang: Lang) -> str | None:
        """The option a typed message names (see `option_named`)."""
        langs = (lang, _other(lang))
        return option_named(step, typed, self._codes(step), partial(self._label, step), langs)


def _codes_of(step: Step) -> tuple[str, ...]:
    """Every code a resident can pick at `step`, in the order shown."""
    if isinstance(step, ChoiceStepBase):
        return tuple(step.codes())
    if isinstance(step, YesNoStep):
        return (YES, NO)
    if isinstance(step, ScaleStep):
        return tuple(str(n) for n in range(step.min, step.max + 1))
    return ()


def _holds(condition: Condition, answer: Answer) -> bool:
    """Whether `answer` (to the step a condition names) makes the condition true."""
    if answer.skipped:
        return False
    if condition.equals is not None:
        return answer.choices == [condition.equals]
    return condition.value in answer.choices


def _other(lang: Lang) -> Lang:
    return next(other for other in LANGS if other != lang)
