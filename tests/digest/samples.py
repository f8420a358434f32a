"""Hand-built digests for the rendering, chart and export tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from digest.model import (
    Breakdown,
    Cell,
    ChoiceResult,
    CrossTab,
    DayCount,
    Digest,
    FunnelStep,
    Period,
    Row,
    TextResult,
    Totals,
)

MIN_GROUP = 5
# Monday 16 November 2026, 08:00 in Paris (UTC+1 in winter), to the next Monday.
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))


def cell(value: int, threshold: int = MIN_GROUP) -> Cell:
    """A count, suppressed like the aggregation does when it is above zero but too small."""
    return Cell(value, 0 < value < threshold, threshold)


def row(code: str, label: str, value: int, favourite: bool = False) -> Row:
    """One labelled count."""
    return Row(code, label, cell(value), favourite)


def choice(step_id: str, theme: str | None, counts: dict[str, int], **extra: Any) -> ChoiceResult:
    """A choice question whose options are labelled after their codes, most chosen first."""
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    rows = [row(code, code.capitalize(), value) for code, value in ranked]
    fields: dict[str, Any] = {
        "question": f"Question {step_id} ?",
        "answered": max(counts.values(), default=0) + 3,
        "skipped": 2,
    }
    fields.update(extra)
    return ChoiceResult(step_id=step_id, theme=theme, rows=rows, **fields)


def make_digest(**changes: Any) -> Digest:
    """A week of the workshop consultation, with every kind of figure; `changes` replace."""
    digest = Digest(
        consultation_id="vivre-ensemble",
        title="Vivre ensemble : lien social, prévention, sécurité",
        period=PERIOD,
        totals=Totals(
            new_participants=42, sessions_started=50, completed=30, abandoned=5, finished=30
        ),
        previous=Totals(
            new_participants=30, sessions_started=53, completed=30, abandoned=4, finished=30
        ),
        funnel=[
            FunnelStep("quartier", "Quartier", cell(50)),
            FunnelStep("profil", "Profil", cell(48)),
            FunnelStep("besoins", "Besoins", cell(40)),
            FunnelStep("freins", "Freins", cell(31)),
            FunnelStep("proposition", "Proposition", cell(30)),
        ],
        breakdowns=[
            Breakdown(
                "quartier",
                "Par quartier",
                [row("bourgogne", "Bourgogne", 30), row("centre", "Centre", 3)],
            ),
            Breakdown("channel", "Par canal", [row("telegram", "Telegram", 47)]),
        ],
        crosstab=CrossTab(
            "Quartier × profil",
            ["Bourgogne", "Centre"],
            ["Habitant", "Usager"],
            [[cell(20), cell(10)], [cell(2), cell(0)]],
        ),
        choices=[
            choice("quartier", "profil", {"bourgogne": 30, "centre": 3}),
            ChoiceResult(
                step_id="besoins",
                question="Avec quels besoins ?",
                theme="besoins",
                answered=40,
                skipped=1,
                rows=[
                    row("lieux", "Des lieux de rencontre ouverts à tous", 25, favourite=True),
                    row("transport", "Des transports le soir", 12),
                    row("autre", "Autre", 2),
                ],
                other_texts=["Un banc devant l'école", "Plus de fêtes de quartier"],
                other_count=2,
                hidden=frozenset({"other_count"}),
                threshold=MIN_GROUP,
            ),
            choice("freins", "freins", {"insecurite": 20, "isolement": 9, "lenteur": 1}),
            choice("objectifs", "objectifs", {"liens": 15, "prevention": 7}),
        ],
        texts=[
            TextResult(
                "proposition",
                "Vos propositions ?",
                "propositions",
                12,
                ["Un café associatif", "Des jardins partagés"],
            )
        ],
        days=[
            DayCount(PERIOD.start.date() + dt.timedelta(days=n), cell(sessions))
            for n, sessions in enumerate([12, 8, 0, 5, 10, 9, 6])
        ],
        min_group_size=MIN_GROUP,
    )
    return dataclasses.replace(digest, **changes)


def with_suppressed_values(digest: Digest, value: int) -> Digest:
    """The same digest with every suppressed count holding `value` instead: cells, and the
    counts that questions mark as hidden."""

    def swap(item: Any) -> Any:
        if isinstance(item, Cell):
            return Cell(value, True, item.threshold) if item.suppressed else item
        if isinstance(item, list):
            return [swap(element) for element in item]
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            changes = {f.name: swap(getattr(item, f.name)) for f in dataclasses.fields(item)}
            if isinstance(item, ChoiceResult):
                changes.update(dict.fromkeys(item.hidden, value))
            return dataclasses.replace(item, **changes)
        return item

    swapped: Digest = swap(digest)
    return swapped
