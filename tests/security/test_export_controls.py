"""An answer carrying a terminal's escape sequences (typed, or in a paper form someone handed
over): `parole export --format csv` prints the CSV, so its cells must not carry them."""

from __future__ import annotations

import csv
import io

from digest.exports import write_csv
from flows.loader import load_consultation
from flows.state import Answer
from tests.digest.test_exports import FIXTURE, session

TITLE = "\x1b]0;piégé\x07"  # sets the terminal window's title
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07"  # writes the clipboard, in some terminals


async def test_a_printed_export_carries_no_escape_sequence_and_keeps_the_words():
    consultation = load_consultation(FIXTURE)
    words = f"{TITLE}Plus de bancs{CLIPBOARD}\net d'arbres"
    answers = {"idee": Answer(text=words), "age": Answer(choices=["autre"], text=words)}
    out = io.StringIO()
    await write_csv([session(1, 1, answers)], consultation, out, bom=False)
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed
    header, row = csv.reader(io.StringIO(printed), delimiter=";")
    cells = dict(zip(header, row, strict=True))
    for cell in (cells["idee"], cells["age_autre"]):
        assert "Plus de bancs" in cell and cell.endswith("\net d'arbres"), "line breaks are kept"
