"""Small-group suppression: primary, zeros, secondary in lines, tables and linked sums."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.model import Cell
from digest.suppress import Disclosure

T = 5  # the default minimum group size


def protect_line(values: Sequence[int], threshold: int = T) -> list[Cell]:
    """A line of counts whose (public) total staff know."""
    guard = Disclosure(threshold)
    figures = [guard.count(value) for value in values]
    guard.add(guard.public(sum(values)), figures)
    guard.protect()
    return [guard.cell(figure) for figure in figures]


def protect_table(table: Sequence[Sequence[int]], threshold: int = T) -> list[list[Cell]]:
    """A cross-tabulation whose row and column totals staff know (all public)."""
    guard = Disclosure(threshold)
    figures = [[guard.count(value) for value in row] for row in table]
    width = len(table[0]) if table else 0
    rows = [guard.public(sum(row)) for row in table]
    columns = [guard.public(sum(row[c] for row in table)) for c in range(width)]
    total = guard.public(sum(map(sum, table)))
    guard.add(total, rows)
    guard.add(total, columns)
    guard.table(figures, rows, columns, total)
    guard.protect()
    return [[guard.cell(figure) for figure in row] for row in figures]


def primary(value: int, threshold: int = T) -> Cell:
    """A count on its own: no sum to protect it from."""
    guard = Disclosure(threshold)
    figure = guard.count(value)
    guard.protect()
    return guard.cell(figure)


def feasible(
    cells: Sequence[Sequence[Cell]], threshold: int, columns_known: bool = True
) -> list[list[set[int]]]:
    """Every value each cell can take for someone who sees the table and its margins.

    They see the shown counts, "< t" on a small hidden count (1 to t - 1), "n.c." on a
    secondary one (t or more), every row total, and the column totals if `columns_known`
    (a breakdown is a single row whose only known total is its own). Brute force over the
    hidden cells, row by row, with the remaining row and column totals as bounds.
    """
    rows, width = len(cells), len(cells[0])
    row_totals = [sum(cell.value for cell in row) for row in cells]
    unknown = 10**6  # a column total nobody sees: no bound
    column_totals = [
        sum(cells[r][c].value for r in range(rows)) if columns_known else unknown
        for c in range(width)
    ]
    hidden = [(r, c) for r in range(rows) for c in range(width) if cells[r][c].suppressed]
    left_in_row = [
        row_totals[r] - sum(cell.value for cell in cells[r] if not cell.suppressed)
        for r in range(rows)
    ]
    left_in_column = [
        column_totals[c] - sum(cells[r][c].value for r in range(rows) if not cells[r][c].suppressed)
        for c in range(width)
    ]
    found: list[list[set[int]]] = [
        [set() if cell.suppressed else {cell.value} for cell in row] for row in cells
    ]
    choice: dict[tuple[int, int], int] = {}

    def bounds(r: int, c: int) -> range:
        low, high = (1, threshold - 1) if cells[r][c].value < threshold else (threshold, None)
        top = min(left_in_row[r], left_in_column[c]) if columns_known else left_in_row[r]
        return range(low, (top if high is None else min(top, high)) + 1)

    def search(index: int) -> None:
        if index == len(hidden):
            columns_done = not columns_known or all(v == 0 for v in left_in_column)
            if all(v == 0 for v in left_in_row) and columns_done:
                for (r, c), value in choice.items():
                    found[r][c].add(value)
            return
        r, c = hidden[index]
        last_in_row = all(other[0] != r for other in hidden[index + 1 :])
        for value in bounds(r, c):
            if last_in_row and value != left_in_row[r]:
                continue
            choice[r, c] = value
            left_in_row[r] -= value
            left_in_column[c] -= value
            search(index + 1)
            left_in_row[r] += value
            left_in_column[c] += value
        choice.pop((r, c), None)

    search(0)
    return found


def assert_nothing_recoverable(
    cells: Sequence[Sequence[Cell]], threshold: int = T, columns_known: bool = True
) -> None:
    """No hidden count has a single possible value given the margins."""
    for r, row in enumerate(feasible(cells, threshold, columns_known)):
        for c, values in enumerate(row):
            if cells[r][c].suppressed:
                assert cells[r][c].value in values
                assert len(values) > 1, f"cell ({r}, {c}) = {cells[r][c].value} is recoverable"


def recoverable(
    cells: Sequence[Sequence[Cell]], threshold: int = T, columns_known: bool = True
) -> set[tuple[int, int]]:
    """The hidden counts with a single possible value given the margins."""
    return {
        (r, c)
        for r, row in enumerate(feasible(cells, threshold, columns_known))
        for c, values in enumerate(row)
        if cells[r][c].suppressed and len(values) == 1
    }


def hide_everything(cells: Sequence[Sequence[Cell]]) -> list[list[Cell]]:
    """The same counts with every non-zero one hidden: what no suppression can protect is
    recoverable even then (say, the only non-zero count of a line)."""
    return [[Cell(cell.value, cell.value > 0, cell.threshold) for cell in row] for row in cells]


def masks(cells: Sequence[Sequence[Cell]]) -> list[list[bool]]:
    """Which cells are hidden."""
    return [[cell.suppressed for cell in row] for row in cells]


class TestPrimary:
    """A single count."""

    def test_small_counts_are_hidden_zeros_and_large_are_shown(self) -> None:
        assert primary(0, T) == Cell(0, False, T)
        assert primary(0, T).shown() == "0"
        for value in range(1, T):
            assert primary(value, T) == Cell(value, True, T)
            assert primary(value, T).shown() == "<\u202f5"
        assert primary(T, T).shown() == "5"
        assert primary(120, T).shown() == "120"

    def test_a_secondary_count_is_not_called_small(self) -> None:
        # Hidden to protect a small one, it is not under the threshold: "< 5" would lie.
        assert Cell(12, True, T).shown() == "n.c."


class TestLine:
    """A breakdown or single-answer question: its total is known."""

    def test_nothing_small_nothing_hidden(self) -> None:
        assert [c.suppressed for c in protect_line([0, 10, 20, 0], T)] == [False] * 4

    def test_a_lone_small_count_takes_the_smallest_other_with_it(self) -> None:
        cells = protect_line([1, 30, 10, 0], T)
        assert [c.suppressed for c in cells] == [True, False, True, False]
        assert [c.shown() for c in cells] == ["<\u202f5", "30", "n.c.", "0"]

    def test_two_small_counts_with_some_play_are_enough(self) -> None:
        # Together they are 5: either may be 1 to 4.
        assert [c.suppressed for c in protect_line([2, 3, 40], T)] == [True, True, False]

    @pytest.mark.parametrize("values", [[1, 1, 40], [4, 4, 40]])
    def test_small_counts_pinned_by_their_sum_are_not_enough(self, values: list[int]) -> None:
        # 1 + 1 = 2 (or 4 + 4 = 8) leaves each a single possible value.
        assert [c.suppressed for c in protect_line(values, T)] == [True, True, True]

    def test_a_secondary_count_right_at_the_threshold_is_not_enough(self) -> None:
        # 1 and 5 hidden, sum 6: "n.c." means at least 5, so the small one is 1. The 20
        # leaves it room (1 to 4) on its own: the 5 can stay.
        cells = protect_line([1, 5, 20], T)
        assert [c.suppressed for c in cells] == [True, False, True]

    def test_nothing_left_to_hide_stops(self) -> None:
        # The total is itself small: nothing else to hide, the line stays as it is.
        assert [c.suppressed for c in protect_line([3, 0, 0], T)] == [True, False, False]

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.integers(0, 30), min_size=1, max_size=8))
    def test_no_hidden_count_is_recoverable_from_the_total(self, values: list[int]) -> None:
        cells = protect_line(values, T)
        assert [cell.value for cell in cells] == values
        assert all(cell.suppressed for cell in cells if 0 < cell.value < T)
        found = recoverable([cells], columns_known=False)
        if found:  # only what nothing could have protected
            assert found <= recoverable(hide_everything([cells]), columns_known=False)


class TestTable:
    """A cross-tabulation: row and column totals are known (they are the breakdowns)."""

    def test_primary_only_when_already_safe(self) -> None:
        table = [[2, 3, 20], [3, 2, 20], [20, 20, 20]]
        cells = protect_table(table, T)
        assert masks(cells) == [
            [True, True, False],
            [True, True, False],
            [False, False, False],
        ]
        assert_nothing_recoverable(cells)

    def test_zeros_are_shown(self) -> None:
        cells = protect_table([[0, 12], [7, 0]], T)
        assert [[c.shown() for c in row] for row in cells] == [["0", "12"], ["7", "0"]]

    def test_secondary_suppression_spreads_until_no_cell_can_be_recovered(self) -> None:
        table = [
            [1, 12, 30, 9],
            [14, 20, 25, 8],
            [6, 17, 2, 40],
        ]
        cells = protect_table(table, T)
        hidden = masks(cells)
        # The two small cells, then their complements, then the complements' own lines.
        assert hidden[0][0] and hidden[2][2]
        assert sum(map(sum, hidden)) > 2
        for line in [*hidden, *zip(*hidden, strict=True)]:
            assert sum(line) != 1, "a line with one hidden cell gives it away"
        assert_nothing_recoverable(cells)
        # Without the secondary cells, the margins would give the small ones away.
        primary_only = [[primary(v, T) for v in row] for row in table]
        with pytest.raises(AssertionError, match="recoverable"):
            assert_nothing_recoverable(primary_only)

    def test_ones_in_a_square_are_pinned_by_their_sums(self) -> None:
        # Rows and columns each hide two cells, but 1 + 1 = 2 leaves them no play.
        table = [[1, 1, 20], [1, 1, 20], [30, 30, 30]]
        cells = protect_table(table, T)
        assert sum(map(sum, masks(cells))) > 4
        assert_nothing_recoverable(cells)

    def test_cells_pinned_only_by_rows_and_columns_together(self) -> None:
        # Every line hides two cells with play of their own, yet the six equations together
        # leave a single solution (found by hypothesis): a cycle search catches it.
        table = [[1, 2, 5], [2, 5, 2], [5, 2, 1]]
        assert_nothing_recoverable(protect_table(table, T))

    def test_ragged_tables_are_refused(self) -> None:
        guard = Disclosure(T)
        total = guard.public(6)
        rows = [guard.count(3), guard.count(3)]
        with pytest.raises(ValueError, match="one total per row and per column"):
            guard.table([[guard.count(1), guard.count(2)], [guard.count(3)]], rows, rows, total)

    @settings(max_examples=150, deadline=None)
    @given(
        st.integers(2, 3).flatmap(
            lambda width: st.lists(
                st.lists(st.integers(0, 12), min_size=width, max_size=width),
                min_size=2,
                max_size=3,
            )
        )
    )
    def test_no_hidden_cell_is_recoverable_from_the_margins(self, table: list[list[int]]) -> None:
        cells = protect_table(table, T)
        for row, values in zip(cells, table, strict=True):
            for cell, value in zip(row, values, strict=True):
                assert cell.value == value
                assert cell.suppressed or not 0 < value < T
        found = recoverable(cells)
        if found:  # only what nothing could have protected
            assert found <= recoverable(hide_everything(cells))


class TestLinked:
    """Counts printed in several places and groups worked out by subtraction."""

    def test_public_figures_are_never_hidden(self) -> None:
        guard = Disclosure(T)
        started = guard.public(3)
        guard.add(started, [guard.count(3)])
        guard.protect()
        assert guard.cell(started) == Cell(3, False, T)

    def test_a_count_pinned_by_public_figures_whatever_is_hidden_is_not_fought_for(self) -> None:
        # The only non-zero row of a breakdown is the total: hiding it, or its neighbours in
        # other sums, would protect nothing.
        guard = Disclosure(T)
        total = guard.public(10)
        rows = [guard.count(10), guard.count(0)]
        guard.add(total, rows)
        answered = guard.count(10)
        guard.add(answered, [rows[0]])
        guard.protect()
        assert [guard.cell(row).suppressed for row in rows] == [False, False]
        assert not guard.cell(answered).suppressed

    def test_a_group_worked_out_by_subtraction_protects_the_counts_it_is_part_of(
        self,
    ) -> None:
        # 10 started, 9 reached the profile question: 1 did not. With no skip, those with no
        # profile are those who did not reach it: the 9 would give the hidden 1 away.
        guard = Disclosure(T)
        started, reached, skipped, no_profile = (
            guard.public(10),
            guard.count(9),
            guard.count(0),
            guard.count(1),
        )
        missing = guard.rest(started, [reached])
        assert missing is not None and guard.value(missing) == 1
        guard.add(no_profile, [skipped, missing])
        guard.protect()
        assert guard.cell(no_profile).shown() == "<\u202f5"
        assert guard.cell(reached).shown() == "n.c."

    def test_a_group_is_not_hidden_for_itself(self) -> None:
        # The digest's groups are its printed counts: 10 started and 9 reached a question
        # say that 1 did not, which no printed count hides.
        guard = Disclosure(T)
        started, reached = guard.public(10), guard.count(9)
        guard.rest(started, [reached])
        guard.protect()
        assert not guard.cell(reached).suppressed

    def test_a_count_printed_twice_is_protected_in_both_sums(self) -> None:
        # The profile breakdown [9 lives there, 1 no answer] and the question's answers,
        # 9 = the same "lives there" count: the answers would give the 9, hence the 1, away.
        guard = Disclosure(T)
        total = guard.public(10)
        lives, no_answer = guard.count(9), guard.count(1)
        guard.add(total, [lives, no_answer])
        answered = guard.count(9)
        guard.add(answered, [lives])
        guard.protect()
        assert [guard.cell(f).shown() for f in (lives, no_answer, answered)] == [
            "n.c.",
            "<\u202f5",
            "n.c.",
        ]

    def test_quotes_count_as_knowledge(self) -> None:
        # 3 and 1 hidden with their sum known: 1 to 3 each, until 3 quotes say "at least 3".
        def shown(at_least: int) -> list[str]:
            guard = Disclosure(T)
            figures = [guard.count(3, at_least=at_least), guard.count(1), guard.count(30)]
            guard.add(guard.public(34), figures)
            guard.protect()
            return [guard.cell(figure).shown() for figure in figures]

        assert shown(0) == ["<\u202f5", "<\u202f5", "30"]
        assert shown(3) == ["<\u202f5", "<\u202f5", "n.c."]

    def test_a_hidden_breakdown_row_is_hidden_in_the_table_too(self) -> None:
        # Quartiers A, B, C by two profiles. A (1) is small, B (7) hidden to protect it; the
        # table's row B, [7, 0], would say B is 7, hence A is 1.
        guard = Disclosure(T)
        total = guard.public(38)
        table = [[1, 0], [7, 0], [10, 20]]
        cells = [[guard.count(value) for value in row] for row in table]
        rows = [guard.count(sum(row)) for row in table]
        columns = [guard.count(sum(row[c] for row in table)) for c in range(2)]
        guard.add(total, rows)
        guard.add(total, columns)
        guard.table(cells, rows, columns, total)
        guard.protect()
        assert [guard.cell(row).shown() for row in rows] == ["<\u202f5", "n.c.", "30"]
        assert guard.cell(cells[1][0]).suppressed

    def test_sums_that_do_not_hold_are_refused_or_left_out(self) -> None:
        guard = Disclosure(T)
        total, part = guard.public(10), guard.count(9)
        assert not guard.link(total, [part])
        with pytest.raises(ValueError, match="do not add up"):
            guard.add(total, [part])
        assert guard.rest(part, [total]) is None  # 9 - 10 is no group

    def test_a_table_needs_a_public_total(self) -> None:
        guard = Disclosure(T)
        total = guard.count(2)
        with pytest.raises(ValueError, match="public"):
            guard.table([[guard.count(2)]], [total], [total], total)
