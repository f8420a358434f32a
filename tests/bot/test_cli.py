"""The `parole` command line, in-process: exit codes and what an operator reads."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import re
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.console import Ask, Say
from bot.conversation import Conversations
from bot.settings import DEFAULT_DATABASE, Settings
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import ChoiceStepBase, Consultation, Lang
from flows.texts import say
from tests.bot.run import parole

SECRET = "a-good-secret-for-the-tests"
TOKEN = "123456:SECRET-TOKEN-abcdef"


pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


@pytest.fixture(scope="module")
def consultation() -> Consultation:
    """The default consultation with the default quartiers, as `parole chat` runs it."""
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", Settings().consultation.quartiers)


def typing(monkeypatch: pytest.MonkeyPatch, lines: Sequence[str]) -> None:
    """What the resident will type at the terminal, then Ctrl-D."""
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def validate(c: Consultation, step_id: str) -> str:
    step = c.step(step_id)
    assert isinstance(step, ChoiceStepBase)
    return str(len(step.codes()) + 1)


def journey(c: Consultation) -> list[str]:
    """Every question answered, by numbers, skips and words."""
    return [
        "1",  # J'accepte
        "1",  # quartier: Centre
        "1",  # profil: J'y habite
        "/passer",  # age
        "2",
        validate(c, "publics"),  # femmes
        "3",
        validate(c, "besoins"),  # espace public
        "5",
        validate(c, "leviers"),  # solidarité
        "Le centre social",
        "1",
        validate(c, "freins"),  # stigmatisation
        "/passer",
        "1",
        "2",
        validate(c, "objectifs"),  # convivialité, culture
        "Des jardins partagés",  # the last question: the console has no follow-up one
    ]


JOURNEY_ANSWERS: dict[str, Any] = {
    "quartier": {"choices": ["centre"]},
    "profil": {"choices": ["habitant"]},
    "age": {"skipped": True},
    "publics": {"choices": ["femmes"]},
    "besoins": {"choices": ["espace-public"]},
    "leviers": {"choices": ["solidarite"]},
    "leviers_precision": {"text": "Le centre social"},
    "freins": {"choices": ["stigmatisation"]},
    "freins_precision": {"skipped": True},
    "objectifs": {"choices": ["convivialite", "culture"]},
    "proposition": {"text": "Des jardins partagés"},
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- parole check --------------------------------------------------------------------------


def test_check_on_the_defaults_lists_the_builtin_consultation(
    capsys: pytest.CaptureFixture[str], consultation: Consultation
):
    code, out, err = parole(capsys, "check")
    assert code == 0
    assert f"ok  vivre-ensemble : {len(consultation.questions())} questions, ouverte du " in out
    assert "12 questions" in out
    assert "note : pas prêt pour `parole run` (" in out
    assert " / not ready for `parole run`" in out
    assert "note : consultation.quartiers est la liste provisoire (Centre" in out
    assert " / consultation.quartiers is the placeholder list" in out
    assert "note : staff.user_ids est vide : personne ne peut utiliser" in out
    assert " / staff.user_ids is empty" in out
    assert err == ""


def test_check_says_nothing_of_a_city_that_set_its_quartiers_and_staff(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_CONSULTATION__QUARTIERS", '["Bourgogne", "Orgeval"]')
    monkeypatch.setenv("PAROLE_STAFF__USER_IDS", "[12345]")
    code, out, _ = parole(capsys, "check")
    assert code == 0
    assert "quartiers" not in out and "staff.user_ids" not in out


def test_check_when_ready_to_run_has_no_note(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKEN", TOKEN)
    monkeypatch.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", SECRET)
    code, out, _ = parole(capsys, "check")
    assert code == 0
    assert "ok  vivre-ensemble" in out
    assert "not ready" not in out
    assert TOKEN not in out and SECRET not in out


def test_an_unknown_key_in_the_config_names_the_file_and_the_key(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    write(workdir / "bad.toml", '[telegram]\ntokn = "x"\n')
    code, out, err = parole(capsys, "--config", "bad.toml", "check")
    assert code == 2
    assert out == ""
    assert err == (
        "bad.toml : telegram.tokn : réglage inconnu : vouliez-vous dire telegram.token ? / "
        "unknown setting: did you mean telegram.token?\n"
    )


def test_parole_config_names_the_file_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    write(workdir / "conf" / "city.toml", '[storage]\npaht = "x.sqlite3"\n')
    monkeypatch.setenv("PAROLE_CONFIG", "conf/city.toml")
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert "city.toml" in err and "storage.paht" in err


def test_an_unknown_key_in_the_environment_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_TELEGRAM__TOKN", "x")
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert "variable d'environnement PAROLE_TELEGRAM__TOKN : telegram.tokn : réglage inconnu" in err


def test_a_bad_value_from_the_environment_names_the_variable_not_the_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    write(workdir / "city.toml", "[privacy]\nretention_days = 365\n")
    monkeypatch.setenv("PAROLE_PRIVACY__RETENTION_DAYS", "abc")
    code, _, err = parole(capsys, "--config", "city.toml", "check")
    assert code == 2
    assert err.startswith(
        "variable d'environnement PAROLE_PRIVACY__RETENTION_DAYS : privacy.retention_days : "
    )
    assert "city.toml" not in err


def test_a_config_that_is_not_toml_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    write(workdir / "broken.toml", "[telegram\ntoken = 1\n")
    code, _, err = parole(capsys, "--config", "broken.toml", "check")
    assert code == 2
    assert "broken.toml" in err and "TOML" in err
    assert "Traceback" not in err


def test_a_missing_config_file_is_named(capsys: pytest.CaptureFixture[str]):
    code, _, err = parole(capsys, "--config", "nowhere.toml", "check")
    assert code == 2
    assert "nowhere.toml" in err and "not found" in err


CONSULTATION_HEAD = """\
id = "{id}"
opens = 2026-01-01
closes = 2027-12-31
title = {{ fr = "Titre", en = "Title" }}
welcome = {{ fr = "Bienvenue", en = "Welcome" }}
thanks = {{ fr = "Merci", en = "Thanks" }}
"""

DUPLICATE_STEP = """
[[steps]]
id = "avis"
kind = "text"
text = { fr = "Votre avis ?", en = "Your opinion?" }

