"""Exports of a text staff hid (moderation) or that disclosed violence (safeguarding): the
answer stays, its text is replaced by one mark whatever the reason."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped]

from digest.exports import export_csv, export_xlsx
from flows.model import Consultation
from flows.state import Answer
from storage.base import Flag
from storage.sqlite import SqliteStore
from storage.sqlite_reports import WITHHELD_TEXT
from tests.digest.test_exports import EXPECTED_HEADERS, WINTER, consultation, read_csv
from tests.storage.helpers import make_turn

__all__ = ["consultation"]  # the every-kind consultation fixture, shared


async def test_a_hidden_text_is_replaced_in_csv_and_xlsx(
    consultation: Consultation, tmp_path: Path
):
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        sids = []
        for number in range(2):
            participant = await store.participant(f"pseudo-{number}", WINTER)
            answers = {
                "publics": Answer(choices=["femmes", "autre"], text=f"M. Martin {number}"),
                "idee": Answer(text=f"Le voisin {number} est un ..."),
            }
            turn = make_turn(participant.id, consultation_id="every-kind", saved=answers)
            sids.append(await store.commit(turn))
        assert await store.hide_text(sids[0], "publics", WINTER)
        assert await store.hide_text(sids[0], "idee", WINTER)
        assert await export_csv(store, consultation, tmp_path / "a.csv") == 2
        assert await export_xlsx(store, consultation, tmp_path / "a.xlsx") == 2
    hidden, shown = read_csv(tmp_path / "a.csv")[1:]
    column = EXPECTED_HEADERS.index
    assert hidden[column("publics")] == shown[column("publics")], "the choices still count"
    assert hidden[column("publics_autre")] == WITHHELD_TEXT
    assert hidden[column("idee")] == WITHHELD_TEXT
    assert (shown[column("publics_autre")], shown[column("idee")]) == (
        "M. Martin 1",
        "Le voisin 1 est un ...",
    )
    sheet = load_workbook(tmp_path / "a.xlsx")["réponses"]
    cells = [cell.value for cell in sheet[2]]
    assert cells[column("idee")] == cells[column("publics_autre")] == WITHHELD_TEXT
    assert "M. Martin 0" not in str(cells)


async def test_a_flagged_row_looks_like_a_moderated_one(consultation: Consultation, tmp_path: Path):
    # Row 1's text disclosed violence, row 2's was hidden by staff, row 3's is plain: the
    # first two read the same, so a row never says that its resident disclosed.
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        sids = []
        for number, text in enumerate(["mon mari me frappe", "le voisin du 3e", "un banc"]):
            participant = await store.participant(f"pseudo-{number}", WINTER)
            answers = {"idee": Answer(text=text)}
            turn = make_turn(participant.id, consultation_id="every-kind", saved=answers)
            sids.append(await store.commit(turn))
        await store.add_flags([Flag("domestic", "idee")], "every-kind", sids[0], WINTER)
        assert await store.hide_text(sids[1], "idee", WINTER)
        await export_csv(store, consultation, tmp_path / "a.csv")
        await export_xlsx(store, consultation, tmp_path / "a.xlsx")
    column = EXPECTED_HEADERS.index("idee")
    rows = read_csv(tmp_path / "a.csv")[1:]
    assert [row[column] for row in rows] == [WITHHELD_TEXT, WITHHELD_TEXT, "un banc"]
    sheet = load_workbook(tmp_path / "a.xlsx")["réponses"]
    assert [sheet.cell(row, column + 1).value for row in (2, 3, 4)] == [
        WITHHELD_TEXT,
        WITHHELD_TEXT,
        "un banc",
    ]
    content = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert "signalement" not in content and "frappe" not in content
