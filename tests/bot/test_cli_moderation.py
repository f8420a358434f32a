"""`parole moderation list|hide|show`, and what exports show of a hidden text."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings
from flows.state import Answer
from storage.base import Flag, Status, Turn
from storage.sqlite import SqliteStore
from storage.sqlite_reports import WITHHELD_TEXT
from tests.bot.run import parole
from tests.storage.helpers import make_turn

CONSULTATION = "vivre-ensemble"
NO_HIDDEN = "Aucun texte masqué. / No hidden text.\n"
# Tuesday 24 November 2026, 10:00 and 11:00 in Paris.
MORNING = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


def turn(participant_id: int, now: dt.datetime, **saved: Answer) -> Turn:
    return make_turn(
        participant_id, consultation_id=CONSULTATION, saved=saved, now=now, status=Status.ACTIVE
    )


@pytest.fixture
def database(workdir: Path) -> dict[str, int]:
    """Three residents' sessions in the default database; their ids by name."""
    path = workdir / Settings().storage.path

    async def fill() -> dict[str, int]:
        async with SqliteStore(path) as store:
            a = await store.participant("pseudo-a", MORNING)
            b = await store.participant("pseudo-b", MORNING)
            c = await store.participant("pseudo-c", MORNING)
            ids = {
                "a": await store.commit(
                    turn(a.id, MORNING, proposition=Answer(text="Plus de bancs\nau parc"))
                ),
                "b": await store.commit(
                    turn(
                        b.id,
                        MORNING + dt.timedelta(hours=1),
                        publics=Answer(choices=["autre"], text="M. Martin du 3e"),
                        proposition=Answer(text="Un jardin partagé"),
                    )
                ),
                "c": await store.commit(
                    turn(
                        c.id, MORNING + dt.timedelta(hours=2), proposition=Answer(text="Il me bat")
                    )
                ),
            }
            await store.add_flags(
                [Flag("violence", "proposition")], CONSULTATION, ids["c"], MORNING
            )
            return ids

    return asyncio.run(fill())


def test_list_prints_references_newest_first_flagged_never(
    capsys: pytest.CaptureFixture[str], database: dict[str, int]
):
    code, out, err = parole(capsys, "moderation", "list")
    assert (code, err) == (0, "")
    a, b = database["a"], database["b"]
    assert out.splitlines() == [
        f"{b}:proposition  2026-11-24 11:00  visible  Un jardin partagé",
        f"{b}:publics  2026-11-24 11:00  visible  M. Martin du 3e",
        f"{a}:proposition  2026-11-24 10:00  visible  Plus de bancs au parc",
    ]
    assert "Il me bat" not in out, "a flagged text is never shown to staff"
    code, out, err = parole(capsys, "moderation", "list", "--limit", "1")
    assert (code, out.count("\n")) == (0, 1)
    assert err == (
        "parole moderation: textes plus anciens non listés : augmentez --limit (1 pour "
        "l'instant) / older texts not listed: raise --limit (now 1)\n"
    )
    assert parole(capsys, "moderation", "list", "--limit", "3")[2] == "", "none left out"
    assert parole(capsys, "moderation", "list", "--hidden")[1] == NO_HIDDEN


def test_hide_then_show(capsys: pytest.CaptureFixture[str], database: dict[str, int]):
    ref = f"{database['b']}:publics"
    hidden = (
        f"{ref} : texte masqué, absent des synthèses et des exports / text hidden, left out of "
        "digests and exports\n"
    )
    assert parole(capsys, "moderation", "hide", ref) == (0, hidden, "")
    code, out, _ = parole(capsys, "moderation", "list", "--hidden")
    assert (code, out) == (0, f"{ref}  2026-11-24 11:00  masqué  M. Martin du 3e\n")
    shown = (
        f"{ref} : texte réaffiché, de retour dans les synthèses et les exports / text shown "
        "again, back in digests and exports\n"
    )
    assert parole(capsys, "moderation", "show", ref) == (0, shown, "")
    assert parole(capsys, "moderation", "list", "--hidden")[1] == NO_HIDDEN


def test_exports_replace_a_hidden_text_and_keep_the_answer(
    capsys: pytest.CaptureFixture[str], database: dict[str, int]
):
    assert parole(capsys, "moderation", "hide", f"{database['b']}:publics")[0] == 0
    code, out, _ = parole(capsys, "export", "--format", "jsonl")
    assert code == 0 and "M. Martin" not in out
    records = {record["session"]: record for record in map(json.loads, out.splitlines())}
    assert records[database["b"]]["answers"]["publics"] == {
        "choices": ["autre"],
        "text": WITHHELD_TEXT,
    }
    assert records[database["a"]]["answers"]["proposition"]["text"] == "Plus de bancs\nau parc"

    code, out, _ = parole(capsys, "export", "--format", "csv", "--consultation", CONSULTATION)
    assert code == 0 and "M. Martin" not in out
    rows = list(csv.DictReader(io.StringIO(out), delimiter=";"))
    [hidden] = [row for row in rows if row["parcours"] == str(database["b"])]
    assert hidden["publics_autre"] == WITHHELD_TEXT and hidden["proposition"] == "Un jardin partagé"


@pytest.mark.parametrize("ref", ["abc", "12", "12:", ":proposition", "12:Proposition", "1:a b"])
def test_a_bad_reference_is_refused(
    capsys: pytest.CaptureFixture[str], database: dict[str, int], ref: str
):
    code, out, err = parole(capsys, "moderation", "hide", ref)
    assert (code, out) == (2, "")
    assert "is not a reference like 123:proposition" in err


def test_an_unknown_or_flagged_text_is_refused(
    capsys: pytest.CaptureFixture[str], database: dict[str, int]
):
    for ref in (
        f"{database['c'] + 1}:proposition",  # no such session
        f"{database['a']}:quartier",  # no such answer
        f"{database['c']}:proposition",  # flagged: staff never see it
    ):
        for action in ("hide", "show"):
            code, out, err = parole(capsys, "moderation", action, ref)
            assert (code, out) == (2, ""), (action, ref)
            assert err == (
                f"parole moderation: aucun texte d'habitant {ref} / no resident text {ref}\n"
            )


def test_without_a_database_nothing_is_created(capsys: pytest.CaptureFixture[str], workdir: Path):
    code, _, err = parole(capsys, "moderation", "list")
    assert code == 2 and "no database" in err
    assert not (workdir / Settings().storage.path).exists()


def test_the_help_names_the_mark_exports_print(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["moderation", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"« {WITHHELD_TEXT} »" in help_text and f"'{WITHHELD_TEXT}'" in help_text
