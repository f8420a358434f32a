"""`parole check` measures every screen as Telegram counts it, and refuses what Telegram would
refuse: a file that passes is sent whole, one a character longer is refused at load time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.conversation import MENU
from bot.telegram.callbacks import pack
from bot.telegram.render import screen_html
from flows.engine import Engine
from flows.events import Accept, Choose, Pick, Review, TextInput, Toggle
from flows.limits import MESSAGE_UNITS, NOTICE_ROOM, _answered_before, screen_units
from flows.loader import ConsultationError, load_consultation
from flows.model import CODE_PATTERN, LANGS, Consultation, Lang
from flows.texts import say
from tests.fakebotapi import FakeUser
from tests.fakebotapi.html import parse_html, utf16_len
from tests.telegram.harness import Chat

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "emploi.toml"
QUARTIERS = ["Bourgogne", "Pont-Rompu"]
ALICE = FakeUser(id=111_222_333, first_name="Alice")


@pytest.mark.parametrize("lang", LANGS)
def test_the_measure_is_what_telegram_counts(every_kind: Consultation, lang: Lang):
    example = load_consultation(EXAMPLE, QUARTIERS)
    for consultation in (every_kind, example):
        engine = Engine(consultation)
        for step in consultation.steps:
            screen = engine.render(_answered_before(consultation, step), lang)
            shown = parse_html(screen_html(screen)).text
            assert screen_units(screen) == utf16_len(shown), step.id


def welcome_of(units: int, tmp_path: Path) -> Path:
    """The example with a French welcome making the welcome screen `units` long."""
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index('fr = """', text.index("[welcome]"))
    end = text.index('"""', start + 8) + 3
    base = text[:start] + 'fr = "x"' + text[end:]
    path = tmp_path / "emploi.toml"
    path.write_text(base, encoding="utf-8")
    engine = Engine(load_consultation(path, QUARTIERS))
    extra = say("privacy_welcome", "fr", duration="")
    shown = screen_units(engine.render(engine.begin(), "fr")) + utf16_len(extra) + 4
    shown += utf16_len(say("consent_prompt", "fr"))
    filler = "é" * (units - shown + 1)
    path.write_text(base.replace('fr = "x"', f'fr = "{filler}"', 1), encoding="utf-8")
    return path


async def test_a_welcome_at_the_limit_reaches_residents(tmp_path: Path):
    room = MESSAGE_UNITS - NOTICE_ROOM
    path = welcome_of(room, tmp_path)
    consultation = load_consultation(path, QUARTIERS)
    async with Chat(tmp_path / "db.sqlite3", [consultation]) as chat:
        chat.now = chat.now.replace(year=consultation.opens.year, month=3)
        welcome = await chat.send(ALICE, "/start")
        assert welcome.buttons == [
            say("accept", "fr"),
            say("decline", "fr"),
            say("other_language", "fr"),
        ]
        assert MESSAGE_UNITS - NOTICE_ROOM - 60 <= utf16_len(welcome.text) <= MESSAGE_UNITS
        assert chat.api.refused == []


def test_a_welcome_one_character_over_is_refused(tmp_path: Path):
    path = welcome_of(MESSAGE_UNITS - NOTICE_ROOM + 1, tmp_path)
    with pytest.raises(ConsultationError) as caught:
        load_consultation(path, QUARTIERS)
    assert [str(problem) for problem in caught.value.problems] == [
        "welcome : 3797 caractères en français avec ce qu'ajoute le bot ; un message Telegram "
        "en contient 4096, dont 300 gardés pour les avis du bot : raccourcissez-le de 1 / "
        "welcome: 3797 characters in French with what the bot adds; a Telegram message holds "
        "4096, 300 of them kept for the bot's notices: shorten it by 1"
    ]


def test_the_longest_codes_and_ids_fit_telegram_s_callback_data():
    # Telegram takes 64 bytes of callback data; the schema's code and id patterns keep every
    # button under it (pack refuses rather than let Telegram do it).
    code, consultation_id = "a" * 24, "b" * 32
    assert re.fullmatch(CODE_PATTERN, code) and not re.fullmatch(CODE_PATTERN, code + "a")
    session_scope = "s" + str(2**63 - 1)  # SQLite's largest row id
    for event in (Toggle(code=code, on=False), Choose(code=code)):
        assert len(pack(session_scope, 99_999, event).encode()) <= 64
    assert len(pack(MENU, 99_999, Pick(consultation_id=consultation_id)).encode()) <= 64
    assert len(pack("c" + consultation_id, 99_999, Accept()).encode()) <= 64


def test_the_review_of_a_long_consultation_fits_a_message(tmp_path: Path):
    question = "Qu'est-ce qui compte pour vous dans la vie de votre quartier, jour après jour"
    steps = "".join(
        f'\n[[steps]]\nid = "q{n}"\nkind = "text"\nmax_length = 500\n'
        f'text = {{ fr = "{n}. {question} ?", en = "{n}. What matters?" }}\n'
        for n in range(40)
    )
    path = tmp_path / "longue.toml"
    path.write_text(
        'id = "longue"\nopens = 2025-01-01\ncloses = 2025-12-31\n'
        'title = { fr = "Longue", en = "Long" }\nwelcome = { fr = "Bonjour", en = "Hello" }\n'
        'thanks = { fr = "Merci", en = "Thanks" }\n' + steps,
        encoding="utf-8",
    )
    engine = Engine(load_consultation(path, QUARTIERS))
    state = engine.handle(engine.begin(), Accept(), "fr").state
    for _ in range(39):
        state = engine.handle(state, TextInput(text="Des bancs, " * 40), "fr").state
    review = engine.handle(state, Review(position=state.position), "fr").screen
    assert review.title == say("review_title", "fr")
    assert screen_units(review) <= MESSAGE_UNITS - NOTICE_ROOM
    # Every question answered can still be reached, by its button.
    assert sum(len(row) for row in review.buttons) == 39 + 1
