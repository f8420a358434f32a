"""Hostile and unusual resident texts, as staff read them in their Telegram chat: the digest,
`/moderation` cards and the digest's charts and files, through the real bot and the fake Bot
API (which refuses malformed HTML, a text over 4,096 UTF-16 units, a caption over 1,024).

A refused message is a digest never delivered; a text cut inside a character shows another
one (half a flag is a letter, an accent dropped is another word)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from flows.limits import telegram_length
from flows.model import Consultation, Text
from flows.state import Answer, Phase, SessionState
from flows.typography import french_spacing
from storage.base import Channel, Store
from tests.digest.residents import full_answers, session_of
from tests.fakebotapi.html import CAPTION_MAX_LENGTH, MESSAGE_MAX_LENGTH
from tests.fakebotapi.model import SentMessage
from tests.storage.helpers import make_turn
from tests.telegram.test_staff import STAFF, STAFF_CHAT, TUESDAY, StaffChat, uploads

# Texts that look like markup or entities to a parser: staff must read them as typed.
MARKUP = [
    "<b>gras</b> </i> fin",
    "&amp; &lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href='https://exemple.fr'>cliquez ici</a>",
    "Tom & Jerry <3",
    "1 < 2 > 0",
]
# What a spreadsheet would run as a formula, and what breaks a CSV line.
FORMULAS = [
    '=HYPERLINK("https://exemple.fr/x","Voir")',
    "+33 6 12 34 56 78",
    "-",
    "@SOMME(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    'Un "jardin"; des bancs,\net des arbres',
]
FLAG = "🇫🇷"  # two regional letters, four UTF-16 units
FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # four people joined: seven code points, eleven units
ACCENTED = "e\u0301"  # é written as a letter and a combining accent


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def residents_wrote(
    store: Store, consultation: Consultation, texts: Sequence[str], last: dt.datetime = TUESDAY
) -> None:
    """One completed session per text, the text as every free-text and "Autre" answer, the
    last a day before `last`."""
    for number, text in enumerate(texts):
        answers = {
            step_id: Answer(choices=answer.choices, text=text) if answer.text else answer
            for step_id, answer in full_answers(consultation, number).items()
        }
        when = last - dt.timedelta(days=1, minutes=len(texts) - number)
        await session_of(store, consultation, number, answers, when)


async def staff_says(chat: StaffChat, command: str) -> list[SentMessage]:
    before = len(chat.api.messages(STAFF_CHAT.id))
    chat.api.send_text(STAFF, command, STAFF_CHAT)
    await chat.deliver()
    assert chat.api.refused == []
    return chat.api.messages(STAFF_CHAT.id)[before:]


def shown(messages: Sequence[SentMessage]) -> str:
    """The messages' texts as Telegram shows them (markup parsed)."""
    return "\n".join(m.text or "" for m in messages if m.kind == "text")


async def test_the_digest_quotes_markup_as_typed(chat: StaffChat, consultation: Consultation):
    await residents_wrote(chat.store, consultation, MARKUP)
    text = shown(await staff_says(chat, "/digest tout"))
    for typed in MARKUP:
        assert f"«\u202f{typed}\u202f»" in text, "quoted as typed, not read as markup"


async def test_moderation_cards_show_markup_as_typed(chat: StaffChat, consultation: Consultation):
    for number, typed in enumerate(MARKUP):
        who = await chat.store.participant(f"resident-{number}", TUESDAY)
        saved = {"proposition": Answer(text=typed)}
        await chat.store.commit(make_turn(who.id, consultation_id=consultation.id, saved=saved))
    cards = [m.text for m in await staff_says(chat, "/moderation") if m.buttons]
    for typed in MARKUP:
        assert any(card.endswith(f"\n{typed}") for card in cards), typed


