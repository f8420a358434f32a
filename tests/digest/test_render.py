"""Rendering digests: Telegram HTML parts, the e-mail HTML and plain text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.charts import chart_names
from digest.layout import QUOTE_LENGTH, clean_text, format_period, layout, trend
from digest.model import Cell, ChoiceResult, CrossTab, DayCount, Digest, Period, TextResult, Totals
from digest.render import (
    render_email_html,
    render_plain,
    render_telegram,
    render_telegram_summary,
)
from tests.digest.samples import PERIOD, cell, make_digest, row, with_suppressed_values
from tests.fakebotapi.html import MESSAGE_MAX_LENGTH, check_message_text, parse_html, utf16_len

SCRIPT = "<script>alert('x')</script> & co"
RTL = "نريد حديقة للأطفال في الحي"  # Arabic: "we want a garden for the children"
HEBREW = "אנחנו צריכים ספסלים"
EMOJI = "Plus de 🌳 et de 🧑‍🤝‍🧑 👍🏽"


def check_parts(parts: list[str]) -> list[str]:
    """Every part is a valid Telegram message within the limits; their visible texts."""
    assert parts
    visible = []
    for part in parts:
        parsed = check_message_text(part, "HTML")  # raises like the Bot API would
        assert utf16_len(parsed.text) <= MESSAGE_MAX_LENGTH
        assert utf16_len(part) <= MESSAGE_MAX_LENGTH  # the raw HTML too, for safety
        visible.append(parsed.text)
    return visible


def resident_texts(count: int) -> list[str]:
    """Long, hostile resident texts: markup, ampersands, emoji, right-to-left scripts."""
    kinds = [SCRIPT, RTL, HEBREW, EMOJI, "a < b > c &amp; d", "\u202eevil override\u202c"]
    return [f"{n} {kinds[n % len(kinds)]} " + "mot " * 80 for n in range(count)]


def big_digest() -> Digest:
    """A digest whose resident texts alone total far more than 20,000 characters."""
    many = resident_texts(60)
    choices = [
        ChoiceResult(
            step_id=f"q{n}",
            question=f"Question {n} <b>pas du HTML</b> ?",
            theme=theme,
            answered=100,
            skipped=3,
            rows=[row(f"o{k}", f"Option {k} & {SCRIPT}", 40 - 3 * k, k == 0) for k in range(14)],
            other_texts=many[:15],
            other_count=37,
        )
        for n, theme in enumerate(["besoins", "freins", "objectifs", "leviers", None])
    ]
    texts = [TextResult(f"t{n}", f"Texte {n} ?", "propositions", 500, many) for n in range(3)]
    digest = make_digest(choices=choices, texts=texts)
    assert sum(len(t) for r in texts for t in r.recent) > 20_000
    return digest


class TestTelegramParts:
    def test_a_small_digest_is_one_valid_message(self):
        parts = render_telegram([make_digest()])
        assert len(parts) == 1
        [text] = check_parts(parts)
        assert text.startswith("📊 Vivre ensemble\u202f: lien social, prévention, sécurité")
        assert "du lun. 16/11 08:00 au lun. 23/11 08:00" in text

    def test_a_huge_digest_is_split_into_valid_parts_under_4096(self):
        parts = render_telegram([big_digest()])
        assert len(parts) > 5
        visible = check_parts(parts)
        for n, text in enumerate(visible[1:], start=2):
            assert text.startswith(
                f"Vivre ensemble\u202f: lien social, prévention, sécurité — suite ({n}/"
            )
            assert text.splitlines()[0].endswith(f"/{len(parts)})")

    def test_nothing_is_lost_when_splitting(self):
        digest = big_digest()
        joined = "\n".join(check_parts(render_telegram([digest])))
        for result in digest.texts:
            for text in result.recent:
                assert f"«\u202f{clean_text(text)}\u202f»" in joined
        for choice in digest.choices:
            for option in choice.rows:
                assert option.label in joined

    def test_sections_are_not_cut_when_they_fit(self):
        choices = [
            ChoiceResult(
                f"q{n}",
                f"Question {n} ?",
                "besoins",
                90,
                0,
                [row(f"o{k}", f"Option {n}.{k} " + "mot " * 12, 80 - k) for k in range(10)],
            )
            for n in range(20)
        ]
        visible = check_parts(render_telegram([make_digest(choices=choices)]))
        assert len(visible) > 3
        for n in range(20):
            holding = [text for text in visible if f"Option {n}." in text]
            assert len(holding) == 1, n  # a whole question in one message
            assert f"Question {n}\u202f?" in holding[0]

    def test_every_digest_starts_its_own_message(self):
        first = make_digest()
        second = make_digest(consultation_id="autre", title="Une autre consultation")
        parts = render_telegram([first, second])
        assert len(parts) == 2
        assert parse_html(parts[1]).text.startswith("📊 Une autre consultation")

    def test_no_digest_gives_no_message(self):
        assert render_telegram([]) == []

    def test_an_enormous_single_line_is_cut_with_tags_balanced(self):
        title = ("Très long titre & <sans> fin 🌍 " * 400).strip()
        parts = render_telegram([make_digest(title=title)])
        visible = check_parts(parts)
        assert len(parts) >= 4
        assert all("<b>" in part for part in parts[:3])  # the bold title reopened in each piece
        assert "".join(visible).count("🌍") >= 400

    def test_an_enormous_blockquote_is_cut_between_lines(self):
        # Quotes are shortened, so only a huge number of them can overflow one message.
        many = [f"texte numéro {n} " + "x" * 200 for n in range(40)]
        digest = make_digest(texts=[TextResult("t", "Propositions ?", "propositions", 40, many)])
        parts = render_telegram([digest])
        joined = "\n".join(check_parts(parts))
        for text in many:
            assert f"«\u202f{text}\u202f»" in joined  # cut between quotes, never inside one

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.text(min_size=0, max_size=600), min_size=1, max_size=30), st.text())
    def test_any_resident_text_gives_valid_parts(self, recent, other):
        digest = make_digest(
            texts=[TextResult("t", other or "?", None, len(recent), recent)],
            title=other or "Titre",
        )
        check_parts(render_telegram([digest]))


class TestEscaping:
    def test_resident_texts_are_escaped(self):
        digest = make_digest(texts=[TextResult("t", "Idées ?", "propositions", 1, [SCRIPT])])
        [part] = render_telegram([digest])
        assert html.escape(SCRIPT, quote=False) in part
        assert "<script>" not in part
        assert "«\u202f<script>alert('x')</script> & co\u202f»" in parse_html(part).text

    def test_labels_and_questions_are_escaped_too(self):
        digest = make_digest(
            title="A & B <i>",
            choices=[
                ChoiceResult("q", "<b>Question</b> ?", "besoins", 10, 0, [row("a", "x < y", 9)])
            ],
        )
        text = check_parts(render_telegram([digest]))[0]
        assert "A & B <i>" in text and "<b>Question</b>\u202f?" in text and "x < y" in text

    def test_the_email_escapes_resident_texts(self):
        digest = make_digest(texts=[TextResult("t", "Idées ?", "propositions", 1, [SCRIPT])])
        page = render_email_html([digest])
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page

    def test_texts_are_shortened_and_cleaned(self):
        long = "début " + "mot " * 200 + "fin"
        cleaned = clean_text(long)
        assert len(cleaned) <= QUOTE_LENGTH and cleaned.endswith("…")
        assert cleaned.startswith("début mot")
        assert clean_text("a\n\tb\x00c  \u202ed\u2066e") == "a b c de"
        assert clean_text("x\ud800y") == "x\ufffdy"  # a lone surrogate from JSON
        assert clean_text("   ") == ""

    def test_blank_texts_are_not_quoted(self):
        digest = make_digest(texts=[TextResult("t", "Idées ?", None, 2, ["  ", "\n"])])
        assert "Aucune réponse écrite" not in render_plain([digest])  # there are two
        assert "Idées\u202f?\n-------\n2 réponses écrites.\n" in render_plain([digest])


class TestSuppression:
    def test_suppressed_values_never_reach_any_output(self):
        one = with_suppressed_values(make_digest(), 1)
        four = with_suppressed_values(make_digest(), 4)
        assert one != four
        assert render_telegram([one]) == render_telegram([four])
        assert render_email_html([one]) == render_email_html([four])
        assert render_plain([one]) == render_plain([four])
        assert render_telegram_summary(one) == render_telegram_summary(four)

    def test_counts_of_sessions_are_printed_exactly_with_their_trends(self):
        # Completed, abandoned and new participants are counts of sessions: shown however
        # small, like the sessions started, with their trend and the completion rate.
        now = Totals(new_participants=2, sessions_started=3, completed=1, abandoned=2, finished=1)
        before = Totals(
            new_participants=4, sessions_started=3, completed=3, abandoned=0, finished=3
        )
        plain = render_plain([make_digest(totals=now, previous=before)])
        assert "👤 Nouveaux participants\u202f: 2 ▼ -2\n" in plain
        assert "✅ Parcours terminés\u202f: 1 ▼ -2\n" in plain
        assert "⏸ Parcours abandonnés\u202f: 2 ▲ +2\n" in plain
        assert "Taux de réponse complète\u202f: 33\u202f%" in plain

    def test_no_share_of_hidden_answers(self):
        choice = ChoiceResult(
            "q",
            "Q ?",
            None,
            answered=9,
            skipped=0,
            rows=[row("a", "A", 9)],
            hidden=frozenset({"answered"}),
            threshold=5,
        )
        assert "1. A\u202f: 9\n" in render_plain([make_digest(choices=[choice])])
        shown = dataclasses.replace(choice, hidden=frozenset())
        assert "1. A\u202f: 9 (100\u202f%)\n" in render_plain([make_digest(choices=[shown])])

    def test_small_days_are_hidden(self):
        plain = render_plain([make_digest()])
        assert "jeu. 19/11\u202f: 5\n" in plain and "mer. 18/11\u202f: 0\n" in plain
        days = [dataclasses.replace(day, sessions=cell(3)) for day in make_digest().days]
        assert "jeu. 19/11\u202f: <\u202f5\n" in render_plain([make_digest(days=days)])

    def test_the_order_of_suppressed_rows_does_not_tell_which_is_larger(self):
        def digest(a: int, b: int) -> Digest:
            rows = sorted(
                [row("v", "Visible", 20), row("a", "Alpha", a), row("b", "Beta", b)],
                key=lambda r: -r.count.value,  # ranked by the aggregation, most chosen first
            )
            return make_digest(
                choices=[ChoiceResult("besoins", "Besoins ?", "besoins", 30, 0, rows)]
            )

        first, second = digest(4, 1), digest(1, 4)
        assert first.choices[0].rows != second.choices[0].rows
        assert render_plain([first]) == render_plain([second])
        assert "• Alpha\u202f: <\u202f5\n• Beta\u202f: <\u202f5" in render_plain([first])

    def test_suppressed_cells_show_less_than_the_threshold(self):
        text = check_parts(render_telegram([make_digest()]))[0]
        assert "Centre\u202f: <\u202f5" in text
        assert "• Autre\u202f: <\u202f5\n" in text  # no percentage either, nor rank
        assert "«\u202f<\u202f5\u202f»\u202f: groupe trop petit pour être montré." in text
        assert "<\u202f5 précisions «\u202fAutre\u202f»" in text  # the count of "Autre" texts too

    def test_a_cell_hidden_to_protect_a_small_one_is_explained(self):
        tab = CrossTab(
            "Quartier × profil",
            ["Nord", "Sud"],
            ["Habitant", "Usager"],
            [[Cell(3, True, 5), Cell(12, True, 5)], [Cell(20), Cell(9)]],
        )
        text = check_parts(render_telegram([make_digest(crosstab=tab)]))[0]
        assert "n.c." in text and "12" not in text.split("Quartier × profil")[1].split("\n\n")[0]
        assert "«\u202fn.c.\u202f»\u202f: non communiqué" in text
        assert "«\u202fn.c.\u202f»" not in check_parts(render_telegram([make_digest()]))[0]

    def test_no_drop_is_computed_from_a_suppressed_step(self):
        funnel = make_digest().funnel
        hidden = dataclasses.replace(funnel[3], reached=Cell(3, True, 5))
        plain = render_plain([make_digest(funnel=[*funnel[:3], hidden, *funnel[4:]])])
        assert "4. Freins\u202f: <\u202f5\n" in plain
        # 40 -> "< 5" -> 30: either drop would reveal the hidden count.
        assert (
            "avant «\u202fFreins\u202f»" not in plain
            and "avant «\u202fProposition\u202f»" not in plain
        )
        assert "Plus forte baisse\u202f: avant «\u202fBesoins\u202f» (-8)" in plain

    def test_drops_smaller_than_a_group_are_not_named(self):
        digest = make_digest()
        steps = [
            dataclasses.replace(step, reached=digest.funnel[0].reached) for step in digest.funnel
        ]
        assert "Plus forte baisse" not in render_plain([make_digest(funnel=steps)])
        assert "Plus forte baisse\u202f: avant «\u202fFreins\u202f» (-9)" in render_plain([digest])


class TestWording:
    @pytest.mark.parametrize(
        ("now", "before", "shown"),
        [(12, 0, "▲ +12"), (1, 4, "▼ -3"), (7, 7, "="), (12_345, 0, "▲ +12\u202f345")],
    )
    def test_trend_arrows(self, now, before, shown):
        assert trend(now, before) == shown

    def test_totals_carry_their_trend(self):
        text = check_parts(render_telegram([make_digest()]))[0]
        assert "👤 Nouveaux participants\u202f: 42 ▲ +12" in text
        assert "📝 Parcours commencés\u202f: 50 ▼ -3" in text
        assert "✅ Parcours terminés\u202f: 30 =" in text

    def test_period_in_paris_winter_time(self):
        assert format_period(make_digest()) == "du lun. 16/11 08:00 au lun. 23/11 08:00"

    def test_period_in_paris_summer_time_and_across_the_change(self):
        summer = Period(
            dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC), dt.datetime(2026, 6, 8, 6, tzinfo=dt.UTC)
        )
        assert (
            format_period(make_digest(period=summer)) == "du lun. 01/06 08:00 au lun. 08/06 08:00"
        )
        # Clocks go forward on Sunday 29 March 2026: 08:00 is 07:00 UTC before, 06:00 after.
        change = Period(
            dt.datetime(2026, 3, 23, 7, tzinfo=dt.UTC), dt.datetime(2026, 3, 30, 6, tzinfo=dt.UTC)
        )
        assert (
            format_period(make_digest(period=change)) == "du lun. 23/03 08:00 au lun. 30/03 08:00"
        )

    def test_a_period_across_years_shows_them(self):
        period = Period(
            dt.datetime(2026, 12, 28, 7, tzinfo=dt.UTC), dt.datetime(2027, 1, 4, 7, tzinfo=dt.UTC)
        )
        assert format_period(make_digest(period=period)) == (
            "du lun. 28/12/2026 08:00 au lun. 04/01/2027 08:00"
        )

    def test_favourites_questions_and_autre_texts(self):
        text = check_parts(render_telegram([make_digest()]))[0]
        assert "1. ♥ Des lieux de rencontre ouverts à tous\u202f: 25 (63\u202f%)" in text
        assert "«\u202fUn banc devant l'école\u202f»" in text
        assert "12 réponses écrites, les plus récentes\u202f:" in text
        assert "♥\u202f: coup de cœur de l'atelier." in text

    def test_questions_follow_the_consultation_order_under_their_theme(self):
        plain = render_plain([make_digest()])
        assert plain.index("== CE QUI NOUS FREINE ==") < plain.index("Question freins\u202f?")
        # A question worded like its theme is not headed twice.
        assert "== AVEC QUELS BESOINS\u202f? ==" not in plain
        assert plain.index("Question freins\u202f?") < plain.index("Vos propositions\u202f?")

    def test_autre_texts_are_counted_like_written_answers(self):
        # "Précisions « Autre » : 6 :" stacked two colons; the count leads, as in "12 réponses
        # écrites", under a hidden count too.
        sample = make_digest().choices[1]
        autre = row("autre", "Autre", 7)
        shown = dataclasses.replace(
            sample,
            rows=[*sample.rows[:2], autre],
            other_count=6,
            other_texts=[f"idée {n}" for n in range(6)],
            hidden=frozenset(),
        )
        lines = render_plain([make_digest(choices=[shown])]).splitlines()
        assert "6 précisions «\u202fAutre\u202f»\u202f:" in lines
        hidden = render_plain([make_digest()]).splitlines()
        assert "<\u202f5 précisions «\u202fAutre\u202f», les plus récentes\u202f:" in hidden
        assert not any("Précisions" in line for line in lines + hidden)

    def test_funnel_shows_where_people_stop(self):
        plain = render_plain([make_digest()])
        assert "3. Besoins\u202f: 40 (80\u202f%)" in plain
        assert "Plus forte baisse\u202f: avant «\u202fFreins\u202f» (-9)" in plain

    def test_a_quiet_period_says_so(self):
        quiet = make_digest(
            totals=Totals(0, 0, 0, 0, 0),
            funnel=[],
            breakdowns=[],
            crosstab=None,
            choices=[],
            texts=[],
            days=[],
        )
        [part] = render_telegram([quiet])
        assert "Aucune participation sur la période." in parse_html(part).text
        assert "Où les gens s'arrêtent" not in part

    def test_long_periods_name_the_busiest_day(self):
        start = PERIOD.start.date()
        days = [DayCount(start + dt.timedelta(days=n), cell(n % 7)) for n in range(30)]
        plain = render_plain([make_digest(days=days)])
        assert "Jour le plus actif\u202f: dim. 22/11 (6 parcours)" in plain
        # A day hidden to protect another may have had more: the busiest is not named.
        days[3] = DayCount(days[3].day, Cell(9, True, 5))
        plain = render_plain([make_digest(days=days)])
        assert "Jour le plus actif\u202f: non communiqué (petits groupes)." in plain

    def test_the_summary_fits_one_message(self):
        summary = render_telegram_summary(big_digest())
        text = check_parts([summary])[0]
        assert "Participation" in text and "Où les gens s'arrêtent" in text
        assert "Question 0" not in text


class _Balance(HTMLParser):
    """Records unbalanced tags of an HTML document."""

    VOID = frozenset({"meta", "img", "hr", "br"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag


class TestEmail:
    def test_one_balanced_document_with_every_chart(self):
        digest = make_digest()
        page = render_email_html([digest])
        assert page.startswith("<!DOCTYPE html>")
        parser = _Balance()
        parser.feed(page)
        assert parser.stack == []
        assert parser.images == [f"cid:{name}" for name in self_ordered(digest)]

    def test_content_ids_can_be_given(self):
        digest = make_digest()
        cids = {name: f"<{n}@parole>" for n, name in enumerate(chart_names(digest))}
        page = render_email_html([digest], cids)
        parser = _Balance()
        parser.feed(page)
        assert sorted(parser.images) == sorted(f"cid:{n}@parole" for n in range(len(cids)))

    def test_several_digests_in_one_document(self):
        page = render_email_html([make_digest(), make_digest(title="Deuxième")])
        assert page.count("<h1") == 2 and "<hr" in page

    def test_empty_rows_of_the_cross_tabulation_are_left_out(self):
        tab = CrossTab(
            "Quartier × profil",
            ["Bourgogne", "Sans réponse"],
            ["Habitant"],
            [[Cell(12)], [Cell(0)]],
        )
        plain = render_plain([make_digest(crosstab=tab)])
        assert "Bourgogne  12" in plain and "Sans réponse" not in plain

    def test_plain_text_has_everything_unescaped(self):
        digest = make_digest(texts=[TextResult("t", "Idées ?", "propositions", 1, [SCRIPT])])
        plain = render_plain([digest])
        assert "«\u202f<script>alert('x')</script> & co\u202f»" in plain
        assert "Centre\u202f: <\u202f5" in plain
        assert "Bourgogne  20        10" in plain  # the cross-tabulation, aligned
        assert render_plain([]) == "Aucune consultation à résumer.\n"


def self_ordered(digest: Digest) -> list[str]:
    """Chart names in the order the e-mail shows them (after their sections)."""
    order = {"jours": 0, "parcours": 1}
    names = chart_names(digest)
    specials = sorted((n for n in names if "." in n), key=lambda n: order[n.split(".")[1]])
    return specials + [n for n in names if "." not in n]


def test_layout_is_shared_by_every_writer():
    sections = layout(make_digest())
    assert [s.title for s in sections[:4]] == [
        "Vivre ensemble\u202f: lien social, prévention, sécurité",
        "Participation",
        "Participation par jour",
        "Où les gens s'arrêtent",
    ]
