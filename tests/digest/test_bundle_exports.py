"""A digest's exports say what they hold: every answer until they were made, whatever the
digest's period (the city's working file, to sort and filter; a digest of a past month comes
with today's file, not one cut at the month's end)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from digest.bundle import build_bundle
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import answered

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
# The first half of November, asked for on Thursday 26th at 15:00 in Paris.
FIRST_HALF = Period(
    dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 15, 23, 0, tzinfo=dt.UTC)
)
NOW = dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)


async def test_a_past_periods_exports_are_named_after_the_day_they_were_made(tmp_path: Path):
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await answered(store, CONSULTATION, 3, dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
        await answered(store, CONSULTATION, 2, dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
        bundle = await build_bundle(store, [CONSULTATION], FIRST_HALF, heading="Synthèse.", now=NOW)
    csv_file, xlsx_file = bundle.exports
    # Not "vivre-ensemble-2026-11-16.csv", a day after the period, with answers of the 20th.
    assert csv_file.filename == "vivre-ensemble-reponses-au-2026-11-26.csv"
    assert xlsx_file.filename == "vivre-ensemble-reponses-au-2026-11-26.xlsx"
    title = CONSULTATION.title.fr
    assert csv_file.title == (
        f"{title} — toutes les réponses depuis l'ouverture, au jeu. 26/11/2026 15:00 (CSV)"
    )
    assert xlsx_file.title.endswith("au jeu. 26/11/2026 15:00 (XLSX)")
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode("utf-8-sig")), delimiter=";"))
    assert [row["début"][:10] for row in rows] == ["2026-11-02"] * 3 + ["2026-11-20"] * 2
    # The digest itself still covers its period only.
    assert "Parcours commencés\u202f: 3" in bundle.plain
