"""Reading consultation files: TOML in, a validated `Consultation` out, errors named by place."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flows.model import (
    OTHER_CODE,
    ChoiceStepBase,
    Consultation,
    Option,
    Text,
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
        raise ConsultationError(path, [f"is not valid TOML: {error}"]) from error
    try:
        consultation = Consultation.model_validate(raw)
    except ValidationError as error:
        raise ConsultationError(path, [_describe(raw, e) for e in error.errors()]) from error
    try:
        return with_quartiers(consultation, quartiers)
    except ValueError as error:
        raise ConsultationError(path, [str(error)]) from error


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
    for step in consultation.steps:
        if isinstance(step, ChoiceStepBase) and step.options_from == "quartiers":
            if not city:
                raise ValueError(
                    f"step '{step.id}' lists the quartiers, but consultation.quartiers is empty"
                )
            clash = {o.code for o in city} & {o.code for o in step.options}
            if clash:
                raise ValueError(f"step '{step.id}': quartier code(s) {sorted(clash)} clash")
            step = step.model_copy(update={"options": [*city, *step.options]})
        steps.append(step)
    # Conditions on a quartier step can only be checked now that its options are known.
    by_id = {step.id: step for step in steps}
    for step in steps:
        target = by_id.get(step.show_if.step) if step.show_if else None
        if (
            step.show_if is not None
            and isinstance(target, ChoiceStepBase)
            and target.options_from is not None
            and step.show_if.value not in target.codes()
        ):
            raise ValueError(
                f"step '{step.id}': show_if value '{step.show_if.value}' "
                f"is not an option of '{target.id}'"
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
        options.append(Option(code=code, label=Text(fr=name, en=name)))
    return options


def _describe(raw: Any, error: Any) -> str:
    """Turn a pydantic error location into 'steps[3] (id 'besoins').options[0]: message'."""
    parts: list[str] = []
    node = raw
    after_item = False
    for key in error["loc"]:
        if isinstance(key, int):
            label = f"[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "id" in node:
                label += f" (id '{node['id']}')"
            elif isinstance(node, dict) and "code" in node:
                label += f" (code '{node['code']}')"
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
            parts.append(("." if parts else "") + str(key))
    location = "".join(parts) or "file"
    return f"{location}: {error['msg']}"
