"""What `parole` says of a configuration it cannot use, whatever the command: one line per
mistake, naming the file (or the environment variable) and the key, then what to write, in
French first and English after. Never a traceback, never the value refused (it may be a
secret written in the wrong place).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import types
from pathlib import Path
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError

from bot.cli_french import both as french_then_english
from bot.cli_french import reason
from bot.settings import Settings
from flows.loader import not_utf8
from storage.sqlite_open import os_reason

# Errors of the configuration as a whole, before any key is read.
READ_ERRORS: Final = (
    ValidationError,
    SettingsError,
    OSError,
    UnicodeDecodeError,
    tomllib.TOMLDecodeError,
)

# Examples for the lists, keyed by the setting: what a city would write there.
_LIST_EXAMPLES: Final = {
    "staff.user_ids": "[123456789, 987654321]",
    "staff.chat_ids": "[-1001234567890]",
    "consultation.quartiers": '["Bourgogne", "Pont-Rompu"]',
    "digest.email.recipients": '["politique.ville@example.org"]',
}
# The settings checked against a pattern, in words (the pattern itself says nothing to most).
_PATTERNS: Final = {
    "relays.bot_username": (
        "le nom d'utilisateur du bot, sans « @ » : une lettre puis 4 à 32 lettres, chiffres "
        'ou _, par exemple "parole_ville_bot"',
        "the bot's username, without '@': a letter then 4 to 32 letters, digits or _, "
        'e.g. "parole_ville_bot"',
    ),
    "digest.schedules.name": (
        'minuscules, chiffres, - ou _ (32 au plus), par exemple "hebdo"',
        'lower-case letters, digits, - or _ (32 at most), e.g. "hebdo"',
    ),
}
_FIELD: Final = re.compile(r'error parsing value for field "(\w+)"')


def config_problem(path: Path | None, error: Exception) -> str:
    """Why the configuration cannot be used: a line per mistake."""
    where = str(path or os.environ.get("PAROLE_CONFIG") or "configuration")
    if isinstance(error, ValidationError):
        return "\n".join(setting_problem(where, details) for details in error.errors())
    if isinstance(error, SettingsError):
        return environment_problem(error)
    if isinstance(error, tomllib.TOMLDecodeError):
        return f"{where} : n'est pas un TOML valide / is not valid TOML: {error}"
    if isinstance(error, UnicodeDecodeError):
        english = not_utf8(error)
    elif isinstance(error, FileNotFoundError):
        english = "configuration file not found"
    elif isinstance(error, OSError):
        english = f"cannot be read: {os_reason(error)}"
    else:
        english = str(error)
    return f"{where} : {french_then_english(reason(english), english)}"


def setting_problem(where: str, error: ErrorDetails) -> str:
    """One refused setting: where it came from (the file, or the environment variable that
    overrides it), its dotted key, and what to write instead."""
    loc = [str(part) for part in error["loc"]]
    names = [str(part) for part in error["loc"] if isinstance(part, str)]
    variable = "PAROLE_" + "__".join(names[: _named_depth(error["loc"])]).upper()
    from_environment = any(name.upper() == variable for name in os.environ)
    if from_environment:
        where = f"variable d'environnement {variable}"
    french, english = _explained(error, ".".join(names), from_environment=from_environment)
    return f"{where} : {'.'.join(loc)} : {french} / {english}"


def environment_problem(error: SettingsError) -> str:
    """A list or table given in an environment variable that is not JSON: pydantic-settings
    names only the section, so the variable is found here."""
    found = _FIELD.search(str(error))
    section = found[1] if found else ""
    prefix = f"PAROLE_{section.upper()}__"
    lines = []
    for name, value in sorted(os.environ.items()):
        if not name.upper().startswith(prefix):
            continue
        key = f"{section}.{name[len(prefix) :].lower().replace('__', '.')}"
        if _is_complex(_annotation(key.split("."))) and not _is_json(value):
            example = _LIST_EXAMPLES.get(key, "[…]")
            lines.append(
                f"variable d'environnement {name} : {key} : écrivez une liste en JSON, entre "
                f"crochets, par exemple {example} / write a JSON list, in square brackets, "
                f"e.g. {example}"
            )
    return "\n".join(lines) or (
        f"variables d'environnement {prefix}… : valeur illisible : une liste s'écrit en JSON, "
        "par exemple [1, 2] / unreadable value: write lists as JSON, e.g. [1, 2]"
    )


def _named_depth(loc: tuple[int | str, ...]) -> int:
    """How many parts of `loc` an environment variable can name: up to the first list index."""
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            return depth
    return len(loc)


def _explained(error: ErrorDetails, key: str, *, from_environment: bool) -> tuple[str, str]:
    """What is wrong and what to write, in French and in English."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    names = key.split(".")
    if kind == "extra_forbidden":
        return _unknown(names)
    if kind == "missing":
        return "manquant : ajoutez-le", "missing: add it"
    if names[0] == "staff" and kind in ("int_type", "int_parsing", "int_from_float"):
        return (
            "un identifiant Telegram est un nombre, sans guillemets (envoyez /digest au bot "
            "en privé : il répond avec le vôtre)",
            "a Telegram id is a number, without quotes (send /digest to the bot in private: "
            "it answers with yours)",
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        example = _example(names)
        return (
            f"écrivez un nombre entier, sans guillemets{_fr_example(example)}",
            f"write a whole number, without quotes{_en_example(example)}",
        )
    if kind in ("float_type", "float_parsing"):
        example = _example(names)
        return (
            f"écrivez un nombre, sans guillemets{_fr_example(example)}",
            f"write a number, without quotes{_en_example(example)}",
        )
    if kind in ("bool_type", "bool_parsing"):
        return "écrivez true ou false", "write true or false"
    bounds = {
        "greater_than_equal": ("égal ou supérieur à {ge}", "of {ge} or more"),
        "greater_than": ("supérieur à {gt}", "greater than {gt}"),
        "less_than_equal": ("égal ou inférieur à {le}", "of {le} or less"),
        "less_than": ("inférieur à {lt}", "less than {lt}"),
    }
    if kind in bounds:
        french, english = (text.format(**ctx) for text in bounds[kind])
        return f"écrivez un nombre {french}", f"write a number {english}"
    if kind in ("string_type", "path_type"):
        return "écrivez un texte entre guillemets", "write a text in quotes"
    if kind == "list_type":
        example = _LIST_EXAMPLES.get(key, "[…]")
        how = "en JSON, " if from_environment else ""
        return (
            f"écrivez une liste {how}entre crochets, par exemple {example}",
            f"write a list {'as JSON, ' if from_environment else ''}in square brackets, "
            f"e.g. {example}",
        )
    if kind == "too_short":
        return "la liste est vide : donnez-en au moins un", "the list is empty: give at least one"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        return (
            f"écrivez l'une de ces valeurs : {expected.replace(' or ', ' ou ')}",
            f"write one of {expected}",
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        table = f"[[{key}]]" if key == "digest.schedules" else f"[{key}]"
        return (
            f"écrivez une section {table} et ses réglages en dessous",
            f"write a section {table} with its settings under it",
        )
    if kind == "string_pattern_mismatch" and key in _PATTERNS:
        return _PATTERNS[key]
    if kind == "time_of_day":
        return (
            f"« {ctx['text']} » n'est pas une heure : écrivez HH:MM, de 00:00 à 23:59, par "
            'exemple "03:30"',
            error["msg"],
        )
    if kind == "time_zone":
        return (
            f"fuseau horaire inconnu « {ctx['name']} » : écrivez par exemple "
            '"Europe/Paris" (outre-mer : "America/Cayenne", "Indian/Reunion"…)',
            f'{error["msg"]}: write e.g. "Europe/Paris"',
        )
    return "valeur refusée", error["msg"].removeprefix("Value error, ")


def _unknown(names: list[str]) -> tuple[str, str]:
    """An unknown key: the one it is probably a typo of, else the keys allowed there."""
    allowed = _keys(names[:-1])
    close = difflib.get_close_matches(names[-1], allowed, n=1, cutoff=0.6)
    if close:
        right = ".".join([*names[:-1], close[0]])
        return (
            f"réglage inconnu : vouliez-vous dire {right} ?",
            f"unknown setting: did you mean {right}?",
        )
    return (
        "réglage inconnu (une faute de frappe ?)",
        f"unknown setting (a typo?); permis ici / allowed here: {', '.join(allowed)}",
    )


def _model(names: list[str]) -> type[BaseModel] | None:
    """The configuration model a list of keys leads to (a section), or None."""
    model: type[BaseModel] = Settings
    for name in names:
        field = model.model_fields.get(name)
        if field is None:
            return None
        inner = _inner_model(field.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model in `annotation` (`Section`, `list[Section]`), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        inner = _inner_model(argument)
        if inner is not None:
            return inner
    return None


def _keys(names: list[str]) -> list[str]:
    model = _model(names)
    return list(model.model_fields) if model is not None else []


def _annotation(names: list[str]) -> Any:
    model = _model(names[:-1])
    field = model.model_fields.get(names[-1]) if model is not None else None
    return field.annotation if field is not None else None


def _is_complex(annotation: Any) -> bool:
    """Whether pydantic-settings reads this setting's environment variable as JSON."""
    if annotation is None:
        return False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_complex(a) for a in get_args(annotation) if a is not type(None))
    return origin in (list, dict) or _inner_model(annotation) is not None


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _example(names: list[str]) -> object:
    """The setting's default value, as an example of what to write."""
    model = _model(names[:-1])
    field = model.model_fields.get(names[-1]) if model is not None else None
    return None if field is None else field.default


def _fr_example(value: object) -> str:
    return f", par exemple {value}" if isinstance(value, int | float) else ""


def _en_example(value: object) -> str:
    return f", e.g. {value}" if isinstance(value, int | float) else ""


# What the settings' own checks say (bot.settings, bot.scheduling), in French: the settings
# the bot needs to run, the digest schedules, what is probably not set up yet. Each pattern
# matches a whole reason.
_VARIABLE = r"\(set it or (PAROLE_\w+)\)"
_READINESS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (rf"telegram\.token is missing {_VARIABLE}", r"telegram.token manque (ou \1)"),
        (
            rf"privacy\.pseudonym_secret is missing or is an example value {_VARIABLE}",
            r"privacy.pseudonym_secret manque ou est une valeur d'exemple (ou \1)",
        ),
        (
            rf"privacy\.pseudonym_secret is shorter than 16 characters {_VARIABLE}",
            r"privacy.pseudonym_secret a moins de 16 caractères (ou \1)",
        ),
        (
            rf"privacy\.pseudonym_secret is the bot token: give it a secret of its own "
            rf"{_VARIABLE}",
            r"privacy.pseudonym_secret est le jeton du bot : donnez-lui un secret à lui (ou \1)",
        ),
        (
            r"telegram\.token is not a token from @BotFather .*",
            "telegram.token n'est pas un jeton de @BotFather (des chiffres, deux-points, puis "
            "environ 35 lettres, chiffres, - ou _) : une valeur d'exemple ?",
        ),
        (
            r"digest schedule '(.+)' is defined more than once",
            r"la synthèse programmée « \1 » est définie plusieurs fois",
        ),
        (
            r"digest schedule '(.+?)': cron '(.*?)' needs 5 fields .*",
            r"synthèse programmée « \1 » : le cron « \2 » demande 5 champs (minute heure "
            r"jour-du-mois mois jour-de-la-semaine)",
        ),
        (
            r"digest schedule '(.+?)': write days of the week as names .* in '(.*)'",
            r"synthèse programmée « \1 » : écrivez les jours de la semaine en noms (mon, tue, "
            r"… sun), pas en chiffres, dans « \2 »",
        ),
        (
            r"digest schedule '(.+?)': invalid cron '(.*?)': .*",
            r"synthèse programmée « \1 » : cron invalide « \2 »",
        ),
        (
            r"digest\.email\.host is set but digest\.email\.recipients is empty",
            "digest.email.host est donné mais digest.email.recipients est vide",
        ),
        (
            r"digest\.email\.username is set but digest\.email\.password is missing",
            "digest.email.username est donné mais digest.email.password manque",
        ),
        # What `parole check` notes as probably not set up yet (Settings.setup_notes).
        (
            r"consultation\.quartiers is the placeholder list \((.*)\): .*",
            r"consultation.quartiers est la liste provisoire (\1) : les habitants choisiraient "
            r"parmi ces quartiers ; donnez ceux de votre ville",
        ),
        (
            r"consultation\.quartiers is the example file's list \((.*)\): .*",
            r"consultation.quartiers est la liste du fichier d'exemple (\1) : les habitants "
            r"choisiraient parmi ces quartiers ; donnez ceux de votre ville",
        ),
        (
            r"staff\.user_ids is empty: .*",
            "staff.user_ids est vide : personne ne peut utiliser les commandes de l'équipe "
            "(envoyez /digest au bot en privé : il répond avec votre identifiant à ajouter)",
        ),
    )
)


def both(english: str) -> str:
    """A setting's problem in French, then English as given; English alone if not known."""
    for pattern, french in _READINESS:
        found = pattern.fullmatch(english)
        if found is not None:
            return f"{found.expand(french)} / {english}"
    return english
