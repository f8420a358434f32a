"""The heading of a digest asked for on demand says the period it really covers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from digest.model import Period
from digest.notes import on_demand_heading
from digest.schedule import on_demand_period

PARIS = ZoneInfo("Europe/Paris")


def test_a_week_ending_on_a_chosen_day_is_not_the_last_seven_days():
    # `parole digest --until 2026-11-26` with no digest sent: the 7 days before the end of
    # the 26th, in Paris, whatever today is.
    until = dt.datetime(2026, 11, 27, tzinfo=PARIS)
    heading = on_demand_heading(on_demand_period(None, until), None)
    assert heading == (
        "📬 Synthèse à la demande sur 7 jours, du ven. 20/11/2026 00:00 au ven. 27/11/2026 00:00 "
        "(aucune synthèse envoyée)."
    )
    assert "derniers" not in heading


def test_since_the_last_digest_says_until_when():
    last = dt.datetime(2026, 11, 23, 8, tzinfo=PARIS)
    now = dt.datetime(2026, 11, 24, 10, tzinfo=PARIS)
    heading = on_demand_heading(Period(last.astimezone(dt.UTC), now.astimezone(dt.UTC)), last)
    assert heading == (
        "📬 Synthèse à la demande, depuis la dernière synthèse envoyée (lun. 23/11/2026 08:00) "
        "jusqu'au mar. 24/11/2026 10:00."
    )
