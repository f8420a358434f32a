"""A configuration `parole` cannot use, in any command: one line per mistake naming the file
(or the environment variable) and the key, what to write, French first, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.run import parole

pytestmark = pytest.mark.usefixtures("workdir")  # tests.bot.conftest


def test_import_says_a_bad_setting_in_french_first(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "city.toml").write_text(
        '[telegram]\npoll_timeout = "trente"\n[privacy]\nretention_days = 0\n', encoding="utf-8"
    )
    code, out, err = parole(capsys, "--config", "city.toml", "import", "papier.csv")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "city.toml : telegram.poll_timeout : écrivez un nombre entier, sans guillemets, par "
        "exemple 30 / write a whole number, without quotes, e.g. 30",
        "city.toml : privacy.retention_days : écrivez un nombre égal ou supérieur à 1 / "
        "write a number of 1 or more",
    ]


def test_a_staff_id_that_is_not_a_number_says_how_to_get_one(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "city.toml").write_text('[staff]\nuser_ids = ["@marie"]\n', encoding="utf-8")
    code, _, err = parole(capsys, "--config", "city.toml", "check")
    assert code == 2
    assert err.startswith(
        "city.toml : staff.user_ids.0 : un identifiant Telegram est un nombre, sans guillemets "
        "(envoyez /digest au bot en privé : il répond avec le vôtre) / a Telegram id is a number"
    )
    assert "@marie" not in err  # the value refused is never repeated: it may be a secret


def test_an_unknown_time_zone_gives_one_to_write(capsys: pytest.CaptureFixture[str]):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PAROLE_CONSULTATION__TIMEZONE", "Europe/Pariss")
        code, _, err = parole(capsys, "check")
    assert code == 2
    assert err == (
        "variable d'environnement PAROLE_CONSULTATION__TIMEZONE : consultation.timezone : "
        'fuseau horaire inconnu « Europe/Pariss » : écrivez par exemple "Europe/Paris" '
        '(outre-mer : "America/Cayenne", "Indian/Reunion"…) / unknown time zone '
        "'Europe/Pariss': write e.g. \"Europe/Paris\"\n"
    )


@pytest.mark.parametrize("written", ["123456789, 987654321", "@marie"])
def test_a_list_in_the_environment_that_is_not_json_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, written: str
):
    monkeypatch.setenv("PAROLE_STAFF__USER_IDS", written)
    code, out, err = parole(capsys, "run")
    assert (code, out) == (2, "")
    assert err == (
        "variable d'environnement PAROLE_STAFF__USER_IDS : staff.user_ids : écrivez une liste "
        "en JSON, entre crochets, par exemple [123456789, 987654321] / write a JSON list, in "
        "square brackets, e.g. [123456789, 987654321]\n"
    )


def test_one_id_without_brackets_in_the_environment_is_asked_as_a_list(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAROLE_STAFF__CHAT_IDS", "-1001234567890")
    code, _, err = parole(capsys, "check")
    assert code == 2
    assert "PAROLE_STAFF__CHAT_IDS : staff.chat_ids : écrivez une liste en JSON" in err
    assert "[-1001234567890]" in err


def test_an_unknown_section_lists_the_sections(capsys: pytest.CaptureFixture[str], workdir: Path):
    (workdir / "city.toml").write_text("[stafff]\nuser_ids = [1]\n", encoding="utf-8")
    code, _, err = parole(capsys, "--config", "city.toml", "digest")
    assert code == 2
    assert err == (
        "city.toml : stafff : réglage inconnu : vouliez-vous dire staff ? / unknown setting: "
        "did you mean staff?\n"
    )
    (workdir / "city.toml").write_text("[general]\nname = 1\n", encoding="utf-8")
    code, _, err = parole(capsys, "--config", "city.toml", "digest")
    assert err == (
        "city.toml : general : réglage inconnu (une faute de frappe ?) / unknown setting (a "
        "typo?); permis ici / allowed here: telegram, privacy, storage, staff, consultation, "
        "digest, relays, limits\n"
    )


def test_a_choice_and_a_missing_key_say_what_to_write(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "city.toml").write_text(
        '[digest.email]\nsecurity = "ssl"\n[[digest.schedules]]\ncron = "0 8 * * mon"\n',
        encoding="utf-8",
    )
    code, _, err = parole(capsys, "--config", "city.toml", "check")
    assert code == 2
    assert err.splitlines() == [
        "city.toml : digest.schedules.0.name : manquant : ajoutez-le / missing: add it",
        "city.toml : digest.email.security : écrivez l'une de ces valeurs : 'starttls', 'tls' "
        "ou 'none' / write one of 'starttls', 'tls' or 'none'",
    ]


def test_what_check_finds_in_the_schedules_and_the_secret_is_french_first(
    capsys: pytest.CaptureFixture[str], workdir: Path
):
    (workdir / "city.toml").write_text(
        '[[digest.schedules]]\nname = "hebdo"\ncron = "0 8 * * 1"\n', encoding="utf-8"
    )
    code, _, err = parole(capsys, "--config", "city.toml", "check")
    assert code == 2
    assert err == (
        "synthèse programmée « hebdo » : écrivez les jours de la semaine en noms (mon, tue, "
        "… sun), pas en chiffres, dans « 0 8 * * 1 » / digest schedule 'hebdo': write days of "
        "the week as names (mon, tue, … sun), not numbers, in '0 8 * * 1'\n"
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PAROLE_TELEGRAM__TOKEN", "1234567890:AAH-good-looking-token_for-the-tests")
        env.setenv("PAROLE_PRIVACY__PSEUDONYM_SECRET", "short")
        code, _, err = parole(capsys, "check", "--for-run")
    assert code == 2
    assert err == (
        "parole check: privacy.pseudonym_secret a moins de 16 caractères (ou "
        "PAROLE_PRIVACY__PSEUDONYM_SECRET) / privacy.pseudonym_secret is shorter than 16 "
        "characters (set it or PAROLE_PRIVACY__PSEUDONYM_SECRET)\n"
    )
