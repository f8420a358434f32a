"""Validate Bot API requests against the Bot API 10.1 specification in spec/api.json."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).parent / "spec" / "api.json"

SCALARS = frozenset({"Integer", "Float", "Boolean", "String"})
_FORM_SCALARS = SCALARS | {"InputFile"}
CALLBACK_DATA_MAX_BYTES = 64
# Fields of InlineKeyboardButton that do not choose what the button does.
_BUTTON_COSMETIC_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
_DISCRIMINATOR = re.compile(r'(?:must be|always) "?(\w+)"?$')
_INTEGER = re.compile(r"-?\d+")
_ATTACH = re.compile(r"attach://([\w-]+)")


class ApiError(Exception):
    """A Bot API error: HTTP status, description and optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram answers with for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class Field:
    """One parameter of a method or field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    # The only value allowed, for discriminator fields such as BotCommandScopeChat.type.
    constant: str | None = None


@dataclass(frozen=True)
class Spec:
    """The parts of api.json the fake needs."""

    methods: dict[str, dict[str, Field]]
    method_by_lower_name: dict[str, str]
    types: dict[str, dict[str, Field]]
    subtypes: dict[str, tuple[str, ...]]


def _fields(raw: list[dict[str, Any]]) -> dict[str, Field]:
    fields = {}
    for item in raw:
        match = _DISCRIMINATOR.search(item["description"]) if item["name"] == "type" else None
        fields[item["name"]] = Field(
            name=item["name"],
            types=tuple(item["types"]),
            required=item["required"],
            constant=match.group(1) if match else None,
        )
    return fields


@cache
def load_spec() -> Spec:
    """Parse api.json once."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    methods = {name: _fields(m.get("fields", [])) for name, m in raw["methods"].items()}
    return Spec(
        methods=methods,
        method_by_lower_name={name.lower(): name for name in methods},
        types={name: _fields(t.get("fields", [])) for name, t in raw["types"].items()},
        subtypes={
            name: tuple(t["subtypes"]) for name, t in raw["types"].items() if "subtypes" in t
        },
    )


def method_name(method: str) -> str:
    """Canonical name of a method (Telegram matches names case-insensitively), or 404."""
    name = load_spec().method_by_lower_name.get(method.lower())
    if name is None:
        raise ApiError(404, "Not Found")
    return name


def validate(
    method: str, params: Mapping[str, object], files: Collection[str] = ()
) -> dict[str, Any]:
    """Check a request (and its multipart part names) against the spec; decode its values."""
    fields = load_spec().methods[method_name(method)]
    for name in params:
        if name not in fields:
            raise bad_request(f"unknown parameter {name}")
    # A file part stands for a parameter, or is referenced from one as attach://<name>.
    attached = {m for value in params.values() for m in _ATTACH.findall(str(value))}
    for name in files:
        if name not in fields and name not in attached:
            raise bad_request(f"unknown parameter {name}")
    for field in fields.values():
        if field.required and field.name not in params and field.name not in files:
            raise bad_request(f"parameter {field.name} is required")
    return {name: _decode_param(fields[name], value) for name, value in params.items()}


def _as_form_string(value: object) -> str:
    """Render a value the way the Bot API sees it: every top-level parameter is a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def _decode_param(field: Field, value: object) -> Any:
    text = _as_form_string(value)
    for type_name in field.types:
        decoded = _decode_scalar(type_name, text)
        if decoded is not None:
            return decoded
    structured = tuple(t for t in field.types if t not in _FORM_SCALARS)
    if not structured:
        expected = " or ".join(field.types)
        raise bad_request(f"invalid value for parameter {field.name}: expected {expected}")
    try:
        decoded = json.loads(text)
    except ValueError:
        raise bad_request(f"can't parse {field.name} JSON object") from None
    _check_alternatives(structured, decoded, field.name)
    return decoded


def _decode_scalar(type_name: str, text: str) -> int | float | bool | str | None:
    """Parse a form value as a scalar type, or None when it does not fit."""
    if type_name == "Integer" and _INTEGER.fullmatch(text):
        return int(text)
    if type_name == "Float":
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if type_name == "Boolean" and text.lower() in {"true", "false", "1", "0"}:
        return text.lower() in {"true", "1"}
    if type_name in {"String", "InputFile"}:
        return text
    return None


def _check_value(type_name: str, value: object, path: str) -> None:
    """Check a decoded JSON value against a spec type ("Integer", "Array of X", a type name)."""
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            raise bad_request(f"invalid value for {path}: expected an array")
        for index, item in enumerate(value):
            _check_value(type_name.removeprefix("Array of "), item, f"{path}[{index}]")
        return
    if type_name in _FORM_SCALARS:
        if not _scalar_ok(type_name, value):
            raise bad_request(f"invalid value for {path}: expected {type_name}")
        return
    if type_name == "KeyboardButton" and isinstance(value, str):
        return  # The API accepts a bare string as a text-only reply keyboard button.
    _check_object(type_name, value, path)


def _scalar_ok(type_name: str, value: object) -> bool:
    if isinstance(value, bool):
        return type_name == "Boolean"
    if type_name == "Integer":
        return isinstance(value, int)
    if type_name == "Float":
        return isinstance(value, int | float)
    return isinstance(value, str) and type_name in {"String", "InputFile"}


def _check_object(type_name: str, value: object, path: str) -> None:
    spec = load_spec()
    if not isinstance(value, dict):
        raise bad_request(f"invalid value for {path}: expected {type_name}")
    if type_name in spec.subtypes:
        _check_alternatives(spec.subtypes[type_name], value, path)
        return
    fields = spec.types[type_name]
    if not fields:
        return  # Placeholder types such as CallbackGame hold no fields.
    for key in value:
        if key not in fields:
            raise bad_request(f'unknown field "{key}" in {type_name} at {path}')
    for field in fields.values():
        if field.name not in value:
            if field.required:
                raise bad_request(f'field "{field.name}" is required in {type_name} at {path}')
            continue
        item = value[field.name]
        if field.constant is not None and item != field.constant:
            raise bad_request(f"invalid value for {path}.{field.name}: expected {field.constant}")
        _check_alternatives(field.types, item, f"{path}.{field.name}")
    if type_name == "InlineKeyboardButton":
        _check_inline_button(value)


def _check_alternatives(types: tuple[str, ...], value: object, path: str) -> None:
    """Accept a value matching any of `types`, reporting errors of the most plausible one."""
    if isinstance(value, dict):
        types = (
            tuple(t for t in types if _fits(t, value, with_required=True))
            or tuple(t for t in types if _fits(t, value, with_required=False))
            or types
        )
    first_error = None
    for type_name in types:
        try:
            _check_value(type_name, value, path)
        except ApiError as exc:
            first_error = first_error or exc
        else:
            return
    assert first_error is not None
    raise first_error


def _fits(type_name: str, value: dict[str, Any], *, with_required: bool) -> bool:
    """Whether an object has the discriminator (and, optionally, required) fields of a type."""
    spec = load_spec()
    if type_name in spec.subtypes:
        return any(
            _fits(name, value, with_required=with_required) for name in spec.subtypes[type_name]
        )
    if type_name not in spec.types:
        return False
    return all(
        value.get(field.name) == field.constant
        if field.constant is not None
        else field.name in value or not with_required
        for field in spec.types[type_name].values()
        if field.required
    )


def _check_inline_button(button: dict[str, Any]) -> None:
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
    if not set(button) - _BUTTON_COSMETIC_FIELDS:
        raise bad_request("text buttons are unallowed in the inline keyboard")
