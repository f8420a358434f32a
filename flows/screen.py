"""What to show a resident, independent of the transport: texts and buttons, no markup."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.events import Event


@dataclass(frozen=True)
class Button:
    """A button: its label and the event it sends."""

    label: str
    event: Event


@dataclass(frozen=True)
class Screen:
    """One message to the resident.

    `title` is the question; `progress`, `body` (help) and `hint` (how to answer) surround it;
    `notice` is a problem or remark about the last input, shown first. `edit` asks the transport
    to replace the previous screen in place (a multiple-choice toggle) rather than send anew.
    `final` marks the end of the session (thanks or refusal).
    """

    title: str
    progress: str | None = None
    body: str | None = None
    hint: str | None = None
    notice: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    expects_text: bool = False
    edit: bool = False
    final: bool = False
