"""Reading consultation files: TOML in, a validated `Consultation` out, errors named by place."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from flows.limits import telegram_problems
from flows.model import (
    LANGS,
    LANGUAGE_NAMES,
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
    describe_step,
    slug,
)

BUILTIN_DIR = Path(str(resources.files("flows") / "consultations"))


class ConsultationError(ValueError):
    """A consultation file that cannot be used; the message names the file and the place."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        # A folder's problems already name their file; a file's are prefixed with it.
        prefix = "" if path.is_dir() else f"{path}: "
        super().__init__("\n".join(f"{prefix}{problem}" for problem in self.problems))


def load_consultation(path: Path, quartiers: Sequence[str] = ()) -> Consultation:
    """Load and validate one consultation file, filling city lists from `quartiers`."""
    try:
        raw = read_toml(path)
    except OSError as error:
        raise ConsultationError(path, [f"cannot be read: {error.strerror}"]) from error
    except UnicodeDecodeError as error:
        raise ConsultationError(path, [not_utf8(error)]) from error
    except tomllib.TOMLDecodeError as error:
        hint = (
            " (a date is written 2026-12-31, and must be a real day)"
            if "date" in str(error)
            else ""
        )
        raise ConsultationError(path, [f"is not valid TOML: {error}{hint}"]) from error
    try:
        consultation = Consultation.model_validate(raw)
    except ValidationError as error:
        raise ConsultationError(path, _describe_all(raw, error.errors())) from error
    try:
        consultation = with_quartiers(consultation, quartiers)
    except ValueError as error:
        raise ConsultationError(path, [str(error)]) from error
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


def load_directory(directory: Path, quartiers: Sequence[str] = ()) -> list[Consultation]:
    """Load every `*.toml` consultation in `directory`; all problems are reported together."""
    loaded: list[tuple[Path, Consultation]] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            loaded.append((path, load_consultation(path, quartiers)))
        except ConsultationError as error:
            problems.extend(str(error).splitlines())
    files: dict[str, list[str]] = {}
    for path, consultation in loaded:
        files.setdefault(consultation.id, []).append(path.name)
    for cid, names in sorted(files.items()):
        if len(names) > 1:
            problems.append(f"{directory}: consultation id '{cid}' is used by {', '.join(names)}")
    if problems:
        raise ConsultationError(directory, problems) from None
    return [consultation for _, consultation in loaded]


