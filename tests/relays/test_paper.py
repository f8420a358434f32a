"""Paper questionnaires: the template, row and column errors, all or nothing (CLI too)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from flows import paper
from flows.loader import BUILTIN_DIR, load_consultation
from flows.paper import Problem
from flows.state import Answer
from storage.sqlite import SqliteStore
from storage.sqlite_reports import WITHHELD_TEXT
from tests.digest.residents import full_answers
from tests.relays.world import CONSULTATIONS, small_consultation

GOOD = {"quartier": "pont", "publics": "jeunes,autre", "publics_autre": "les voisins", "note": "4"}


def test_the_template_has_a_column_per_question_and_a_legend():
    c = small_consultation()
    assert paper.template_csv(c).strip() == "quartier;publics;publics_autre;precision;note"
    legend = paper.legend(c)
    assert "[publics] Qui est concerné\u202f? (obligatoire)" in legend
    assert "    jeunes = Les jeunes" in legend and "au plus 2" in legend
    assert "seulement si publics contient jeunes" in legend and "un nombre de 1 à 5" in legend


def test_the_follow_up_question_is_not_on_paper():
    # Its news go to a chat with the bot: a paper form's respondent has none.
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"])
    assert "suivi" not in paper.columns(c)
    assert "suivi" not in paper.columns(small_consultation())
    legend = paper.legend(c)
    assert "[suivi]" not in legend and "informé·e" not in legend
    assert "La question de suivi n'est pas sur papier" in legend
    # The default consultation's follow-up question is required: a form is complete without.
    cells = paper.as_cells(c, full_answers(c, 1))
    assert "suivi" not in cells
    [state] = paper.check(c, paper.filled_csv(c, [cells])).states
    assert "suivi" not in state.answers and "suivi" not in state.history


def test_an_older_template_with_the_follow_up_column_is_read_without_it():
    c = small_consultation()
    text = "quartier;publics;publics_autre;precision;note;suivi\npont;femmes;;;3;oui\n"
    checked = paper.check(c, text)
    assert checked.problems == [] and checked.ignored == ["suivi"]
    [state] = checked.states
    assert "suivi" not in state.answers
    # Whatever it holds: nothing in it is read.
    assert paper.check(c, text.replace(";oui", ";peut-être")).problems == []


def test_round_trip_of_the_default_consultation():
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"])
    forms = [full_answers(c, n) for n in range(6)]
    text = paper.filled_csv(c, [paper.as_cells(c, answers) for answers in forms])
    checked = paper.check(c, text)
    assert checked.problems == []
    for state, answers in zip(checked.states, forms, strict=True):
        assert state.answers == {
            step: answer for step, answer in answers.items() if step in state.answers
        }
        assert set(state.answers) == set(answers) - {"suivi"}


def test_blank_optional_questions_are_skipped_and_hidden_ones_absent():
    c = small_consultation()
    row = {"quartier": "bourgogne", "publics": "femmes", "note": "2"}
    [state] = paper.check(c, paper.filled_csv(c, [row])).states
    assert "precision" not in state.answers  # not asked: publics does not include jeunes
    assert state.answers["publics"] == Answer(choices=["femmes"])


def test_every_problem_is_named_by_line_and_column():
    c = small_consultation()
    rows = [
        GOOD,
        {**GOOD, "quartier": "", "note": "9"},
        {**GOOD, "publics": "femmes,jeunes,autre", "precision": "x" * 51},
        {"quartier": "pont", "publics": "femmes", "precision": "non posée", "note": "1"},
        {**GOOD, "publics": "martiens", "publics_autre": ""},
        {**GOOD, "publics": "femmes", "publics_autre": "sans autre"},
    ]
    checked = paper.check(c, paper.filled_csv(c, rows))
    assert checked.states == []  # any problem: nothing to import
    found = {(p.line, p.column) for p in checked.problems}
    assert found == {
        (3, "quartier"),
        (3, "note"),
        (4, "publics"),
        (4, "precision"),
        (5, "precision"),
        (6, "publics"),
        (7, "publics_autre"),
    }
    messages = [str(p) for p in checked.problems]
    assert "ligne 3, colonne quartier : réponse obligatoire" in messages
    assert any(m == "ligne 4, colonne publics : 2 codes au plus" for m in messages)
    assert any("martiens" in m for m in messages)


def test_header_problems_come_first():
    c = small_consultation()
    checked = paper.check(c, "quartier;publics;couleur\nbourgogne;femmes;bleu\n")
    assert {(p.line, p.column, p.message) for p in checked.problems} == {
        (1, "couleur", "colonne inconnue"),
        (1, "note", "colonne manquante (question obligatoire)"),
    }


def test_optional_and_autre_columns_may_be_deleted():
    # An officer who deleted the columns nobody filled in: they read as blank.
    c = small_consultation()
    checked = paper.check(c, "note;publics;quartier\n3;femmes;pont\n4;jeunes,seniors;bourgogne\n")
    assert checked.problems == [] and checked.absent == ["publics_autre", "precision"]
    first, second = checked.states
    assert first.answers == {
        "quartier": Answer(choices=["pont"]),
        "publics": Answer(choices=["femmes"]),
        "note": Answer(choices=["3"]),
    }
    assert second.answers["precision"] == Answer(skipped=True)  # asked (jeunes), left blank
    # "autre" without its text column is an "Autre" left unexplained, as a blank cell is.
    [state] = paper.check(c, "quartier;publics;note\npont;autre;2\n").states
    assert state.answers["publics"] == Answer(choices=["autre"])


def test_the_default_consultation_with_only_its_required_columns():
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    required = "quartier;profil;publics;besoins;leviers;freins;objectifs"
    assert paper.check(c, required + "\n").problems == [Problem(2, "-", "aucune ligne à importer")]
    cells = paper.as_cells(c, full_answers(c, 1))
    row = ";".join(cells[name] for name in required.split(";"))
    checked = paper.check(c, f"{required}\n{row}\n")
    assert checked.problems == [] and len(checked.states) == 1
    # A required question's column is still required, named by line 1 and column.
    checked = paper.check(c, f"{required.replace(';besoins', '')}\n{row}\n")
    assert "ligne 1, colonne besoins : colonne manquante (question obligatoire)" in [
        str(p) for p in checked.problems
    ]


def test_commas_and_a_byte_order_mark_are_read():
    c = small_consultation()
    text = "\ufeffquartier,publics,publics_autre,precision,note\npont,femmes,,,3\n"
    [state] = paper.check(c, text).states
    assert state.answers["note"] == Answer(choices=["3"])


EXCEL = "quartier;publics;publics_autre;precision;note\r\npont;autre;Les aînés, très isolés;;3\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (EXCEL.encode("utf-8"), paper.UTF8),
        (EXCEL.encode("utf-8-sig"), paper.UTF8),
        (EXCEL.encode("cp1252"), paper.CP1252),  # French Excel's "CSV (séparateur : …)"
    ],
)
def test_utf8_with_or_without_a_mark_else_windows_1252(data: bytes, encoding: str):
    text, found = paper.decode(data)
    assert found == encoding
    [state] = paper.check(small_consultation(), text).states
    assert state.answers["publics"] == Answer(choices=["autre"], text="Les aînés, très isolés")


def test_a_file_that_is_no_csv_text_is_refused_in_french():
    with pytest.raises(ValueError, match="pas un fichier CSV"):
        paper.decode("quartier;note".encode("utf-16"))  # Excel's "Texte Unicode"
    with pytest.raises(ValueError, match=r"ni UTF-8 ni Windows-1252 \(octet 0x81"):
        paper.decode(b"quartier;note\r\npont;\x81\r\n")  # 0x81 means nothing in either


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration, and its database as the bot's first start leaves it."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "parole.sqlite3"}"\n'
        f'[relays]\nbot_username = "parole_test_bot"\n',
        encoding="utf-8",
    )
    _sessions(tmp_path / "parole.sqlite3")  # opening it creates it
    return path


def _sessions(database: Path) -> list[dict[str, object]]:
    async def read() -> list[dict[str, object]]:
        async with SqliteStore(database) as store:
            return [
                {"channel": s.channel.value, "status": s.status.value, "answers": s.answers}
                async for s in store.export()
            ]

    return asyncio.run(read())


def _answers(database: Path) -> list[dict[str, Answer]]:
    """The answers of each stored session, oldest first."""

    async def read() -> list[dict[str, Answer]]:
        async with SqliteStore(database) as store:
            return [dict(s.answers) async for s in store.export()]

    return asyncio.run(read())


def test_cli_template_then_import_with_a_relay(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "modele.csv"
    assert main(["--config", str(config), "import", "--template", "--out", str(out)]) == 0
    assert (
        (tmp_path / "modele-codes.txt")
        .read_text(encoding="utf-8")
        .startswith("Questionnaire papier")
    )
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert header[:2] == ["quartier", "quartier_autre"]

    assert main(["--config", str(config), "relay", "add", "Centre", "social"]) == 0
    created = capsys.readouterr().out
    assert "https://t.me/parole_test_bot?start=i_" in created

    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    forms = tmp_path / "forms.csv"
    forms.write_text(
        paper.filled_csv(c, [paper.as_cells(c, full_answers(c, n)) for n in range(2)]),
        encoding="utf-8",
    )
    code = main(["--config", str(config), "import", str(forms), "--relay", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err == (
        "2 questionnaires importés dans vivre-ensemble, pour le relais n° 1 "
        "«\u202fCentre social\u202f»\n"
        f"base de données\u202f: {tmp_path / 'parole.sqlite3'}\n"
    )
    stored = _sessions(tmp_path / "parole.sqlite3")
    assert [(s["channel"], s["status"]) for s in stored] == [("paper", "completed")] * 2
    assert main(["--config", str(config), "relay", "list"]) == 0
    assert (
        "1. Centre social (invitation en attente)\u202f: 0 / 0 / 0 / 2" in capsys.readouterr().out
    )


def test_cli_import_with_an_error_imports_nothing(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(3)]
    rows[2]["profil"] = "touriste"
    forms = tmp_path / "forms.csv"
    forms.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms)]) == 1
    err = capsys.readouterr().err
    assert "ligne 4, colonne profil : code(s) inconnu(s) : touriste" in err
    assert "parole import: 1 problème, rien n'a été importé" in err
    assert (
        not (tmp_path / "parole.sqlite3").exists() or _sessions(tmp_path / "parole.sqlite3") == []
    )
    # An unknown relay imports nothing either.
    rows[2]["profil"] = "habitant"
    forms.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms), "--relay", "9"]) == 2
    assert _sessions(tmp_path / "parole.sqlite3") == []


DISCLOSURE = "Plus de bancs, mon mari me frappe"


def test_cli_import_flags_a_disclosure_as_a_typed_answer_is_flagged(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(3)]
    rows[0]["proposition"] = "Plus de bancs près de l'école"
    rows[1]["proposition"] = DISCLOSURE
    forms = tmp_path / "forms.csv"
    forms.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms)]) == 0
    err = capsys.readouterr().err
    assert (
        "3 questionnaires importés dans vivre-ensemble (1 texte signalé\u202f: violences, "
        "danger ou idées suicidaires\u202f; compté dans la synthèse, jamais cité, retiré des "
        "exports)"
    ) in err
    assert "frappe" not in err

    database = tmp_path / "parole.sqlite3"
    with sqlite3.connect(database) as db:
        [flagged_session] = db.execute(
            "SELECT session_id FROM answers WHERE json_extract(value, '$.text') = ?",
            (DISCLOSURE,),
        ).fetchone()
        flags = db.execute(
            "SELECT consultation_id, session_id, step_id, category FROM flags ORDER BY category"
        ).fetchall()
    assert flags == [
        (c.id, flagged_session, "proposition", "danger"),
        (c.id, flagged_session, "proposition", "domestic"),
    ]

    export = tmp_path / "export.csv"
    command = ["--config", str(config), "export", "--format", "csv", "--out", str(export)]
    assert main(command) == 0
    exported = export.read_text(encoding="utf-8-sig")
    assert "frappe" not in exported and WITHHELD_TEXT in exported
    assert "Plus de bancs près de l'école" in exported

    capsys.readouterr()
    assert main(["--config", str(config), "digest"]) == 0
    digest = capsys.readouterr().out
    assert "frappe" not in digest
    assert "Plus de bancs près de l'école" in digest  # other texts are quoted
    assert "⚠️ 1 personne (danger ou menace 1, violences conjugales ou familiales 1)" in digest


def test_cli_import_of_an_older_template_says_the_follow_up_column_is_ignored(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    header = [*paper.columns(c), "suivi"]
    cells = paper.as_cells(c, full_answers(c, 1))
    forms = tmp_path / "forms.csv"
    forms.write_text(
        ";".join(header) + "\n" + ";".join([cells.get(name, "") for name in header[:-1]] + ["oui"]),
        encoding="utf-8",
    )
    assert main(["--config", str(config), "import", str(forms)]) == 0
    err = capsys.readouterr().err
    assert "colonne suivi ignorée (question de suivi, pas posée sur papier" in err
    database = tmp_path / "parole.sqlite3"
    assert err.endswith(
        f"\n1 questionnaire importé dans vivre-ensemble\nbase de données\u202f: {database}\n"
    )
    [stored] = _sessions(tmp_path / "parole.sqlite3")
    assert isinstance(stored["answers"], dict) and "suivi" not in stored["answers"]


def test_cli_imports_a_file_saved_by_french_excel_and_says_how_it_was_read(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(2)]
    rows[0]["proposition"] = "Un café où les aînés se retrouvent, près de l'église"
    forms = tmp_path / "forms.csv"
    # "CSV (séparateur : point-virgule)" in French Excel: Windows-1252, CRLF.
    forms.write_bytes(paper.filled_csv(c, rows).encode("cp1252"))
    assert main(["--config", str(config), "import", str(forms)]) == 0
    err = capsys.readouterr().err
    assert f"{forms}: pas en UTF-8 : lu en Windows-1252" in err
    assert "2 questionnaires importés" in err
    texts = [answers.get("proposition") for answers in _answers(tmp_path / "parole.sqlite3")]
    assert Answer(text="Un café où les aînés se retrouvent, près de l'église") in texts

    # A file in neither encoding imports nothing, and says what to do in French.
    forms.write_bytes(paper.filled_csv(c, rows).encode("cp1252") + b"\x81")
    assert main(["--config", str(config), "import", str(forms)]) == 2
    err = capsys.readouterr().err
    assert "ni UTF-8 ni Windows-1252" in err and "« CSV UTF-8 »" in err
    assert "codec" not in err
    assert len(_sessions(tmp_path / "parole.sqlite3")) == 2


def test_cli_imports_a_file_without_its_optional_columns(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    required = ["quartier", "profil", "publics", "besoins", "leviers", "freins", "objectifs"]
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(3)]
    lines = [required, *([row[name] for name in required] for row in rows)]
    forms = tmp_path / "forms.csv"
    forms.write_text("\n".join(";".join(line) for line in lines), encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms)]) == 0
    err = capsys.readouterr().err
    assert "colonne manquante" not in err
    assert "colonnes absentes, lues comme vides\u202f: quartier_autre, profil_autre, age," in err
    assert "3 questionnaires importés" in err
    stored = _answers(tmp_path / "parole.sqlite3")
    assert [answers["age"] for answers in stored] == [Answer(skipped=True)] * 3


def _flags(database: Path) -> int:
    with sqlite3.connect(database) as db:
        [(count,)] = db.execute("SELECT count(*) FROM flags").fetchall()
    return int(count)


ALREADY = re.compile(r"déjà importées? le \d\d/\d\d/\d{4} à \d\d:\d\d \(mêmes réponses\)")


def test_cli_refuses_forms_already_imported_unless_again(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    rows = [paper.as_cells(c, full_answers(c, n)) for n in range(3)]
    rows[1]["proposition"] = DISCLOSURE
    forms = tmp_path / "forms.csv"
    forms.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    database = tmp_path / "parole.sqlite3"
    base = ["--config", str(config), "import", str(forms)]
    assert main(base) == 0
    capsys.readouterr()

    # Run again (did the first run work?): refused, naming the lines, nothing doubled.
    assert main(base) == 1
    err = capsys.readouterr().err
    [said] = [line for line in err.splitlines() if "déjà" in line]
    assert said.startswith(f"{forms}: lignes 2 à 4 déjà importées le ") and ALREADY.search(said)
    assert "rien n'a été importé" in err and "--again" in err
    assert "Retirez ces lignes du fichier" in err
    assert len(_sessions(database)) == 3 and _flags(database) == 2

    # The file grew: the new forms wait until the old lines are taken out.
    rows.append(paper.as_cells(c, full_answers(c, 3)))
    forms.write_text(paper.filled_csv(c, rows), encoding="utf-8")
    assert main(base) == 1
    assert "lignes 2 à 4 déjà importées" in capsys.readouterr().err
    forms.write_text(paper.filled_csv(c, rows[3:]), encoding="utf-8")
    assert main(base) == 0
    assert len(_sessions(database)) == 4

    # Other people who answered the same way: imported on purpose.
    forms.write_text(paper.filled_csv(c, rows[:1]), encoding="utf-8")
    assert main([*base, "--again"]) == 0
    assert "1 questionnaire importé" in capsys.readouterr().err
    assert len(_sessions(database)) == 5


def test_cli_recognises_a_form_typed_again_differently(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    with config.open("a", encoding="utf-8") as settings:
        settings.write(f'[consultation]\ndirectory = "{CONSULTATIONS}"\n')  # mini.toml
    forms = tmp_path / "forms.csv"
    command = ["--config", str(config), "import", str(forms)]
    # Two people who answered alike, on one file: both imported.
    same = "pont;femmes,autre;les aînés;3"
    forms.write_text(f"quartier;publics;publics_autre;note\n{same}\n{same}\n", encoding="utf-8")
    assert main(command) == 0
    assert "2 questionnaires importés dans mini" in capsys.readouterr().err
    # The same form, typed again by someone else: other column order, case and spaces, the
    # optional column kept, Windows-1252. What counts is the answers.
    text = "note;publics_autre;publics;quartier;precision\r\n3;les aînés;Autre, FEMMES ;pont;\r\n"
    forms.write_bytes(text.encode("cp1252"))
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "lu en Windows-1252" in err and f"{forms}: ligne 2 déjà importée le " in err
    assert "Retirez cette ligne du fichier" in err
    # A different answer is a different form.
    forms.write_text(text.replace("3;", "4;"), encoding="utf-8")
    assert main(command) == 0
    assert len(_sessions(tmp_path / "parole.sqlite3")) == 3


def test_an_erased_form_leaves_nothing_to_recognise_it_by(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
):
    # Recognising a form keeps nothing beside its answers: once erased, it is unknown.
    c = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Centre", "Nord"])
    forms = tmp_path / "forms.csv"
    forms.write_text(paper.filled_csv(c, [paper.as_cells(c, full_answers(c, 1))]), encoding="utf-8")
    assert main(["--config", str(config), "import", str(forms)]) == 0
    with sqlite3.connect(tmp_path / "parole.sqlite3") as db:
        [(participant,)] = db.execute("SELECT id FROM participants").fetchall()
    assert main(["--config", str(config), "forget", "--participant", str(participant)]) == 0
    assert _sessions(tmp_path / "parole.sqlite3") == []
    assert main(["--config", str(config), "import", str(forms)]) == 0
    assert "1 questionnaire importé" in capsys.readouterr().err
