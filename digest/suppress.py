"""Small-group suppression: no count of fewer than `t` residents is shown, nor worked out.

`t` is `digest.min_group_size`. The rule covers everything one digest prints (the three
writers print the same figures, see `digest.layout`); the CSV/XLSX exports are row-level
data and are not concerned.

- Public: counts of sessions, which say how many took part and how far, not who answered
  what: the new participants, the sessions started, completed and abandoned (this period's
  and, through the trends, the previous one's), the sessions of each day, each funnel line
  (and the sessions a step is asked to), a question's answers and skips, a free-text
  question's number of texts (/stats shows the headline too), and the sessions per channel
  and per relay: staff's operational data, which /relais and `parole relay list` show
  exactly too. They are never hidden.
- Primary: every other printed count, above zero and under `t`, is shown "< t": what
  residents are or chose, by group (breakdowns by quartier and profile, the
  cross-tabulation, a question's options and their running totals since the opening, its
  "Autre" texts). Zeros are shown.
- Secondary: staff know the sums the printed figures make (below), so no hidden count may
  be pinned down from the others. What they know of a hidden count: "< t" is 1 to t - 1,
  "n.c." (hidden to protect another, see `Cell.shown`) t or more, and it is at least the
  number of texts quoted under it. These facts are carried through every sum until nothing
  narrows (bounds reasoning), and through exchange cycles in the cross-tabulation and its
  margins (see `_stuck`). A hidden count left one possible value gets company: shown non-zero
  counts nearest to it (in a sum with it, then one sum further...) are hidden ("n.c.") until
  it is free, then each is shown again, largest first, if it stays free without it. What the
  public figures and the zeros pin down even with every other count hidden (the only
  non-zero row of a breakdown is its total) is shown as it is: hiding it would protect
  nothing. Protection from the figures comes first, then from quotes counted too: a few
  residents each quoted can pin a count that no hiding frees, and giving up on it must never
  leave one that plain subtraction gives away.
- Quotes: under a hidden count at most t - 2 texts are quoted (all are in the exports), so
  that counting them never pins a "< t".
- Derived figures: a percentage only when both its counts are shown, a trend only when both
  periods' counts are, the busiest day only when no day is "n.c." (it would bound it), a
  funnel drop only between two shown lines and when it is `t` or more.

A difference of printed counts that is no printed count itself (a funnel drop, those who did
not pick an option) is not a group the digest reports, and is not hidden for itself; it
enters the sums as an unknown of at least zero, which is what staff know of it.

The sums, as a digest usually runs (everyone of the period started in it, so the sessions
active in the period are those started, and a question's answers are theirs); a sum that
does not hold for a given digest is left out:

- each breakdown (quartier, profile, channel, relay) and the days add up to the sessions;
- the quartier × profile table's rows add up to the quartier breakdown, its columns to the
  profile breakdown (a breakdown count hidden there is hidden in the table too);
- a single-answer question's options (single, yes/no, scale) add up to its answers, which
  are public: a small option is protected by hiding other options, never the total. Each
  option of a multiple-answer one is at most its answers, and nothing more (a resident
  ticks several): they constrain each other by no sum;
- a scale's ends grouped ("Plutôt « beaucoup » (4 ou 5)", counts like its points) are each
  the sum of their points, and with the points in neither (the middle) add up to its
  answers: no hidden point is an end minus the shown points beside it;
- a question's answers and skips (a free-text question's texts and skips) add up to its
  funnel line; each funnel line is at most the one before and at most the sessions started
  (or asked the step); the last one is the sessions completed; the completed and abandoned
  are at most the sessions started;
- the quartier and profile questions' options count the breakdowns' rows again (one count,
  shown or hidden in both places), and a breakdown's "Sans réponse" is that question's skips
  plus the sessions that did not reach it;
- a question's "Autre" texts are at most its "Autre" answers;
- running totals since the opening (answers public, options counts) make the same sums as
  the period's, and each option's is at least the period's.

The rule is per digest: two digests can be subtracted from each other. Those of overlapping
periods (`--since` and `--until` ask for any), and two consecutive ones through their running
totals: this week's total since the opening minus last week's is this week's count, hidden
or not. No rule within one digest can stop that (a hidden count over any period is the
difference of two digests from the opening, whose counts are large), and hiding running
totals beside hidden counts would not either (a later week's shown total bridges the gap);
only keeping every digest ever sent and checking each new one against them all would. Nor
would it protect from their readers: every digest comes with the exports of every answer,
row by row. What the rule keeps is a digest's figures read, forwarded or printed on their
own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from digest.model import Cell

_COUNT: Final = "count"  # printed, hidden when it has to be
_PUBLIC: Final = "public"  # printed, never hidden
_GROUP: Final = "group"  # never printed: what staff can work out by subtraction
ROUNDS: Final = 200  # ranges only narrow, so reasoning settles; this bounds a freak case


@dataclass(frozen=True)
class _Figure:
    value: int
    kind: str
    at_least: int = 0  # known besides: texts quoted under it


@dataclass(frozen=True)
class _Table:
    """A cross-tabulation: cells, row and column totals (figures), and its public total."""

    cells: tuple[tuple[int, ...], ...]
    rows: tuple[int, ...]
    columns: tuple[int, ...]
    total: int


class Disclosure:
    """The counts one digest prints and the sums staff can check between them.

    Figures are added first (`count`, `public`, `rest`), then the sums (`add`, `link`,
    `table`); `protect` decides what is hidden, and `cell` gives each count as printed.
    """

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._figures: list[_Figure] = []
        self._sums: list[tuple[tuple[int, int], ...]] = []  # (sign, figure) terms adding to 0
        self._touching: list[list[int]] = []  # the sums each figure is part of
        self._tables: list[_Table] = []
        self._hidden: set[int] = set()
        # Whether staff are taken to count the quotes under a count (`at_least`). Quotes can
        # pin a count that no hiding frees (a handful of residents, each quoted): protecting
        # from the figures alone comes first, so that giving up on those never leaves a
        # count that subtraction alone gives away.
        self._quotes = False

    def count(self, value: int, *, at_least: int = 0) -> int:
        """A printed count of residents; `at_least`: how many texts are quoted under it (staff
        can count them, see `_quotes`)."""
        return self._figure(_Figure(value, _COUNT, at_least))

    def public(self, value: int) -> int:
        """A printed figure that is never hidden (a headline total)."""
        return self._figure(_Figure(value, _PUBLIC))

    def rest(self, whole: int, parts: Sequence[int]) -> int | None:
        """The group `whole` minus `parts` (never printed), summed with them; None (and no
        sum) when they are more than `whole`: then they are no part of it."""
        value = self._figures[whole].value - sum(self._figures[part].value for part in parts)
        if value < 0:
            return None
        group = self._figure(_Figure(value, _GROUP))
        self.add(whole, [*parts, group])
        return group

    def add(self, total: int, parts: Sequence[int]) -> None:
        """`parts` add up to `total`, and staff know it."""
        if not self.link(total, parts):
            raise ValueError("these counts do not add up")

    def link(self, total: int, parts: Sequence[int]) -> bool:
        """Record that `parts` add up to `total` if they do in this digest (a sum that holds
        as a digest usually runs); whether they did."""
        figures = self._figures
        if figures[total].value != sum(figures[part].value for part in parts):
            return False
        index = len(self._sums)
        terms = ((-1, total), *((1, part) for part in parts))
        self._sums.append(terms)
        for _, figure in terms:
            self._touching[figure].append(index)
        return True

    def table(
        self,
        cells: Sequence[Sequence[int]],
        rows: Sequence[int],
        columns: Sequence[int],
        total: int,
    ) -> None:
        """A cross-tabulation of `cells` whose rows add up to `rows`, columns to `columns`;
        `rows` and `columns` each add up to the public `total` in sums of their own (`add`)."""
        if any(len(line) != len(columns) for line in cells) or len(cells) != len(rows):
            raise ValueError("a cross-tabulation needs one total per row and per column")
        if self._figures[total].kind != _PUBLIC:
            raise ValueError("a cross-tabulation's total must be public")
        for line, row in zip(cells, rows, strict=True):
            self.add(row, line)
        for c, column in enumerate(columns):
            self.add(column, [line[c] for line in cells])
        self._tables.append(
            _Table(tuple(tuple(line) for line in cells), tuple(rows), tuple(columns), total)
        )

    def protect(self) -> None:
        """Hide the small counts, then whatever would let staff work out a hidden one: from
        the figures alone first, then counting quotes too (see `_quotes`)."""
        figures = self._figures
        hidden = {
            n for n, f in enumerate(figures) if f.kind == _COUNT and 0 < f.value < self.threshold
        }
        everything = {n for n, f in enumerate(figures) if f.kind == _COUNT and f.value > 0}
        for quotes in (False, True):
            self._quotes = quotes
            # What the public figures and the zeros pin down even with every other count
            # hidden is known whatever is done: hiding more for it would protect nothing.
            low, high = self._bounds(everything)
            known = {n for n in range(len(figures)) if low[n] == high[n]}
            given_up = set(known)  # and the problems no hiding around them frees
            while problems := self._problems(hidden, given_up):
                near: set[int] = set()  # figures sharing a sum with one hidden this round
                for problem in problems:
                    if problem in near:
                        continue  # what was just hidden may free it: seen again next round
                    chosen = self._complement(problem, hidden, known)
                    if not chosen:
                        given_up.add(problem)
                        continue
                    hidden |= chosen
                    near |= {n for c in chosen for s in self._touching[c] for _, n in self._sums[s]}
        self._hidden = hidden

    def value(self, figure: int) -> int:
        """A figure's true value."""
        return self._figures[figure].value

    def cell(self, figure: int) -> Cell:
        """A count as the digest prints it (after `protect`)."""
        return Cell(self._figures[figure].value, figure in self._hidden, self.threshold)

    # -- what staff can work out ----------------------------------------------------------

    def _figure(self, figure: _Figure) -> int:
        self._figures.append(figure)
        self._touching.append([])
        return len(self._figures) - 1

    def _problems(self, hidden: set[int], given_up: set[int]) -> list[int]:
        """The hidden counts that staff can pin down."""
        low, high = self._bounds(hidden)
        found = [n for n in sorted(hidden - given_up) if low[n] == high[n]]
        if found:
            return found
        stuck = {n for table in self._tables for n in self._stuck(table, hidden, low, high)}
        return sorted(stuck - given_up)

    def _start(self, n: int, hidden: set[int]) -> tuple[int, int | None]:
        """What staff know of one figure from the digest alone: its range (None: no top)."""
        figure = self._figures[n]
        if figure.kind == _GROUP:
            return 0, None
        if n not in hidden:
            return figure.value, figure.value
        at_least = figure.at_least if self._quotes else 0
        if figure.value < self.threshold:
            return max(1, at_least), self.threshold - 1
        return max(self.threshold, at_least), None

    def _bounds(self, hidden: set[int]) -> tuple[list[int], list[int | None]]:
        """Each figure's range once every sum has narrowed the others' (bounds reasoning)."""
        low: list[int] = []
        high: list[int | None] = []
        for n in range(len(self._figures)):
            lowest, highest = self._start(n, hidden)
            low.append(lowest)
            high.append(highest)
        for _ in range(ROUNDS):
            changed = False
            for terms in self._sums:
                changed |= _narrow(terms, low, high)
            if not changed:
                break
        return low, high

    def _stuck(
        self, table: _Table, hidden: set[int], low: list[int], high: list[int | None]
    ) -> list[int]:
        """The hidden figures of a cross-tabulation that its sums pin down all together.

        The table with its totals is one table whose lines all have a known sum: each row gets
        one more cell, the total minus the row's total, and a last row holds the total minus
        each column's total (and the total itself): every line then adds up to a multiple of
        the total. `_pinned` finds the cells of such a table with no room to move.
        """
        total = self._figures[table.total].value
        grid = [[*line, row] for line, row in zip(table.cells, table.rows, strict=True)]
        grid.append([*table.columns, table.total])
        values: list[list[int]] = []
        ranges: dict[tuple[int, int], tuple[int, int | None]] = {}
        for r, line in enumerate(grid):
            values.append([])
            for c, figure in enumerate(line):
                # The added cells are the total minus a figure: their range turns over.
                turned = (r == len(grid) - 1) != (c == len(line) - 1)
                value = self._figures[figure].value
                values[-1].append(total - value if turned else value)
                if figure in hidden:
                    top = high[figure]
                    lowest = max(0, total - top) if top is not None else 0
                    ranges[r, c] = (lowest, total - low[figure]) if turned else (low[figure], top)
        return [grid[r][c] for r, c in _pinned(values, ranges)]

    def _complement(self, problem: int, hidden: set[int], known: set[int]) -> set[int]:
        """The counts to hide for a pinned `problem` (none: nothing would free it).

        The shown non-zero counts nearest to it are taken (those in a sum with it, then in a
        sum with a hidden figure of those, and so on) until it is free; then each is given
        back, largest first, if it stays free without it: few counts, small ones, near it.
        """
        taken: set[int] = set()
        for ring in self._rings(problem, hidden, known):
            taken |= ring
            if not self._pinned_with(problem, hidden | taken):
                break
        else:
            return set()
        for count in sorted(taken, key=lambda n: (-self._figures[n].value, -n)):
            if not self._pinned_with(problem, hidden | (taken - {count})):
                taken.discard(count)
        return taken

    def _rings(self, problem: int, hidden: set[int], known: set[int]) -> Iterator[set[int]]:
        """The shown non-zero counts in a sum with `problem`, then those in a sum with one of
        the figures of those sums that may vary (hidden, worked out, or about to be hidden),
        and so on; counts known anyway are left out."""
        figures = self._figures
        seen_sums: set[int] = set()
        seen = {problem}
        frontier = [problem]
        while frontier:
            sums = {s for n in frontier for s in self._touching[n]} - seen_sums
            seen_sums |= sums
            members = {n for s in sums for _, n in self._sums[s]} - seen - known
            seen |= members
            shown = {
                n for n in members - hidden if figures[n].kind == _COUNT and figures[n].value > 0
            }
            yield shown
            frontier = [
                n for n in members if n in hidden or n in shown or figures[n].kind == _GROUP
            ]

    def _pinned_with(self, figure: int, hidden: set[int]) -> bool:
        """Whether staff can pin `figure` down when `hidden` are hidden."""
        low, high = self._bounds(hidden)
        if low[figure] == high[figure]:
            return True
        return any(figure in self._stuck(table, hidden, low, high) for table in self._tables)