async def test_exports_keep_formulas_as_texts(
    chat: StaffChat, consultation: Consultation, tmp_path: Path
):
    await residents_wrote(chat.store, consultation, FORMULAS)
    [csv_file] = uploads(await staff_says(chat, "/export"), "document")
    [xlsx_file] = uploads(await staff_says(chat, "/export xlsx"), "document")
    header, *rows = csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig")), delimiter=";")
    column = header.index("proposition")
    # A spreadsheet shows a leading apostrophe's cell as text; nothing else is changed.
    assert [row[column] for row in rows] == [
        f"'{text}" if text[0] in "=+-@\t\r" else text for text in FORMULAS
    ]
    (tmp_path / "export.xlsx").write_bytes(xlsx_file.content)
    sheet = load_workbook(tmp_path / "export.xlsx").worksheets[0]
    names = [cell.value for cell in sheet[1]]
    cells = [row[names.index("proposition")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells), "strings, never formulas"
    # xlsxwriter stores a carriage return as Excel's own escape, which Excel reads back.
    assert [cell.value.replace("_x000D_", "\r") for cell in cells] == FORMULAS
    assert [cell.quotePrefix for cell in cells] == [text[0] in "=+-@\t\r" for text in FORMULAS], (
        "a formula-like text stays a text when edited"
    )


async def test_a_cut_quote_keeps_flags_families_and_accents_whole(
    chat: StaffChat, consultation: Consultation
):
    long = [FLAG * 300, FAMILY * 100, ACCENTED * 400]
    await residents_wrote(chat.store, consultation, long)
    text = shown(await staff_says(chat, "/digest tout"))
    quotes = [line for line in text.splitlines() if line.startswith("«") and "…" in line]
    assert quotes, "the long texts are quoted, cut"
    for unit in (FLAG, FAMILY, ACCENTED):
        cut = [quote for quote in quotes if unit in quote]
        assert cut and all(quote.endswith(f"{unit}…\u202f»") for quote in cut), unit


async def test_a_moderation_card_cut_to_fit_keeps_its_flags_whole(
    chat: StaffChat, consultation: Consultation
):
    # 1,000 flags: the residents' 2,000 characters, 4,000 units, more than a card holds
    # under the longest question.
    await residents_wrote(chat.store, consultation, [FLAG * 1000])
    cards = [m for m in await staff_says(chat, "/moderation") if m.buttons]
    [card] = [m for m in cards if m.text.startswith("Votre proposition")]
    assert telegram_length(card.text) <= MESSAGE_MAX_LENGTH
    assert card.text.endswith(f"{FLAG}…"), "no half flag before the ellipsis"


async def test_a_long_question_with_emoji_still_delivers_every_chart_and_file(
    tmp_path: Path, consultation: Consultation
):
    # 1,320 characters, within what a question may hold (parole check takes it), but with an
    # emoji on each line: over Telegram's 1,024 units long before 1,024 characters.
    question = "Qu'est-ce qui compte le plus ? 🏘️ " * 40
    steps = [
        step.model_copy(update={"text": Text(fr=question, en=question)})
        if step.id == "besoins"
        else step
        for step in consultation.steps
    ]
    consultation = consultation.model_copy(update={"steps": steps})
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as chat:
        await residents_wrote(chat.store, consultation, ["Plus de bancs"] * 7)
        sent = await staff_says(chat, "/digest tout")
    assert chat.api.refused == [], "no caption refused"
    [besoins, *_] = [m for m in sent if m.kind == "photo"]
    assert telegram_length(besoins.text) <= CAPTION_MAX_LENGTH
    assert besoins.text.endswith("…") and french_spacing(question).startswith(besoins.text[:-1])
    assert [m.kind for m in sent][-2:] == ["document", "document"], "the exports came too"


async def test_a_relay_named_with_a_direction_control_keeps_its_count_readable(
    chat: StaffChat, consultation: Consultation
):
    # Pasted from a phone's contacts, a name may carry a right-to-left override: printed as
    # is, the count after it on the line is shown backwards ("12" reads "21").
    await chat.send(STAFF, "/relais_nouveau Asso \u202eNour")
    [relay] = await chat.store.relays()
    forms = [
        SessionState(
            consultation_id=consultation.id,
            phase=Phase.DONE,
            answers=full_answers(consultation, number, Channel.PAPER),
            position=13,
        )
        for number in range(12)
    ]
    await chat.store.import_paper(consultation.id, forms, relay.id, TUESDAY - dt.timedelta(1))
    lines = shown(await staff_says(chat, "/digest tout")).splitlines()
    assert "• Asso Nour\u202f: 12" in lines


async def test_quotes_of_flags_and_families_split_between_messages_stay_whole(
    chat: StaffChat, consultation: Consultation
):
    # Ten such quotes under one question: over 4,096 units, so cut between messages.
    await residents_wrote(chat.store, consultation, [FLAG * 300, FAMILY * 100] * 5)
    sent = [m for m in await staff_says(chat, "/digest tout") if m.kind == "text"]
    assert all(telegram_length(m.text) <= MESSAGE_MAX_LENGTH for m in sent)
    quotes = [line for line in shown(sent).splitlines() if FLAG in line or FAMILY in line]
    proposals = 10  # one a resident, under the last free-text question
    assert len(quotes) >= 3 * proposals, "every free-text answer quoted"
    for quote in quotes:
        assert quote.startswith("«\u202f") and quote.endswith(
            (f"{FLAG}…\u202f»", f"{FAMILY}…\u202f»")
        ), "each quote whole on its line, in one message"


async def test_accents_piled_on_letters_are_quoted_a_few_each(
    chat: StaffChat, consultation: Consultation
):
    # "Zalgo" text: 40 accents on each letter are drawn far above and below its line, over
    # the quotes and figures around it in the staff's chat.
    accents = "".join(chr(code) for code in range(0x300, 0x328))
    await residents_wrote(chat.store, consultation, ["".join(f"{c}{accents}" for c in "Bancs")])
    kept = "".join(f"{c}{accents[:8]}" for c in "Bancs")  # as many as any script stacks
    assert f"«\u202f{kept}\u202f»" in shown(await staff_says(chat, "/digest tout")).splitlines()
    cards = [m.text for m in await staff_says(chat, "/moderation") if m.buttons]
    assert cards and all(card.endswith(f"\n{kept}") for card in cards)
