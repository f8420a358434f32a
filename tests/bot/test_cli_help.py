"""`parole --help` and each command's help: French first, then English."""

from __future__ import annotations

import pytest

from bot.cli import main

# The commands whose help this project's CLI owns here (relay and import have theirs).
COMMANDS = ("chat", "run", "check", "digest", "export", "forget", "backup", "news", "moderation")


def helped(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_the_program_help_lists_each_command_in_french_then_english(
    capsys: pytest.CaptureFixture[str],
):
    text = helped(capsys)
    assert text.startswith("utilisation / usage : parole [-h] [--config FICHIER] COMMANDE")
    assert "  -h, --help        afficher cette aide / show this help" in text
    assert "show this help message and exit" not in text
    lines = " ".join(text.split())  # argparse wraps the descriptions
    assert "chat répondre à la consultation dans ce terminal / answer in this terminal" in lines
    assert "run le bot Telegram / the Telegram bot" in lines
    assert "export exporter les réponses, sous pseudonyme / export the answers" in lines


def entries(text: str) -> dict[str, str]:
    """Each option or argument of a help text, with what it says of itself (unwrapped)."""
    found: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.strip():
            name, _, said = line.strip().partition("  ")
            found[name] = said.strip()
        elif line.startswith("     ") and name:
            found[name] = f"{found[name]} {line.strip()}".strip()
        else:
            name = ""
    return found


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_is_french_first(capsys: pytest.CaptureFixture[str], command: str):
    text = helped(capsys, command)
    assert text.startswith(f"utilisation / usage : parole {command}")
    described = entries(text)
    assert described["-h, --help"] == "afficher cette aide / show this help"
    for name, said in described.items():
        if name != "ACTION":  # the heading of moderation's actions, listed below it
            assert " / " in said, f"{command} {name}: {said!r}"


def test_digest_and_export_options_say_what_they_take(capsys: pytest.CaptureFixture[str]):
    digest = " ".join(helped(capsys, "digest").split())
    assert "--since DATE début de la période / start of the period" in digest
    assert "--until DATE fin (sinon maintenant) / end (default: now)" in digest
    assert "--out DOSSIER y écrire texte, HTML, graphiques, CSV et XLSX" in digest
    assert "Dates : AAAA-MM-JJ" in digest
    export = " ".join(helped(capsys, "export").split())
    assert "--format {jsonl,csv,xlsx} jsonl (par défaut), csv ou xlsx / jsonl (default)" in export
    assert "--out FICHIER fichier (sinon la sortie standard ; xlsx : <consultation>.xlsx)" in export


def test_a_mistyped_option_says_so_in_both_languages_and_where_to_look(
    capsys: pytest.CaptureFixture[str],
):
    with pytest.raises(SystemExit) as exited:
        main(["export", "--format", "pdf"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation / usage : parole export")
    assert "parole export : erreur : argument --format : 'pdf' n'est pas un choix possible" in err
    assert " / error: argument --format: invalid choice: 'pdf'" in err
    assert err.endswith("(aide / help : parole export --help)\n")
