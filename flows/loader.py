"""Reading consultation files: TOML in, a validated `Consultation` out, errors named by place."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from flows.limits import telegram_problems
from flows.mistakes import (
    LANGUAGE_NAMES_EN,
    LANGUAGE_NAMES_FR,
    Bilingual,
    BilingualError,
    describe_step,
    one_of,
)
from flows.model import (
    LANGS,
    MAX_LABEL,
    OTHER_CODE,
    ChoiceStepBase,
    Condition,
    Consultation,
    InfoStep,
    MultiStep,
    Option,
    ScaleStep,
    SingleStep,
    Text,
    TextStep,
    Theme,
    YesNoStep,
    not_a_code,
    slug,
    too_few_options,
)

BUILTIN_DIR = Path(str(resources.files("flows") / "consultations"))
# A problem is a mistake in a file's contents, in French and in English; or, as a plain
# string, why a file or folder cannot be used at all, in English (bot.cli_french has the
# French of these reasons, shared with the configuration file's).
Problem = str | Bilingual


class ConsultationError(ValueError):
    """Consultation files that cannot be used: each problem with the file it is in (`found`),
    one line each in the message, naming the file and the place."""

    def __init__(
        self,
        path: Path,
        problems: Sequence[Problem] = (),
        *,
        found: Sequence[tuple[Path, Problem]] = (),
    ) -> None:
        self.path = path
        self.found = [*((path, problem) for problem in problems), *found]
        self.problems = [problem for _, problem in self.found]
        super().__init__("\n".join(problem_line(file, problem) for file, problem in self.found))


def problem_line(path: Path, problem: Problem) -> str:
    """One problem, after the file (or folder) it is in."""
    if isinstance(problem, Bilingual):
        return f"{path} : {problem}"
    # A folder's own reasons name it already.
    return problem if path.is_dir() else f"{path}: {problem}"


def load_consultation(path: Path, quartiers: Sequence[str] = ()) -> Consultation:
    """Load and validate one consultation file, filling city lists from `quartiers`."""
    try:
        raw = read_toml(path)
    except OSError as error:
        raise ConsultationError(path, [f"cannot be read: {error.strerror}"]) from error
    except UnicodeDecodeError as error:
        raise ConsultationError(path, [not_utf8(error)]) from error
    except tomllib.TOMLDecodeError as error:
        raise ConsultationError(path, [_not_toml(error)]) from error
    try:
        consultation = Consultation.model_validate(raw)
    except ValidationError as error:
        raise ConsultationError(path, _describe_all(raw, error.errors())) from error
    try:
        consultation = with_quartiers(consultation, quartiers)
    except BilingualError as error:
        raise ConsultationError(path, error.mistakes) from error
    too_big = telegram_problems(consultation)
    if too_big:
        raise ConsultationError(path, too_big)
    return consultation


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a UTF-8 byte order mark (Windows Notepad writes one) is skipped."""
    return tomllib.loads(path.read_bytes().decode("utf-8-sig"))


def not_utf8(error: UnicodeDecodeError) -> str:
    """What to tell about a file that is not UTF-8: where, and what to do."""
    line = bytes(error.object[: error.start]).count(b"\n") + 1
    return f"is not UTF-8 (line {line}): save it as UTF-8"


_TOML_PLACE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _not_toml(error: tomllib.TOMLDecodeError) -> Bilingual:
    """A file TOML cannot read: the line, and what to look at there."""
    message = str(error)
    place = _TOML_PLACE.search(message)
    where = f"ligne {place[1]}, colonne {place[2]}" if place else "à la fin du fichier"
    if "date" in message:
        french = "une date s'écrit 2026-12-31, et doit être un vrai jour"
        english = " (a date is written 2026-12-31, and must be a real day)"
    else:
        french = "regardez les guillemets, crochets, accolades et signes = à cet endroit"
        english = ""
    return Bilingual(
        f"n'est pas un TOML valide, {where} : {french}", f"is not valid TOML: {message}{english}"
    )


def load_directory(directory: Path, quartiers: Sequence[str] = ()) -> list[Consultation]:
    """Load every `*.toml` consultation in `directory`; all problems are reported together."""
    loaded: list[tuple[Path, Consultation]] = []
    found: list[tuple[Path, Problem]] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            loaded.append((path, load_consultation(path, quartiers)))
        except ConsultationError as error:
            found.extend(error.found)
    files: dict[str, list[str]] = {}
    for path, consultation in loaded:
        files.setdefault(consultation.id, []).append(path.name)
    for cid, names in sorted(files.items()):
        if len(names) > 1:
            used = ", ".join(names)
            found.append(
                (
                    directory,
                    Bilingual(
                        f"l'id de consultation « {cid} » est pris par {used} : donnez-leur "
                        "chacune son id",
                        f"consultation id '{cid}' is used by {used}",
                    ),
                )
            )
    if found:
        raise ConsultationError(directory, found=found) from None
    return [consultation for _, consultation in loaded]


