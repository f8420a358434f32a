"""What the bot keeps of residents in memory: their parsed sessions leave it once idle, so
a resident erased by `parole forget` beside the running bot does not stay there."""

from __future__ import annotations

from flows.state import Answer, SessionState
from storage.state_memo import IDLE_SECONDS, StateMemo


def state(text: str) -> SessionState:
    return SessionState(consultation_id="c", answers={"q1": Answer(text=text)})


def test_a_session_nobody_touched_for_a_while_leaves_memory_at_the_next_use_of_another():
    now = [0.0]
    memo = StateMemo(clock=lambda: now[0])
    erased = state("Mon voisin, M. Dupont")
    memo.remember(1, erased.model_dump_json(), erased)
    other = state("Plus de bancs")
    memo.remember(2, other.model_dump_json(), other)

    now[0] = IDLE_SECONDS - 1
    memo.parse(2, other.model_dump_json())
    assert 1 in memo, "still within the idle time"

    now[0] = IDLE_SECONDS + 1
    memo.parse(2, other.model_dump_json())
    assert 1 not in memo and 2 in memo
    assert len(memo) == 1


def test_the_memo_stays_bounded():
    memo = StateMemo(size=3, clock=lambda: 0.0)
    for session in range(10):
        kept = state(str(session))
        memo.remember(session, kept.model_dump_json(), kept)
    assert len(memo) == 3 and all(session in memo for session in (7, 8, 9))
