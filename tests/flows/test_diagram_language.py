"""`parole check --diagram` speaks one language: the chart's own words (an optional step, a
condition's test, the bypass) are in the language of the texts it quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.diagram import mermaid
from flows.loader import load_consultation
from flows.model import Lang

FIXTURES = Path(__file__).parent / "fixtures"
WORDS: dict[Lang, tuple[str, str, str]] = {
    "fr": ("(facultative)", "contient", "|sinon|"),
    "en": ("(optional)", "includes", "|otherwise|"),
}


@pytest.mark.parametrize(("lang", "other"), [("fr", "en"), ("en", "fr")])
def test_the_chart_s_own_words_are_in_the_language_of_its_texts(lang: Lang, other: Lang):
    consultation = load_consultation(FIXTURES / "every-kind.toml")
    chart = mermaid(consultation, lang)
    optional = [s for s in consultation.steps if s.optional]
    includes = [s for s in consultation.steps if s.show_if and s.show_if.includes is not None]
    assert optional and includes
    assert consultation.steps[0].text.get(lang)[:20] in chart
    mark, test, bypass = WORDS[lang]
    assert chart.count(mark) == len(optional)
    assert f" {test} " in chart
    assert chart.count(bypass) == len([s for s in consultation.steps if s.show_if])
    for word in WORDS[other]:
        assert word not in chart, word
