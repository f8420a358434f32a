"""The city's time zone (`consultation.timezone`) in digests, charts and exports."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from digest.bundle import Bundle, build_bundle, export_attachment
from digest.charts import figures
from digest.layout import format_period
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import answered
from tests.digest.samples import make_digest

CAYENNE = "America/Cayenne"  # UTC-3 all year, no summer time
CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
# Monday 16 November 2026, 07:00 UTC: 08:00 in Paris, 04:00 in Cayenne.
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
FIRST = START + dt.timedelta(hours=1)  # the first resident: 05:00 in Cayenne
# When the exports are made: Tuesday 24th 03:00 in Paris, still Monday 23rd 23:00 in Cayenne.
MADE = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV export, by column."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def explained(book: openpyxl.Workbook) -> dict[str, str]:
    """What the questions sheet says of each column."""
    return {row[0]: row[1] for row in book["questions"].iter_rows(min_row=2, values_only=True)}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Bundle]:
    """The same week of six residents, as Cayenne and as Paris read it."""

    async def build() -> dict[str, Bundle]:
        async with SqliteStore(tmp_path_factory.mktemp("zone") / "parole.sqlite3") as store:
            await answered(store, CONSULTATION, 6, FIRST)
            return {
                zone: await build_bundle(
                    store, [CONSULTATION], PERIOD, heading="Synthèse.", timezone=zone, now=MADE
                )
                for zone in (CAYENNE, "Europe/Paris")
            }

    return asyncio.run(build())


def test_the_period_is_read_in_the_city_zone() -> None:
    assert format_period(make_digest()) == "du lun. 16/11 08:00 au lun. 23/11 08:00"
    assert format_period(make_digest(timezone=CAYENNE)) == (
        "du lun. 16/11 04:00 au lun. 23/11 04:00"
    )


def test_a_chart_subtitle_gives_the_period_in_the_city_zone() -> None:
    [(_, figure), *_] = figures(make_digest(timezone=CAYENNE))
    drawn = " ".join(text.get_text().replace("\n", " ") for text in figure.texts)
    assert "du lun. 16/11 04:00 au lun. 23/11 04:00" in drawn


def test_a_digest_bundle_in_cayenne(bundles: dict[str, Bundle]) -> None:
    bundle = bundles[CAYENNE]
    assert "du lun. 16/11 04:00 au lun. 23/11 04:00" in bundle.plain
    assert "du lun. 16/11 04:00 au lun. 23/11 04:00" in bundle.telegram[0]
    exports = {attachment.filename: attachment.content for attachment in bundle.exports}
    # The day in the file names is the city's: 23:00 on the 23rd in Cayenne.
    assert set(exports) == {
        "vivre-ensemble-reponses-au-2026-11-23.csv",
        "vivre-ensemble-reponses-au-2026-11-23.xlsx",
    }
    assert bundle.exports[0].title.endswith("au lun. 23/11/2026 23:00 (CSV)")
    rows = csv_rows(exports["vivre-ensemble-reponses-au-2026-11-23.csv"])
    assert rows[0]["début"] == "2026-11-16T05:00:00-03:00"
    book = workbook(exports["vivre-ensemble-reponses-au-2026-11-23.xlsx"])
    first = next(book["réponses"].iter_rows(min_row=2, values_only=True))
    assert first[4] == dt.datetime(2026, 11, 16, 5, 0)  # Cayenne wall clock
    assert explained(book)["début"] == (
        "début du parcours (heure locale, America/Cayenne) ; questionnaire papier : quand il a "
        "été importé"
    )
    assert "heure de Paris" not in " ".join(explained(book).values())


def test_paris_keeps_its_wording(bundles: dict[str, Bundle]) -> None:
    bundle = bundles["Europe/Paris"]
    assert "du lun. 16/11 08:00 au lun. 23/11 08:00" in bundle.plain
    exports = {attachment.filename: attachment.content for attachment in bundle.exports}
    assert csv_rows(exports["vivre-ensemble-reponses-au-2026-11-24.csv"])[0]["début"] == (
        "2026-11-16T09:00:00+01:00"
    )
    assert bundle.exports[0].title.endswith("au mar. 24/11/2026 03:00 (CSV)")
    book = workbook(exports["vivre-ensemble-reponses-au-2026-11-24.xlsx"])
    assert explained(book)["début"].startswith("début du parcours (heure de Paris) ; ")
    assert explained(book)["fin"] == (
        "fin du parcours (heure de Paris), vide s'il n'est pas terminé"
    )


async def test_an_export_on_its_own_in_the_city_zone(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await answered(store, CONSULTATION, 1, FIRST)
        csv_file = await export_attachment(store, CONSULTATION, "csv", MADE, timezone=CAYENNE)
        xlsx_file = await export_attachment(store, CONSULTATION, "xlsx", MADE, timezone=CAYENNE)
    assert csv_rows(csv_file.content)[0]["fin"] == "2026-11-16T05:00:00-03:00"
    first = next(workbook(xlsx_file.content)["réponses"].iter_rows(min_row=2, values_only=True))
    assert first[5] == dt.datetime(2026, 11, 16, 5, 0)


async def test_an_unknown_zone_makes_no_export(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        with pytest.raises(Exception, match="Mars"):
            await export_attachment(store, CONSULTATION, "csv", MADE, timezone="Europe/Mars")
