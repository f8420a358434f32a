"""/stats shows the same counts of sessions as digests do, exactly."""

from __future__ import annotations

from digest.model import Totals
from digest.stats import ConsultationStats, stats_table


def row(table: str, label: str) -> list[str]:
    [line] = [line for line in table.splitlines() if line.startswith(label)]
    return line.removeprefix(label).split("  ")


def cells(table: str, label: str) -> list[str]:
    return [cell.strip() for cell in row(table, label) if cell.strip()]


def test_counts_of_sessions_are_shown_whatever_their_size():
    # Digests show the completed and abandoned exactly (counts of sessions, like those
    # started): /stats too, so that the two always agree.
    today = Totals(new_participants=2, sessions_started=2, completed=1, abandoned=0, finished=1)
    week = Totals(new_participants=9, sessions_started=9, completed=3, abandoned=6, finished=3)
    ever = Totals(new_participants=40, sessions_started=41, completed=30, abandoned=8, finished=30)
    table = stats_table(ConsultationStats("c", "C", today, week, ever))
    assert cells(table, "Participants") == ["2", "9", "40"]
    assert cells(table, "Commencés") == ["2", "9", "41"]
    assert cells(table, "Terminés") == ["1", "3", "30"]
    assert cells(table, "Abandonnés") == ["0", "6", "8"]
    assert cells(table, "Taux complet") == ["50\u202f%", "33\u202f%", "73\u202f%"]
