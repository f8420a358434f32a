"""PNG charts of a digest."""

from __future__ import annotations

import io
import time

from matplotlib.image import imread
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from digest import charts as charts_module
from digest.charts import (
    BARS_HEIGHT,
    DAYS_HEIGHT,
    MAX_BARS,
    WIDTH,
    Chart,
    chart_names,
    charts,
    figures,
    plan,
)
from digest.model import Cell, ChoiceResult, DayCount, Totals
from tests.digest.samples import PERIOD, cell, choice, make_digest, row, with_suppressed_values

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size(chart: Chart) -> tuple[int, int]:
    """Width and height of a chart, decoded."""
    assert chart.png.startswith(PNG_SIGNATURE)
    pixels = imread(io.BytesIO(chart.png), format="png")
    return pixels.shape[1], pixels.shape[0]


def drawn_texts(figure) -> list[str]:
    """Every text drawn on a figure (titles, tick labels, bar labels)."""
    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


class TestWhichCharts:
    def test_key_questions_then_funnel_then_days(self):
        digest = make_digest()
        drawn = charts(digest)
        assert [chart.name for chart in drawn] == [
            "vivre-ensemble_besoins",
            "vivre-ensemble_freins",
            "vivre-ensemble_objectifs",
            "vivre-ensemble.parcours",
            "vivre-ensemble.jours",
        ]
        assert [chart.name for chart in drawn] == chart_names(digest)
        assert drawn[0].title == "Avec quels besoins ?"
        assert drawn[0].filename == "vivre-ensemble_besoins.png"

    def test_other_consultations_chart_every_question_but_the_profile(self):
        digest = make_digest(
            choices=[
                choice("quartier", "profil", {"a": 9}),
                choice("publics", "publics", {"a": 9}),
                choice("sans-theme", None, {"a": 9}),
                choice("suivi", "suivi", {"yes": 9}),
            ]
        )
        assert chart_names(digest)[:2] == ["vivre-ensemble_publics", "vivre-ensemble_sans-theme"]

    def test_questions_can_be_chosen(self):
        names = chart_names(make_digest(), questions={"freins", "quartier"})
        assert names[:2] == ["vivre-ensemble_quartier", "vivre-ensemble_freins"]

    def test_nothing_to_draw_gives_no_chart(self):
        quiet = make_digest(
            totals=Totals(0, 0, 0, 0, 0),
            funnel=[],
            choices=[choice("besoins", "besoins", {}, answered=0)],
            days=[DayCount(PERIOD.start.date(), Cell(0))],
        )
        assert charts(quiet) == [] and plan(quiet) == []


class TestImages:
    def test_valid_pngs_of_a_fixed_size(self):
        for chart in charts(make_digest()):
            expected = (WIDTH, DAYS_HEIGHT if chart.name.endswith(".jours") else BARS_HEIGHT)
            assert size(chart) == expected, chart.name

    def test_the_size_does_not_depend_on_the_content(self):
        long = "une option au libellé vraiment très long " * 3
        many = ChoiceResult(
            "besoins",
            "Une question très longue ? " * 8,
            "besoins",
            500,
            0,
            [row(f"o{n}", f"{long} {n}", 400 - n) for n in range(20)],
        )
        days = [DayCount(PERIOD.start.date(), cell(n)) for n in range(90)]
        for chart in charts(make_digest(choices=[many], days=days)):
            assert size(chart)[0] == WIDTH

    def test_output_is_deterministic(self):
        assert charts(make_digest()) == charts(make_digest())

    def test_each_chart_takes_under_a_second(self):
        charts(make_digest())  # fonts loaded once per process
        began = time.perf_counter()
        drawn = charts(make_digest())
        assert (time.perf_counter() - began) / len(drawn) < 1.0

    def test_awkward_labels_draw_without_warnings(self):
        # pytest turns warnings into errors: a missing glyph or a math-mode parse would fail.
        labels = [
            "Coût : 5$ et $x^2$",
            "نريد حديقة",
            "emoji 🧑‍🤝‍🧑 👍🏽",
            "tab\there\x00nul",
            "\u202eoverride",
            "漢字のラベル",
        ]
        digest = make_digest(
            title="Titre $ & <b>",
            choices=[
                ChoiceResult(
                    "besoins",
                    "Question $ ?",
                    "besoins",
                    60,
                    0,
                    [row(f"o{n}", label, 50 - n) for n, label in enumerate(labels)],
                )
            ],
        )
        for chart in charts(digest):
            assert chart.png.startswith(PNG_SIGNATURE)
        [(_, figure), *_] = figures(digest)
        texts = drawn_texts(figure)
        assert r"Coût : 5\$ et \$x^2\$" in texts  # drawn as dollars, not as math
        assert "override" in texts  # the right-to-left override is dropped
        assert "tab here nul" in texts


