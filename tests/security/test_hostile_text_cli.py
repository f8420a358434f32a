"""Hostile and unusual resident texts in what staff read off the server: `parole digest` (its
text, and the e-mail page `--out` writes), `parole moderation list` and `parole export`."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot import bootstrap
from bot.settings import Settings
from storage.sqlite import SqliteStore
from tests.bot.conftest import workdir  # noqa: F401 (a fixture)
from tests.bot.run import parole
from tests.security.test_hostile_text_telegram import FORMULAS, MARKUP, residents_wrote

# A right-to-left override would show the words after it backwards, and the digest's own
# words with them: it is left out, the words kept in the order typed.
OVERRIDE = "Plus de bancs \u202eserbra sed te"
ARABIC = "نريد حديقة pour les enfants"
LONG_WORD = "A" * 2000  # a resident's 2,000 characters with no space to break a line at
BREAKS = "Début" + "\n" * 200 + "fin"

pytestmark = pytest.mark.usefixtures("workdir")


def wrote(*texts: str) -> None:
    """Residents' sessions with `texts` in the default database (in the test's folder),
    yesterday."""
    settings = Settings()
    [consultation] = bootstrap.consultations(settings)

    async def fill() -> None:
        async with SqliteStore(settings.storage.path) as store:
            await residents_wrote(store, consultation, texts, dt.datetime.now(dt.UTC))

    asyncio.run(fill())


class Styled(HTMLParser):
    """The inline styles around each piece of text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.found: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("br", "img", "meta", "hr"):
            self.open.append(dict(attrs).get("style") or "")

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.found.append((data, list(self.open)))


def test_the_digest_prints_residents_texts_as_typed(capsys: pytest.CaptureFixture[str]):
    wrote(*MARKUP, OVERRIDE, ARABIC, BREAKS)
    code, out, err = parole(capsys, "digest")
    assert code == 0, err
    for typed in [*MARKUP, ARABIC]:
        assert f"«\u202f{typed}\u202f»" in out
    assert "«\u202fPlus de bancs serbra sed te\u202f»" in out and "\u202e" not in out
    assert "«\u202fDébut fin\u202f»" in out, "200 line breaks read as one space"


def test_the_email_page_shows_texts_as_typed_and_breaks_a_long_word(
    capsys: pytest.CaptureFixture[str],
):
    wrote(*MARKUP, LONG_WORD)
    code, _, err = parole(capsys, "digest", "--out", "synthese")
    assert code == 0, err
    page = Styled()
    page.feed(Path("synthese", "digest.html").read_text(encoding="utf-8"))
    texts = [data for data, _ in page.found]
    for typed in MARKUP:
        assert f"«\u202f{typed}\u202f»" in texts, "escaped, so read back as typed"
    words = [styles for data, styles in page.found if "AAAA" in data]
    assert words, "the long word is quoted"
    # Unbroken, a word wider than the page widens the whole e-mail past a phone's screen.
    for styles in words:
        assert any("overflow-wrap:anywhere" in style for style in styles)


def test_moderation_list_prints_one_line_per_text_as_typed(capsys: pytest.CaptureFixture[str]):
    wrote(*MARKUP, OVERRIDE, BREAKS)
    code, out, err = parole(capsys, "moderation", "list", "--limit", "100")
    assert code == 0, err
    lines = out.splitlines()
    for typed in [*MARKUP, "Plus de bancs serbra sed te", "Début fin"]:
        assert any(line.endswith(f"  {typed}") for line in lines), typed
    assert "\u202e" not in out


def test_the_printed_csv_keeps_formulas_as_texts(capsys: pytest.CaptureFixture[str]):
    wrote(*FORMULAS)
    code, out, err = parole(capsys, "export", "--format", "csv")
    assert code == 0, err
    header, *rows = csv.reader(io.StringIO(out.lstrip("\ufeff")), delimiter=";")
    column = header.index("proposition")
    assert [row[column] for row in rows] == [
        f"'{text}" if text[0] in "=+-@\t\r" else text for text in FORMULAS
    ]