def with_quartiers(consultation: Consultation, quartiers: Sequence[str]) -> Consultation:
    """Put the city's quartier list in front of the options of steps that ask for it."""
    city = _quartier_options(quartiers)
    steps = []
    for index, step in enumerate(consultation.steps):
        if isinstance(step, ChoiceStepBase) and step.options_from == "quartiers":
            where = describe_step(index, step.id)
            if not city:
                raise BilingualError(
                    Bilingual(
                        f"{where.fr} liste les quartiers, mais consultation.quartiers est "
                        "vide : écrivez les quartiers de la ville dans la configuration",
                        f"{where.en} lists the quartiers, but consultation.quartiers is empty: "
                        "set the city's quartiers in the configuration",
                    )
                )
            clash = ", ".join(sorted({o.code for o in city} & {o.code for o in step.options}))
            if clash:
                raise BilingualError(
                    Bilingual(
                        f"code(s) d'option {clash} aussi code d'un quartier de "
                        "consultation.quartiers : renommez ces options",
                        f"option code(s) {clash} are also the code of a "
                        "quartier in consultation.quartiers: rename the option(s)",
                    ).at(where)
                )
            step = step.model_copy(update={"options": [*city, *step.options]})
            if isinstance(step, MultiStep) and step.min_picks > len(step.codes()):
                raise BilingualError(too_few_options(step.min_picks, len(step.codes())).at(where))
        steps.append(step)
    # Conditions on a quartier step can only be checked now that its options are known.
    by_id = {step.id: step for step in steps}
    for index, step in enumerate(steps):
        target = by_id.get(step.show_if.step) if step.show_if else None
        if (
            step.show_if is not None
            and isinstance(target, ChoiceStepBase)
            and target.options_from is not None
            and step.show_if.value not in target.codes()
        ):
            where = describe_step(index, step.id).key("show_if")
            raise BilingualError(
                one_of(target.codes()).at(not_a_code(step.show_if.value, target.id)).at(where)
            )
    return consultation.model_copy(update={"steps": steps})


def _quartier_options(quartiers: Sequence[str]) -> list[Option]:
    options: list[Option] = []
    used: set[str] = {OTHER_CODE}
    for name in quartiers:
        base = slug(name)
        code, n = base, 2
        while code in used:
            code, n = f"{base[:21]}-{n}", n + 1
        used.add(code)
        if not name.strip() or len(name) > MAX_LABEL:
            raise BilingualError(
                Bilingual(
                    f"consultation.quartiers : « {name} » doit faire de 1 à {MAX_LABEL} "
                    "caractères, car il est montré sur un bouton",
                    f"consultation.quartiers: '{name}' must be 1 to {MAX_LABEL} characters, "
                    "as it is shown on a button",
                )
            )
        options.append(Option(code=code, label=Text(fr=name, en=name)))
    return options


def _describe_all(raw: Any, errors: list[Any]) -> list[Bilingual]:
    """One line per mistake. A misspelt key is one mistake, though pydantic sees two (an
    unknown key, and a required one missing beside it): said once, with the right key."""
    missing = [tuple(e["loc"]) for e in errors if e["type"] == "missing"]
    guesses: dict[tuple[Any, ...], str] = {}
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            near = [str(m[-1]) for m in missing if m[:-1] == loc[:-1]]
            close = difflib.get_close_matches(str(loc[-1]), near, n=1)
            if close:
                guesses[loc] = close[0]
    meant = {(*loc[:-1], key) for loc, key in guesses.items()}
    lines: list[Bilingual] = []
    for error in errors:
        loc = tuple(error["loc"])
        if loc in meant and error["type"] == "missing":
            continue
        if loc in guesses:
            right = guesses[loc]
            lines.append(
                Bilingual(
                    f"clé inconnue : vouliez-vous dire {right} ?",
                    f"unknown key: did you mean {right}?",
                ).at(_where(raw, loc))
            )
            continue
        lines.extend(_describe(raw, error))
    return lines


def _describe(raw: Any, error: Any) -> list[Bilingual]:
    """A pydantic error as the author's mistake: where in the file, what to write instead."""
    loc = tuple(error["loc"])
    where = _where(raw, loc)
    if error["type"] == "value_error":
        cause = error.get("ctx", {}).get("error")
        if not isinstance(cause, BilingualError):
            return [_unexplained(error).at(where)]
        # A whole file's problems (dates, steps, conditions) already say where they are.
        return list(cause.mistakes) if not loc else [m.at(where) for m in cause.mistakes]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return [_step_kind(error, where)]
    return [_explained(raw, error, loc).at(where)]


