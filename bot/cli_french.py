"""What the command line says, in French: French only for the commands whose user reads
French (`parole import`, whose template, codes and errors are French, and `parole relay`,
whose invitations and lists are, see bot.relay_cli); French first, then English, on one line
for the others, as configuration mistakes are (bot.config_problems).

The reasons come from the system, SQLite and the storage's checks, in English; the ones
an officer may meet are put into French here, the others are shown as they are.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

from flows.loader import ConsultationError, problem_line
from flows.mistakes import Bilingual
from storage.sqlite_open import StoreUnavailable, os_reason

COMMANDS: Final = frozenset({"import", "relay"})
# The refusal of a command run where there is no database (bot.bootstrap.existing_store).
NO_DATABASE: Final = "aucune base de données à {path}"
NO_DATABASE_BOTH: Final = "{path} : aucune base de données ici / no database there"

# Lower-case reasons, whole: what the system (strerror) and SQLite say.
_REASONS: Final = {
    "permission denied": "permission refusée",
    "operation not permitted": "opération non permise",
    "no such file or directory": "fichier ou dossier introuvable",
    "no space left on device": "plus de place sur le disque",
    "disk quota exceeded": "quota du disque dépassé",
    "read-only file system": "disque en lecture seule",
    "is a directory": "c'est un dossier",
    "file exists": "un fichier porte déjà ce nom",
    "not a directory": "un élément du chemin n'est pas un dossier",
    "input/output error": "erreur de lecture ou d'écriture du disque",
    "file is not a database": "ce fichier n'est pas une base de données",
    "database or disk is full": "base de données ou disque plein",
    "database is locked": "base de données bloquée par un autre programme",
    "attempt to write a readonly database": "base de données en lecture seule",
    "unable to open database file": "impossible d'ouvrir le fichier de la base de données",
    "disk i/o error": "erreur de lecture ou d'écriture du disque",
    "database disk image is malformed": "fichier de base de données endommagé",
    # bot.config_problems: the configuration file
    "configuration file not found": "fichier de configuration introuvable",
    # storage.sqlite_open's own checks
    "it is not a file": "ce n'est pas un fichier",
    # bot.cli: the consultations' folder
    "consultation.directory is not a folder": "consultation.directory n'est pas un dossier",
    "no consultation file (*.toml)": "aucun fichier de consultation (*.toml)",
}
# Reasons that name a folder, a line or a version, or carry another reason.
_PATTERNS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = (
    (re.compile(r"(.+) is not a folder"), lambda m: f"{m[1]} n'est pas un dossier"),
    (
        re.compile(r"permission denied to create it in (.+)"),
        lambda m: f"pas le droit de la créer dans {m[1]}",
    ),
    (
        re.compile(r"permission denied on its folder (.+) \(SQLite writes files beside it\)"),
        lambda m: f"permission refusée sur son dossier {m[1]} (SQLite écrit des fichiers à côté)",
    ),
    (
        re.compile(
            r"it was written by a newer version of parole \(schema version (\d+), this one "
            r"knows up to (\d+)\): upgrade parole; an older one never opens it"
        ),
        lambda m: (
            f"elle a été écrite par une version plus récente de parole (schéma {m[1]}, "
            f"celle-ci connaît jusqu'au {m[2]}) : mettez parole à jour ; une version plus ancienne "
            "ne l'ouvre jamais"
        ),
    ),
    # The configuration file (bot.config_problems) and a consultation file (flows.loader)
    (re.compile(r"cannot be read: (.+)"), lambda m: f"illisible : {reason(m[1])}"),
    (
        re.compile(r"is not UTF-8 \(line (\d+)\): save it as UTF-8"),
        lambda m: f"n'est pas en UTF-8 (ligne {m[1]}) : enregistrez-le en UTF-8",
    ),
)


def both(french: str, english: str) -> str:
    """One fact for staff: French, then English, on one line; once if they read the same."""
    return french if french == english else f"{french} / {english}"


def count(n: int, one: str, many: str, *, french: bool = True) -> str:
    """`n` and the noun phrase, singular for 0 and 1 in French, for 1 alone in English."""
    return f"{n} {one if n == 1 or (french and n == 0) else many}"


def reason(english: str) -> str:
    """A reason in French, if it is one this module knows; else as it was given."""
    known = _REASONS.get(english.lower())
    if known is not None:
        return known
    for pattern, french in _PATTERNS:
        found = pattern.fullmatch(english)
        if found is not None:
            return french(found)
    return english


def file_problem(error: OSError) -> str:
    """A failed file operation: the file, then why."""
    why = reason(os_reason(error))
    return f"{error.filename} : {why}" if error.filename else why


def machine_problem(error: StoreUnavailable | sqlite3.Error | OSError, database: Path) -> str:
    """What the machine refused (the database, a file), in one line."""
    if isinstance(error, StoreUnavailable):
        where = error.path.absolute()
        return (
            f"impossible d'ouvrir la base de données {where} en écriture : {reason(error.reason)}"
        )
    if isinstance(error, sqlite3.Error):
        return f"base de données {database} : {reason(str(error))}"
    return file_problem(error)


def consultation_problem(
    error: ConsultationError, *, english: bool = False, check: bool = False
) -> str:
    """Consultation files that cannot be used, a line each, naming the file: a mistake in a
    file's contents in French, then English (unless the command is French only), under a
    heading; a file or folder that cannot be used at all, with a reason known here, alone."""
    lines: list[str] = []
    whole = True  # every problem is a file or folder that cannot be used, said in French
    for path, problem in error.found:
        if isinstance(problem, Bilingual):
            lines.append(f"{path} : {problem if english else problem.fr}")
            whole = False
            continue
        line = problem_line(path, problem)
        french = _file_line(line, english=english)
        whole = whole and french is not None
        lines.append(french or line)
    if english and whole:
        return "\n".join(lines)
    heading = "la consultation ne peut pas être chargée"
    if english:
        heading += " / the consultation cannot be loaded"
    if not check:
        heading += " (voyez / see parole check)" if english else " (voyez parole check)"
    return "\n".join([f"{heading} :", *lines])


def _file_line(line: str, *, english: bool) -> str | None:
    """A file's problem `FILE: reason` in French (and English) if its reason is known here,
    else None."""
    start = 0
    while (colon := line.find(": ", start)) != -1:
        path, why = line[:colon], line[colon + 2 :]
        french = reason(why)
        if french != why:
            return f"{path} : {both(french, why) if english else french}"
        start = colon + 2
    return None
