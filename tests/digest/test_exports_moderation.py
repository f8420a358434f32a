"""Exports of a text staff hid (moderation): the answer stays, its text is replaced."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped]

from digest.exports import export_csv, export_xlsx
from flows.model import Consultation
from flows.state import Answer
from storage.moderation import HIDDEN_TEXT
from storage.sqlite import SqliteStore
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
    assert hidden[column("publics_autre")] == HIDDEN_TEXT
    assert hidden[column("idee")] == HIDDEN_TEXT
    assert (shown[column("publics_autre")], shown[column("idee")]) == (
        "M. Martin 1",
        "Le voisin 1 est un ...",
    )
    sheet = load_workbook(tmp_path / "a.xlsx")["réponses"]
    cells = [cell.value for cell in sheet[2]]
    assert cells[column("idee")] == cells[column("publics_autre")] == HIDDEN_TEXT
    assert "M. Martin 0" not in str(cells)