def _step_kind(error: Any, where: Bilingual) -> Bilingual:
    """A step without a kind, or with one that is not a step kind."""
    kinds = ", ".join(STEP_KINDS)
    if error["type"] == "union_tag_not_found":
        return Bilingual(
            f'kind manque : ajoutez kind = "…", l\'un de {kinds}',
            f'kind is missing: add kind = "…", one of {kinds}',
        ).at(where)
    tag = error["ctx"]["tag"]
    return one_of(list(STEP_KINDS)).at(
        Bilingual(f"« {tag} » n'est pas un type d'étape", f"'{tag}' is not a step kind").at(
            where.key("kind")
        )
    )


def _explained(raw: Any, error: Any, loc: tuple[Any, ...]) -> Bilingual:
    """What is wrong with the value at `loc`, and what to write."""
    kind = error["type"]
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else ""
    value = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed(raw, loc)
        return Bilingual(
            f"clé inconnue (une faute de frappe ?) : {allowed.fr}",
            f"unknown key (a typo?): {allowed.en}",
        )
    if kind == "missing":
        example = _example(key)
        return Bilingual(f"manquant : {example.fr}", f"missing: {example.en}")
    if kind == "enum" and key == "theme":
        themes = [theme.value for theme in Theme]
        hint = _did_you_mean(str(value), themes)
        return Bilingual(
            f"« {value} » n'est pas un thème : {hint.fr}utilisez l'un de {', '.join(themes)}",
            f"'{value}' is not a theme: {hint.en}use one of {', '.join(themes)}",
        )
    if kind == "string_pattern_mismatch":
        return _pattern_rule(loc).at(
            Bilingual(f"« {value} » ne convient pas", f"'{value}' cannot be used")
        )
    if kind == "string_too_short" and key in LANGS:
        return Bilingual(
            f"vide : écrivez le texte {LANGUAGE_NAMES_FR[key]}",
            f"empty: write the {LANGUAGE_NAMES_EN[key]} text",
        )
    if kind in ("model_type", "dict_type") and key in _TEXT_KEYS:
        both = f'{key} = {{ fr = "…", en = "…" }}'
        return Bilingual(
            f"écrivez-le dans les deux langues : {both}",
            f"write it in both languages: {both}",
        )
    if kind.startswith("date_"):
        return Bilingual(
            f"« {value} » n'est pas une date : écrivez-la 2026-12-31, sans guillemets",
            f"'{value}' is not a date: write it as 2026-12-31, without quotes",
        )
    if kind in ("bool_type", "bool_parsing"):
        return Bilingual(
            "écrivez true ou false, sans guillemets", "write true or false, without quotes"
        )
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return Bilingual(
            "écrivez un nombre entier, sans guillemets", "write a whole number, without quotes"
        )
    if kind == "literal_error":  # options_from, the one key with a fixed word
        expected = error["ctx"]["expected"]
        return Bilingual(f"« {value} » ne convient pas : écrivez {expected}", error["msg"])
    return _unexplained(error)


def _did_you_mean(wrong: str, known: list[str]) -> Bilingual:
    """The word `wrong` is closest to, asked, if one is close; else nothing."""
    close = difflib.get_close_matches(wrong, known, n=1)
    if not close:
        return Bilingual("", "")
    return Bilingual(f"vouliez-vous dire {close[0]} ? ", f"did you mean {close[0]}? ")


def _unexplained(error: Any) -> Bilingual:
    """A mistake this module has no words for: pydantic's own, in English."""
    return Bilingual(f"valeur refusée ({error['msg']})", error["msg"])


STEP_KINDS = ("info", "single", "multi", "text", "scale", "yesno")
_STEP_CLASSES: dict[str, type[BaseModel]] = {
    "info": InfoStep,
    "single": SingleStep,
    "multi": MultiStep,
    "text": TextStep,
    "scale": ScaleStep,
    "yesno": YesNoStep,
}
_TEXT_KEYS = frozenset({"title", "welcome", "thanks", "text", "help", "label"}) | {
    "min_label",
    "max_label",
}
_EXAMPLES = {
    "id": Bilingual(
        'id = "…" (minuscules, chiffres et -)', 'id = "…" (lower-case letters, digits and -)'
    ),
    "code": Bilingual(
        'code = "…" (minuscules, chiffres, - et _)',
        'code = "…" (lower-case letters, digits, - and _)',
    ),
    "kind": Bilingual(
        'kind = "single" (ou info, multi, text, scale, yesno)',
        'kind = "single" (or info, multi, text, scale, yesno)',
    ),
    "opens": Bilingual(
        "opens = 2026-01-31 (le premier jour où les habitants peuvent répondre)",
        "opens = 2026-01-31 (the first day residents can answer)",
    ),
    "closes": Bilingual(
        "closes = 2026-12-31 (le dernier jour où les habitants peuvent répondre)",
        "closes = 2026-12-31 (the last day residents can answer)",
    ),
    "steps": Bilingual(
        "ajoutez les questions, chacune sous une ligne [[steps]]",
        "add the questions, each under a line [[steps]]",
    ),
    "step": Bilingual(
        "step = \"…\", l'id d'une étape d'avant", 'step = "…", the id of an earlier step'
    ),
    "fr": Bilingual('ajoutez le texte français : fr = "…"', 'add the French text: fr = "…"'),
    "en": Bilingual('ajoutez le texte anglais : en = "…"', 'add the English text: en = "…"'),
}


