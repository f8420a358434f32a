"""What a resident can do, independent of the transport, and the button actions that carry it."""

from __future__ import annotations

from dataclasses import dataclass

from flows.model import LANGS, Lang


@dataclass(frozen=True)
class Event:
    """Base of all events; `position` is set when the event comes from a button."""

    position: int | None = None


@dataclass(frozen=True)
class Show(Event):
    """Show the current screen again."""


@dataclass(frozen=True)
class Accept(Event):
    """Agree to take part."""


@dataclass(frozen=True)
class Decline(Event):
    """Refuse to take part."""


@dataclass(frozen=True)
class Continue(Event):
    """Go past an information step."""


@dataclass(frozen=True)
class Choose(Event):
    """Pick an option (single choice, scale value, yes/no)."""

    code: str = ""


@dataclass(frozen=True)
class Toggle(Event):
    """Select (`on`) or unselect an option of a multiple choice: idempotent, unlike a flip."""

    code: str = ""
    on: bool = True


@dataclass(frozen=True)
class Validate(Event):
    """Confirm a multiple choice."""


@dataclass(frozen=True)
class TextInput(Event):
    """A typed message."""

    text: str = ""


@dataclass(frozen=True)
class Skip(Event):
    """Skip an optional question."""


@dataclass(frozen=True)
class Back(Event):
    """Go back to the previous step."""


@dataclass(frozen=True)
class Keep(Event):
    """Leave a question answered earlier as it is, and go on."""


@dataclass(frozen=True)
class Restart(Event):
    """Start again: asks first when answers would be erased (see `ConfirmRestart`)."""


@dataclass(frozen=True)
class ConfirmRestart(Event):
    """Erase this session's answers and start at the first step, once the resident agreed."""


@dataclass(frozen=True)
class Review(Event):
    """List the answers given so far, to change one (see `GoTo`)."""


@dataclass(frozen=True)
class GoTo(Event):
    """Go back to the question `step`, answered earlier, to change its answer."""

    step: str = ""


@dataclass(frozen=True)
class SetLanguage(Event):
    """Speak `lang` from now on (the welcome's other-language button)."""

    lang: Lang = "fr"


@dataclass(frozen=True)
class Pick(Event):
    """Choose which consultation to answer."""

    consultation_id: str = ""


_SIMPLE: dict[str, type[Event]] = {
    "ok": Accept,
    "no": Decline,
    "n": Continue,
    "v": Validate,
    "s": Skip,
    "b": Back,
    "k": Keep,
    "r": Restart,
    "rc": ConfirmRestart,
    "sh": Show,
    "rv": Review,
}
_SIMPLE_CODES = {kind: code for code, kind in _SIMPLE.items()}
_LANGS: dict[str, Lang] = {lang: lang for lang in LANGS}


def encode(event: Event) -> str:
    """The short action string a button carries for `event` (position excluded)."""
    if isinstance(event, Choose):
        return f"c:{event.code}"
    if isinstance(event, Toggle):
        return f"{'t' if event.on else 'u'}:{event.code}"
    if isinstance(event, Pick):
        return f"p:{event.consultation_id}"
    if isinstance(event, SetLanguage):
        return f"l:{event.lang}"
    if isinstance(event, GoTo):
        return f"g:{event.step}"
    return _SIMPLE_CODES[type(event)]


def decode(action: str, position: int | None = None) -> Event | None:
    """The event a button's action string stands for, or None if it is not one."""
    kind, _, code = action.partition(":")
    if kind in _SIMPLE and not code:
        return _SIMPLE[kind](position=position)
    if not code:
        return None
    if kind == "c":
        return Choose(position=position, code=code)
    if kind in ("t", "u"):
        return Toggle(position=position, code=code, on=kind == "t")
    if kind == "p":
        return Pick(position=position, consultation_id=code)
    if kind == "g":
        return GoTo(position=position, step=code)
    if kind == "l" and code in _LANGS:
        return SetLanguage(position=position, lang=_LANGS[code])
    return None
