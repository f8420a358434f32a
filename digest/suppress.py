"""Small-group suppression: counts that could single out a resident are never shown.

Primary suppression: a count above zero and under the minimum group size `t` is hidden (shown
"< t"); zeros are shown. Secondary (complementary) suppression protects hidden counts from
subtraction: staff can see or work out the totals (a breakdown's, a cross-tabulation's rows
and columns), and the hidden counts of a line add up to its total minus the shown ones. What
staff know of a hidden count: a primary one is 1 to t - 1, a secondary one (shown "n.c.", see
`Cell.shown`) is t or more. A hidden count that these facts pin to one value gets company:
the smallest shown non-zero count of its line is hidden too, until none is pinned.

- A line (`protect_line`): a hidden count is pinned when the others' ranges leave it one
  value. So a line never hides exactly one count, nor, say, two whose sum is 2.
- A table (`protect_table`): rows and columns constrain each other, so lines are not
  checked one by one (two hidden cells per line can still be pinned all together): a
  hidden cell has play when values can move around a cycle of hidden cells through it
  (see `_pinned`). A cell alone in its row or column is always pinned, and its line's
  smallest other non-zero cell is hidden first, as the classic rule does.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.model import Cell


def primary(value: int, threshold: int) -> Cell:
    """A count, hidden if it is above zero and under `threshold`."""
    return Cell(value, suppressed=0 < value < threshold, threshold=threshold)


def exposed(values: Sequence[int], hidden: Sequence[bool], threshold: int) -> bool:
    """Whether some hidden count of a line with a known total can be worked out exactly."""
    # What staff know of each hidden count: (lowest, highest or None for no upper bound).
    bounds: list[tuple[int, int | None]] = []
    remainder = 0  # what the hidden counts add up to: the total minus the shown counts
    for value, masked in zip(values, hidden, strict=True):
        if masked:
            remainder += value
            bounds.append((1, threshold - 1) if value < threshold else (threshold, None))
    low_sum = sum(low for low, _ in bounds)
    unbounded = sum(1 for _, high in bounds if high is None)
    high_sum = sum(high for _, high in bounds if high is not None)
    for low, high in bounds:
        # This count's range, given the others' ranges and the remainder they share.
        most = remainder - (low_sum - low)
        if high is not None:
            most = min(most, high)
        least = low
        if unbounded - (high is None) == 0:  # the others are all bounded above
            least = max(low, remainder - (high_sum - (high or 0)))
        if least >= most:
            return True
    return False


def _widen(values: Sequence[int], hidden: list[bool], threshold: int) -> int | None:
    """The index of the count to hide next in an exposed line (None: nothing left to hide)."""
    if not exposed(values, hidden, threshold):
        return None
    candidates = [
        (value, index)
        for index, (value, masked) in enumerate(zip(values, hidden, strict=True))
        if value > 0 and not masked
    ]
    return min(candidates)[1] if candidates else None


def protect_line(values: Sequence[int], threshold: int) -> list[Cell]:
    """The counts of a line whose total is known, with primary and secondary suppression."""
    hidden = [0 < value < threshold for value in values]
    while (index := _widen(values, hidden, threshold)) is not None:
        hidden[index] = True
    return [Cell(value, masked, threshold) for value, masked in zip(values, hidden, strict=True)]


def protect_table(table: Sequence[Sequence[int]], threshold: int) -> list[list[Cell]]:
    """A cross-tabulation whose row and column totals are known, with both suppressions."""
    width = len(table[0]) if table else 0
    if any(len(row) != width for row in table):
        raise ValueError("a cross-tabulation needs rows of the same length")
    hidden = {
        (r, c)
        for r, row in enumerate(table)
        for c, value in enumerate(row)
        if 0 < value < threshold
    }
    while pinned := _pinned(table, hidden, threshold):
        index = _complement(table, hidden, pinned[0])
        if index is None:
            break  # nothing left to hide: the margins' own suppression has to do
        hidden.add(index)
    return [
        [Cell(value, (r, c) in hidden, threshold) for c, value in enumerate(row)]
        for r, row in enumerate(table)
    ]


def _pinned(
    table: Sequence[Sequence[int]], hidden: set[tuple[int, int]], threshold: int
) -> list[tuple[int, int]]:
    """The hidden cells whose value the row and column totals pin down, in table order.

    The totals stay the same when values move around a cycle of hidden cells (+1 in a row,
    -1 in that cell's column, +1 in that column's other cell's row...). Every other table
    agreeing with the totals is reached by such cycles, so a cell can be worked out exactly
    when no cycle through it can move it up or down within what staff know of it (1 to t - 1
    for "< t", t or more for "n.c."). As a graph: rows and columns are nodes, a cell that can
    go up links its row to its column, a cell that can go down its column to its row; a cell
    can go up when its column leads back to its row without it, and down the other way.
    """
    up = {(r, c) for r, c in hidden if table[r][c] < threshold - 1 or table[r][c] >= threshold}
    down = {
        (r, c) for r, c in hidden if table[r][c] > (1 if table[r][c] < threshold else threshold)
    }

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
        for r, c in sorted(hidden)
        if not (
            ((r, c) in up and leads(("column", c), ("row", r), (r, c)))
            or ((r, c) in down and leads(("row", r), ("column", c), (r, c)))
        )
    ]


def _complement(
    table: Sequence[Sequence[int]], hidden: set[tuple[int, int]], cell: tuple[int, int]
) -> tuple[int, int] | None:
    """The cell to hide next for a pinned `cell`: the smallest shown non-zero one nearby.

    First in a line where `cell` is hidden alone, else in its row or column, else anywhere.
    """
    r, c = cell
    row = [(r, other) for other in range(len(table[r]))]
    column = [(other, c) for other in range(len(table))]
    alone = [line for line in (row, column) if sum(place in hidden for place in line) == 1]
    everywhere = [(i, j) for i in range(len(table)) for j in range(len(table[i]))]
    for places in ([p for line in alone for p in line], row + column, everywhere):
        shown = [(table[i][j], (i, j)) for i, j in places if (i, j) not in hidden and table[i][j]]
        if shown:
            return min(shown)[1]
    return None
