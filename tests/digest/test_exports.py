"""CSV and XLSX exports: one row per session, one column per step, nothing evaluated."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from digest.exports import (
    export_csv,
    export_xlsx,
    headers,
    neutralise,
    write_csv,
    write_xlsx,
)
from flows.loader import load_consultation
from flows.model import Consultation
from flows.state import Answer
from storage.base import Channel, ExportedSession, Status
from storage.sqlite import SqliteStore
from tests.storage.helpers import make_turn

FIXTURE = Path(__file__).parents[1] / "flows" / "fixtures" / "every-kind.toml"
INJECTIONS = ["=1+1", "+33 6", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", "  =HYPERLINK(1)"]
# Winter: Paris is UTC+1; summer: UTC+2.
WINTER = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 6, 16, 0, tzinfo=dt.UTC)
# A scale's column says what its numbers mean (its cells are plain numbers).
NOTE = "note (1 = pas du tout … 5 = tout à fait)"
EXPECTED_HEADERS = [
    "parcours",
    "participant",
    "canal",
    "statut",
    "début",
    "fin",
    "age",
    "age_autre",
    "publics",
    "publics_autre",
    "local",
    "idee",
    NOTE,
    "suivi",
    "moyen",
    "frein",
]


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    """Every kind of step: single and multi with "Autre", yes/no, text, scale."""
    return load_consultation(FIXTURE)


def session(sid: int, pid: int, answers: dict[str, Answer], **changes: Any) -> ExportedSession:
    """An exported session of the every-kind consultation."""
    plain = ExportedSession(
        session_id=sid,
        participant_id=pid,
        consultation_id="every-kind",
        channel=Channel.TELEGRAM,
        status=Status.ACTIVE,
        created_at=WINTER,
        updated_at=WINTER,
        completed_at=None,
        answers=answers,
    )
    return dataclasses.replace(plain, **changes)


def sessions() -> list[ExportedSession]:
    """A completed session, one with "Autre" and skips, an empty one, another consultation's."""
    return [
        session(
            1,
            7,
            {
                "age": Answer(choices=["jeune"]),
                "publics": Answer(choices=["femmes", "aines", "autre"], text="les voisins"),
                "local": Answer(choices=["yes"]),
                "idee": Answer(text="Un jardin ; partagé"),
                "note": Answer(choices=["4"]),
                "suivi": Answer(choices=["no"]),
            },
            status=Status.COMPLETED,
            completed_at=SUMMER,
        ),
        session(
            2,
            8,
            {
                "age": Answer(choices=["autre"], text="=1+1"),
                "publics": Answer(skipped=True),
                "idee": Answer(text="@SUM(A1)"),
                "note": Answer(skipped=True),
            },
            channel=Channel.ASSISTED,
            created_at=SUMMER,
        ),
        session(3, 9, {}, channel=Channel.PAPER),
        session(4, 10, {"age": Answer(choices=["jeune"])}, consultation_id="autre"),
        session(5, 11, {"age": Answer(choices=["ancien"]), "idee": Answer(text="+33 6")}),
    ]