class TestSuppression:
    def test_suppressed_values_never_change_the_image(self):
        one = with_suppressed_values(make_digest(), 1)
        four = with_suppressed_values(make_digest(), 4)
        assert charts(one) == charts(four)

    def test_the_order_of_suppressed_bars_does_not_tell_which_is_larger(self):
        def drawn(a: int, b: int) -> list[Chart]:
            rows = sorted(
                [row("v", "Visible", 20), row("a", "Alpha", a), row("b", "Beta", b)],
                key=lambda r: -r.count.value,
            )
            return charts(
                make_digest(choices=[ChoiceResult("besoins", "Besoins ?", "besoins", 30, 0, rows)])
            )

        assert drawn(4, 1) == drawn(1, 4)

    def test_suppressed_counts_have_no_bar_only_their_label(self):
        digest = make_digest(
            choices=[
                ChoiceResult(
                    "besoins",
                    "Besoins ?",
                    "besoins",
                    40,
                    0,
                    [row("a", "A", 30), row("b", "B", 12), row("c", "C", 2)],
                )
            ]
        )
        [(_, figure), *_] = figures(digest)
        texts = drawn_texts(figure)
        assert "<\u202f5" in texts and "30" in texts and "12" in texts
        assert "2" not in texts
        bars = [patch for patch in figure.axes[0].patches if isinstance(patch, Rectangle)]
        # A bar as long as the threshold read as a count of 5: a hidden one has none.
        assert [bar.get_width() for bar in bars] == [30, 12, 0]
        [hidden] = [text for text in figure.axes[0].texts if text.get_text() == "<\u202f5"]
        assert hidden.get_position()[0] < 1  # where its bar would start

    def test_favourites_are_marked_and_long_lists_capped(self):
        rows = [row(f"o{n}", f"Option {n}", 100 - n, favourite=n == 0) for n in range(20)]
        digest = make_digest(
            choices=[ChoiceResult("besoins", "Besoins ?", "besoins", 100, 0, rows)]
        )
        [(_, figure), *_] = figures(digest)
        texts = drawn_texts(figure)
        assert "♥ Option 0" in texts
        assert len(figure.axes[0].patches) == MAX_BARS
        assert any(f"{len(rows) - MAX_BARS} options non montrées" in text for text in texts)

    def test_long_funnels_keep_labels_apart(self):
        # 13 workshop questions: two lines each fit between the bars, three would overlap.
        assert charts_module._label_lines(13) == 2
        assert charts_module._label_lines(5) == charts_module.MAX_LABEL_LINES
        assert charts_module._label_lines(40) == 1

    def test_funnel_suppressed_step(self):
        funnel = make_digest().funnel
        hidden = [*funnel[:4], type(funnel[4])("proposition", "Proposition", Cell(3, True, 5))]
        [(_, figure)] = [f for f in figures(make_digest(funnel=hidden)) if f[0].kind == "funnel"]
        assert "<\u202f5" in drawn_texts(figure) and "3" not in drawn_texts(figure)

    def test_days_hidden_have_no_bar_only_their_label(self):
        days = [DayCount(PERIOD.start.date(), cell(12)), DayCount(PERIOD.start.date(), cell(3))]
        digest = make_digest(days=days)
        [(_, figure)] = [f for f in figures(digest) if f[0].kind == "days"]
        bars = [patch for patch in figure.axes[0].patches if isinstance(patch, Rectangle)]
        assert [bar.get_height() for bar in bars] == [12, 0]
        assert "<\u202f5" in drawn_texts(figure) and "3" not in drawn_texts(figure)
        assert charts(with_suppressed_values(digest, 1)) == charts(
            with_suppressed_values(digest, 4)
        )

    def test_the_number_of_answers_is_drawn_as_printed(self):
        choice = ChoiceResult(
            "besoins",
            "Besoins ?",
            "besoins",
            9,
            0,
            [row("a", "A", 9)],
            hidden=frozenset({"answered"}),
            threshold=5,
        )
        [(_, figure), *_] = figures(make_digest(choices=[choice]))
        assert any("n.c. réponses" in text for text in drawn_texts(figure))
        assert not any("9 réponse" in text for text in drawn_texts(figure))