def _example(key: str) -> Bilingual:
    if key in _TEXT_KEYS:
        both = f'{key} = {{ fr = "…", en = "…" }}'
        return Bilingual(f"ajoutez {both}", f"add {both}")
    return _EXAMPLES.get(key, Bilingual(f"ajoutez {key}", f"add {key}"))


def _pattern_rule(loc: tuple[Any, ...]) -> Bilingual:
    if loc == ("id",):
        return Bilingual(
            "un id de consultation a jusqu'à 32 minuscules (sans accents), chiffres ou -",
            "a consultation id has up to 32 lower-case letters (no accents), digits or -",
        )
    return Bilingual(
        "jusqu'à 24 minuscules (sans accents, sans espaces), chiffres, - ou _, en commençant "
        "par une lettre ou un chiffre",
        "up to 24 lower-case letters (no accents, no spaces), digits, - or _, "
        "starting with a letter or a digit",
    )


def _allowed(raw: Any, loc: tuple[Any, ...]) -> Bilingual:
    """The keys allowed where an unknown one was found."""
    # pydantic names a step's kind between its index and its keys ("steps", 2, "single", …).
    path = tuple(key for i, key in enumerate(loc[:-1]) if not (i == 2 and loc[0] == "steps"))
    parent = _node(raw, path)
    model: type[BaseModel] | None = None
    if not path:
        model = Consultation
    elif path[-1] in _TEXT_KEYS:
        model = Text
    elif path[-1] == "show_if":
        model = Condition
    elif len(path) >= 2 and path[-2] == "options":
        model = Option
    elif len(path) == 2 and path[0] == "steps" and isinstance(parent, dict):
        model = _STEP_CLASSES.get(str(parent.get("kind")))
    if model is None:
        return Bilingual("enlevez-la", "remove it")
    keys = ", ".join(model.model_fields)
    hint = _did_you_mean(str(loc[-1]), list(model.model_fields))
    return Bilingual(f"{hint.fr}possibles ici : {keys}", f"{hint.en}allowed here: {keys}")


def _node(raw: Any, loc: tuple[Any, ...]) -> Any:
    node = raw
    for key in loc:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return node


def _where(raw: Any, loc: tuple[Any, ...]) -> Bilingual:
    """A pydantic error location as the author finds it: 'step 4 (id 'besoins'), options 1
    (code 'garde'), label.en'."""
    parts: list[Bilingual] = []
    keys: list[str] = []
    node = raw
    after_item = False
    for key in loc:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if keys and keys[-1] == "steps" and isinstance(node, dict):
                keys.pop()
                label = describe_step(key, str(node.get("id", "?")))
            elif keys and keys[-1] == "options" and isinstance(node, dict):
                keys.pop()
                code = node.get("code", "?")
                label = Bilingual(
                    f"option {key + 1} (code « {code} »)", f"option {key + 1} (code '{code}')"
                )
            else:
                item = f"{keys.pop() if keys else ''}[{key + 1}]"
                label = Bilingual(item, item)
            if keys:
                parts.append(_key(".".join(keys)))
                keys = []
            parts.append(label)
            after_item = True
        else:
            # The discriminator's branch name comes right after a step's index and adds nothing
            # for the reader; only there: a text step's own `text` field must still be named.
            if after_item and isinstance(node, dict) and node.get("kind") == key:
                after_item = False
                continue
            after_item = False
            node = node.get(key) if isinstance(node, dict) else None
            keys.append(str(key))
    if keys:
        parts.append(_key(".".join(keys)))
    if not parts:
        return Bilingual("fichier", "file")
    return Bilingual(", ".join(p.fr for p in parts), ", ".join(p.en for p in parts))


def _key(name: str) -> Bilingual:
    """A key of the file, named alike in both languages."""
    return Bilingual(name, name)