def _narrow(terms: Sequence[tuple[int, int]], low: list[int], high: list[int | None]) -> bool:
    """Narrow the ranges of the figures of one sum (`terms` add up to zero) from each other's;
    whether any changed."""
    # Each term's contribution range (sign × figure); None: unbounded on that side.
    spans: list[tuple[int | None, int | None]] = []
    for sign, n in terms:
        top = high[n]
        if sign > 0:
            spans.append((low[n], top))
        else:
            spans.append((None if top is None else -top, -low[n]))
    floor = sum(a for a, _ in spans if a is not None)
    floors_open = sum(a is None for a, _ in spans)
    ceiling = sum(b for _, b in spans if b is not None)
    ceilings_open = sum(b is None for _, b in spans)
    changed = False
    for (sign, n), (a, b) in zip(terms, spans, strict=True):
        # The others' contributions add up to minus this one's.
        others_low = None if floors_open - (a is None) else floor - (a or 0)
        others_high = None if ceilings_open - (b is None) else ceiling - (b or 0)
        lowest = None if others_high is None else -others_high  # of sign × figure
        highest = None if others_low is None else -others_low
        if sign < 0:
            lowest, highest = (
                None if highest is None else -highest,
                None if lowest is None else -lowest,
            )
        if lowest is not None and lowest > low[n]:
            low[n] = lowest
            changed = True
        top = high[n]
        if highest is not None and (top is None or highest < top):
            high[n] = highest
            changed = True
    return changed