def with_quartiers(consultation: Consultation, quartiers: Sequence[str]) -> Consultation:
    """Put the city's quartier list in front of the options of steps that ask for it."""
    city = _quartier_options(quartiers)
    steps = []
    for index, step in enumerate(consultation.steps):
        if isinstance(step, ChoiceStepBase) and step.options_from == "quartiers":
            where = describe_step(index, step.id)
            if not city:
                raise ValueError(
                    f"{where} lists the quartiers, but consultation.quartiers is empty: "
                    "set the city's quartiers in the configuration"
                )
            clash = sorted({o.code for o in city} & {o.code for o in step.options})
            if clash:
                raise ValueError(
                    f"{where}: option code(s) {', '.join(clash)} are also the code of a "
                    "quartier in consultation.quartiers: rename the option(s)"
                )
            step = step.model_copy(update={"options": [*city, *step.options]})
            if isinstance(step, MultiStep) and step.min_picks > len(step.codes()):
                raise ValueError(
                    f"{where}: min_picks is {step.min_picks} but there are "
                    f"{len(step.codes())} options with the quartiers: nobody could answer"
                )
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
            raise ValueError(
                f"{describe_step(index, step.id)}, show_if: '{step.show_if.value}' is not a "
                f"code of '{target.id}': use one of {', '.join(target.codes())}"
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
            raise ValueError(
                f"consultation.quartiers: '{name}' must be 1 to {MAX_LABEL} characters, "
                "as it is shown on a button"
            )
        options.append(Option(code=code, label=Text(fr=name, en=name)))
    return options


def _describe_all(raw: Any, errors: list[Any]) -> list[str]:
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
    lines: list[str] = []
    for error in errors:
        loc = tuple(error["loc"])
        if loc in meant and error["type"] == "missing":
            continue
        if loc in guesses:
            lines.append(f"{_where(raw, loc)}: unknown key: did you mean {guesses[loc]}?")
            continue
        lines.extend(_describe(raw, error))
    return lines


def _describe(raw: Any, error: Any) -> list[str]:
    """A pydantic error as the author's mistake: where in the file, what to write instead."""
    loc = tuple(error["loc"])
    kind = error["type"]
    where = _where(raw, loc)
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else ""
    value = error.get("input")
    if kind == "value_error":
        message = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
        lines = message.splitlines()
        # A whole file's problems (dates, steps, conditions) already say where they are.
        return lines if not loc else [f"{where}: {line}" for line in lines]
    if kind == "extra_forbidden":
        return [f"{where}: unknown key (a typo?): {_allowed(raw, loc)}"]
    if kind == "missing":
        return [f"{where}: missing: {_example(key)}"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        kinds = ", ".join(STEP_KINDS)
        if kind == "union_tag_not_found":
            return [f'{where}: kind is missing: add kind = "…", one of {kinds}']
        return [f"{where}, kind: '{error['ctx']['tag']}' is not a step kind: use one of {kinds}"]
    if kind == "enum" and key == "theme":
        themes = [theme.value for theme in Theme]
        close = difflib.get_close_matches(str(value), themes, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return [f"{where}: '{value}' is not a theme: {hint}use one of {', '.join(themes)}"]
    if kind == "string_pattern_mismatch":
        return [f"{where}: '{value}' cannot be used: {_pattern_rule(loc)}"]
    if kind == "string_too_short" and key in LANGS:
        return [f"{where}: empty: write the {LANGUAGE_NAMES[key]} text"]
    if kind in ("model_type", "dict_type") and key in _TEXT_KEYS:
        return [f'{where}: write it in both languages: {key} = {{ fr = "…", en = "…" }}']
    if kind.startswith("date_"):
        return [f"{where}: '{value}' is not a date: write it as 2026-12-31, without quotes"]
    if kind in ("bool_type", "bool_parsing"):
        return [f"{where}: write true or false, without quotes"]
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return [f"{where}: write a whole number, without quotes"]
    return [f"{where}: {error['msg']}"]


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
    "id": 'id = "…" (lower-case letters, digits and -)',
    "code": 'code = "…" (lower-case letters, digits, - and _)',
    "kind": 'kind = "single" (or info, multi, text, scale, yesno)',
    "opens": "opens = 2026-01-31 (the first day residents can answer)",
    "closes": "closes = 2026-12-31 (the last day residents can answer)",
    "steps": "add the questions, each under a line [[steps]]",
    "step": 'step = "…", the id of an earlier step',
    "fr": 'add the French text: fr = "…"',
    "en": 'add the English text: en = "…"',
}


def _example(key: str) -> str:
    if key in _TEXT_KEYS:
        return f'add {key} = {{ fr = "…", en = "…" }}'
    return _EXAMPLES.get(key, f"add {key}")


def _pattern_rule(loc: tuple[Any, ...]) -> str:
    if loc == ("id",):
        return "a consultation id has up to 32 lower-case letters (no accents), digits or -"
    return (
        "up to 24 lower-case letters (no accents, no spaces), digits, - or _, "
        "starting with a letter or a digit"
    )


def _allowed(raw: Any, loc: tuple[Any, ...]) -> str:
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
        return "remove it"
    keys = ", ".join(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{hint}allowed here: {keys}"


def _node(raw: Any, loc: tuple[Any, ...]) -> Any:
    node = raw
    for key in loc:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return node


def _where(raw: Any, loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the author finds it: 'step 4 (id 'besoins'), options 1
    (code 'garde'), label.en'."""
    parts: list[str] = []
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
                label = f"option {key + 1} (code '{node.get('code', '?')}')"
            else:
                label = f"{keys.pop() if keys else ''}[{key + 1}]"
            if keys:
                parts.append(".".join(keys))
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
        parts.append(".".join(keys))
    return ", ".join(parts) or "file"