def read_csv(path: Path) -> list[list[str]]:
    """The CSV file's rows, checking the byte order mark Excel needs."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


class TestNeutralise:
    @pytest.mark.parametrize("value", INJECTIONS)
    def test_formula_starts_get_an_apostrophe(self, value):
        assert neutralise(value) == "'" + value

    @pytest.mark.parametrize("value", ["1+1", "Oui", "", "a=b", "'déjà", "3"])
    def test_other_values_are_left_alone(self, value):
        assert neutralise(value) == value


class TestCsv:
    async def test_one_row_per_session_with_labels(self, consultation, tmp_path):
        path = tmp_path / "export.csv"
        assert await write_csv(sessions(), consultation, path) == 4
        rows = read_csv(path)
        assert rows[0] == EXPECTED_HEADERS == headers(consultation)
        assert [row[0] for row in rows[1:]] == ["1", "2", "3", "5"]  # not the other consultation
        first = dict(zip(rows[0], rows[1], strict=True))
        assert first == {
            "parcours": "1",
            "participant": "7",
            "canal": "Telegram",
            "statut": "terminé",
            "début": "2026-01-05T10:30:00+01:00",
            "fin": "2026-07-06T18:00:00+02:00",
            "age": "Moins de 25 ans",
            "age_autre": "",
            "publics": "Les femmes; Les aînés; Autre",
            "publics_autre": "les voisins",
            "local": "Oui",
            "idee": "Un jardin ; partagé",
            NOTE: "4",
            "suivi": "Non",
            "moyen": "",
            "frein": "",
        }

    async def test_skips_autre_and_unreached_steps(self, consultation, tmp_path):
        path = tmp_path / "export.csv"
        await write_csv(sessions(), consultation, path)
        rows = read_csv(path)
        second = dict(zip(rows[0], rows[2], strict=True))
        assert second["age"] == "Autre"
        assert second["age_autre"] == "'=1+1"
        assert second["publics"] == "(passée)" and second["publics_autre"] == ""
        assert second[NOTE] == "(passée)"
        assert second["local"] == "" and second["frein"] == ""  # never reached
        assert second["canal"] == "Saisie par un relais" and second["statut"] == "non terminé"
        assert second["fin"] == ""
        empty = dict(zip(rows[0], rows[3], strict=True))
        assert empty["canal"] == "Questionnaire papier"
        follow_up = {"suivi", "moyen"}
        assert all(empty[step] == "" for step in set(EXPECTED_HEADERS[6:]) - follow_up)
        last = dict(zip(rows[0], rows[4], strict=True))
        assert last["age"] == "ancien"  # an option removed since: its code

    async def test_formula_injection_is_neutralised(self, consultation, tmp_path):
        rows = [
            session(n, n, {"idee": Answer(text=text), "age": Answer(choices=["autre"], text=text)})
            for n, text in enumerate(INJECTIONS, start=1)
        ]
        path = tmp_path / "export.csv"
        await write_csv(rows, consultation, path)
        read = read_csv(path)
        for line, text in zip(read[1:], INJECTIONS, strict=True):
            cells = dict(zip(read[0], line, strict=True))
            assert cells["idee"] == cells["age_autre"] == "'" + text

    async def test_participants_are_the_pseudonymous_integer_only(self, consultation, tmp_path):
        path = tmp_path / "export.csv"
        await write_csv(sessions(), consultation, path)
        rows = read_csv(path)
        assert [row[1] for row in rows[1:]] == ["7", "8", "9", "11"]
        assert not any("telegram" in header.lower() for header in rows[0])
        assert not any("user" in header.lower() for header in rows[0])

    async def test_a_text_stream_and_an_async_source(self, consultation):
        async def source() -> AsyncIterator[ExportedSession]:
            for item in sessions():
                yield item

        out = io.StringIO()
        assert await write_csv(source(), consultation, out) == 4
        assert out.getvalue().startswith("\ufeffparcours;participant;")
        assert out.getvalue().count("\r\n") == 5

    async def test_a_failed_export_leaves_no_file(self, consultation, tmp_path):
        def broken() -> Iterator[ExportedSession]:
            yield sessions()[0]
            raise RuntimeError("storage went away")

        path = tmp_path / "export.csv"
        with pytest.raises(RuntimeError):
            await write_csv(broken(), consultation, path)
        assert list(tmp_path.iterdir()) == []


class TestFrench:
    """A French officer opens the spreadsheet: its column names read French, as its values."""

    async def test_csv_and_xlsx_name_their_columns_in_french(self, consultation, tmp_path):
        await write_csv(sessions(), consultation, tmp_path / "a.csv")
        await write_xlsx(sessions(), consultation, tmp_path / "a.xlsx")
        csv_header = read_csv(tmp_path / "a.csv")[0]
        book = load_workbook(tmp_path / "a.xlsx")
        xlsx_header = [cell.value for cell in book["réponses"][1]]
        described = [row[0] for row in book["questions"].iter_rows(min_row=2, values_only=True)]
        for header in (csv_header, xlsx_header, described):
            assert header[:6] == ["parcours", "participant", "canal", "statut", "début", "fin"]
        english = {"session", "channel", "status", "created_at", "completed_at"}
        assert english.isdisjoint(csv_header)

    async def test_channels_and_statuses_read_plainly(self, consultation, tmp_path):
        # Channels as the digest names them; a session left half-way weeks ago is not "en
        # cours" (the digest counts it abandoned): "non terminé" says both.
        await write_csv(sessions(), consultation, tmp_path / "a.csv")
        rows = read_csv(tmp_path / "a.csv")
        assert [(row[2], row[3]) for row in rows[1:]] == [
            ("Telegram", "terminé"),
            ("Saisie par un relais", "non terminé"),
            ("Questionnaire papier", "non terminé"),
            ("Telegram", "non terminé"),
        ]

    async def test_the_follow_up_question_reads_not_asked_where_it_never_is(
        self, consultation, tmp_path
    ):
        # A paper form and a relay's entry never ask it: not residents who stopped before it.
        # A resident's own chat that has not reached it yet leaves it empty.
        await write_csv(sessions(), consultation, tmp_path / "a.csv")
        await write_xlsx(sessions(), consultation, tmp_path / "a.xlsx")
        rows = read_csv(tmp_path / "a.csv")
        sheet = [list(r) for r in load_workbook(tmp_path / "a.xlsx")["réponses"].values]
        for table in (rows, sheet):
            lines = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
            assert [(line["suivi"], line["moyen"]) for line in lines] == [
                ("Non", None if table is sheet else ""),
                ("(non posée)", "(non posée)"),
                ("(non posée)", "(non posée)"),
                (None, None) if table is sheet else ("", ""),
            ]
        described = {
            row[0]: row[4]
            for row in load_workbook(tmp_path / "a.xlsx")["questions"].iter_rows(values_only=True)
        }
        assert "(non posée)" in described["suivi"] and "(non posée)" not in described["local"]


class TestXlsx:
    async def test_pleasant_to_open(self, consultation, tmp_path):
        path = tmp_path / "export.xlsx"
        await write_xlsx(sessions(), consultation, path)
        sheet = load_workbook(path)["réponses"]
        assert sheet.freeze_panes == "B2"  # the header row and the session number stay
        assert sheet.auto_filter.ref == "A1:P5"
        started = sheet["E2"]
        assert started.is_date and started.number_format == "dd/mm/yyyy hh:mm"
        assert sheet.column_dimensions["C"].width >= len("Questionnaire papier")
        assert sheet.column_dimensions["L"].width >= 40  # a written answer ("idee") has room

    async def test_round_trip(self, consultation, tmp_path):
        path = tmp_path / "export.xlsx"
        assert await write_xlsx(sessions(), consultation, path) == 4
        workbook = load_workbook(path)
        assert workbook.sheetnames == ["réponses", "questions"]
        sheet = workbook["réponses"]
        assert sheet.freeze_panes == "B2"
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert list(rows[0]) == EXPECTED_HEADERS
        assert len(rows) == 5  # header + one row per session of this consultation
        first = dict(zip(rows[0], rows[1], strict=True))
        assert first["parcours"] == 1 and first["participant"] == 7
        assert first["début"] == dt.datetime(2026, 1, 5, 10, 30)  # Paris wall clock
        assert first["fin"] == dt.datetime(2026, 7, 6, 18, 0)
        assert first["publics"] == "Les femmes; Les aînés; Autre"
        assert first["publics_autre"] == "les voisins"
        assert first[NOTE] == 4  # a number staff can average
        assert first["local"] == "Oui" and first["suivi"] == "Non"
        second = dict(zip(rows[0], rows[2], strict=True))
        # Residents' words as written: no apostrophe in a typed string cell.
        assert second["age"] == "Autre" and second["age_autre"] == "=1+1"
        assert second["publics"] == "(passée)" and second["fin"] is None
        assert second["idee"] == "@SUM(A1)"
        fifth = dict(zip(rows[0], rows[4], strict=True))
        assert fifth["idee"] == "+33 6"

    async def test_formula_injection_is_neutralised(self, consultation, tmp_path):
        rows = [
            session(n, n, {"idee": Answer(text=text), "age": Answer(choices=["autre"], text=text)})
            for n, text in enumerate(INJECTIONS, start=1)
        ]
        path = tmp_path / "export.xlsx"
        await write_xlsx(rows, consultation, path)
        workbook = load_workbook(path)
        for sheet in workbook.worksheets:
            for line in sheet.iter_rows():
                for cell in line:
                    assert cell.data_type != "f", cell.coordinate  # never a formula
        sheet = workbook["réponses"]
        header = [cell.value for cell in sheet[1]]
        for line, text in zip(sheet.iter_rows(min_row=2), INJECTIONS, strict=True):
            cells = dict(zip(header, line, strict=True))
            for key in ("idee", "age_autre"):
                # A string cell, kept as written (no "'" shown), and marked "quote prefix":
                # Excel neither evaluates it nor turns it into a formula when it is edited.
                assert cells[key].data_type == "s"
                assert cells[key].quotePrefix
                # XLSX stores a carriage return as "_x000D_" (openpyxl does not decode it).
                assert cells[key].value.replace("_x000D_", "\r") == text

    async def test_plain_texts_are_plain_cells(self, consultation, tmp_path):
        rows = [session(1, 1, {"idee": Answer(text="Un jardin"), "age": Answer(choices=["jeune"])})]
        path = tmp_path / "export.xlsx"
        await write_xlsx(rows, consultation, path)
        line = dict(zip(EXPECTED_HEADERS, load_workbook(path)["réponses"][2], strict=True))
        assert line["idee"].value == "Un jardin" and not line["idee"].quotePrefix

    async def test_the_questions_sheet_explains_the_columns(self, consultation, tmp_path):
        path = tmp_path / "export.xlsx"
        await write_xlsx([], consultation, path)
        sheet = load_workbook(path)["questions"]
        described = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert set(described) == set(EXPECTED_HEADERS)
        assert described["publics"][1] == "Quels publics aider en premier\u202f?"
        assert described["publics"][3] == "choix multiple"
        assert described["publics"][4] == "Les femmes; Les jeunes; Les aînés; Les familles; Autre"
        assert described[NOTE][4] == "1 (pas du tout) à 5 (tout à fait)"
        assert "Telegram" in described["participant"][1]  # says there is no Telegram account

    async def test_a_failed_export_leaves_no_file(self, consultation, tmp_path):
        def broken() -> Iterator[ExportedSession]:
            yield sessions()[0]
            raise RuntimeError("storage went away")

        path = tmp_path / "export.xlsx"
        with pytest.raises(RuntimeError):
            await write_xlsx(broken(), consultation, path)
        assert list(tmp_path.iterdir()) == []


async def test_exports_stream_from_a_real_store(consultation, tmp_path):
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number in range(3):
            participant = await store.participant(f"pseudo-{number}", WINTER)
            answers = {"age": Answer(choices=["adulte"]), "idee": Answer(text=f"=idée {number}")}
            await store.commit(
                make_turn(participant.id, consultation_id="every-kind", saved=answers)
            )
        assert await export_csv(store, consultation, tmp_path / "a.csv") == 3
        assert await export_xlsx(store, consultation, tmp_path / "a.xlsx") == 3
    rows = read_csv(tmp_path / "a.csv")
    assert [row[EXPECTED_HEADERS.index("idee")] for row in rows[1:]] == [
        "'=idée 0",
        "'=idée 1",
        "'=idée 2",
    ]
    sheet = load_workbook(tmp_path / "a.xlsx")["réponses"]
    assert [cell.value for cell in sheet["G"]][1:] == ["De 25 à 60 ans"] * 3