def _pinned(
    values: Sequence[Sequence[int]], ranges: dict[tuple[int, int], tuple[int, int | None]]
) -> list[tuple[int, int]]:
    """The hidden cells (those in `ranges`) of a table with known row and column sums whose
    value those sums pin down, in table order.

    The sums stay the same when values move around a cycle of hidden cells (+1 in a row,
    -1 in that cell's column, +1 in that column's other cell's row...). Every other table
    agreeing with the sums is reached by such cycles, so a cell can be worked out exactly when
    no cycle through it can move it up or down within its range. As a graph: rows and
    columns are nodes, a cell that can go up links its row to its column, a cell that can go
    down its column to its row; a cell can go up when its column leads back to its row
    without it, and down the other way.
    """
    up = {(r, c) for (r, c), (_, top) in ranges.items() if top is None or values[r][c] < top}
    down = {(r, c) for (r, c), (lowest, _) in ranges.items() if values[r][c] > lowest}

    def leads(start: tuple[str, int], goal: tuple[str, int], without: tuple[int, int]) -> bool:
        seen, todo = {start}, [start]
        while todo:
            kind, index = todo.pop()
            if (kind, index) == goal:
                return True
            if kind == "row":
                nexts = [("column", c) for r, c in up if r == index and (r, c) != without]
            else:
                nexts = [("row", r) for r, c in down if c == index and (r, c) != without]
            for node in nexts:
                if node not in seen:
                    seen.add(node)
                    todo.append(node)
        return False

    return [
        (r, c)
        for r, c in sorted(ranges)
        if not (
            ((r, c) in up and leads(("column", c), ("row", r), (r, c)))
            or ((r, c) in down and leads(("row", r), ("column", c), (r, c)))
        )
    ]
