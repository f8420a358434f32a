"""French spacing in every digest writer: the digest's own words keep : ; ! ? % and « » on
their line (narrow no-break spaces, as the consultation's texts have), while residents'
quoted words stay as they wrote them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

from digest import notes
from digest.charts import figures
from digest.model import Digest, Totals
from digest.render import (
    render_email_html,
    render_plain,
    render_telegram,
    render_telegram_summary,
)
from digest.stats import ConsultationStats, stats_table
from tests.digest.samples import make_digest
from tests.digest.test_charts import drawn_texts
from tests.digest.test_render import check_parts
from tests.digest.test_scale import digest_of, residents

# A plain space where a line could break and leave a mark alone at the start of the next one,
# or "<" alone at the end of a line, away from its number ("< 5", a small group).
BREAKABLE = re.compile(r" [:;!?%»]|« |< (?=\d)")
RESIDENT = "Et alors ? Rien : « ça » à 100 %"  # typed with plain spaces, quoted as typed


def digest_with_everything() -> Digest:
    """The sample week with a resident's text quoted twice, disclosures and running totals."""
    sample = make_digest()
    choices = [*sample.choices]
    choices[1] = dataclasses.replace(choices[1], other_texts=[RESIDENT])
    texts = [dataclasses.replace(sample.texts[0], recent=[RESIDENT])]
    return make_digest(
        choices=choices,
        texts=texts,
        disclosures=2,
        flags={"danger": 2},
        flagged_by_channel={"paper": 1, "telegram": 1},
        paper_sessions=3,
        since_opening=Totals(120, 130, 90, 12, 90),
        opened=dt.date(2026, 11, 2),
    )


def breakable(text: str) -> list[str]:
    """The breakable spaces of `text` (HTML read as its text) outside the resident's words."""
    return BREAKABLE.findall(html.unescape(text).replace(RESIDENT, ""))


def test_every_writer_keeps_french_punctuation_on_its_line() -> None:
    digest = digest_with_everything()
    outputs = {
        "plain": render_plain([digest]),
        "telegram": "\n".join(check_parts(render_telegram([digest]))),
        "e-mail": render_email_html([digest]),
        "/stats summary": check_parts([render_telegram_summary(digest)])[0],
    }
    for name, output in outputs.items():
        assert breakable(output) == [], name
        # "Taux de réponse complète\u202f: 63\u202f%", the quotes' marks too.
        assert "\u202f: " in output and "\u202f%" in output, name
    for name in ("plain", "telegram", "e-mail"):
        assert "<\u202f5" in html.unescape(outputs[name]), name  # the sample's small groups
        # The resident's own spaces are theirs: quoted as typed, between the digest's marks.
        assert f"«\u202f{RESIDENT}\u202f»" in outputs[name], name


def test_no_colon_is_stacked_after_a_question_mark() -> None:
    # Funnel lines are the questions: "Quel âge avez-vous ? : 26" read as a typo.
    plain = render_plain([digest_of(residents({1: 6, 4: 6}))])
    assert re.search(r"[?!]\s*:", plain) is None
    assert "3. Les services vous aident-ils\u202f? 12 (100\u202f%)" in plain


def test_charts_note_a_scales_ends_the_same_way() -> None:
    digest = digest_of(residents({1: 6, 2: 5, 3: 5, 4: 9, 5: 7}))
    drawn = [text for _, figure in figures(digest, ["aide"]) for text in drawn_texts(figure)]
    assert any("Plutôt «\u202fbeaucoup\u202f» (4 ou 5)\u202f: 16" in text for text in drawn)
    assert [text for text in drawn if breakable(text)] == []


def test_stats_and_delivery_words_keep_it_too() -> None:
    week = Totals(new_participants=9, sessions_started=9, completed=3, abandoned=6, finished=3)
    ever = Totals(1_234, 1_300, 1_000, 150, 1_000)
    table = stats_table(ConsultationStats("c", "C", week, week, ever, paper=(0, 0, 4)))
    assert "33\u202f%" in table and "1\u202f234" in table and breakable(table) == []
    words = [
        value for name, value in vars(notes).items() if name.isupper() and isinstance(value, str)
    ]
    words += [notes.scheduled_heading("hebdo", first=first) for first in (True, False)]
    assert [text for text in words if breakable(text)] == []
