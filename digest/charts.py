"""PNG charts of a digest: counts per option of the key questions, the funnel, days.

Drawn with matplotlib on an explicit Agg canvas (`FigureCanvasAgg`), never through pyplot: no
display is needed, no global figure registry grows in a long-running bot, and charts can be
drawn from a worker thread. Sizes are fixed per kind of chart (never "tight" bounding boxes),
so the same digest always gives images of the same size, and a suppressed cell is drawn as
its label alone, "< 5" in grey where its bar would start: no bar, which would read as a
count, and its true value never reaches the image.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from digest import texts
from digest.model import Cell, ChoiceResult, Digest, Row, share
from flows.model import Theme
from flows.typography import french_spacing

# The workshop's questions staff act on first; other consultations fall back to every
# question that is not about the respondent (profile, follow-up).
KEY_THEMES: tuple[str, ...] = (Theme.BESOINS, Theme.FREINS, Theme.OBJECTIFS)
NOT_KEY_THEMES: tuple[str, ...] = (Theme.PROFIL, Theme.SUIVI)
# A Telegram album holds 10 pictures: the question charts, the funnel and the days.
MAX_QUESTION_CHARTS = 8
MAX_BARS = 12  # more would not stay readable on a phone; the rest is named in the subtitle

DPI = 150
WIDTH = 1080  # pixels: Telegram shows photos up to 1280 wide, phones about 1080
BARS_HEIGHT = 1350  # 4:5 portrait fills a phone screen without scrolling
DAYS_HEIGHT = 810
TITLE_SIZE = 17
TEXT_SIZE = 14
SMALL_SIZE = 12
LABEL_WIDTH = 24  # characters per line of a bar label
TITLE_WIDTH = 46
MAX_LABEL_LINES = 3
BARS_AXES_HEIGHT = 0.74  # of the figure; the titles take the rest
BAR_COLOUR = "#1f5fa8"
FUNNEL_COLOUR = "#2a7f62"
DAYS_COLOUR = "#b4572e"
SUPPRESSED_TEXT = "#666666"  # the label of a hidden count, drawn without a bar
FONT_FAMILY = "DejaVu Sans"  # shipped with matplotlib: the same glyphs on every machine


@dataclass(frozen=True)
class Chart:
    """One PNG image; `name` is unique across digests and is the e-mail Content-ID."""

    name: str
    title: str
    png: bytes

    @property
    def filename(self) -> str:
        """The file name of the image, for attachments and `--out DIR`."""
        return f"{self.name}.png"


@dataclass(frozen=True)
class ChartPlan:
    """A chart a digest will have, known before drawing: what it shows and where it goes."""

    name: str
    title: str
    kind: str  # "question", "funnel" or "days"
    step_id: str | None = None  # the question it shows, for kind "question"


def plan(digest: Digest, questions: Collection[str] | None = None) -> list[ChartPlan]:
    """The charts `charts(digest, questions)` draws, in order, without drawing them."""
    cid = digest.consultation_id
    plans = [
        # Consultation ids have no "_" and step ids no ".": names never collide.
        ChartPlan(f"{cid}_{choice.step_id}", choice.question, "question", choice.step_id)
        for choice in _key_choices(digest, questions)
    ]
    if any(step.reached.suppressed or step.reached.value > 0 for step in digest.funnel):
        plans.append(ChartPlan(f"{cid}.parcours", texts.CHART_FUNNEL, "funnel"))
    if any(day.sessions.suppressed or day.sessions.value > 0 for day in digest.days):
        plans.append(ChartPlan(f"{cid}.jours", texts.CHART_DAYS, "days"))
    return plans


def chart_names(digest: Digest, questions: Collection[str] | None = None) -> list[str]:
    """The names of the charts of `digest`, as `charts` will name them."""
    return [chart.name for chart in plan(digest, questions)]


def charts(digest: Digest, questions: Collection[str] | None = None) -> list[Chart]:
    """Draw the charts of `digest`: key questions (or `questions`, by step id), funnel, days."""
    return [
        Chart(item.name, item.title, _png(figure)) for item, figure in figures(digest, questions)
    ]


def figures(
    digest: Digest, questions: Collection[str] | None = None
) -> list[tuple[ChartPlan, Figure]]:
    """The figures `charts` saves as PNG, each with its plan (tests look inside them)."""
    by_step = {choice.step_id: choice for choice in digest.choices}
    period = texts.period_words(digest.period.start, digest.period.end, digest.timezone)
    subtitle = f"{digest.title} · {period}"
    drawn = []
    for item in plan(digest, questions):
        if item.kind == "question":
            assert item.step_id is not None
            figure = _question_chart(by_step[item.step_id], subtitle)
        elif item.kind == "funnel":
            figure = _funnel_chart(digest, subtitle)
        else:
            figure = _days_chart(digest, subtitle)
        drawn.append((item, figure))
    return drawn


def _key_choices(digest: Digest, questions: Collection[str] | None) -> list[ChoiceResult]:
    if questions is not None:
        pool = [choice for choice in digest.choices if choice.step_id in questions]
    else:
        pool = [choice for choice in digest.choices if choice.theme in KEY_THEMES] or [
            choice for choice in digest.choices if choice.theme not in NOT_KEY_THEMES
        ]
    return [choice for choice in pool if choice.answered > 0 and choice.rows][:MAX_QUESTION_CHARTS]


def ranked(rows: Sequence[Row]) -> list[Row]:
    """Rows as shown: counts that may be shown in their order, then suppressed ones, then
    zeros; those two by their running totals where shown (largest first), else in the
    options' order ("Moins de 18 ans" before "18 à 25 ans", "Autre" after the quartiers).

    The order of two suppressed rows would tell which is larger: it must not depend on their
    values, only on what is printed (a small week's options still rank by their totals), nor
    on the order they come in; rows of the same place (built by hand) go by label.
    """
    shown = [row for row in rows if not row.count.suppressed and row.count.value > 0]
    hidden = sorted(
        (row for row in rows if row.count.suppressed),
        key=lambda row: (row.by_total(), row.position, row.label),
    )
    zeros = sorted(
        (row for row in rows if not row.count.suppressed and row.count.value == 0),
        key=lambda row: row.by_total(),  # stable: otherwise in the order given
    )
    return [*shown, *hidden, *zeros]


def in_order(choice: ChoiceResult) -> list[Row]:
    """A question's rows as shown: a scale's from one end to the other, else `ranked`."""
    return list(choice.rows) if choice.scale else ranked(choice.rows)


def _question_chart(choice: ChoiceResult, subtitle: str) -> Figure:
    rows = in_order(choice)[:MAX_BARS]
    labels = [f"{texts.FAVOURITE} {row.label}" if row.favourite else row.label for row in rows]
    answered = choice.cell("answered")
    if answered.suppressed:
        note = texts.ANSWERS[1].format(n=count(answered))
    else:
        note = texts.plural(answered.value, *texts.ANSWERS)
    if len(choice.rows) > MAX_BARS:
        note += " · " + texts.plural(len(choice.rows) - MAX_BARS, *texts.CHART_NOT_SHOWN)
    for end in choice.ends:  # a scale's ends grouped, each on a line of its own
        note += f"\n{texts.labelled(end.label)}{count(end.count)}"
        if not (answered.suppressed or end.count.suppressed) and answered.value:
            note += f" ({texts.percent(share(end.count.value, answered.value))})"
    return _bar_chart(
        choice.question,
        f"{subtitle}\n{french_spacing(note)}",
        labels,
        [row.count for row in rows],
        BAR_COLOUR,
    )


def _funnel_chart(digest: Digest, subtitle: str) -> Figure:
    steps = digest.funnel[: MAX_BARS + 4]  # the funnel reads top to bottom: a few more fit
    labels = [f"{n}. {step.label}" for n, step in enumerate(steps, start=1)]
    if any(step.asked is not None for step in steps):
        subtitle += f"\n{texts.CHART_FUNNEL_ASKED}"
    return _bar_chart(
        texts.CHART_FUNNEL,
        subtitle,
        labels,
        [step.reached for step in steps],
        FUNNEL_COLOUR,
        [step.asked for step in steps],
    )


def _bar_chart(
    title: str,
    subtitle: str,
    labels: Sequence[str],
    cells: Sequence[Cell],
    colour: str,
    bases: Sequence[int | None] = (),
) -> Figure:
    """Horizontal bars, first row on top; a suppressed cell is its label alone.

    `bases`, per bar: of how many it counts when not of all (a funnel step that some
    channels never ask), drawn as an empty outline the bar fills part of, labelled "n sur N".
    """
    figure = Figure(figsize=(WIDTH / DPI, BARS_HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    _titles(figure, title, subtitle)
    axes = figure.add_axes((0.44, 0.04, 0.46, BARS_AXES_HEIGHT))
    # A suppressed cell has no bar: any length would read as a count (and its real value
    # never reaches the image).
    lengths = [0 if cell.suppressed else cell.value for cell in cells]
    positions = list(range(len(cells)))
    outlines = list(bases) or [None] * len(cells)
    for position, base in zip(positions, outlines, strict=True):
        if base is not None:
            axes.barh(position, base, height=0.7, fill=False, edgecolor=colour, linestyle="--")
    axes.barh(positions, lengths, height=0.7, color=colour, edgecolor=colour)
    ends = [max(length, base or 0) for length, base in zip(lengths, outlines, strict=True)]
    longest = max(ends, default=0) or 1
    for position, end, cell, base in zip(positions, ends, cells, outlines, strict=True):
        label = count(cell)
        if base is not None:
            label += texts.FUNNEL_ASKED.format(n=texts.number(base))
        axes.text(
            end + longest * 0.02,
            position,
            _safe(label),
            va="center",
            fontsize=TEXT_SIZE,
            fontweight="normal" if cell.suppressed else "bold",
            color=SUPPRESSED_TEXT if cell.suppressed else "black",
        )
    axes.set_xlim(0, longest * 1.25)
    axes.set_ylim(len(cells) - 0.5, -0.5)  # rank 1 on top
    lines = _label_lines(len(cells))
    axes.set_yticks(positions, [_wrap(label, LABEL_WIDTH, lines) for label in labels])
    axes.tick_params(axis="y", labelsize=_label_size(len(cells)), length=0)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    return figure


def _days_chart(digest: Digest, subtitle: str) -> Figure:
    figure = Figure(figsize=(WIDTH / DPI, DAYS_HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    _titles(figure, texts.CHART_DAYS, subtitle)
    axes = figure.add_axes((0.1, 0.14, 0.86, 0.6))
    days = digest.days
    positions = list(range(len(days)))
    cells = [day.sessions for day in days]
    lengths = [0 if cell.suppressed else cell.value for cell in cells]  # as in `_bar_chart`
    axes.bar(positions, lengths, width=0.8, color=DAYS_COLOUR, edgecolor=DAYS_COLOUR)
    for position, cell in zip(positions, cells, strict=True):
        if cell.suppressed:
            axes.text(
                position,
                0,
                count(cell),
                ha="center",
                va="bottom",
                fontsize=SMALL_SIZE,
                color=SUPPRESSED_TEXT,
            )
    every = max(1, -(-len(days) // 10))  # at most about ten date labels
    shown = positions[::every]
    axes.set_xticks(shown, [f"{days[i].day:%d/%m}" for i in shown])
    axes.tick_params(axis="both", labelsize=SMALL_SIZE)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(texts.CHART_SESSIONS, fontsize=SMALL_SIZE)
    axes.set_xlim(-0.6, max(len(days), 1) - 0.4)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure


def _titles(figure: Figure, title: str, subtitle: str) -> None:
    wrapped = _lines(title, TITLE_WIDTH, 3)
    figure.text(
        0.03,
        0.985,
        _math_safe("\n".join(wrapped)),
        fontsize=TITLE_SIZE,
        fontweight="bold",
        va="top",
    )
    lines = [line for part in subtitle.split("\n") for line in _lines(part, 70, 2)]
    figure.text(
        0.03,
        0.975 - 0.03 * (len(wrapped) + 0.4),
        _math_safe("\n".join(lines)),
        fontsize=SMALL_SIZE,
        color="#444444",
        va="top",
    )


def _label_size(bars: int) -> float:
    # Fewer bars leave room for larger labels; the smallest stays legible on a phone.
    return float(TEXT_SIZE if bars <= 8 else SMALL_SIZE)


def _label_lines(bars: int) -> int:
    """How many lines a bar label may take without running into its neighbours."""
    per_bar = BARS_HEIGHT * BARS_AXES_HEIGHT / max(bars, 1)
    line = _label_size(bars) * DPI / 72 * 1.25  # points to pixels, with line spacing
    return max(1, min(MAX_LABEL_LINES, int(per_bar // line)))


def _wrap(label: str, width: int, lines: int) -> str:
    return _math_safe("\n".join(_lines(label, width, lines)))


def count(cell: Cell) -> str:
    """A count as drawn: "< 5" when suppressed, else grouped like "12 345"."""
    return cell.shown() if cell.suppressed else texts.number(cell.value)


def _lines(text: str, width: int, most: int) -> list[str]:
    return textwrap.wrap(_drawable(text), width, max_lines=most, placeholder=" …") or [""]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" metadata: the bytes depend on the digest only, not on the library version.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


@cache
def _glyphs() -> frozenset[int]:
    """Code points the chart font can draw, in both weights used."""
    covered: frozenset[int] | None = None
    for weight in ("normal", "bold"):
        path = font_manager.findfont(FontProperties(family=FONT_FAMILY, weight=weight))
        codes = frozenset(FT2Font(path).get_charmap())
        covered = codes if covered is None else covered & codes
    assert covered is not None
    return covered


def _safe(text: str) -> str:
    """Text matplotlib draws as is: no math mode, no missing-glyph warnings, no controls."""
    return _math_safe(_drawable(text))


def _math_safe(text: str) -> str:
    # "$" starts matplotlib's math mode; escaped, it is drawn as a dollar sign.
    return text.replace("$", r"\$")


def _drawable(text: str) -> str:
    """`text` with only characters the font has: no missing-glyph warnings, no controls."""
    glyphs = _glyphs()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\n":
            kept.append(char)
        elif category == "Cc":
            kept.append(" ")  # tabs and other controls would be drawn as boxes
        elif category == "Cf":
            continue  # bidi overrides would reverse a label (the layout engine obeys them)
        elif ord(char) in glyphs:
            kept.append(char)
        elif category != "Mn":  # a combining mark the font lacks: drop it, keep its letter
            kept.append("□")
    return "".join(kept)
