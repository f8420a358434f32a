"""Each consultation can be drawn as a Mermaid flowchart (`parole check --diagram`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.diagram import mermaid
from flows.loader import BUILTIN_DIR, load_consultation

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = sorted(BUILTIN_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_consultation_draws_every_step_in_order(path: Path):
    consultation = load_consultation(path, ["Bourgogne"])
    chart = mermaid(consultation)
    assert chart.startswith("flowchart TD\n")
    positions = [chart.index(f"s_{step.id.replace('-', '_')}") for step in consultation.steps]
    assert positions == sorted(positions)
    assert chart.rstrip().endswith("--> done")


def test_a_condition_is_drawn_with_its_test_and_a_bypass():
    consultation = load_consultation(FIXTURES / "every-kind.toml")
    chart = mermaid(consultation)
    conditional = [s for s in consultation.steps if s.show_if is not None]
    assert conditional
    for step in conditional:
        assert step.show_if is not None
        assert f"{step.show_if.step} " in chart and f'{step.show_if.value}"| s_{step.id}' in chart
    assert chart.count("-.->|sinon|") == len(conditional)  # French by default, as its texts


def test_quotes_in_texts_cannot_break_the_chart():
    consultation = load_consultation(FIXTURES / "every-kind.toml")
    first = consultation.steps[0]
    tricky = first.model_copy(update={"text": first.text.model_copy(update={"fr": 'Un "mot"'})})
    chart = mermaid(consultation.model_copy(update={"steps": [tricky, *consultation.steps[1:]]}))
    assert "Un #quot;mot#quot;" in chart and 'Un "mot"' not in chart
