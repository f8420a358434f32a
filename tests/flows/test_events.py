"""Button actions: every event a button can carry survives encode → decode; junk is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.engine import Engine
from flows.events import (
    Accept,
    Back,
    Choose,
    ConfirmRestart,
    Continue,
    Decline,
    Event,
    Keep,
    Restart,
    Skip,
    TextInput,
    Toggle,
    Validate,
    decode,
    encode,
)
from flows.model import CODE_PATTERN, Consultation
from flows.state import Phase

BUTTON_EVENTS: list[tuple[Event, str]] = [
    (Accept(), "ok"),
    (Decline(), "no"),
    (Continue(), "n"),
    (Validate(), "v"),
    (Skip(), "s"),
    (Back(), "b"),
    (Restart(), "r"),
    (ConfirmRestart(), "rc"),
    (Keep(), "k"),
    (Choose(code="jeune"), "c:jeune"),
    (Choose(code="3"), "c:3"),
    (Choose(code="-2"), "c:-2"),  # a scale may start below zero
    (Toggle(code="femmes", on=True), "t:femmes"),
    (Toggle(code="femmes", on=False), "u:femmes"),
]


@pytest.mark.parametrize(("event", "action"), BUTTON_EVENTS, ids=lambda v: repr(v))
def test_round_trip(event: Event, action: str) -> None:
    assert encode(event) == action
    assert decode(action) == event
    assert decode(action, position=7) == replace(event, position=7)
    assert encode(replace(event, position=7)) == action  # the position travels apart


@pytest.mark.parametrize(
    "action",
    [
        "",
        ":",
        "x",
        "c",
        "c:",
        "t:",
        "u:",
        "ok:extra",
        "b:1",
        "zz:a",
        "C:jeune",
        "OK",
        " ok",
        "show",
        "text:bonjour",
    ],
)
def test_decode_rejects_junk(action: str) -> None:
    assert decode(action) is None
    assert decode(action, position=3) is None


@given(code=st.from_regex(CODE_PATTERN, fullmatch=True), position=st.integers(0, 10**6))
def test_every_valid_code_round_trips(code: str, position: int) -> None:
    for event in (Choose(code=code), Toggle(code=code), Toggle(code=code, on=False)):
        action = encode(event)
        assert len(action.encode()) <= 26  # with a position, well inside Telegram's 64 bytes
        assert decode(action, position) == replace(event, position=position)


@given(action=st.text(max_size=70))
def test_decode_never_raises(action: str) -> None:
    event = decode(action)
    if event is not None:
        assert encode(event) == action


def test_every_button_of_a_journey_is_encodable(every_kind: Consultation) -> None:
    engine = Engine(every_kind)
    state = engine.begin()
    seen: set[str] = set()
    # Walk to the end: type on text questions, pick two options on a multiple choice,
    # otherwise press the first button.
    for _ in range(40):
        screen = engine.render(state, "fr")
        buttons = [button for row in screen.buttons for button in row]
        if not buttons:
            break
        for button in buttons:
            action = encode(button.event)
            seen.add(action.partition(":")[0])
            assert decode(action) == button.event
        event = buttons[0].event
        if screen.expects_text:
            event = TextInput(text="Un banc")
        elif isinstance(event, Toggle):
            unpicked = [b.event for b in buttons if isinstance(b.event, Toggle) and b.event.on]
            validate = [b.event for b in buttons if isinstance(b.event, Validate)]
            event = unpicked[0] if len(state.picks) < 2 else validate[0]
        state = engine.handle(state, replace(event, position=state.position), "fr").state
    assert state.phase is Phase.DONE
    assert {"ok", "no", "n", "c", "t", "v", "b"} <= seen
