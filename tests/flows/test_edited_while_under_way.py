"""A consultation file edited while residents are under way: a resident whose question was
removed or renamed goes on at the next question left, with the answers still asked kept,
rather than the engine failing at every message they send."""

from __future__ import annotations

from flows.engine import Engine
from flows.events import Accept, Back, Choose, Continue, Show
from flows.model import Consultation


def test_a_resident_at_a_removed_question_goes_on_at_the_next_one(every_kind: Consultation):
    before = Engine(every_kind)
    state = before.handle(before.begin(), Accept(), "fr").state
    state = before.handle(state, Continue(position=state.position), "fr").state  # intro
    state = before.handle(state, Choose(position=state.position, code="adulte"), "fr").state
    assert state.step_id == "publics"

    steps = [step for step in every_kind.steps if step.id != "publics"]
    after = Engine(every_kind.model_copy(update={"steps": steps}))
    outcome = after.handle(state, Show(), "fr")
    assert outcome.state.step_id == "idee"  # "local" depended on "publics": not shown
    assert outcome.state.answers["age"].choices == ["adulte"]
    assert outcome.changed  # so the new place is stored
    assert outcome.screen.title == after.consultation.step("idee").text.fr
    back = after.handle(outcome.state, Back(position=outcome.state.position), "fr")
    assert back.state.step_id == "age"