[[steps]]
id = "avis"
kind = "yesno"
text = { fr = "D'accord ?", en = "Agreed?" }
"""

MISSING_CONDITION = """
[[steps]]
id = "habitez"
kind = "yesno"
text = { fr = "Vous habitez ici ?", en = "Do you live here?" }

[[steps]]
id = "depuis"
kind = "text"
show_if = { step = "ancienne", equals = "yes" }
text = { fr = "Depuis quand ?", en = "Since when?" }
"""


def test_every_problem_of_a_consultation_folder_is_reported(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    folder = workdir / "consultations"
    write(folder / "doublon.toml", CONSULTATION_HEAD.format(id="doublon") + DUPLICATE_STEP)
    write(folder / "condition.toml", CONSULTATION_HEAD.format(id="condition") + MISSING_CONDITION)
    write(workdir / "city.toml", f"[consultation]\ndirectory = '{folder}'\n")
    code, out, err = parole(capsys, "--config", "city.toml", "check")
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    duplicate = [line for line in lines if "doublon.toml" in line]
    assert len(duplicate) == 1
    assert "has the id 'avis' already" in duplicate[0]
    condition = [line for line in lines if "condition.toml" in line]
    assert len(condition) == 1
    assert "'depuis'" in condition[0] and "'ancienne'" in condition[0]


def test_a_consultation_folder_without_consultations_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    (workdir / "empty").mkdir()
    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", "empty")
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert "empty" in err and "no consultation" in err

    monkeypatch.setenv("PAROLE_CONSULTATION__DIRECTORY", "typo")
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert "typo" in err and "not a folder" in err


# -- parole run ----------------------------------------------------------------------------


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to build the Telegram application fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parole run started the bot")

    monkeypatch.setattr("bot.telegram.app.build_application", refuse)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"PAROLE_PRIVACY__PSEUDONYM_SECRET": SECRET},
            ["telegram.token", "PAROLE_TELEGRAM__TOKEN"],
        ),
        (
            {"PAROLE_TELEGRAM__TOKEN": TOKEN, "PAROLE_PRIVACY__PSEUDONYM_SECRET": "change-me"},
            ["privacy.pseudonym_secret", "example value", "PAROLE_PRIVACY__PSEUDONYM_SECRET"],
        ),
        (
            {"PAROLE_TELEGRAM__TOKEN": TOKEN},
            ["privacy.pseudonym_secret", "PAROLE_PRIVACY__PSEUDONYM_SECRET"],
        ),
        (
            {"PAROLE_TELEGRAM__TOKEN": TOKEN, "PAROLE_PRIVACY__PSEUDONYM_SECRET": "too-short"},
            ["privacy.pseudonym_secret", "shorter than 16"],
        ),
        ({}, ["telegram.token", "privacy.pseudonym_secret"]),
    ],
    ids=["no-token", "example-secret", "no-secret", "short-secret", "nothing"],
)
@pytest.mark.usefixtures("no_start")
def test_run_refuses_to_start_without_token_or_real_secret(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    expected: list[str],
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = parole(capsys, "run")
    assert code == 2
    assert out == ""
    assert err.startswith("parole run: ")
    for words in expected:
        assert words in err
    assert TOKEN not in err


@pytest.mark.usefixtures("no_start")
def test_run_refuses_the_example_secret_from_a_config_file(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    write(
        workdir / "config.toml",
        f'[telegram]\ntoken = "{TOKEN}"\n[privacy]\npseudonym_secret = "change-me"\n',
    )
    code, _, err = parole(capsys, "--config", "config.toml", "run")
    assert code == 2
    assert "privacy.pseudonym_secret" in err
    assert "change-me" not in err and TOKEN not in err


# -- parole chat and export ----------------------------------------------------------------


def test_chat_then_export_jsonl(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workdir: Path,
    consultation: Consultation,
):
    c = consultation
    typing(monkeypatch, journey(c))
    code, out, _ = parole(capsys, "chat", "--as", "demo")
    assert code == 0
    assert out.startswith(f"Parole habitante — {DEFAULT_DATABASE}")
    assert c.thanks.fr in out
    assert out.rstrip().endswith(say("goodbye_done", "fr"))
    assert (workdir / DEFAULT_DATABASE).is_file()

    typing(monkeypatch, ["1", "2"])  # a second resident stops after one answer
    assert parole(capsys, "chat", "--as", "voisine")[0] == 0

    code, out, err = parole(capsys, "export", "--format", "jsonl")
    assert code == 0
    assert err == ""
    assert "demo" not in out and "voisine" not in out
    assert out.endswith("\n")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    done, started = records
    assert set(done) == {
        "session",
        "participant",
        "consultation",
        "channel",
        "status",
        "created_at",
        "updated_at",
        "completed_at",
        "answers",
    }
    assert done["consultation"] == started["consultation"] == "vivre-ensemble"
    assert done["channel"] == started["channel"] == "console"
    assert done["status"] == "completed"
    assert started["status"] == "active"
    assert done["participant"] != started["participant"]
    created = dt.datetime.fromisoformat(done["created_at"])
    updated = dt.datetime.fromisoformat(done["updated_at"])
    completed = dt.datetime.fromisoformat(done["completed_at"])
    assert created.utcoffset() == dt.timedelta(0)
    assert created <= updated and completed == updated
    assert started["completed_at"] is None
    assert done["answers"] == JOURNEY_ANSWERS
    assert started["answers"] == {"quartier": {"choices": ["nord"]}}

    # --out writes the same lines to a file; standard output stays empty.
    code, out_to_file, err = parole(capsys, "export", "--format", "jsonl", "--out", "answers.jsonl")
    assert code == 0
    assert out_to_file == ""
    assert err == (
        "2 participations écrites dans answers.jsonl / 2 sessions written to answers.jsonl\n"
    )
    assert (workdir / "answers.jsonl").read_text(encoding="utf-8") == out

    # --consultation keeps one consultation's sessions.
    assert parole(capsys, "export", "--consultation", "vivre-ensemble")[1] == out
    assert parole(capsys, "export", "--consultation", "autre-chose")[1] == ""


def test_chat_resumes_where_the_resident_stopped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, consultation: Consultation
):
    c = consultation
    typing(monkeypatch, ["1", "1"])
    parole(capsys, "chat", "--as", "demo")
    typing(monkeypatch, ["1"])  # ▶️ Reprendre
    _, out, _ = parole(capsys, "chat", "--as", "demo")
    assert say("resume_or_restart", "fr", title=c.title.fr, answered=1) in out
    total = len(c.questions()) - len(c.follow_up_steps())  # the console asks no follow-up
    assert f"[{say('progress', 'fr', n=2, total=total)}]\n{c.step('profil').text.fr}" in out


def test_chat_in_english(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    typing(monkeypatch, ["/quitter"])
    code, out, _ = parole(capsys, "chat", "--as", "demo", "--lang", "en")
    assert code == 0
    assert say("accept", "en") in out
    assert say("goodbye_not_started", "en") in out


def test_export_without_a_database_does_not_create_one(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    code, out, err = parole(capsys, "export")
    assert code == 2
    assert out == ""
    assert str(DEFAULT_DATABASE) in err
    assert not (workdir / DEFAULT_DATABASE).exists()


def test_parole_storage_path_overrides_the_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
):
    write(workdir / "config.toml", '[storage]\npath = "from-config.sqlite3"\n')
    elsewhere = workdir / "elsewhere" / "answers.sqlite3"
    monkeypatch.setenv("PAROLE_STORAGE__PATH", str(elsewhere))
    typing(monkeypatch, ["1", "1"])
    code, out, _ = parole(capsys, "--config", "config.toml", "chat", "--as", "demo")
    assert code == 0
    assert out.startswith(f"Parole habitante — {elsewhere}")
    assert elsewhere.is_file()
    assert not (workdir / "from-config.sqlite3").exists()
    assert not (workdir / DEFAULT_DATABASE).exists()

    code, out, _ = parole(capsys, "export")
    assert code == 0
    assert len(out.splitlines()) == 1

    monkeypatch.delenv("PAROLE_STORAGE__PATH")
    code, _, err = parole(capsys, "--config", "config.toml", "export")
    assert code == 2  # the file's own path has no database
    assert "from-config.sqlite3" in err


def test_ctrl_c_while_waiting_for_a_line_stops_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    release = threading.Event()

    def blocked_input(prompt: str = "") -> str:
        release.wait(10)  # a resident who types nothing
        raise EOFError

    async def interrupted(
        conversations: Conversations,
        account: str,
        ask: Ask,
        tell: Say,
        lang: Lang,
        *,
        database: Path | None = None,
    ) -> None:
        asyncio.get_running_loop().call_later(0.2, signal.raise_signal, signal.SIGINT)
        await ask("> ")
        raise AssertionError("the line never comes")

    monkeypatch.setattr("builtins.input", blocked_input)
    monkeypatch.setattr("bot.cli.chat", interrupted)
    started = time.monotonic()
    try:
        code = main(["chat", "--as", "demo"])
        elapsed = time.monotonic() - started
    finally:
        release.set()
        for thread in threading.enumerate():
            if thread.name == "parole-input":
                thread.join(timeout=5)
    assert code == 0
    assert elapsed < 5


def test_check_diagram_prints_a_mermaid_chart(capsys: pytest.CaptureFixture[str]):
    code, out, _ = parole(capsys, "check", "--diagram")
    assert code == 0
    assert "ok  vivre-ensemble" in out
    assert "```mermaid" in out


def test_files_parole_writes_are_readable_by_its_user_only(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workdir: Path,
    consultation: Consultation,
):
    previous = os.umask(0o022)  # a usual shell's: files readable by every user
    try:
        typing(monkeypatch, journey(consultation))
        assert parole(capsys, "chat", "--as", "demo")[0] == 0
        assert parole(capsys, "export", "--format", "jsonl", "--out", "answers.jsonl")[0] == 0
        assert parole(capsys, "backup", "copies/parole.sqlite3")[0] == 0
    finally:
        os.umask(previous)
    for name in (DEFAULT_DATABASE, "answers.jsonl", "copies", "copies/parole.sqlite3"):
        assert (workdir / name).stat().st_mode & 0o077 == 0, name


@pytest.fixture
def answered(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workdir: Path,
    consultation: Consultation,
) -> Path:
    """A resident answered the whole consultation in the terminal; the working folder."""
    typing(monkeypatch, journey(consultation))
    assert parole(capsys, "chat", "--as", "demo")[0] == 0
    return workdir


def test_export_into_a_pipe_closed_early_stops_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, answered: Path
):
    read, write = os.pipe()
    os.close(read)  # `parole export | head -1` once head has its line
    with open(write, "w", encoding="utf-8") as pipe:
        monkeypatch.setattr("sys.stdout", pipe)
        code = main(["export", "--format", "jsonl"])
    assert code == 1
    assert capsys.readouterr().err == ""


def test_export_times_are_in_the_city_time_zone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, answered: Path
):
    paris = parole(capsys, "export", "--format", "csv")[1]
    monkeypatch.setenv("PAROLE_CONSULTATION__TIMEZONE", "America/Cayenne")
    cayenne = parole(capsys, "export", "--format", "csv")[1]
    offsets = {
        zone: set(re.findall(r"T\d\d:\d\d:\d\d([+-]\d\d:\d\d)", out))
        for zone, out in (("paris", paris), ("cayenne", cayenne))
    }
    assert offsets["cayenne"] == {"-03:00"}
    assert offsets["paris"] <= {"+01:00", "+02:00"} and offsets["paris"]


def test_chat_tells_the_city_s_own_privacy_terms(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    # What the welcome and /confidentialite say is kept, for how long and who answers for
    # it, as the city set it (the console said one year and no contact, whatever was set).
    monkeypatch.setenv("PAROLE_PRIVACY__RETENTION_DAYS", "180")
    monkeypatch.setenv("PAROLE_PRIVACY__CONTACT", "dpo@ville-exemple.fr")
    typing(monkeypatch, ["/confidentialite", "/quitter"])
    code, out, _ = parole(capsys, "chat", "--as", "demo")
    assert code == 0
    assert "effacé 6 mois après" in out and "Contact\u202f: dpo@ville-exemple.fr" in out
    assert "1 an" not in out
