"""What a careful reader can work out from a printed digest, for the disclosure tests.

The reader sees only what the writers print (`digest.layout`, shared by all three) and
knows the questionnaire. It turns the printed figures into ranges ("< 5" is 1 to 4, "n.c."
5 or more, a number itself), knows which are never hidden (counts of sessions: the headline,
the funnel, days, a question's answers and skips, a free-text question's texts, channels and
relays), and writes down the sums they make as a digest usually runs (everyone of the period
started in it): breakdowns and days add up to the sessions started, the cross-tabulation to its
breakdowns, a single-answer question's options to its answers, answers and skips to the
funnel line, the quartier and profile questions' options to their breakdown rows, running
totals since the opening to their own answers (each at least the period's), and
differences of funnel lines, of the started and the completed or abandoned, of a
multiple-answer question's answers and an option are groups of residents (never negative).
Then it narrows every range from the others' through those sums until nothing changes, and
reports the hidden counts it pinned down, but for those that nothing could have protected
(pinned down even with every non-public count hidden).

It is written apart from `digest.suppress` on purpose: it reads the text, not the figures.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeGuard

from digest import texts
from digest.aggregate import BREAKDOWN_TITLES, CROSSTAB_TITLE, NO_ANSWER_LABEL
from digest.layout import Bold, Italic, Line, Quotes, Section, Table, layout
from digest.model import Digest
from flows.model import ChoiceStepBase, Consultation, MultiStep, TextStep

_ANSWERED = re.compile(
    r"^(.+?) réponses?, (.+?) passées?(?: · en tout (.+?) réponses?)?"
    r"(?: · plusieurs réponses possibles)?$"
)
_FREE = re.compile(r"^(.+?) réponses?(?:\(s\))? écrites?(?:\(s\))?")
_OTHER = re.compile(r"^(n\.c\.|<\u202f\d+|[\d\u202f]+) précisions? «\u202fAutre\u202f»")
_TREND = re.compile(r"^ (▲ \+|▼ -)(.+)$")
# A scale's ends grouped, a row without rank nor bullet: "Plutôt « beaucoup » (4 ou 5)".
_END = re.compile(r"\((?:de )?(\d+) (?:ou|à) (\d+)\)$")
_RANKED = re.compile(r"^(\d+\. |• )")
_COLON = "\u202f: "  # between a label and its count, a narrow no-break space before the colon
ROUNDS = 500


@dataclass
class Figure:
    """One printed figure, or a group the reader can subtract its way to."""

    name: str
    shown: str  # as printed, "" for a group
    public: bool = False


@dataclass
class Reading:
    """A digest as its reader sees it: figures and the sums between them."""

    threshold: int
    figures: list[Figure] = field(default_factory=list)
    sums: list[list[tuple[int, int]]] = field(default_factory=list)  # (sign, figure) add to 0
    problems: list[str] = field(default_factory=list)  # printed things that break the rule

    def figure(self, name: str, shown: str, public: bool = False) -> int:
        if public and shown in (f"<\u202f{self.threshold}", "n.c."):
            self.problems.append(f"{name}, a count of sessions, printed as {shown}")
        self.figures.append(Figure(name, shown, public))
        return len(self.figures) - 1

    def group(self, name: str, whole: int, parts: list[int]) -> int:
        """The group `whole` minus `parts`, never negative."""
        group = self.figure(name, "")
        self.add(whole, [*parts, group])
        return group

    def add(self, total: int, parts: list[int]) -> None:
        self.sums.append([(-1, total), *((1, part) for part in parts)])

    def ranges(self, hide_all: bool = False) -> list[tuple[int, float]]:
        """Each figure's range after narrowing; `hide_all`: as if every non-zero count but
        the public ones were hidden (what nobody could have protected)."""
        t = self.threshold
        low: list[int] = []
        high: list[float] = []
        for figure in self.figures:
            value = _number(figure.shown)
            if figure.shown == "":
                bounds: tuple[int, float] = (0, float("inf"))
            elif figure.shown == f"<\u202f{t}":
                bounds = (1, t - 1)
            elif figure.shown == "n.c.":
                bounds = (t, float("inf"))
            elif hide_all and not figure.public and value:
                bounds = (1, t - 1) if value < t else (t, float("inf"))
            else:
                bounds = (value, value)
            low.append(bounds[0])
            high.append(bounds[1])
        for _ in range(ROUNDS):
            changed = False
            for terms in self.sums:
                for sign, n in terms:
                    # sign × figure n = minus the others' sum
                    others_low = sum(
                        low[m] if s > 0 else -high[m] for s, m in terms if m != n or s != sign
                    )
                    others_high = sum(
                        high[m] if s > 0 else -low[m] for s, m in terms if m != n or s != sign
                    )
                    if sign > 0:
                        lowest, highest = -others_high, -others_low
                    else:
                        lowest, highest = others_low, others_high
                    if lowest > low[n]:
                        low[n] = int(lowest)
                        changed = True
                    if highest < high[n]:
                        high[n] = highest
                        changed = True
            if not changed:
                break
        return list(zip(low, high, strict=True))

    def worked_out(self) -> list[str]:
        """The hidden counts the reader pins down that the digest could have protected."""
        now, anyway = self.ranges(), self.ranges(hide_all=True)
        found = []
        for figure, (low, high), (low_anyway, high_anyway) in zip(
            self.figures, now, anyway, strict=True
        ):
            hidden = figure.shown in ("n.c.", f"<\u202f{self.threshold}")
            if hidden and low == high and low_anyway != high_anyway:
                found.append(f"{figure.name} = {low}")
        return found


def _number(shown: str) -> int:
    digits = shown.replace("\u202f", "")
    return int(digits) if digits.isdigit() else 0


def _bold(line: Line) -> str:
    return next(run.text for run in line if isinstance(run, Bold))


def _bolds(line: Line) -> list[str]:
    return [run.text for run in line if isinstance(run, Bold)]


def _label(line: Line) -> str:
    """A row's label, without its rank, bullet or favourite mark (nor the colon after it, which
    a label ending with a question mark goes without)."""
    head = line[0]
    assert isinstance(head, str)
    if head.endswith(_COLON):
        head = head.removesuffix(_COLON)
    else:
        assert head.endswith(("? ", "! ")), head
        head = head.removesuffix(" ")
    label = re.sub(r"^(\d+\. |• )", "", head)
    return label.removeprefix(f"{texts.FAVOURITE} ")


def _rows(section: Section) -> list[Line]:
    return _rows_of(section.blocks)


def _rows_of(blocks: Sequence[object]) -> list[Line]:
    return [
        block for block in blocks if _is_line(block) and any(isinstance(run, Bold) for run in block)
    ]


def _is_line(block: object) -> TypeGuard[Line]:
    return isinstance(block, tuple)


def read(digest: Digest, consultation: Consultation) -> Reading:
    """Everything `digest` prints about `consultation`'s residents, and its sums."""
    t = digest.min_group_size
    reading = Reading(t)
    sections = {section.title: section for section in layout(digest)}
    hidden = {f"<\u202f{t}", "n.c."}

    def check_shown(name: str, shown: str) -> None:
        if shown not in hidden and 0 < _number(shown) < t:
            reading.problems.append(f"{name} printed as {shown}")

    # Participation: every headline figure is public; the completed and abandoned leave those
    # still under way. Trends give the previous period's figures.
    participation = sections[texts.PARTICIPATION]
    headline: dict[str, dict[str, int]] = {"now": {}, "before": {}}
    for line in _rows(participation):
        head = line[0]
        assert isinstance(head, str)
        if head.startswith(texts.COMPLETION_RATE):
            continue
        name = head.split(" ", 1)[1].removesuffix(_COLON)
        shown = _bold(line)
        headline["now"][name] = reading.figure(name, shown, public=True)
        trend = next((run for run in line[2:] if isinstance(run, str)), None)
        if trend is not None:
            change = 0
            if found := _TREND.match(trend):
                change = _number(found.group(2)) * (1 if "+" in found.group(1) else -1)
            before = str(_number(shown) - change)
            headline["before"][name] = reading.figure(f"{name} (avant)", before, public=True)
    for when, figures in headline.items():
        started = figures.get(texts.SESSIONS_STARTED)
        outcomes = [figures[name] for name in (texts.COMPLETED, texts.ABANDONED) if name in figures]
        if started is not None and outcomes:
            reading.group(f"en cours ({when})", started, outcomes)
    started = headline["now"][texts.SESSIONS_STARTED]

    # The funnel: lines in questionnaire order, each difference a group.
    funnel: dict[str, int] = {}
    if texts.FUNNEL in sections:
        for line in _rows(sections[texts.FUNNEL]):
            label, shown = _label(line), _bold(line)
            if label.startswith("Consentement"):
                funnel[label] = started
                continue
            funnel[label] = reading.figure(f"parcours « {label} »", shown, public=True)
        for (above_label, above), (below_label, below) in itertools.combinations(funnel.items(), 2):
            reading.group(f"arrêtés entre « {above_label} » et « {below_label} »", above, [below])
        lines = list(funnel.values())
        if len(lines) > 1 and texts.COMPLETED in headline["now"]:
            reading.add(headline["now"][texts.COMPLETED], [lines[-1]])

    # Days and breakdowns add up to the sessions started.
    if texts.DAYS in sections:
        days = [
            reading.figure(_label(line), _bold(line), public=True)
            for line in _rows(sections[texts.DAYS])
        ]
        if days:
            reading.add(started, days)
    breakdowns: dict[str, dict[str, int]] = {}
    for key, title in BREAKDOWN_TITLES.items():
        if title not in sections:
            continue
        rows = {}
        public = key in ("channel", "relay")  # how sessions reached the city: operational
        for line in _rows(sections[title]):
            name = f"{title} • {_label(line)}"
            rows[_label(line)] = reading.figure(name, _bold(line), public)
            if not public:
                check_shown(name, _bold(line))
        reading.add(started, list(rows.values()))
        breakdowns[key] = rows
    if CROSSTAB_TITLE in sections:
        [table] = sections[CROSSTAB_TITLE].blocks
        assert isinstance(table, Table)
        columns: dict[str, list[int]] = {column: [] for column in table.columns}
        for label, shown_cells in table.rows:
            row: list[int] = []
            for column, shown in zip(table.columns, shown_cells, strict=True):
                row.append(reading.figure(f"{label} × {column}", shown))
                check_shown(f"{label} × {column}", shown)
                columns[column].append(row[-1])
            reading.add(breakdowns["quartier"][label], row)
        for column, in_column in columns.items():
            reading.add(breakdowns["profil"][column], in_column)

    # Questions.
    axes = {
        step.id: key
        for step in consultation.questions()
        for key in ("quartier", "profil")
        if isinstance(step, ChoiceStepBase)
        and (step.id == key or (key == "quartier" and step.options_from == "quartiers"))
    }
    for step in consultation.questions():
        section = sections[step.text.fr]
        line_figure = funnel.get(step.text.fr)
        if isinstance(step, TextStep):
            intro = section.blocks[0]
            if isinstance(intro, Quotes):
                shown = _match(_FREE, _italic(intro.intro))
                count = reading.figure(f"textes « {step.id} »", shown, public=True)
                if line_figure is not None:
                    reading.group(f"passées « {step.id} »", line_figure, [count])
            continue
        found = _ANSWERED.match(_italic(section.blocks[0]))
        assert found is not None
        answered_shown, skipped_shown, total_shown = found.groups()
        answered = reading.figure(f"réponses « {step.id} »", answered_shown, public=True)
        skipped = reading.figure(f"passées « {step.id} »", skipped_shown, public=True)
        if line_figure is not None:
            reading.add(line_figure, [answered, skipped])
        axis = breakdowns.get(axes.get(step.id, ""))
        options: dict[str, int] = {}
        # Running totals since the opening: public answers, options like the period's, each
        # at least the period's.
        totals: dict[str, int] = {}
        # A scale's ends: the points they group, their figure and running total's.
        ends: list[tuple[range, int, int | None]] = []
        for line in _rows(section):
            label, shown = _label(line), _bold(line)
            head = line[0]
            assert isinstance(head, str)
            if not _RANKED.match(head) and (end := _END.search(label)) is not None:
                name = f"« {step.id} » • {label}"
                figure = reading.figure(name, shown)
                check_shown(name, shown)
                end_total = None
                if total_shown is not None:
                    end_total = reading.figure(f"{name} (en tout)", _bolds(line)[1])
                    check_shown(f"{name} (en tout)", _bolds(line)[1])
                points = range(int(end.group(1)), int(end.group(2)) + 1)
                ends.append((points, figure, end_total))
                continue
            if total_shown is not None:
                printed = _bolds(line)[1]
                totals[label] = reading.figure(f"« {step.id} » • {label} (en tout)", printed)
                check_shown(f"« {step.id} » • {label} (en tout)", printed)
            if answered_shown in hidden and any(
                isinstance(run, str) and run.endswith("%)") for run in line
            ):
                reading.problems.append(f"a share of hidden answers to {step.id}: {label}")
            if axis is not None and label in axis:
                options[label] = axis[label]  # the breakdown's row, printed again
                shown_there = reading.figures[axis[label]].shown
                if shown_there != shown:
                    reading.problems.append(f"{label}: {shown_there} there, {shown} here")
            else:
                options[label] = reading.figure(f"« {step.id} » • {label}", shown)
            check_shown(f"« {step.id} » • {label}", shown)
        if isinstance(step, MultiStep):
            for label, option in options.items():
                reading.group(f"« {step.id} » sans « {label} »", answered, [option])
        else:
            reading.add(answered, list(options.values()))
        all_answers = -1  # none without running totals
        if total_shown is not None:
            all_answers = reading.figure(f"réponses « {step.id} » (en tout)", total_shown, True)
            if isinstance(step, MultiStep):
                for label, figure in totals.items():
                    name = f"« {step.id} » sans « {label} » (en tout)"
                    reading.group(name, all_answers, [figure])
            else:
                reading.add(all_answers, list(totals.values()))
            for label, figure in totals.items():
                reading.group(f"« {step.id} » • {label} avant", figure, [options[label]])
        if ends:
            _read_ends(reading, options, [(points, figure) for points, figure, _ in ends], answered)
            if total_shown is not None:
                end_totals = [(points, total) for points, _, total in ends if total is not None]
                _read_ends(reading, totals, end_totals, all_answers)
                for (points, figure, _), (_, total) in zip(ends, end_totals, strict=True):
                    reading.group(f"« {step.id} » {points} avant", total, [figure])
        if axis is not None and line_figure is not None:
            missing = reading.group(f"sans « {step.id} »", started, [line_figure])
            reading.add(axis[NO_ANSWER_LABEL], [skipped, missing])
        # The "Autre" texts: with their quotes, or a line alone when none may be quoted.
        quotes = next((block for block in section.blocks if isinstance(block, Quotes)), None)
        intros = [quotes.intro] if quotes is not None else []
        intros += [block for block in section.blocks if _is_line(block) and not _rows_of([block])]
        other = next((line for line in intros if _OTHER.match(_italic(line))), None)
        if other is not None:
            shown = _match(_OTHER, _italic(other))
            precise = reading.figure(f"précisions « {step.id} »", shown)
            check_shown(f"précisions « {step.id} »", shown)
            if quotes is not None:
                _check_quotes(reading, step.id, shown, quotes)
            reading.group(f"« Autre » sans précision « {step.id} »", options["Autre"], [precise])
    return reading


def _read_ends(
    reading: Reading, points: dict[str, int], ends: list[tuple[range, int]], answered: int
) -> None:
    """A scale's ends (or their running totals) are their points' sum, and make its answers
    with the points in neither."""
    by_point = {int(label.split(" ")[0]): figure for label, figure in points.items()}
    grouped: list[int] = []
    inside: set[int] = set()
    for span, figure in ends:
        reading.add(figure, [by_point[n] for n in span])
        grouped.append(figure)
        inside |= set(span)
    rest = [figure for n, figure in by_point.items() if n not in inside]
    reading.add(answered, [*grouped, *rest])


def _match(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.match(text)
    assert found is not None, text
    return found.group(1)


def _italic(block: object) -> str:
    assert isinstance(block, tuple)
    return next(run.text for run in block if isinstance(run, Italic))


def _check_quotes(reading: Reading, step_id: str, shown: str, quotes: Quotes) -> None:
    """Under a hidden count, staff must not be able to count their way to it."""
    hidden = (f"<\u202f{reading.threshold}", "n.c.")
    if shown in hidden and len(quotes.texts) > reading.threshold - 2:
        reading.problems.append(f"{len(quotes.texts)} quotes under {shown} ({step_id})")
