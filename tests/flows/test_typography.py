"""French typography as a resident reads it on a phone: no "?" or "»" alone on a new line."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from bot import moderation_texts, news_texts, relay_texts
from bot.telegram import staff_setup
from flows import texts
from flows.engine import Engine
from flows.events import Accept, Choose, TextInput
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation, Lang, Text
from flows.safeguarding import Category, helplines
from flows.typography import NNBSP

# A plain space where a phone may break the line before French punctuation or a unit.
BREAKABLE = re.compile(r" [?!:;»]|« |\d [h%](?!\w)")
TABLES = {
    "flows.texts": texts.MESSAGES,
    "relay_texts": relay_texts.MESSAGES,
    "news_texts": news_texts.MESSAGES,
    "moderation_texts": moderation_texts.MESSAGES,
    "staff_setup": staff_setup.MESSAGES,
}
EVERY_CATEGORY = frozenset(Category)


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"])


def texts_of(value: object, where: str) -> Iterator[tuple[str, Text]]:
    """Every `Text` inside a consultation, with where it is."""
    if isinstance(value, Text):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts_of(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from texts_of(item, f"{where}[{index}]")


def every_text(consultation: Consultation) -> Iterator[tuple[str, Text]]:
    for table_name, table in TABLES.items():
        for key, text in table.items():
            yield f"{table_name}:{key}", text
    yield from texts_of(consultation, "vivre-ensemble")


def test_no_french_sentence_can_break_before_its_punctuation(consultation: Consultation) -> None:
    breakable = [
        f"{where}: {match.group()!r}"
        for where, text in every_text(consultation)
        for match in BREAKABLE.finditer(text.fr)
    ]
    assert breakable == []


def test_english_keeps_plain_spaces(consultation: Consultation) -> None:
    assert [where for where, text in every_text(consultation) if NNBSP in text.en] == []


@pytest.mark.parametrize("relayed", [False, True])
def test_the_helplines_keep_their_punctuation_on_the_line(relayed: bool) -> None:
    french = helplines(EVERY_CATEGORY, "fr", relayed=relayed)
    assert BREAKABLE.search(french) is None
    assert "17 (police) ou le 112.\n• Si" in french  # the numbers themselves are unchanged
    assert NNBSP not in helplines(EVERY_CATEGORY, "en", relayed=relayed)


def test_a_resident_s_own_words_are_quoted_as_written() -> None:
    shown = texts.say("current_answer", "fr", answer="Et alors ? Rien : « ça »")
    assert shown == f"Votre réponse actuelle{NNBSP}: «{NNBSP}Et alors ? Rien : « ça »{NNBSP}»"


def test_an_option_typed_with_plain_spaces_is_still_recognised(
    consultation: Consultation,
) -> None:
    engine = Engine(consultation)
    state = engine.handle(engine.begin(), Accept(), "fr").state
    for code in ("bourgogne", "habitant", "nsp"):
        state = engine.handle(state, Choose(code=code, position=state.position), "fr").state
    typed = TextInput(text="Les « invisibles » (jeunes sans emploi…)", position=state.position)
    assert engine.handle(state, typed, "fr").state.picks == ["invisibles"]


# Where the emergency numbers are repeated for residents, they read the same.
EMERGENCY = Text(
    fr="En cas de danger, appelez le 17 (police) ou le 112. Si vous ne pouvez pas parler, "
    "envoyez un SMS au 114.",
    en="If you are in danger, call 17 (police) or 112. If you cannot speak, send a text "
    "message to 114.",
)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_emergency_numbers_read_the_same_wherever_they_are_given(
    consultation: Consultation, lang: Lang
) -> None:
    freins = next(step for step in consultation.steps if step.id == "freins")
    assert freins.help is not None
    notice = texts.say(
        "privacy_notice", lang, controller="la mairie", contact="", min_group=5, duration="1"
    )
    wanted = EMERGENCY.get(lang)
    for where, text in [
        ("welcome", consultation.welcome.get(lang)),
        ("privacy notice", notice),
        ("freins help", freins.help.get(lang)),
    ]:
        assert wanted in " ".join(text.split()), where
