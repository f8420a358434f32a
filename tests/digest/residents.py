"""Residents who answered everything, written through the real store, for delivery tests.

As real sessions are: a relay's entry, a paper form or the console never asks the follow-up
question (`NO_FOLLOW_UP_CHANNELS`), so their sessions never answer it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digest.aggregate import left_out
from flows.model import OTHER_CODE, ChoiceStepBase, Consultation, ScaleStep, TextStep, YesNoStep
from flows.state import Answer, Phase, SessionState
from storage.base import NO_FOLLOW_UP_CHANNELS, Channel, Flag, Status, Store, Turn

# A resident text that must come out escaped in HTML and neutralised in spreadsheets.
TRICKY = '=HYPERLINK("x") <b>jardin</b> & bancs'


def full_answers(
    consultation: Consultation, number: int, channel: Channel = Channel.TELEGRAM
) -> dict[str, Answer]:
    """An answer to every question `channel` asks; the choice rotates with `number`."""
    answers: dict[str, Answer] = {}
    never_asked = left_out(consultation) if channel in NO_FOLLOW_UP_CHANNELS else set()
    for step in consultation.questions():
        if step.id in never_asked:
            continue
        if isinstance(step, ChoiceStepBase):
            code = step.codes()[number % len(step.codes())]
            text = f"autre : {TRICKY}" if code == OTHER_CODE else None
            answers[step.id] = Answer(choices=[code], text=text)
        elif isinstance(step, ScaleStep):
            answers[step.id] = Answer(choices=[str(step.min + number % (step.max - step.min + 1))])
        elif isinstance(step, YesNoStep):
            answers[step.id] = Answer(choices=["yes" if number % 2 else "no"])
        elif isinstance(step, TextStep):
            answers[step.id] = Answer(text=f"{TRICKY} n°{number}")
    return answers


async def session_of(
    store: Store,
    consultation: Consultation,
    number: int,
    answers: dict[str, Answer],
    now: dt.datetime,
    *,
    channel: Channel = Channel.TELEGRAM,
    done: bool = True,
    flags: Sequence[Flag] = (),
) -> int:
    """Resident `number`'s session with `answers`, all given at `now`: completed if `done`,
    else still under way. Its id."""
    if channel in NO_FOLLOW_UP_CHANNELS:
        asked = left_out(consultation).intersection(answers)
        assert not asked, f"a {channel} session never answers {sorted(asked)}"
    who = await store.participant(f"resident-{number}", now)
    state = SessionState(
        consultation_id=consultation.id,
        phase=Phase.DONE if done else Phase.QUESTION,
        history=list(answers),
        answers=answers,
        position=len(answers) + 1,
    )
    return await store.commit(
        Turn(
            participant_id=who.id,
            consultation_id=consultation.id,
            channel=channel,
            state=state,
            status=Status.COMPLETED if done else Status.ACTIVE,
            now=now,
            saved=answers,
            flags=flags,
        )
    )


async def answered(
    store: Store, consultation: Consultation, count: int, first: dt.datetime
) -> list[int]:
    """`count` residents who each completed the consultation, an hour apart from `first`."""
    return [
        await session_of(
            store,
            consultation,
            number,
            full_answers(consultation, number),
            first + dt.timedelta(hours=number),
        )
        for number in range(count)
    ]
