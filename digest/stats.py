"""The one-screen summary staff ask for with /stats: today, 7 days and ever, per consultation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digest import notes, texts
from digest.aggregate import build_totals
from digest.model import Period, Totals, completion_rate
from digest.texts import DEFAULT_TIMEZONE
from flows.model import Consultation
from storage.base import Channel, ReportStore

EVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before any answer this code could have stored


@dataclass(frozen=True)
class ConsultationStats:
    """Headline figures of one consultation over three windows ending now."""

    consultation_id: str
    title: str
    today: Totals
    week: Totals
    ever: Totals
    # The paper forms among each window's sessions started (today, week, ever): complete by
    # nature, left out of the completion rate as digests leave them out.
    paper: tuple[int, int, int] = (0, 0, 0)


async def consultation_stats(
    store: ReportStore,
    consultations: Sequence[Consultation],
    now: dt.datetime,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    abandon_after_hours: int = 48,
) -> list[ConsultationStats]:
    """Totals since local midnight, over the last 7 days and ever, for each consultation."""
    local = now.astimezone(ZoneInfo(timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    windows = {
        "today": midnight.astimezone(dt.UTC),
        "week": now - dt.timedelta(days=7),
        "ever": EVER,
    }
    found: list[ConsultationStats] = []
    for consultation in consultations:
        totals: dict[str, Totals] = {}
        paper: dict[str, int] = {}
        for name, start in windows.items():
            if start >= now:
                totals[name], paper[name] = Totals(0, 0, 0, 0, 0), 0
                continue
            totals[name] = await build_totals(
                store,
                consultation,
                Period(start, now),
                abandon_after=dt.timedelta(hours=abandon_after_hours),
            )
            # What the digest reads for its rate: the paper sessions started in the window.
            by_channel = await store.steps_reached_by_channel(
                consultation.id, start, now, [Channel.PAPER]
            )
            paper[name] = by_channel[Channel.PAPER].get(None, 0)
        found.append(
            ConsultationStats(
                consultation.id,
                consultation.title.get("fr"),
                totals["today"],
                totals["week"],
                totals["ever"],
                (paper["today"], paper["week"], paper["ever"]),
            )
        )
    return found


def rate(totals: Totals, paper: int = 0) -> str:
    """The digest's completion rate (paper forms left out), "–" without any other session."""
    found = completion_rate(totals, paper)
    return "–" if found is None else texts.percent(found)


def rate_note(stats: ConsultationStats) -> str | None:
    """What the rate leaves out, when paper forms were imported in one of the windows."""
    return notes.STATS_RATE_NO_PAPER if any(stats.paper) else None


def stats_table(stats: ConsultationStats) -> str:
    """A fixed-width table (for a monospace block) of one consultation's figures.

    Every figure is a count of sessions or participants, shown exactly whatever its size, and
    written as in digests ("1 234", "87 %", with narrow no-break spaces)."""
    windows = (stats.today, stats.week, stats.ever)
    rows: list[tuple[str, ...]] = [("", *notes.STATS_COLUMNS)]
    for field in ("new_participants", "sessions_started", "completed", "abandoned"):
        values = (texts.number(getattr(t, field)) for t in windows)
        rows.append((notes.STATS_LABELS[field], *values))
    rates = (rate(t, paper) for t, paper in zip(windows, stats.paper, strict=True))
    rows.append((notes.STATS_LABELS["rate"], *rates))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        row[0].ljust(widths[0])
        + "".join(value.rjust(width + 2) for value, width in zip(row[1:], widths[1:], strict=True))
        for row in rows
    ]
    return "\n".join(lines)
