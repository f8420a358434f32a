"""A consultation file someone handed over: its texts are printed by `parole chat` and
`parole check --diagram`, and sent to residents' phones, so an escape sequence in them (one
that clears the terminal, or writes the clipboard) is refused at load time."""

from __future__ import annotations

from pathlib import Path

from tests.flows.test_loader import HEAD, SINGLE, problems


def test_a_text_with_an_escape_sequence_is_refused_naming_where_it_is(tmp_path: Path) -> None:
    forged = HEAD.replace('en = "Welcome"', 'en = "Welcome\\u001b]52;c;ZWNobyBwd25lZA==\\u0007"')
    (problem,) = problems(tmp_path, forged + SINGLE)
    assert problem == "welcome.en: a control character (U+001B): remove it"
